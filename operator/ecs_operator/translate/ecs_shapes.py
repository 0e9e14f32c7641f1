"""ECS response shapes (DescribeServices, DescribeTasks...) from the operator's resources. Pure.

Shared by kubectl-ecs and the ECS API (`ecs-operator api`); they differ only in how they write
identifiers (`Arns`). kubectl-ecs's short forms: the namespace stands for the cluster, so
`clusterArn` is the namespace and a service's or task's ARN is `<namespace>/<name>` (the
operator writes the same `taskArn` in a Task's status); task definitions are
`family:revision`, as the operator's status shows them. The API writes ECS's ARNs
(`arn:aws:ecs:<region>:<account>:service/<cluster>/<name>`...).
Service tasks are the Service's pods: their `startedBy` is their deployment's id
(`ecs-svc/...`) and their group `service:<name>`, as in ECS.
"""

from __future__ import annotations

from dataclasses import dataclass

from .names import ANNOTATION_TASK_DEFINITION, LABEL_FAMILY, LABEL_SERVICE, family_slug
from .service_deployment import IN_FLIGHT, production_revision
from .service_status import deployment_id, is_healthy, task_state

SERVICE_SPEC_FIELDS = (
    "launchType", "platformVersion", "capacityProviderStrategy", "deploymentConfiguration",
    "placementConstraints", "placementStrategy", "loadBalancers", "serviceRegistries",
    "networkConfiguration", "healthCheckGracePeriodSeconds", "schedulingStrategy",
    "deploymentController", "enableECSManagedTags", "propagateTags", "enableExecuteCommand",
    "tags",
)
TASK_TIMES = ("createdAt", "startedAt", "stoppingAt", "stoppedAt")


def arn(namespace: str, name: str) -> str:
    return f"{namespace}/{name}"


@dataclass(frozen=True)
class Arns:
    """How responses name things. Without a prefix, kubectl-ecs's short forms; with one
    (`arn:aws:ecs:<region>:<account>:`), ECS's ARNs, the cluster being the namespace."""
    prefix: str = ""

    def cluster(self, namespace: str) -> str:
        return f"{self.prefix}cluster/{namespace}" if self.prefix else namespace

    def service(self, namespace: str, name: str) -> str:
        return f"{self.prefix}service/{namespace}/{name}" if self.prefix else arn(namespace, name)

    def task(self, namespace: str, name: str) -> str:
        return f"{self.prefix}task/{namespace}/{name}" if self.prefix else arn(namespace, name)

    def service_deployment(self, namespace: str, recorded: str) -> str:
        """`recorded` is the status's `<service>/<number>`."""
        return f"{self.prefix}service-deployment/{namespace}/{recorded}" if self.prefix \
            else f"{namespace}/{recorded}"

    def service_revision(self, namespace: str, service: str, revision: str) -> str:
        """A service revision is the service running one task definition revision
        (`family:revision`, as the deployment records name it)."""
        return f"{self.prefix}service-revision/{namespace}/{service}/{revision}" \
            if self.prefix else revision

    def task_definition(self, reference: str) -> str:
        """`family:revision` as an ARN; empty stays empty (no revision recorded yet)."""
        return f"{self.prefix}task-definition/{reference}" if self.prefix and reference \
            else reference


SHORT = Arns()


def split_reference(reference: str, namespace: str) -> tuple[str, str]:
    """`name`, `<namespace>/<name>` or an ECS ARN (`...:task/<cluster>/<id>`) -> (ns, name)."""
    if reference.startswith("arn:"):
        reference = reference.split(":", 5)[-1].split("/", 1)[-1]  # <cluster>/<id>
    if "/" in reference:
        given_namespace, name = reference.rsplit("/", 1)
        return given_namespace, name
    return namespace, reference


def service(resource: dict, arns: Arns = SHORT) -> dict:
    """One entry of DescribeServices' `services`, from an ecsservices resource."""
    meta, spec = resource["metadata"], resource.get("spec") or {}
    status = resource.get("status") or {}
    deployments = [{**d, "taskDefinition": arns.task_definition(d["taskDefinition"])}
                   if d.get("taskDefinition") else d
                   for d in _with_pending(spec, status, meta.get("generation", 1))]
    shaped = {
        "serviceArn": arns.service(meta["namespace"], meta["name"]),
        "serviceName": spec.get("serviceName") or meta["name"],
        "clusterArn": arns.cluster(meta["namespace"]),
        # Being deleted: ECS's DRAINING, until its tasks are gone.
        "status": "DRAINING" if meta.get("deletionTimestamp") else status.get("status", "ACTIVE"),
        "desiredCount": spec.get("desiredCount", 1),
        "runningCount": status.get("runningCount", 0),
        "pendingCount": status.get("pendingCount", 0),
        "taskDefinition": arns.task_definition(_service_task_definition(spec, status)),
        "deployments": deployments,
        "events": status.get("events", []),
        "createdAt": meta.get("creationTimestamp"),
    }
    shaped.update({key: spec[key] for key in SERVICE_SPEC_FIELDS if key in spec})
    records = status.get("serviceDeployments") or []
    if records:  # the service's deployment records (any strategy's)
        shaped["currentServiceDeployment"] = arns.service_deployment(
            meta["namespace"], records[0]["serviceDeploymentArn"])
        shaped["currentServiceRevisions"] = [
            {"arn": arns.service_revision(meta["namespace"], meta["name"], summary["arn"]),
             **{key: summary[key] for key in ("requestedTaskCount", "runningTaskCount")
                if key in summary}}
            for summary in _running_revisions(records[0])]
    return shaped


