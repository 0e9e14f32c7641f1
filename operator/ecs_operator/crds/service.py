"""The ECS Service CRD (plural ecsservices): ECS's CreateService request body under `spec`."""

from __future__ import annotations

from .schema import (Schema, array, boolean, condition, free_form, integer, obj, string,
                     strings, tags)

CIRCUIT_BREAKER = obj(
    "Stops a deployment whose tasks keep failing and, with rollback, returns to the last "
    "completed deployment.", {
        "enable": boolean("Turn the circuit breaker on."),
        "rollback": boolean("Roll back to the last completed deployment when it trips."),
        "thresholdConfiguration": obj(
            "Failed tasks tolerated before the breaker trips. Default BOUNDED_PERCENT 50: "
            "ceil(desiredCount x 50%) kept within 3..200.", {
                "type": string("BOUNDED_PERCENT and UNBOUNDED_PERCENT multiply value by "
                               "desiredCount (the first keeps the result within 3..200); COUNT "
                               "uses value as the threshold.",
                               enum=["COUNT", "BOUNDED_PERCENT", "UNBOUNDED_PERCENT"]),
                "value": integer("The count, or the percent of desiredCount.", minimum=1),
            }, required=["type", "value"]),
    }, required=["enable", "rollback"])

DEPLOYMENT_CONFIGURATION = obj(
    "How many tasks run during a deployment. With desiredCount d: at least "
    "ceil(d * minimumHealthyPercent / 100) stay healthy (RollingUpdate maxUnavailable and the "
    "PodDisruptionBudget) and at most floor(d * maximumPercent / 100) run (maxSurge).", {
        "minimumHealthyPercent": integer("Lower bound on healthy tasks, as a percent of "
                                         "desiredCount.", minimum=0, maximum=100, default=100),
        "maximumPercent": integer("Upper bound on running tasks, as a percent of desiredCount.",
                                  minimum=100, default=200),
        "deploymentCircuitBreaker": CIRCUIT_BREAKER,
        "alarms": free_form("CloudWatch alarms that stop a deployment (not supported)."),
        "strategy": string("Deployment strategy; only ROLLING is supported.",
                           enum=["ROLLING", "BLUE_GREEN"]),
    })

# Kubernetes rejects a RollingUpdate with maxSurge == maxUnavailable == 0, and ECS cannot make
# progress with such bounds either, so say so at admission rather than leave a stuck Service.
PROGRESS_RULE = (
    "!has(self.deploymentConfiguration) || self.desiredCount == 0 || "
    "(self.desiredCount * (has(self.deploymentConfiguration.maximumPercent) ? "
    "self.deploymentConfiguration.maximumPercent : 200)) / 100 - "
    "(self.desiredCount * (has(self.deploymentConfiguration.minimumHealthyPercent) ? "
    "self.deploymentConfiguration.minimumHealthyPercent : 100) + 99) / 100 >= 1",
    "deploymentConfiguration can never make progress: with this desiredCount, "
    "floor(desiredCount * maximumPercent / 100) must exceed "
    "ceil(desiredCount * minimumHealthyPercent / 100) by at least one task "
    "(e.g. minimumHealthyPercent 100 needs maximumPercent above 100)",
)

SPEC: Schema = obj(
    "An ECS service (CreateService request): keeps desiredCount tasks of a task definition "
    "running.", {
        "serviceName": string("Service name; defaults to metadata.name."),
        "cluster": string("ECS cluster name (informational; see capacity in the docs)."),
        "taskDefinition": string("family (tracks the latest revision) or family:revision "
                                 "(pinned).", pattern=r"^[a-zA-Z0-9_-]{1,255}(:[1-9][0-9]*)?$"),
        "desiredCount": integer("Number of tasks to keep running. `kubectl scale` sets it.",
                                minimum=0, default=1),
        "launchType": string("EC2, FARGATE or EXTERNAL (informational).",
                             enum=["EC2", "FARGATE", "EXTERNAL"]),
        "capacityProviderStrategy": array("Capacity providers (not supported yet).",
                                          free_form("A capacity provider strategy item.")),
        "platformVersion": string("Fargate platform version (informational)."),
        "deploymentConfiguration": DEPLOYMENT_CONFIGURATION,
        "deploymentController": obj("Deployment controller.", {
            "type": string("Only ECS is supported.", enum=["ECS", "CODE_DEPLOY", "EXTERNAL"]),
        }),
        "schedulingStrategy": string("REPLICA keeps desiredCount tasks; DAEMON (not supported "
                                     "yet) one per node.", enum=["REPLICA", "DAEMON"],
                                     default="REPLICA"),
        "placementConstraints": array("Placement constraints (not supported yet).",
                                      free_form("A placement constraint.")),
        "placementStrategy": array("Placement strategies (not supported yet).",
                                   free_form("A placement strategy.")),
        "loadBalancers": array("Load balancers (not supported yet).",
                               free_form("A load balancer.")),
        "serviceRegistries": array("Service discovery registries (not supported yet).",
                                   free_form("A service registry.")),
        "serviceConnectConfiguration": free_form("Service Connect (not supported yet)."),
        "networkConfiguration": free_form("awsvpc subnets and security groups (not needed on "
                                          "Kubernetes)."),
        "healthCheckGracePeriodSeconds": integer("Seconds to ignore failing health checks "
                                                 "after a task starts (not supported yet).",
                                                 minimum=0, maximum=2147483647),
        "enableECSManagedTags": boolean("ECS managed tags (informational)."),
        "propagateTags": string("Tag propagation (informational).",
                                enum=["TASK_DEFINITION", "SERVICE", "NONE"]),
        "enableExecuteCommand": boolean("ECS Exec (use kubectl exec instead)."),
        "availabilityZoneRebalancing": string("AZ rebalancing (not supported).",
                                              enum=["ENABLED", "DISABLED"]),
        "volumeConfigurations": array("Volumes configured at launch (not supported).",
                                      free_form("A volume configuration.")),
        "tags": tags(),
    },
    required=["taskDefinition"],
    rules=[PROGRESS_RULE],
)

