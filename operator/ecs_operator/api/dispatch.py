"""Operation name -> handler, and how Kubernetes' answers become ECS's errors."""

from __future__ import annotations

import json
from collections.abc import Callable

from kubernetes.client.rest import ApiException

from .. import k8s
from ..translate.errors import TranslationError
from . import clusters, service_deployments, services, tags, task_definitions, tasks
from .calls import Call
from .protocol import EcsError, invalid_parameter

Handler = Callable[[Call, dict], dict]

OPERATIONS: dict[str, Handler] = {
    "RegisterTaskDefinition": task_definitions.register,
    "DescribeTaskDefinition": task_definitions.describe,
    "ListTaskDefinitions": task_definitions.list_definitions,
    "ListTaskDefinitionFamilies": task_definitions.list_families,
    "DeregisterTaskDefinition": task_definitions.deregister,
    "DeleteTaskDefinitions": task_definitions.delete,
    "CreateService": services.create,
    "UpdateService": services.update,
    "DescribeServices": services.describe,
    "ListServices": services.list_services,
    "DeleteService": services.delete,
    "ListServiceDeployments": service_deployments.list_deployments,
    "DescribeServiceDeployments": service_deployments.describe_deployments,
    "DescribeServiceRevisions": service_deployments.describe_revisions,
    "StopServiceDeployment": service_deployments.stop,
    "ContinueServiceDeployment": service_deployments.continue_deployment,
    "RunTask": tasks.run,
    "StopTask": tasks.stop,
    "DescribeTasks": tasks.describe,
    "ListTasks": tasks.list_tasks,
    "CreateCluster": clusters.create,
    "DescribeClusters": clusters.describe,
    "ListClusters": clusters.list_clusters,
    "DeleteCluster": clusters.delete,
    "TagResource": tags.tag,
    "UntagResource": tags.untag,
    "ListTagsForResource": tags.list_tags,
}


def handle(call: Call, request: dict) -> dict:
    """The response of one authenticated request, every call made as the caller."""
    handler = OPERATIONS.get(call.operation)
    if handler is None:
        raise EcsError("UnknownOperationException",
                       f"{call.operation} is not served by ecs-operator (docs/api.md lists "
                       "what is)")
    credential = call.credential
    try:
        with k8s.acting_as(credential.user, credential.groups):
            return handler(call, request)
    except TranslationError as error:
        raise invalid_parameter(str(error)) from None
    except ApiException as error:
        raise from_kubernetes(error, call) from None


def from_kubernetes(error: ApiException, call: Call) -> EcsError:
    try:
        detail = json.loads(error.body or "{}").get("message") or error.reason
    except (TypeError, ValueError):
        detail = error.reason
    if error.status == 403:
        return EcsError("AccessDeniedException",
                        f"User: {call.credential.user} is not authorized to perform: "
                        f"ecs:{call.operation} ({detail})")
    if error.status in (400, 404, 409, 422):
        return invalid_parameter(str(detail))
    return EcsError("ServerException", f"the Kubernetes API server answered {error.status}: "
                                       f"{detail}", 500)