def _with_pending(spec: dict, status: dict, generation: int) -> list[dict]:
    """The status's deployments, headed by the one a new revision asks for while the operator
    has not acted on it yet. ECS makes the new deployment in UpdateService itself: a waiter
    polling at once (`aws ecs wait services-stable`) must not take the old, steady one for
    the end of the update."""
    deployments = list(status.get("deployments", []))
    wanted = spec.get("taskDefinition", "")
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if status.get("observedGeneration", 0) >= generation or ":" not in wanted \
            or primary is None or primary.get("taskDefinition") == wanted:
        return deployments
    pending = {"id": f"ecs-svc/pending-{generation}", "status": "PRIMARY",
               "taskDefinition": wanted, "desiredCount": spec.get("desiredCount", 1),
               "pendingCount": 0, "runningCount": 0, "failedTasks": 0,
               "rolloutState": "IN_PROGRESS",
               "rolloutStateReason": "waiting for the operator to act on the new revision"}
    return [pending, *({**d, "status": "ACTIVE"} if d is primary else d for d in deployments)]


def _running_revisions(record: dict) -> list[dict]:
    """The revisions a service deployment leaves running: both sides while it is in flight,
    else the one production ended on."""
    target = record["targetServiceRevision"]
    if record.get("status") in IN_FLIGHT:
        return [*record.get("sourceServiceRevisions", []), target]
    ended_on = production_revision([record]) or target["arn"]
    if ended_on == target["arn"]:
        return [target]
    return [s for s in record.get("sourceServiceRevisions", []) if s["arn"] == ended_on] \
        or [{"arn": ended_on}]


def _service_task_definition(spec: dict, status: dict) -> str:
    """What the service runs: a pinned revision as soon as the spec names it (a status
    written before the change would name the previous one), else the revision the
    operator resolved the family to."""
    wanted = spec.get("taskDefinition", "")
    return wanted if ":" in wanted else status.get("taskDefinition") or wanted


def task_from_resource(resource: dict, arns: Arns = SHORT) -> dict:
    """One entry of DescribeTasks' `tasks`, from an ecstasks resource (RunTask)."""
    meta, spec = resource["metadata"], resource.get("spec") or {}
    status = resource.get("status") or {}
    task_arn = arns.task(meta["namespace"], meta["name"])
    task_definition = status.get("taskDefinition") or spec.get("taskDefinition", "")
    shaped = {
        "taskArn": task_arn,
        "clusterArn": arns.cluster(meta["namespace"]),
        "taskDefinitionArn": arns.task_definition(task_definition),
        "group": spec.get("group") or f"family:{task_definition.split(':')[0]}",
        "lastStatus": status.get("lastStatus", "PROVISIONING"),
        "desiredStatus": status.get("desiredStatus") or spec.get("desiredStatus", "RUNNING"),
        "healthStatus": status.get("healthStatus", "UNKNOWN"),
        "containers": [_container(c, task_arn) for c in status.get("containers", [])],
        "overrides": spec.get("overrides") or {"containerOverrides": []},
    }
    if spec.get("startedBy"):
        shaped["startedBy"] = spec["startedBy"]
    shaped["createdAt"] = status.get("createdAt") or meta.get("creationTimestamp")
    shaped.update({key: status[key] for key in TASK_TIMES[1:] if status.get(key)})
    for key in ("stopCode", "stoppedReason"):
        if status.get(key):
            shaped[key] = status[key]
    return shaped


def _container(status: dict, task_arn: str) -> dict:
    shaped = {"taskArn": task_arn, "name": status["name"],
              "lastStatus": status.get("lastStatus", "PENDING"),
              "healthStatus": status.get("healthStatus", "UNKNOWN")}
    for key in ("exitCode", "reason"):
        if status.get(key) not in (None, ""):
            shaped[key] = status[key]
    return shaped


