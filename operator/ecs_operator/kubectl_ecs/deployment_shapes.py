"""ListServiceDeployments / DescribeServiceDeployments shapes from a Service's status. Pure.

A service deployment's ARN is `<namespace>/<service>/<number>`: the namespace stands for the
cluster, as in shapes.py; the Service's status records `<service>/<number>`.
"""

from __future__ import annotations

from ..translate.ecs_shapes import arn

SERVICE_DEPLOYMENT_FIELDS = (
    "status", "statusReason", "lifecycleStage", "createdAt", "startedAt", "finishedAt",
    "stoppedAt", "updatedAt", "sourceServiceRevisions", "targetServiceRevision", "rollback",
    "alarms")
# ECS's ServiceDeploymentCircuitBreaker; the record also keeps what its next count starts from.
CIRCUIT_BREAKER_FIELDS = ("status", "failureCount", "threshold")
# ECS's DeploymentLifecycleHookDetail; the record's other keys are the operator's bookkeeping.
HOOK_DETAIL_FIELDS = ("hookId", "targetType", "targetArn", "status", "expiresAt",
                      "timeoutAction")


def deployment_arn(namespace: str, record: dict) -> str:
    return f"{namespace}/{record['serviceDeploymentArn']}"


def parse_deployment_arn(reference: str, namespace: str) -> tuple[str, str, str]:
    """`<namespace>/<service>/<n>` or `<service>/<n>` -> (namespace, service, recorded arn)."""
    parts = reference.split("/")
    if len(parts) == 3:
        namespace, parts = parts[0], parts[1:]
    if len(parts) != 2 or not parts[1].isdigit():
        raise ValueError(f"{reference!r} is not a service deployment ARN "
                         "(<namespace>/<service>/<number>)")
    return namespace, parts[0], "/".join(parts)


def records(resource: dict) -> list[dict]:
    return list((resource.get("status") or {}).get("serviceDeployments") or [])


def service_deployment(resource: dict, record: dict) -> dict:
    """One entry of DescribeServiceDeployments' `serviceDeployments`."""
    meta = resource["metadata"]
    shaped = {"serviceDeploymentArn": deployment_arn(meta["namespace"], record),
              "serviceArn": arn(meta["namespace"], meta["name"]),
              "clusterArn": meta["namespace"]}
    shaped.update({key: record[key] for key in SERVICE_DEPLOYMENT_FIELDS if key in record})
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


def brief(resource: dict, record: dict) -> dict:
    """One entry of ListServiceDeployments' `serviceDeployments` (ServiceDeploymentBrief)."""
    full = service_deployment(resource, record)
    shaped = {key: full[key] for key in ("serviceDeploymentArn", "serviceArn", "clusterArn",
                                         "startedAt", "createdAt", "finishedAt", "status",
                                         "statusReason") if key in full}
    shaped["targetServiceRevisionArn"] = record["targetServiceRevision"]["arn"]
    return shaped
