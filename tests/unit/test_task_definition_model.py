"""The TaskDefinition models: what pydantic itself accepts and rejects."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ecs_operator.models.task_definition import ContainerDefinition, TaskDefinitionSpec

WEB = {"name": "web", "image": "nginx"}


def spec(**container_fields) -> dict:
    return {"containerDefinitions": [{**WEB, **container_fields}]}


@pytest.mark.parametrize(("document", "location"), [
    pytest.param(spec(healthCheck={"command": ["CMD", "x"], "interval": 4}), "interval",
                 id="interval-below-5"),
    pytest.param(spec(healthCheck={"command": ["CMD", "x"], "interval": 301}), "interval",
                 id="interval-above-300"),
    pytest.param(spec(healthCheck={"command": ["CMD", "x"], "timeout": 1}), "timeout",
                 id="timeout-below-2"),
    pytest.param(spec(healthCheck={"command": ["CMD", "x"], "timeout": 61}), "timeout",
                 id="timeout-above-60"),
    pytest.param(spec(healthCheck={"command": ["CMD", "x"], "retries": 0}), "retries",
                 id="retries-below-1"),
    pytest.param(spec(healthCheck={"command": ["CMD", "x"], "retries": 11}), "retries",
                 id="retries-above-10"),
    pytest.param(spec(healthCheck={"command": ["CMD", "x"], "startPeriod": -1}), "startPeriod",
                 id="start-period-negative"),
    pytest.param(spec(healthCheck={"command": ["CMD", "x"], "startPeriod": 301}), "startPeriod",
                 id="start-period-above-300"),
    pytest.param(spec(healthCheck={"command": []}), "command", id="empty-health-command"),
    pytest.param(spec(portMappings=[{"containerPort": 65536}]), "containerPort",
                 id="port-above-65535"),
    pytest.param(spec(portMappings=[{"containerPort": 80, "hostPort": -1}]), "hostPort",
                 id="host-port-negative"),
    pytest.param(spec(portMappings=[{"containerPort": 80, "protocol": "sctp"}]), "protocol",
                 id="protocol-not-tcp-udp"),
    pytest.param(spec(dependsOn=[{"containerName": "db", "condition": "READY"}]), "condition",
                 id="depends-on-condition"),
    pytest.param(spec(dependsOn=[{"containerName": "db", "condition": "start"}]), "condition",
                 id="depends-on-condition-case-sensitive"),
    pytest.param(spec(cpu=-1), "cpu", id="negative-cpu"),
    pytest.param(spec(memory=4), "memory", id="memory-below-ecs-minimum"),
    pytest.param({"containerDefinitions": []}, "containerDefinitions", id="no-containers"),
    pytest.param({"containerDefinitions": [{"name": "web"}]}, "image", id="missing-image"),
    pytest.param({**spec(), "networkMode": "overlay"}, "networkMode", id="network-mode"),
    pytest.param({**spec(), "runtimePlatform": {"operatingSystemFamily": "PLAN9"}},
                 "operatingSystemFamily", id="os-family-not-in-ecs-enum"),
    pytest.param(spec(logConfiguration={"logDriver": "loki"}), "logDriver",
                 id="log-driver-not-in-ecs-enum"),
    pytest.param(spec(environment=[{"name": "FLAG", "value": True}]), "value",
                 id="boolean-env-value"),
])
def test_invalid_shapes_raise_validation_error(document, location):
    with pytest.raises(ValidationError) as raised:
        TaskDefinitionSpec.model_validate(document)
    assert any(location in error["loc"] for error in raised.value.errors())


def test_defaults():
    model = TaskDefinitionSpec.model_validate(spec(healthCheck={"command": ["CMD", "x"]},
                                                   portMappings=[{"containerPort": 80}]))
    container = model.containerDefinitions[0]
    assert container.essential is True
    assert (container.healthCheck.interval, container.healthCheck.timeout,
            container.healthCheck.retries, container.healthCheck.startPeriod) == (30, 5, 3, None)
    assert container.portMappings[0].protocol == "tcp"


@pytest.mark.parametrize(("document", "read", "expected"), [
    pytest.param({**spec(), "cpu": 256, "memory": 512}, lambda m: (m.cpu, m.memory),
                 ("256", "512"), id="yaml-numbers-for-task-cpu-memory"),
    pytest.param(spec(environment=[{"name": "PORT", "value": 8080}]),
                 lambda m: m.containerDefinitions[0].environment[0].value, "8080",
                 id="yaml-number-env-value"),
    pytest.param(spec(user=1000), lambda m: m.containerDefinitions[0].user, "1000",
                 id="yaml-number-user"),
    pytest.param(spec(portMappings=[{"containerPort": 53, "protocol": "UDP"}]),
                 lambda m: m.containerDefinitions[0].portMappings[0].protocol, "udp",
                 id="protocol-any-case"),
    pytest.param(spec(cpu="512"), lambda m: m.containerDefinitions[0].cpu, 512,
                 id="container-cpu-string"),
])
def test_lenient_inputs_from_yaml(document, read, expected):
    assert read(TaskDefinitionSpec.model_validate(document)) == expected


def test_unknown_fields_are_kept_at_every_level():
    model = TaskDefinitionSpec.model_validate({
        "containerDefinitions": [{**WEB, "versionConsistency": "disabled",
                                  "healthCheck": {"command": ["CMD", "x"], "extra": 1}}],
        "pidMod": "task",
    })
    assert model.model_extra == {"pidMod": "task"}
    assert model.containerDefinitions[0].model_extra == {"versionConsistency": "disabled"}
    assert model.containerDefinitions[0].healthCheck.model_extra == {"extra": 1}


def test_a_container_definition_validates_on_its_own():
    container = ContainerDefinition.model_validate({**WEB, "entryPoint": ["sh"]})
    assert container.entryPoint == ["sh"]
    assert container.command == []


@pytest.mark.parametrize(("document", "read", "expected"), [
    pytest.param(spec(entryPoint=None, command=None, ulimits=None, healthCheck=None),
                 lambda m: (m.containerDefinitions[0].entryPoint, m.containerDefinitions[0].ulimits,
                            m.containerDefinitions[0].healthCheck), ([], [], None),
                 id="null-lists-and-objects-are-absent"),
    pytest.param({**spec(portMappings=[{"containerPort": 80, "hostPort": None,
                                        "protocol": None}]), "volumes": None, "cpu": None},
                 lambda m: (m.containerDefinitions[0].portMappings[0].protocol, m.volumes, m.cpu),
                 ("tcp", [], None), id="null-scalars-take-the-ecs-default"),
    pytest.param({**spec(healthCheck={"command": ["CMD", "x"], "interval": None})},
                 lambda m: m.containerDefinitions[0].healthCheck.interval, 30,
                 id="null-nested-default"),
    pytest.param({**spec(), "networkMode": "default"}, lambda m: m.networkMode, "default",
                 id="windows-default-network-mode"),
    pytest.param(spec(resourceRequirements=[{"type": "NeuronDevice", "value": "1"}]),
                 lambda m: m.containerDefinitions[0].resourceRequirements[0].type,
                 "NeuronDevice", id="neuron-device"),
    pytest.param(spec(healthCheck={"command": ["CMD", "x"], "interval": 5, "timeout": 60}),
                 lambda m: m.containerDefinitions[0].healthCheck.timeout, 60,
                 id="timeout-above-interval-is-ecs-valid"),
])
def test_what_ecs_accepts_validates(document, read, expected):
    model = TaskDefinitionSpec.model_validate(document)
    assert read(model) == expected
    assert model.model_extra == {} and model.containerDefinitions[0].model_extra == {}