def task_from_pod(pod: dict, arns: Arns = SHORT) -> dict:
    """One entry of DescribeTasks' `tasks`, from a pod of an ECS Service."""
    meta, spec = pod["metadata"], pod.get("spec") or {}
    pod_status = pod.get("status") or {}
    task_arn = arns.task(meta["namespace"], meta["name"])
    probed = {c["name"] for c in spec.get("containers", []) + spec.get("initContainers", [])
              if c.get("readinessProbe")}
    last = task_state(pod)
    owner = next((o for o in meta.get("ownerReferences") or [] if o.get("kind") == "ReplicaSet"),
                 None)
    shaped = {
        "taskArn": task_arn,
        "clusterArn": arns.cluster(meta["namespace"]),
        "taskDefinitionArn": arns.task_definition(
            (meta.get("annotations") or {}).get(ANNOTATION_TASK_DEFINITION, "")),
        "group": f"service:{(meta.get('labels') or {}).get(LABEL_SERVICE, '')}",
        "lastStatus": last,
        "desiredStatus": "STOPPED" if meta.get("deletionTimestamp") else "RUNNING",
        "healthStatus": "UNKNOWN" if not probed or last != "RUNNING"
        else ("HEALTHY" if is_healthy(pod) else "UNHEALTHY"),
        # Sidecars and init containers (dependsOn) are containers of the task too.
        "containers": [_pod_container(c, task_arn, c["name"] in probed)
                       for c in (pod_status.get("initContainerStatuses") or [])
                       + (pod_status.get("containerStatuses") or [])],
        "overrides": {"containerOverrides": []},
    }
    if owner:
        shaped["startedBy"] = deployment_id(owner["uid"])
    shaped["createdAt"] = meta.get("creationTimestamp")
    if pod_status.get("startTime") and last == "RUNNING":
        shaped["startedAt"] = pod_status["startTime"]
    if meta.get("deletionTimestamp"):
        shaped["stoppingAt"] = meta["deletionTimestamp"]
    return shaped


def _pod_container(status: dict, task_arn: str, probed: bool) -> dict:
    state = status.get("state") or {}
    shaped = {"taskArn": task_arn, "name": status["name"]}
    if "terminated" in state:
        shaped["lastStatus"] = "STOPPED"
        shaped["exitCode"] = int(state["terminated"].get("exitCode", 0))
    elif "running" in state:
        shaped["lastStatus"] = "RUNNING"
    else:
        shaped["lastStatus"] = "PENDING"
    if not probed or shaped["lastStatus"] != "RUNNING":
        shaped["healthStatus"] = "UNKNOWN"
    else:
        shaped["healthStatus"] = "HEALTHY" if status.get("ready") else "UNHEALTHY"
    return shaped


def task_matches(task: dict, family: str | None, started_by: str | None, desired: str) -> bool:
    """ListTasks' filters; RUNNING also lists PENDING tasks, whose desiredStatus is RUNNING."""
    reference = task["taskDefinitionArn"].rsplit("/", 1)[-1]  # an ARN ends in family:revision
    if family and reference.split(":")[0] != family:
        return False
    if started_by and task.get("startedBy") != started_by:
        return False
    wanted = "RUNNING" if desired == "PENDING" else desired
    return task["desiredStatus"] == wanted


def listed_task_arns(tasks: list[dict], pods: list[dict], family: str | None,
                     started_by: str | None, desired: str, arns: Arns = SHORT) -> list[str]:
    """ListTasks: RunTask tasks and service pods that pass its filters, sorted."""
    if family:
        wanted = family_slug(family)
        pods = [p for p in pods if (p["metadata"].get("labels") or {}).get(LABEL_FAMILY) == wanted]
    shaped = [task_from_resource(t, arns) for t in tasks] + [task_from_pod(p, arns) for p in pods]
    return sorted(t["taskArn"] for t in shaped if task_matches(t, family, started_by, desired))


def missing(reference: str) -> dict:
    """A `failures` entry, as ECS reports an ARN it does not know."""
    return {"arn": reference, "reason": "MISSING"}


def task_definition(resource: dict, arns: Arns = SHORT) -> dict:
    """RegisterTaskDefinition's `taskDefinition`, from a TaskDefinition resource."""
    meta, spec = resource["metadata"], dict(resource.get("spec") or {})
    status = resource.get("status") or {}
    family = status.get("family") or spec.get("family") or meta["name"]
    return task_definition_revision(family, status.get("revision"), spec,
                                    meta.get("creationTimestamp"), "ACTIVE", arns)


def task_definition_revision(family: str, revision: int | None, spec: dict,
                             registered_at: str | None, status: str,
                             arns: Arns = SHORT) -> dict:
    """DescribeTaskDefinition's `taskDefinition`: one revision's spec (tags are returned
    beside it, not in it)."""
    shaped = {"family": family, **{k: v for k, v in spec.items() if k not in ("family", "tags")}}
    if revision:
        shaped = {"taskDefinitionArn": arns.task_definition(f"{family}:{revision}"), **shaped,
                  "revision": revision}
    shaped["status"] = status
    shaped["registeredAt"] = registered_at
    return shaped
