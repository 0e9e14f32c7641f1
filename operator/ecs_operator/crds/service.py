"""The ECS Service CRD (plural ecsservices): ECS's CreateService request body under `spec`."""

from __future__ import annotations

from .placement import CAPACITY_PROVIDER_STRATEGY, PLACEMENT_CONSTRAINTS, PLACEMENT_STRATEGY
from .schema import (TASK_DEFINITION_REFERENCE, Schema, array, boolean, condition, free_form,
                     integer, nullable_fields, number, obj, string, strings, tags)

CIRCUIT_BREAKER = obj(
    "Stops a deployment whose tasks keep failing and, with rollback, returns to the last "
    "completed deployment.", {
        "enable": boolean("Turn the circuit breaker on."),
        "rollback": boolean("Roll back to the last completed deployment when it trips."),
        "resetOnHealthyTask": boolean("A task reaching healthy sets the failure count back "
                                      "to 0. Default true."),
        "thresholdConfiguration": obj(
            "Failed tasks tolerated before the breaker trips. Default BOUNDED_PERCENT 50: "
            "ceil(desiredCount x 50%) kept within 3..200.", {
                "type": string("BOUNDED_PERCENT and UNBOUNDED_PERCENT multiply value by "
                               "desiredCount (the first keeps the result within 3..200); COUNT "
                               "uses value as the threshold.",
                               enum=["COUNT", "BOUNDED_PERCENT", "UNBOUNDED_PERCENT"]),
                "value": integer("The count, or the percent of desiredCount (a threshold "
                                 "below 1 counts as 1).", minimum=0),
            }, required=["type", "value"]),
    }, required=["enable", "rollback"])

HOOK_STAGES = ["RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT",
               "POST_TEST_TRAFFIC_SHIFT", "PRE_PRODUCTION_TRAFFIC_SHIFT",
               "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"]

LIFECYCLE_HOOK = obj("A deployment lifecycle hook.", {
    "targetType": string("PAUSE waits at its stages until continued; AWS_LAMBDA calls "
                         "hookTargetArn when it is an http(s) URL (a Lambda ARN is not "
                         "honoured).", enum=["AWS_LAMBDA", "PAUSE"]),
    "hookTargetArn": string("An http:// or https:// URL the operator POSTs ECS's hook event "
                            "to (docs/deployments.md); a Lambda function ARN is not called."),
    "roleArn": string("IAM role (informational)."),
    "lifecycleStages": array("Stages the hook runs at.", string("A stage.", enum=HOOK_STAGES)),
    "hookDetails": free_form("Passed to the hook as is."),
    "timeoutConfiguration": obj("What happens when the hook does not answer in time.", {
        "timeoutInMinutes": integer("Default 1440.", minimum=1, maximum=20160),
        "action": string("Default ROLLBACK.", enum=["CONTINUE", "ROLLBACK"]),
    }),
})

DEPLOYMENT_CONFIGURATION = obj(
    "How many tasks run during a deployment. With desiredCount d: at least "
    "ceil(d * minimumHealthyPercent / 100) stay healthy (RollingUpdate maxUnavailable and the "
    "PodDisruptionBudget) and at most floor(d * maximumPercent / 100) run (maxSurge).", {
        "minimumHealthyPercent": integer("Lower bound on healthy tasks, as a percent of "
                                         "desiredCount. Default 100 (DAEMON: 0).",
                                         minimum=0, maximum=100),
        "maximumPercent": integer("Upper bound on running tasks, as a percent of desiredCount. "
                                  "Default 200 (DAEMON: 100).", minimum=100),
        "deploymentCircuitBreaker": CIRCUIT_BREAKER,
        "alarms": obj(
            "Alarms that fail a deployment: Prometheus alert names in CloudWatch alarms' place "
            "(ecs-operator run --prometheus-url). Checked while the deployment is IN_PROGRESS "
            "and for a bake time after its tasks are healthy.", {
                "alarmNames": strings("Prometheus alert names; one firing for this service "
                                      "(labels namespace/service, where it has them) fails "
                                      "the deployment."),
                "enable": boolean("Use the alarms in deployments."),
                "rollback": boolean("Roll back to the last completed deployment when an "
                                    "alarm fails it."),
            }, required=["alarmNames", "enable", "rollback"]),
        "strategy": string("ROLLING (the Deployment's RollingUpdate), BLUE_GREEN, CANARY or "
                           "LINEAR (one Deployment per revision; docs/deployments.md).",
                           enum=["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"]),
        "bakeTimeInMinutes": integer("Minutes both revisions run once production traffic is "
                                     "all on the new one, before the old one goes.", minimum=0),
        "lifecycleHooks": array("Hooks at the deployment's lifecycle stages: PAUSE waits for "
                                "continue-service-deployment; an http(s) hookTargetArn is "
                                "called with ECS's event; a Lambda ARN is not honoured.",
                                LIFECYCLE_HOOK),
        "linearConfiguration": obj("LINEAR: production moves stepPercent at a time.", {
            "stepPercent": number("Share moved per step, 3.0 to 100.0. Default 10.0.",
                                  minimum=3.0, maximum=100.0),
            "stepBakeTimeInMinutes": integer("Minutes between steps, 0 to 1440. Default 6.",
                                             minimum=0, maximum=1440),
        }),
        "canaryConfiguration": obj("CANARY: canaryPercent first, then the rest.", {
            "canaryPercent": number("Share of the canary, 0.1 to 100.0. Default 5.0.",
                                    minimum=0.1, maximum=100.0),
            "canaryBakeTimeInMinutes": integer("Minutes the canary runs before the rest moves, "
                                               "0 to 1440. Default 10.", minimum=0,
                                               maximum=1440),
        }),
    })

