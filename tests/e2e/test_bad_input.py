"""Malformed input gets a clear answer, at admission where the schema can judge it, in a status
condition and a Warning event where only the operator can; nothing stops the operator."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

from .cluster import apply, kubectl, kubectl_json, wait_for
from .manifests import service, task_definition, with_container_field

REJECTED_AT_ADMISSION = {
    "desiredCount of the wrong type": (
        service(name="typed", desired="three"), "spec.desiredCount"),
    "health check interval out of range": (
        with_container_field(task_definition(name="fast-check"), 0, healthCheck={
            "command": ["CMD", "true"], "interval": 1}), "interval"),
    "health check timeout above ECS's 60 seconds": (
        with_container_field(task_definition(name="slow-check"), 0, healthCheck={
            "command": ["CMD", "true"], "timeout": 61}),
        "spec.containerDefinitions[0].healthCheck.timeout"),
    "deployment bounds that can never progress": (
        service(name="stuck", deploymentConfiguration={"minimumHealthyPercent": 100,
                                                       "maximumPercent": 100}),
        "deploymentConfiguration can never make progress"),
    "duplicate container names": (
        with_container_field(task_definition(name="twins"), 1, name="app"),
        "spec.containerDefinitions: Invalid value: containerDefinitions: container "
        "names must be unique in a task definition; rename the duplicate"),
    "stopTimeout above Fargate's 120 seconds": (
        with_container_field(task_definition(name="slow-stop", requiresCompatibilities=[
            "FARGATE"]), 0, stopTimeout=121),
        "spec.containerDefinitions: Invalid value: containerDefinitions[]."
        "stopTimeout: at most 120 seconds when requiresCompatibilities includes FARGATE"),
    "a placement strategy on a DAEMON service": (
        service(name="daemon-spread", schedulingStrategy="DAEMON", deploymentConfiguration={
            "minimumHealthyPercent": 0, "maximumPercent": 100},
            placementStrategy=[{"type": "random"}]),
        "spec.placementStrategy: Invalid value: placementStrategy: a DAEMON service "
        "places one task per node, so ECS allows no placementStrategy; remove it"),
    "memberOf without an expression": (
        service(name="member", placementConstraints=[{"type": "memberOf"}]),
        "spec.placementConstraints[0].expression: Invalid value: "
        "placementConstraints[].expression: memberOf needs an expression"),
    "no container definitions": (
        task_definition(name="empty", containerDefinitions=[]), "containerDefinitions"),
    "revision zero": (service(name="zero", task_definition_ref="web:0"), "taskDefinition"),
}


@pytest.mark.parametrize("manifest,message", REJECTED_AT_ADMISSION.values(),
                         ids=REJECTED_AT_ADMISSION.keys())
def test_admission_rejects_with_a_clear_message(crds, namespace: str, manifest: dict,
                                                message: str) -> None:
    result = apply(manifest, namespace)
    assert result.returncode != 0
    assert message in result.stderr


ACCEPTED_AS_ECS_ACCEPTS = {
    "health check timeout above interval": with_container_field(
        task_definition(name="long-check"), 0, healthCheck={
            "command": ["CMD", "true"], "interval": 5, "timeout": 10}),
    "nulls as console exports carry them": with_container_field(
        task_definition(name="nulls", volumes=None, placementConstraints=None, cpu=None),
        0, entryPoint=None, command=None, ulimits=None, linuxParameters=None,
        healthCheck=None, logConfiguration=None, portMappings=[{"containerPort": 80,
                                                                "hostPort": None}]),
    "a service with null fields": service(name="nullsvc", loadBalancers=None,
                                          placementConstraints=None,
                                          deploymentConfiguration=None),
    "networkMode default": task_definition(name="windows-default", networkMode="default"),
}


@pytest.mark.parametrize("manifest", ACCEPTED_AS_ECS_ACCEPTS.values(),
                         ids=ACCEPTED_AS_ECS_ACCEPTS.keys())
@pytest.mark.parametrize("verb", ["create", "apply"])
def test_admission_accepts_what_ecs_accepts(crds, namespace: str, manifest: dict,
                                            verb: str) -> None:
    """`kubectl create` and client-side apply send the nulls; the CRD must take them."""
    result = kubectl(verb, "--dry-run=server", "-n", namespace, "-f", "-",
                     input=json.dumps(manifest), check=False)
    assert result.returncode == 0, result.stderr


def test_import_refuses_what_admission_refuses_naming_the_ecs_field(crds, namespace: str,
                                                                    tmp_path) -> None:
    """The importer's own check gives the ECS field and the fix, where the API server gives a
    schema path; both refuse the same document."""
    document = {"family": "twins", "containerDefinitions": [
        {"name": "app", "image": "nginx"}, {"name": "app", "image": "nginx"}]}
    source = tmp_path / "twins.json"
    source.write_text(json.dumps(document))
    kubectl_ecs = str(pathlib.Path(sys.executable).parent / "kubectl-ecs")
    imported = subprocess.run([kubectl_ecs, "import", str(source)], capture_output=True,
                              text=True, check=False)
    assert imported.returncode == 1
    assert ("failed: " + str(source) + ": TaskDefinition twins: containerDefinitions: "
            "container names must be unique in a task definition (fix: rename the duplicate)"
            ) in imported.stderr
    applied = apply(task_definition(name="twins", containerDefinitions=document[
        "containerDefinitions"]), namespace)
    assert "container names must be unique" in applied.stderr


def invalid_condition(namespace: str, plural: str, name: str):
    def probe():
        obj = kubectl_json("get", plural, name, "-n", namespace)
        valid = next((c for c in obj.get("status", {}).get("conditions", [])
                      if c["type"] == "Valid"), None)
        return valid if valid and valid["status"] == "False" else None
    return probe


def warning_events(namespace: str, name: str) -> list[str]:
    events = kubectl_json("get", "events", "-n", namespace,
                          "--field-selector", f"involvedObject.name={name},type=Warning")
    return [e["message"] for e in events["items"]]


def test_operator_judged_errors_become_conditions_and_valid_services_converge(
        operator, namespace: str) -> None:
    unknown = with_container_field(task_definition(name="unknown-dep"), 1, dependsOn=[
        {"containerName": "db", "condition": "START"}])
    cycle = with_container_field(with_container_field(task_definition(name="cycle"), 0, dependsOn=[
        {"containerName": "proxy", "condition": "START"}]), 1, dependsOn=[
        {"containerName": "app", "condition": "START"}])
    missing = service(name="orphan", task_definition_ref="nowhere")
    valid = [task_definition(name="good"), service(name="good", task_definition_ref="good",
                                                   desired=2)]
    for manifest in [unknown, cycle, missing, *valid]:
        assert apply(manifest, namespace).returncode == 0

    unknown_condition = wait_for("unknown-dep invalid",
                                 invalid_condition(namespace, "td", "unknown-dep"))
    assert 'no container named "db"' in unknown_condition["message"]
    cycle_condition = wait_for("cycle invalid", invalid_condition(namespace, "td", "cycle"))
    assert "cycle" in cycle_condition["message"]
    missing_condition = wait_for("orphan invalid",
                                 invalid_condition(namespace, "esvc", "orphan"))
    assert missing_condition["reason"] == "TaskDefinitionNotFound"
    assert "unable to find task definition nowhere" in missing_condition["message"]
    assert wait_for("a Warning event for orphan", lambda: warning_events(namespace, "orphan"))

    good = wait_for("the valid service converges", lambda: (
        s if (s := kubectl_json("get", "esvc", "good", "-n", namespace))
        .get("status", {}).get("runningCount") == 2 else None))
    assert good["status"]["taskDefinition"] == "good:1"
    assert operator.alive()


def test_missing_task_definition_is_picked_up_once_registered(operator, namespace: str) -> None:
    apply(service(name="late", task_definition_ref="late", desired=1), namespace)
    wait_for("late invalid", invalid_condition(namespace, "esvc", "late"))
    apply(task_definition(name="late"), namespace)
    wait_for("late converges", lambda: kubectl_json("get", "esvc", "late", "-n", namespace)
             .get("status", {}).get("runningCount") == 1)


def test_unprefixed_health_check_is_accepted_with_a_warning_in_the_status(
        operator, namespace: str) -> None:
    manifest = with_container_field(task_definition(name="bare-check"), 0, healthCheck={
        "command": ["/healthcheck"]})
    assert apply(manifest, namespace).returncode == 0

    def valid():
        obj = kubectl_json("get", "td", "bare-check", "-n", namespace)
        return next((c for c in obj.get("status", {}).get("conditions", [])
                     if c["type"] == "Valid" and c["status"] == "True"), None)
    condition = wait_for("bare-check valid", valid)
    assert condition["message"] == (
        "containerDefinitions[0].healthCheck.command: ['/healthcheck'] has no \"CMD\" or "
        "\"CMD-SHELL\" prefix; it runs directly, as ECS runs it (add \"CMD-SHELL\" to run it "
        "in /bin/sh)")
