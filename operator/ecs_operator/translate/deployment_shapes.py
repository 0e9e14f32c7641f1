"""ListServiceDeployments / DescribeServiceDeployments / DescribeServiceRevisions shapes from a
Service's status. Pure.

The Service's status records each deployment as `<service>/<number>` and each revision as the
task definition revision it runs (`family:revision`). How they are written out is `Arns`':
kubectl-ecs's short forms (`<namespace>/<service>/<number>`, `family:revision`) or ECS's ARNs
(`...:service-deployment/<cluster>/<service>/<number>`,
`...:service-revision/<cluster>/<service>/<family:revision>`), the namespace being the cluster.
"""

from __future__ import annotations

from .ecs_shapes import SHORT, Arns
from .rolling_records import ROLLING
from .service_deployment import IN_FLIGHT

SERVICE_DEPLOYMENT_FIELDS = (
    "status", "statusReason", "lifecycleStage", "createdAt", "startedAt", "finishedAt",
    "stoppedAt", "updatedAt", "alarms")
# ECS's ServiceRevisionSummary; the record's summaries hold nothing else today.
REVISION_SUMMARY_FIELDS = ("requestedTaskCount", "runningTaskCount", "pendingTaskCount",
                           "requestedTestTrafficWeight", "requestedProductionTrafficWeight")
# ECS's ServiceDeploymentCircuitBreaker; the record also keeps what its next count starts from.
CIRCUIT_BREAKER_FIELDS = ("status", "failureCount", "threshold")
# ECS's DeploymentLifecycleHookDetail; the record's other keys are the operator's bookkeeping.
HOOK_DETAIL_FIELDS = ("hookId", "targetType", "targetArn", "status", "expiresAt",
                      "timeoutAction")
# ServiceRevision members a Service's spec holds; the revision's own is its task definition.
REVISION_SPEC_FIELDS = ("launchType", "platformVersion", "capacityProviderStrategy",
                        "loadBalancers", "serviceRegistries", "networkConfiguration")


def deployment_arn(namespace: str, record: dict, arns: Arns = SHORT) -> str:
    return arns.service_deployment(namespace, record["serviceDeploymentArn"])


def parse_deployment_arn(reference: str, namespace: str) -> tuple[str, str, str]:
    """`<namespace>/<service>/<n>`, `<service>/<n>` or ECS's
    `arn:...:service-deployment/<cluster>/<service>/<n>` -> (namespace, service, recorded)."""
    reference = _resource_part(reference, "service-deployment")
    parts = reference.split("/")
    if len(parts) == 3:
        namespace, parts = parts[0], parts[1:]
    if len(parts) != 2 or not parts[1].isdigit():
        raise ValueError(f"{reference!r} is not a service deployment ARN "
                         "(<namespace>/<service>/<number>)")
    return namespace, parts[0], "/".join(parts)


def parse_revision_arn(reference: str) -> tuple[str, str, str]:
    """`arn:...:service-revision/<cluster>/<service>/<family:revision>` -> its three parts."""
    parts = _resource_part(reference, "service-revision").split("/")
    if len(parts) != 3 or ":" not in parts[2] or not parts[2].rsplit(":", 1)[1].isdigit():
        raise ValueError(f"{reference!r} is not a service revision ARN "
                         "(...:service-revision/<cluster>/<service>/<family:revision>)")
    return parts[0], parts[1], parts[2]


def _resource_part(reference: str, kind: str) -> str:
    if not reference.startswith("arn:"):
        return reference
    resource = reference.split(":", 5)[-1]
    if not resource.startswith(f"{kind}/"):
        raise ValueError(f"{reference!r} is not a {kind} ARN")
    return resource[len(kind) + 1:]


def records(resource: dict) -> list[dict]:
    return list((resource.get("status") or {}).get("serviceDeployments") or [])


def find(resource: dict, recorded: str) -> dict | None:
    return next((r for r in records(resource) if r["serviceDeploymentArn"] == recorded), None)


def _revision_summary(namespace: str, service: str, summary: dict, arns: Arns) -> dict:
    shaped = {"arn": arns.service_revision(namespace, service, summary["arn"])}
    shaped.update({key: summary[key] for key in REVISION_SUMMARY_FIELDS if key in summary})
    return shaped


