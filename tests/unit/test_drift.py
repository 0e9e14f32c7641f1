"""Spec changes by someone other than the operator are drift; its own and the HPA's are not."""

from __future__ import annotations

import pytest

from ecs_operator.translate.drift import spec_changed_by


def entry(manager: str, time: str | None, operation: str = "Update",
          subresource: str | None = None, spec: bool = True) -> dict:
    fields = {"f:spec": {"f:replicas": {}}} if spec else {"f:status": {}}
    found = {"manager": manager, "operation": operation, "fieldsV1": fields}
    if time:
        found["time"] = time
    if subresource:
        found["subresource"] = subresource
    return found


def workload(*entries: dict) -> dict:
    return {"metadata": {"managedFields": list(entries)}}


@pytest.mark.parametrize("body,expected", [
    (workload(entry("ecs-operator", "2026-11-25T10:00:00Z", "Apply"),
              entry("kubectl-edit", "2026-11-25T10:05:00Z")),
     ("kubectl-edit", "2026-11-25T10:05:00Z")),
    (workload(entry("ecs-operator", "2026-11-25T10:00:00Z", "Apply"),
              entry("kubectl", None, subresource="scale")), ("kubectl", "")),
    (workload(entry("kubectl-edit", "2026-11-25T10:00:00Z"),
              entry("ecs-operator", "2026-11-25T10:05:00Z", "Apply")), None),
    (workload(entry("ecs-operator", "2026-11-25T10:00:00Z", "Apply"),
              entry("kube-controller-manager", None, subresource="scale")),
     None),
    (workload(entry("ecs-operator", "2026-11-25T10:00:00Z", "Apply"),
              entry("kube-controller-manager", "2026-11-25T10:09:00Z",
                    subresource="status", spec=False),
              entry("kubectl-edit", "2026-11-25T10:05:00Z")),
     ("kubectl-edit", "2026-11-25T10:05:00Z")),
    (workload(entry("kubectl-edit", "2026-11-25T10:05:00Z"),
              entry("ecs-operator", "2026-11-25T10:05:00Z", "Apply")),
     ("kubectl-edit", "2026-11-25T10:05:00Z")),
    (workload(entry("ecs-operator", "2026-11-25T10:00:00Z", "Apply")), None),
], ids=["kubectl-edit", "kubectl-scale", "operator-reapplied", "hpa-scaled",
        "status-writes-ignored", "same-second-edit-counts", "just-created"])
def test_spec_changed_by(body, expected) -> None:
    assert spec_changed_by(body) == expected