DEPLOYMENT = obj("One ECS deployment: a task definition revision being run.", {
    "id": string("Deployment id (ecs-svc/ followed by digits), stable for its life."),
    "status": string("PRIMARY (newest), ACTIVE (still running tasks) or INACTIVE.",
                     enum=["PRIMARY", "ACTIVE", "INACTIVE"]),
    "taskDefinition": string("family:revision run by this deployment."),
    "desiredCount": integer("Tasks this deployment should run."),
    "pendingCount": integer("Tasks not yet running."),
    "runningCount": integer("Tasks running."),
    "failedTasks": integer("Tasks that stopped before becoming healthy."),
    "rolloutState": string("IN_PROGRESS, COMPLETED or FAILED.",
                           enum=["IN_PROGRESS", "COMPLETED", "FAILED"]),
    "rolloutStateReason": string("Why the rollout is in this state."),
    "circuitBreaker": obj("The deployment circuit breaker, as ECS shows it.", {
        "status": string("MONITORING, TRIGGERED, MONITORING_COMPLETE or DISABLED.",
                         enum=["MONITORING", "TRIGGERED", "MONITORING_COMPLETE", "DISABLED"]),
        "failureCount": integer("Failed tasks counted."),
        "threshold": integer("Failed tasks that trip the breaker."),
    }),
    "createdAt": string("When the deployment started."),
    "updatedAt": string("When the deployment last changed."),
})

EVENT = obj("A service event, ECS wording.", {
    "id": string("Event id."),
    "createdAt": string("When it happened."),
    "message": string("What happened, e.g. (service web) has reached a steady state."),
})

STATUS: Schema = obj("Observed state, as DescribeServices shows it.", {
    "serviceName": string("The service name."),
    "status": string("ACTIVE, DRAINING or INACTIVE.", enum=["ACTIVE", "DRAINING", "INACTIVE"]),
    "desiredCount": integer("Tasks wanted."),
    "runningCount": integer("Tasks in RUNNING."),
    "pendingCount": integer("Tasks not yet RUNNING."),
    "taskDefinition": string("The resolved task definition, family:revision."),
    "rolloutState": string("The PRIMARY deployment's rolloutState.",
                           enum=["IN_PROGRESS", "COMPLETED", "FAILED"]),
    "selector": string("Label selector of the service's tasks (for the scale subresource)."),
    "deployments": array("Deployments, PRIMARY first.", DEPLOYMENT),
    "runningTasks": strings("Task ids (pod names) in RUNNING; the operator compares it with "
                            "the next observation to report tasks started and stopped."),
    "events": array("Recent events, newest first.", EVENT, max_items=100),
    "rollback": obj("Set when the circuit breaker rolled the service back; the service keeps "
                    "the `to` revision until its task definition resolves to another one.", {
        "from": string("The failed family:revision."),
        "to": string("The family:revision rolled back to."),
        "failedDeploymentId": string("The failed deployment."),
        "deploymentId": string("The deployment rolled back to."),
    }),
    "unsupportedFields": strings("Fields the operator cannot honour."),
    "observedGeneration": integer("The .metadata.generation last acted on."),
    "conditions": array("Conditions: Valid, Available, Progressing, SteadyState.", condition()),
})


def crd() -> Schema:
    from . import custom_resource_definition
    return custom_resource_definition(
        kind="Service", plural="ecsservices", singular="ecsservice", short_names=["esvc"],
        spec=SPEC, status=STATUS,
        scale={"specReplicasPath": ".spec.desiredCount",
               "statusReplicasPath": ".status.runningCount",
               "labelSelectorPath": ".status.selector"},
        printer_columns=[
            ("Desired", "integer", ".spec.desiredCount", "Tasks wanted."),
            ("Running", "integer", ".status.runningCount", "Tasks running."),
            ("Pending", "integer", ".status.pendingCount", "Tasks not yet running."),
            ("Task Definition", "string", ".status.taskDefinition", "Resolved family:revision."),
            ("Rollout", "string", ".status.rolloutState", "Primary deployment's rollout state."),
        ],
    )
