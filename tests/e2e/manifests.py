"""Manifests the e2e tests apply, built as dicts."""

from __future__ import annotations

import copy

API = "ecs.operator.dev/v1alpha1"


def task_definition(name: str = "web", image: str = "registry.example/web:1",
                    **overrides: object) -> dict:
    spec = {
        "family": name,
        "containerDefinitions": [
            {"name": "app", "image": image, "essential": True, "cpu": 256, "memory": 512,
             "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
             "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
                             "interval": 10, "timeout": 5, "retries": 3}},
            {"name": "proxy", "image": "registry.example/proxy:1", "essential": True,
             "memoryReservation": 64,
             "dependsOn": [{"containerName": "app", "condition": "HEALTHY"}]},
        ],
    }
    spec.update(overrides)
    return {"apiVersion": API, "kind": "TaskDefinition", "metadata": {"name": name},
            "spec": spec}


def service(name: str = "web", task_definition_ref: str = "web", desired: int = 3,
            **overrides: object) -> dict:
    spec = {"taskDefinition": task_definition_ref, "desiredCount": desired,
            "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 200}}
    spec.update(overrides)
    return {"apiVersion": API, "kind": "Service", "metadata": {"name": name}, "spec": spec}


def with_container_field(manifest: dict, index: int, **fields: object) -> dict:
    changed = copy.deepcopy(manifest)
    changed["spec"]["containerDefinitions"][index].update(fields)
    return changed


def failing_revision(name: str = "web", image: str = "registry.example/web:2") -> dict:
    """A revision whose tasks all fail before becoming healthy (see hack/cluster/kwok.yaml)."""
    return with_container_field(task_definition(name=name, image=image), 0,
                                dockerLabels={"sim-fail": "true"})