# Kubernetes rejects a RollingUpdate with maxSurge == maxUnavailable == 0, and ECS cannot make
# progress with such bounds either, so say so at admission rather than leave a stuck Service.
PROGRESS_RULE = (
    "!has(self.deploymentConfiguration) || self.desiredCount == 0 || has(self.autoScaling) || "
    "(has(self.schedulingStrategy) && self.schedulingStrategy == 'DAEMON') || "
    "(self.desiredCount * (has(self.deploymentConfiguration.maximumPercent) ? "
    "self.deploymentConfiguration.maximumPercent : 200)) / 100 - "
    "(self.desiredCount * (has(self.deploymentConfiguration.minimumHealthyPercent) ? "
    "self.deploymentConfiguration.minimumHealthyPercent : 100) + 99) / 100 >= 1",
    "deploymentConfiguration can never make progress: with this desiredCount, "
    "floor(desiredCount * maximumPercent / 100) must exceed "
    "ceil(desiredCount * minimumHealthyPercent / 100) by at least one task "
    "(e.g. minimumHealthyPercent 100 needs maximumPercent above 100)",
    ".deploymentConfiguration",
)

CAPACITY_RULE = ("self.minCapacity <= self.maxCapacity",
                 "autoScaling.minCapacity must not exceed maxCapacity", ".minCapacity")
DAEMON_STRATEGY_RULE = (
    "!has(self.schedulingStrategy) || self.schedulingStrategy != 'DAEMON' || "
    "!has(self.placementStrategy) || size(self.placementStrategy) == 0",
    "placementStrategy: a DAEMON service places one task per node, so ECS allows no "
    "placementStrategy; remove it", ".placementStrategy")
DAEMON_AUTOSCALING_RULE = (
    "!has(self.schedulingStrategy) || self.schedulingStrategy != 'DAEMON' || "
    "!has(self.autoScaling)", "autoScaling: a DAEMON service runs one task per node; remove "
    "autoScaling", ".autoScaling")