def service_deployment(resource: dict, record: dict, arns: Arns = SHORT) -> dict:
    """One entry of DescribeServiceDeployments' `serviceDeployments`."""
    meta = resource["metadata"]
    namespace, name = meta["namespace"], meta["name"]
    shaped = {"serviceDeploymentArn": deployment_arn(namespace, record, arns),
              "serviceArn": arns.service(namespace, name),
              "clusterArn": arns.cluster(namespace)}
    shaped.update({key: record[key] for key in SERVICE_DEPLOYMENT_FIELDS if key in record})
    shaped["sourceServiceRevisions"] = [_revision_summary(namespace, name, summary, arns)
                                        for summary in record.get("sourceServiceRevisions", [])]
    shaped["targetServiceRevision"] = _revision_summary(
        namespace, name, record["targetServiceRevision"], arns)
    if rollback := record.get("rollback"):
        shaped["rollback"] = {**rollback, "serviceRevisionArn": arns.service_revision(
            namespace, name, rollback["serviceRevisionArn"])}
    if breaker := record.get("deploymentCircuitBreaker"):
        shaped["deploymentCircuitBreaker"] = {key: breaker[key] for key in CIRCUIT_BREAKER_FIELDS
                                              if key in breaker}
    config = (resource.get("spec") or {}).get("deploymentConfiguration")
    if config:
        shaped["deploymentConfiguration"] = config
    if record.get("lifecycleHookDetails"):
        shaped["lifecycleHookDetails"] = [
            {key: detail[key] for key in HOOK_DETAIL_FIELDS if key in detail}
            for detail in record["lifecycleHookDetails"]]
    return shaped


def brief(resource: dict, record: dict, arns: Arns = SHORT) -> dict:
    """One entry of ListServiceDeployments' `serviceDeployments` (ServiceDeploymentBrief)."""
    full = service_deployment(resource, record, arns)
    shaped = {key: full[key] for key in ("serviceDeploymentArn", "serviceArn", "clusterArn",
                                         "startedAt", "createdAt", "finishedAt", "status",
                                         "statusReason") if key in full}
    shaped["targetServiceRevisionArn"] = full["targetServiceRevision"]["arn"]
    return shaped


def revisions_named(resource: dict) -> dict[str, str | None]:
    """The revisions the Service's deployments name (`family:revision`) -> when first named."""
    named: dict[str, str | None] = {}
    for record in reversed(records(resource)):  # oldest first: the first naming wins
        summaries = [*record.get("sourceServiceRevisions", []), record["targetServiceRevision"]]
        for summary in summaries:
            named.setdefault(summary["arn"], record.get("createdAt"))
    return named


def service_revision(resource: dict, revision: str, arns: Arns = SHORT) -> dict | None:
    """One entry of DescribeServiceRevisions' `serviceRevisions`, or None when no deployment of
    the Service names `revision`. The spec's placement and networking are today's: the
    Service keeps no history of them."""
    named = revisions_named(resource)
    if revision not in named:
        return None
    meta, spec = resource["metadata"], resource.get("spec") or {}
    namespace, name = meta["namespace"], meta["name"]
    shaped = {"serviceRevisionArn": arns.service_revision(namespace, name, revision),
              "serviceArn": arns.service(namespace, name),
              "clusterArn": arns.cluster(namespace),
              "taskDefinition": arns.task_definition(revision)}
    shaped.update({key: spec[key] for key in REVISION_SPEC_FIELDS if spec.get(key)})
    if named[revision]:
        shaped["createdAt"] = named[revision]
    return shaped


def container_images(task_definition: dict) -> list[dict]:
    """A service revision's `containerImages`: its task definition's containers, each image as
    written (no registry resolves a digest here)."""
    return [{"containerName": container["name"], "image": container["image"]}
            for container in task_definition.get("containerDefinitions") or []
            if container.get("name") and container.get("image")]


def unstoppable(record: dict) -> str | None:
    """Why StopServiceDeployment cannot stop this deployment here (None when it can)."""
    if record.get("strategy") == ROLLING:
        return ("stopping a ROLLING deployment is not served by ecs-operator yet: update the "
                "service to the revision it should run (BLUE_GREEN, CANARY and LINEAR "
                "deployments can be stopped)")
    return None


def paused_hook(record: dict, hook_id: str | None) -> str | None:
    """Why `hook_id` cannot be answered now (None when it can): the deployment must wait at
    a PAUSE hook, and the id, when given, must be one of that stage's."""
    stage = record.get("pausedAt")
    if record.get("status") not in IN_FLIGHT or not stage:
        return "the service deployment is not paused at a lifecycle hook"
    waiting = [d.get("hookId") for d in record.get("lifecycleHookDetails") or []
               if d.get("lifecycleStage") == stage and d.get("status") == "AWAITING_ACTION"]
    if hook_id is not None and hook_id not in waiting:
        return (f"hook {hook_id} is not awaiting action at {stage} (awaiting: "
                f"{', '.join(h for h in waiting if h) or 'none'})")
    return None