SPEC: Schema = obj(
    "An ECS service (CreateService request): keeps desiredCount tasks of a task definition "
    "running.", {
        "serviceName": string("Service name; defaults to metadata.name. Up to 255 letters, "
                              "digits, '-' and '_'.", pattern=r"^[a-zA-Z0-9_-]{1,255}$"),
        "cluster": string("ECS cluster name: unless `default`, tasks run only on nodes labelled "
                          "ecs.operator.dev/cluster=<name> (a taint of that key is tolerated)."),
        "taskDefinition": string("family (tracks the latest revision), family:revision "
                                 "(pinned), or a task definition ARN (its family:revision).",
                                 pattern=TASK_DEFINITION_REFERENCE),
        "desiredCount": integer("Number of tasks to keep running. `kubectl scale` sets it.",
                                minimum=0, default=1),
        "launchType": string("EC2, FARGATE, EXTERNAL or MANAGED_INSTANCES (informational).",
                             enum=["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"]),
        "capacityProviderStrategy": CAPACITY_PROVIDER_STRATEGY,
        "platformVersion": string("Fargate platform version (informational)."),
        "deploymentConfiguration": DEPLOYMENT_CONFIGURATION,
        "deploymentController": obj("Deployment controller.", {
            "type": string("Only ECS is supported.", enum=["ECS", "CODE_DEPLOY", "EXTERNAL"]),
        }),
        "schedulingStrategy": string("REPLICA keeps desiredCount tasks (a Deployment); DAEMON "
                                     "runs one task per node (a DaemonSet).",
                                     enum=["REPLICA", "DAEMON"], default="REPLICA"),
        "placementConstraints": PLACEMENT_CONSTRAINTS,
        "placementStrategy": PLACEMENT_STRATEGY,
        "loadBalancers": array(
            "Put the tasks behind a Service named after this one "
            "(http://<name>.<namespace>:<containerPort>); only tasks whose health check passes "
            "receive traffic.", obj("A load balancer target.", {
                "targetGroupArn": string("Target group (informational)."),
                "loadBalancerName": string("Classic load balancer (informational)."),
                "containerName": string("The container receiving traffic."),
                "containerPort": integer("Its port; must be in the container's portMappings.",
                                         minimum=1, maximum=65535),
                "advancedConfiguration": obj(
                    "BLUE_GREEN, CANARY, LINEAR: the listener rules that carry traffic. An "
                    "HTTPRoute in the namespace (`httproute/<name>` or `<name>`) gets exact "
                    "weights: the operator owns its spec.rules (docs/deployments.md). ALB "
                    "listener-rule ARNs are reported in unsupportedFields.", {
                        "alternateTargetGroupArn": string(
                            "Informational: each revision has its own core Service "
                            "(<service>-<revision>)."),
                        "productionListenerRule": string(
                            "The HTTPRoute carrying production traffic."),
                        "testListenerRule": string("The HTTPRoute carrying test traffic."),
                        "roleArn": string("Informational."),
                    }),
            }, required=["containerName", "containerPort"])),
        "serviceRegistries": array(
            "Service discovery: the tasks are registered in the Service named after this one.",
            obj("A service registry.", {
                "registryArn": string("Cloud Map service (informational)."),
                "port": integer("Port to register (awsvpc).", minimum=1, maximum=65535),
                "containerName": string("Container to register."),
                "containerPort": integer("Its port.", minimum=1, maximum=65535),
            })),
        "serviceConnectConfiguration": obj(
            "Service Connect: each entry becomes a Service named discoveryName (default "
            "portName), so clients reach http://<discoveryName>.<namespace>:<port>.", {
                "enabled": boolean("Turn Service Connect on."),
                "namespace": string("Cloud Map namespace; the Kubernetes namespace plays its "
                                    "part."),
                "services": array("Endpoints this service offers.", obj("An endpoint.", {
                    "portName": string("A portMappings name in the task definition."),
                    "discoveryName": string("The Service name clients use."),
                    "clientAliases": array("Ports (and single-label names) clients use.",
                                           obj("A client alias.", {
                                               "port": integer("Port clients connect to.",
                                                               minimum=1, maximum=65535),
                                               "dnsName": string("An extra name."),
                                           })),
                    "ingressPortOverride": integer("Not supported.", minimum=1,
                                                   maximum=65535),
                    "timeout": free_form("Not supported."),
                    "tls": free_form("Not supported."),
                }, required=["portName"])),
                "logConfiguration": free_form("Not supported."),
            }, required=["enabled"]),
        "autoScaling": obj(
            "Target-tracking auto scaling (ECS does it with Application Auto Scaling): becomes "
            "a HorizontalPodAutoscaler, which then sets the task count; desiredCount is only "
            "the starting point.", {
                "minCapacity": integer("Fewest tasks.", minimum=0),
                "maxCapacity": integer("Most tasks.", minimum=1),
                "targetTrackingScalingPolicies": array(
                    "Policies; the HPA follows the one asking for the most tasks.",
                    obj("A target-tracking policy.", {
                        "policyName": string("Name (informational)."),
                        "predefinedMetricSpecification": obj("The metric.", {
                            "predefinedMetricType": string(
                                "Average CPU or memory utilization of the tasks.",
                                enum=["ECSServiceAverageCPUUtilization",
                                      "ECSServiceAverageMemoryUtilization"]),
                        }, required=["predefinedMetricType"]),
                        "targetValue": {"type": "number", "minimum": 1, "maximum": 100,
                                        "description": "Utilization percent to keep."},
                        "scaleOutCooldown": integer("Seconds between scale-outs "
                                                    "(HPA scaleUp stabilization window).",
                                                    minimum=0, maximum=3600),
                        "scaleInCooldown": integer("Seconds between scale-ins "
                                                   "(HPA scaleDown stabilization window); "
                                                   "default 300.", minimum=0, maximum=3600),
                        "disableScaleIn": boolean("Never remove tasks."),
                    }, required=["predefinedMetricSpecification", "targetValue"]),
                    min_items=1, max_items=10),
            }, required=["minCapacity", "maxCapacity", "targetTrackingScalingPolicies"],
            rules=[CAPACITY_RULE]),
        "networkConfiguration": free_form("awsvpc subnets and security groups (not needed on "
                                          "Kubernetes)."),
        "healthCheckGracePeriodSeconds": integer(
            "Seconds after a task starts during which failing health checks neither restart "
            "it nor count for the circuit breaker (each health-checked container's "
            "startupProbe tolerates that long). Default 0.", minimum=0, maximum=2147483647),
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
    rules=[PROGRESS_RULE, DAEMON_STRATEGY_RULE, DAEMON_AUTOSCALING_RULE],
)

# Fresh dicts at each use: a shared one would be written as a YAML anchor.
def breaker_fields() -> dict:
    """ECS's circuit breaker entry (DescribeServices and ServiceDeployment alike)."""
    return {"status": monitor_status(),
            "failureCount": integer("Failed tasks counted (since a task last turned healthy, "
                                    "with resetOnHealthyTask)."),
            "threshold": integer("Failed tasks that trip the breaker.")}


def alarm_fields() -> dict:
    return {"status": monitor_status(), "alarmNames": strings("The alarms watched."),
            "triggeredAlarmNames": strings("The alarms that fired and failed the deployment.")}


def monitor_status() -> Schema:
    """ECS's ServiceDeploymentRollbackMonitorsStatus."""
    return string("MONITORING, TRIGGERED, MONITORING_COMPLETE or DISABLED.",
                  enum=["MONITORING", "TRIGGERED", "MONITORING_COMPLETE", "DISABLED"])


DEPLOYMENT = obj("One ECS deployment: a task definition revision being run.", {
    "id": string("Deployment id (ecs-svc/ followed by digits), stable for its life."),
    "status": string("PRIMARY (newest), ACTIVE (still running tasks) or INACTIVE.",
                     enum=["PRIMARY", "ACTIVE", "INACTIVE"]),
    "taskDefinition": string("family:revision run by this deployment."),
    "desiredCount": integer("Tasks this deployment should run."),
    "pendingCount": integer("Tasks not yet running."),
    "runningCount": integer("Tasks running."),
    "failedTasks": integer("Tasks that stopped before becoming healthy."),
    "healthyCount": integer("Tasks Ready (their health checks pass)."),
    "rolloutState": string("IN_PROGRESS, COMPLETED or FAILED.",
                           enum=["IN_PROGRESS", "COMPLETED", "FAILED"]),
    "rolloutStateReason": string("Why the rollout is in this state."),
    "circuitBreaker": obj("The deployment circuit breaker, as ECS shows it.", breaker_fields()),
    "alarms": obj("The deployment alarms, as ECS's ServiceDeployment shows them.", {
        **alarm_fields(),
        "bakeEndsAt": string("When the bake time after the tasks became healthy ends."),
    }),
    "createdAt": string("When the deployment started."),
    "updatedAt": string("When the deployment last changed."),
})

EVENT = obj("A service event, ECS wording.", {
    "id": string("Event id."),
    "createdAt": string("When it happened."),
    "message": string("What happened, e.g. (service web) has reached a steady state."),
})

SERVICE_REVISION = obj("A service revision and what it is asked to carry.", {
    "arn": string("The revision (family:revision)."),
    "requestedTaskCount": integer("Tasks asked for."),
    "runningTaskCount": integer("Tasks ready."),
    "requestedProductionTrafficWeight": number(
        "Share of production traffic (percent): as asked, with an HTTPRoute; else the share "
        "its ready tasks give (productionTrafficSplit)."),
    "requestedTestTrafficWeight": number("Share of the <service>-test Service's traffic."),
})

LIFECYCLE_HOOK_DETAIL = obj("A lifecycle hook run at a stage (ECS's "
                             "DeploymentLifecycleHookDetail).", {
    "hookId": string("The hook's index in lifecycleHooks."),
    "lifecycleStage": string("The hook stage it runs at."),
    "targetType": string("PAUSE or AWS_LAMBDA."),
    "targetArn": string("The URL called."),
    "status": string("ECS's DeploymentLifecycleHookStatus.", enum=[
        "AWAITING_ACTION", "IN_PROGRESS", "SUCCEEDED", "FAILED", "TIMED_OUT"]),
    "statusReason": string("Why the call failed."),
    "expiresAt": string("When the timeout action is taken."),
    "timeoutAction": string("CONTINUE or ROLLBACK."),
    "callAfter": string("When the URL is called next (IN_PROGRESS)."),
    "answerBeforePause": string("A continue-service-deployment answer already given when this "
                                "PAUSE began: it answered an earlier pause, not this one."),
    "hookDetails": free_form("What the hook returned to be passed to its next call."),
})

SERVICE_DEPLOYMENT = obj("A service deployment (ECS's ServiceDeployment).", {
    "serviceDeploymentArn": string("<service>/<number>."),
    "status": string("ECS's ServiceDeploymentStatus.", enum=[
        "PENDING", "SUCCESSFUL", "STOPPED", "STOP_REQUESTED", "IN_PROGRESS",
        "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"]),
    "statusReason": string("Why it stopped or rolled back."),
    "lifecycleStage": string("ECS's ServiceDeploymentLifecycleStage."),
    "strategy": string("The deploymentConfiguration.strategy it ran with."),
    "deploymentId": string("ROLLING: the deployment (deployments[].id) this record follows."),
    "rollbackDeploymentId": string("ROLLING: the deployment a rollback returns to; the "
                                   "rollback is over when it has completed again."),
    "pausedAt": string("The stage a PAUSE hook holds, until continue-service-deployment."),
    "continuedStages": strings("Stages whose lifecycle hooks passed."),
    "lifecycleHookDetails": array("The hooks run so far.", LIFECYCLE_HOOK_DETAIL),
    "trafficStep": integer("CANARY/LINEAR: the index of the production share reached."),
    "productionTrafficSplit": string(
        "What splits production traffic: HTTPROUTE_WEIGHTS (exactly the shares asked) or "
        "READY_TASKS (a core Service balances over ready tasks).",
        enum=["HTTPROUTE_WEIGHTS", "READY_TASKS"]),
    "bakeStartedAt": string("When the current bake began."),
    "createdAt": string("Created."), "startedAt": string("Started."),
    "updatedAt": string("Last changed."), "finishedAt": string("Finished."),
    "stoppedAt": string("Stopped."),
    "sourceServiceRevisions": array("The revision deployed from.", SERVICE_REVISION),
    "targetServiceRevision": SERVICE_REVISION,
    "rollback": obj("Set once it rolls back.", {
        "reason": string("Why."), "startedAt": string("When."),
        "serviceRevisionArn": string("The revision rolled back to."),
    }),
    "productionRevisionArn": string("Set when the circuit breaker or an alarm stopped it "
                                    "without rollback: the revision left in production."),
    "deploymentCircuitBreaker": obj("The circuit breaker on the target's tasks.", {
        **breaker_fields(),
        "failedTasks": integer("The target's failed tasks in all, when last counted."),
        "healthyCount": integer("The target's ready tasks, when last counted."),
    }),
    "alarms": obj("The deployment alarms.", alarm_fields()),
})

STATUS: Schema = obj("Observed state, as DescribeServices shows it.", {
    "serviceName": string("The service name."),
    "status": string("ACTIVE, DRAINING or INACTIVE.", enum=["ACTIVE", "DRAINING", "INACTIVE"]),
    "desiredCount": integer("Tasks wanted."),
    "desiredCountSetBy": string("Who sets desiredCount: spec.desiredCount, the "
                                "HorizontalPodAutoscaler (autoScaling) or the DaemonSet "
                                "(DAEMON: one task per node)."),
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
    "rollback": obj("Set when the circuit breaker or an alarm rolled the service back; the "
                    "service keeps "
                    "the `to` revision until its task definition resolves to another one.", {
        "from": string("The failed family:revision."),
        "to": string("The family:revision rolled back to."),
        "failedDeploymentId": string("The failed deployment."),
        "deploymentId": string("The deployment rolled back to."),
    }),
    "serviceDeployments": array(
        "Service deployments as DescribeServiceDeployments shows them, latest first (at most "
        "10): every strategy's, ROLLING's included; a BLUE_GREEN, CANARY or LINEAR one in "
        "flight is where a restarted operator resumes.",
        SERVICE_DEPLOYMENT, max_items=10),
    "unsupportedFields": strings("Fields the operator cannot honour."),
    "observedGeneration": integer("The .metadata.generation last acted on."),
    "conditions": array("Conditions: Valid, Available, Progressing, SteadyState, "
                        "TasksPlaced, Supported, AlarmsChecked.", condition()),
})


def crd() -> Schema:
    from . import custom_resource_definition
    return custom_resource_definition(
        kind="Service", plural="ecsservices", singular="ecsservice", short_names=["esvc"],
        spec=nullable_fields(SPEC, keep=("desiredCount",)), status=STATUS,
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
