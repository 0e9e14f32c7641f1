"""ECS task definition -> PodSpec: what a user sees in the pod, row by row of DESIGN.md."""

from __future__ import annotations

import hashlib

import pytest

from ecs_operator.models.task_definition import TaskDefinitionSpec
from ecs_operator.translate.errors import TranslationError
from ecs_operator.translate.pod import PodTranslation, container_names, pod_spec
from ecs_operator.translate.probes import health_check_warnings

IMAGE = "nginx:1.27"


def container(name: str = "app", **fields) -> dict:
    return {"name": name, "image": IMAGE, **fields}


def translate(*containers: dict, **task) -> PodTranslation:
    document = {"family": "app", "containerDefinitions": list(containers or [container()]),
                **task}
    return pod_spec(TaskDefinitionSpec.model_validate(document))


def first_container(*containers: dict, **task) -> dict:
    return translate(*containers, **task).spec["containers"][0]


def translation_error(*containers: dict, **task) -> str:
    with pytest.raises(TranslationError) as raised:
        translate(*containers, **task)
    return str(raised.value)


def names(entries: list[dict]) -> list[str]:
    return [entry["name"] for entry in entries]


# --- the whole pod ---------------------------------------------------------------------


def test_minimal_task_definition_becomes_one_container_pod():
    result = translate(container("web"))
    assert result.spec == {"containers": [
        {"name": "web", "image": IMAGE, "imagePullPolicy": "IfNotPresent"}]}
    assert result.annotations == {}
    assert result.unsupported == ()


def test_every_container_pulls_if_not_present_and_pod_restart_policy_is_left_to_caller():
    result = translate(container("app", dependsOn=[{"containerName": "proxy",
                                                    "condition": "START"}]),
                       container("proxy"))
    everything = result.spec["containers"] + result.spec["initContainers"]
    assert {c["imagePullPolicy"] for c in everything} == {"IfNotPresent"}
    assert "restartPolicy" not in result.spec


# --- entryPoint / command --------------------------------------------------------------


@pytest.mark.parametrize(("fields", "expected"), [
    pytest.param({"entryPoint": ["/docker-entrypoint.sh"],
                  "command": ["nginx", "-g", "daemon off;"]},
                 {"command": ["/docker-entrypoint.sh"], "args": ["nginx", "-g", "daemon off;"]},
                 id="entryPoint-and-command-swap"),
    pytest.param({"command": ["python", "app.py"]}, {"args": ["python", "app.py"]},
                 id="command-only-becomes-args"),
    pytest.param({"entryPoint": ["sh", "-c"]}, {"command": ["sh", "-c"]},
                 id="entryPoint-only-becomes-command"),
    pytest.param({"entryPoint": [], "command": []}, {}, id="empty-lists-keep-image-defaults"),
])
def test_entry_point_and_command(fields, expected):
    result = first_container(container(**fields))
    assert {k: result[k] for k in ("command", "args") if k in result} == expected


# --- container cpu and memory ----------------------------------------------------------


@pytest.mark.parametrize(("fields", "expected"), [
    pytest.param({"cpu": 256}, {"requests": {"cpu": "250m"}}, id="cpu-256-units"),
    pytest.param({"cpu": 1024}, {"requests": {"cpu": "1000m"}}, id="cpu-one-vcpu"),
    pytest.param({"cpu": 100}, {"requests": {"cpu": "98m"}}, id="cpu-rounds-up"),
    pytest.param({"cpu": 1}, {"requests": {"cpu": "1m"}}, id="cpu-one-unit"),
    pytest.param({"cpu": 0}, None, id="cpu-zero-no-request"),
    pytest.param({}, None, id="no-cpu-no-memory-no-resources"),
    pytest.param({"memory": 512}, {"limits": {"memory": "512Mi"}, "requests": {"memory": "512Mi"}},
                 id="memory-hard-is-limit-and-request"),
    pytest.param({"memoryReservation": 128}, {"requests": {"memory": "128Mi"}},
                 id="memory-reservation-only-is-request-only"),
    pytest.param({"memory": 512, "memoryReservation": 256},
                 {"limits": {"memory": "512Mi"}, "requests": {"memory": "256Mi"}},
                 id="memory-and-reservation"),
    pytest.param({"cpu": 512, "memory": 1024},
                 {"limits": {"memory": "1024Mi"}, "requests": {"cpu": "500m", "memory": "1024Mi"}},
                 id="cpu-and-memory"),
])
def test_container_resources(fields, expected):
    assert first_container(container(**fields)).get("resources") == expected


def test_memory_reservation_above_memory_is_an_error():
    message = translation_error(container(memory=256, memoryReservation=512))
    assert message.startswith("containerDefinitions[0].memoryReservation:")


# --- task-level cpu and memory: the split ----------------------------------------------


@pytest.mark.parametrize(("task", "containers", "expected"), [
    pytest.param({"cpu": "1 vCPU", "memory": "2 GB"}, [container("a")],
                 [{"limits": {"memory": "2048Mi"},
                   "requests": {"cpu": "1000m", "memory": "2048Mi"}}],
                 id="one-container-gets-everything"),
    pytest.param({"cpu": "1024"}, [container("a", cpu=256), container("b")],
                 [{"requests": {"cpu": "250m"}}, {"requests": {"cpu": "750m"}}],
                 id="cpu-remainder-to-undeclared"),
    pytest.param({"cpu": "0.25 vCPU"}, [container("a"), container("b"), container("c")],
                 [{"requests": {"cpu": "83m"}}] * 3, id="cpu-split-evenly-rounded-down"),
    pytest.param({"cpu": "256"}, [container("a", cpu=1024), container("b")],
                 [{"requests": {"cpu": "1000m"}}, {"requests": {"cpu": "1m"}}],
                 id="cpu-overcommitted-leaves-at-least-1m"),
    pytest.param({"memory": "512"}, [container("a", memory=128), container("b")],
                 [{"limits": {"memory": "128Mi"}, "requests": {"memory": "128Mi"}},
                  {"limits": {"memory": "384Mi"}, "requests": {"memory": "384Mi"}}],
                 id="memory-remainder-after-hard-limit"),
    pytest.param({"memory": "512 MiB"}, [container("a", memoryReservation=128), container("b")],
                 [{"requests": {"memory": "128Mi"}},
                  {"limits": {"memory": "384Mi"}, "requests": {"memory": "384Mi"}}],
                 id="memory-remainder-after-reservation"),
    pytest.param({"memory": "64"}, [container("a", memory=128), container("b")],
                 [{"limits": {"memory": "128Mi"}, "requests": {"memory": "128Mi"}},
                  {"limits": {"memory": "1Mi"}, "requests": {"memory": "1Mi"}}],
                 id="memory-overcommitted-leaves-at-least-1Mi"),
    pytest.param({"cpu": "512", "memory": "1024"}, [container("a", cpu=512, memory=1024)],
                 [{"limits": {"memory": "1024Mi"},
                   "requests": {"cpu": "500m", "memory": "1024Mi"}}],
                 id="all-declared-nothing-shared"),
])
def test_task_level_cpu_and_memory_are_shared_among_undeclared_containers(task, containers,
                                                                           expected):
    result = translate(*containers, **task)
    assert [c.get("resources") for c in result.spec["containers"]] == expected


@pytest.mark.parametrize(("task", "expected"), [
    pytest.param({"cpu": "1 vCPU", "memory": "2 GB"},
                 {"ecs.operator.dev/task-cpu": "1 vCPU", "ecs.operator.dev/task-memory": "2 GB"},
                 id="both-as-written"),
    pytest.param({"cpu": 256}, {"ecs.operator.dev/task-cpu": "256"}, id="yaml-number-cpu"),
    pytest.param({"memory": "512"}, {"ecs.operator.dev/task-memory": "512"}, id="memory-only"),
    pytest.param({}, {}, id="none"),
])
def test_task_level_values_are_kept_in_annotations(task, expected):
    assert translate(**task).annotations == expected


@pytest.mark.parametrize(("task", "field"), [
    pytest.param({"cpu": "lots"}, "cpu", id="cpu"),
    pytest.param({"memory": "2 TB"}, "memory", id="memory"),
])
def test_unparseable_task_level_values_are_errors(task, field):
    assert translation_error(container(), **task).startswith(f"{field}: ")


# --- ports -----------------------------------------------------------------------------

WEB_PORT = {"containerPort": 8080, "hostPort": 80}


@pytest.mark.parametrize(("network_mode", "expected"), [
    pytest.param("awsvpc", [{"containerPort": 8080, "protocol": "TCP"}],
                 id="awsvpc-drops-hostPort"),
    pytest.param("bridge", [{"containerPort": 8080, "protocol": "TCP", "hostPort": 80}],
                 id="bridge-keeps-hostPort"),
    pytest.param("host", [{"containerPort": 8080, "protocol": "TCP", "hostPort": 80}],
                 id="host-keeps-hostPort"),
    pytest.param(None, [{"containerPort": 8080, "protocol": "TCP"}], id="absent-drops-hostPort"),
])
def test_host_port_only_for_host_and_bridge(network_mode, expected):
    task = {"networkMode": network_mode} if network_mode else {}
    assert first_container(container(portMappings=[WEB_PORT]), **task)["ports"] == expected


@pytest.mark.parametrize(("mapping", "expected"), [
    pytest.param({"containerPort": 53, "protocol": "udp"}, {"containerPort": 53, "protocol": "UDP"},
                 id="udp-uppercased"),
    pytest.param({"containerPort": 80, "hostPort": 0}, {"containerPort": 80, "protocol": "TCP"},
                 id="bridge-dynamic-hostPort-0-dropped"),
    pytest.param({"containerPort": 80, "name": "HTTP"},
                 {"containerPort": 80, "protocol": "TCP", "name": "http"}, id="name-lowercased"),
    pytest.param({"containerPort": 80, "name": "web_traffic_port_main"},
                 {"containerPort": 80, "protocol": "TCP", "name": "web-traffic-por"},
                 id="name-underscores-and-15-chars"),
])
def test_port_mapping_fields(mapping, expected):
    assert first_container(container(portMappings=[mapping]), networkMode="bridge")["ports"] == [
        expected]


@pytest.mark.parametrize(("mappings", "path"), [
    pytest.param([{"containerPort": 80, "name": "8080"}], "portMappings[0].name",
                 id="name-without-letter"),
    pytest.param([{"containerPort": 80, "name": "long-port-name-one"},
                  {"containerPort": 81, "name": "long-port-name-two"}], "portMappings[1].name",
                 id="names-equal-after-truncation"),
    pytest.param([{"containerPort": 0}], "portMappings[0].containerPort", id="port-zero"),
])
def test_invalid_ports_are_errors(mappings, path):
    assert translation_error(container(portMappings=mappings)).startswith(
        f"containerDefinitions[0].{path}:")


def test_container_port_range_is_reported():
    result = translate(container(portMappings=[{"containerPortRange": "8000-8010"}]))
    assert "ports" not in result.spec["containers"][0]
    assert result.unsupported == ("containerDefinitions[0].portMappings[0].containerPortRange",)


# --- environment and secrets -----------------------------------------------------------


def test_environment_becomes_env_before_secrets():
    result = first_container(container(
        environment=[{"name": "MODE", "value": "prod"}, {"name": "PORT", "value": 8080},
                     {"name": "EMPTY"}],
        secrets=[{"name": "TOKEN", "valueFrom": "api-token"}]))
    assert result["env"] == [
        {"name": "MODE", "value": "prod"},
        {"name": "PORT", "value": "8080"},
        {"name": "EMPTY", "value": ""},
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "api-token", "key": "TOKEN"}}},
    ]


@pytest.mark.parametrize(("value_from", "secret", "key"), [
    pytest.param("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-pass-AbCdEf",
                 "db-pass", "DB_PASSWORD", id="secrets-manager-arn-suffix-dropped"),
    pytest.param("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password::",
                 "db", "password", id="secrets-manager-arn-json-key"),
    pytest.param("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/App_DB-x1Y2z3:user",
                 "prod-app-db", "user", id="secrets-manager-name-with-slash"),
    pytest.param("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api",
                 "prod-api", "DB_PASSWORD", id="secrets-manager-partial-arn-no-suffix"),
    pytest.param("arn:aws:secretsmanager:eu-west-1:123456789012:secret:token:api.key",
                 "token", "api.key", id="secrets-manager-name-without-dash"),
    pytest.param("arn:aws:ssm:eu-west-1:123456789012:parameter/app/db_password",
                 "app-db-password", "DB_PASSWORD", id="ssm-parameter-arn-with-path"),
    pytest.param("arn:aws:ssm:eu-west-1:123456789012:parameter/DB_PASSWORD",
                 "db-password", "DB_PASSWORD", id="ssm-parameter-arn-bare-name"),
    pytest.param("/app/prod/DB_Password", "app-prod-db-password", "DB_PASSWORD",
                 id="ssm-parameter-path"),
    pytest.param("DB_PASSWORD", "db-password", "DB_PASSWORD", id="ssm-parameter-bare-name"),
    pytest.param("app/prod/token", "app-prod-token", "DB_PASSWORD",
                 id="ssm-parameter-path-without-leading-slash"),
    pytest.param("database:password", "database", "password", id="name-colon-key"),
    pytest.param("database", "database", "DB_PASSWORD", id="name-only-key-is-variable"),
    pytest.param("db.credentials:pass_word", "db.credentials", "pass_word",
                 id="dotted-name-underscored-key"),
])
def test_secret_value_from_forms(value_from, secret, key):
    result = translate(container(secrets=[{"name": "DB_PASSWORD", "valueFrom": value_from}]))
    assert result.spec["containers"][0]["env"] == [{"name": "DB_PASSWORD", "valueFrom": {
        "secretKeyRef": {"name": secret, "key": key}}}]
    assert result.unsupported == ()


def test_secrets_manager_version_pin_is_reported():
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password:AWSPREVIOUS:"
    result = translate(container(secrets=[{"name": "DB", "valueFrom": arn}]))
    assert result.spec["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"] == {
        "name": "db", "key": "password"}
    assert result.unsupported == ("containerDefinitions[0].secrets[0].valueFrom",)


@pytest.mark.parametrize("value_from", [
    pytest.param("arn:aws:s3:::my-bucket/secret.txt", id="arn-of-another-service"),
    pytest.param("arn:aws:secretsmanager:eu-west-1:123456789012:db-pass", id="truncated-arn"),
    pytest.param("arn:aws:ssm:eu-west-1:123456789012:parameter", id="ssm-arn-without-name"),
    pytest.param("///", id="nothing-to-name-a-secret-after"),
])
def test_unparseable_secret_value_from_is_an_error(value_from):
    message = translation_error(container(), container(
        "worker", secrets=[{"name": "X", "valueFrom": value_from}]))
    assert message.startswith("containerDefinitions[1].secrets[0].valueFrom:")


# --- healthCheck -----------------------------------------------------------------------


@pytest.mark.parametrize(("command", "exec_command"), [
    pytest.param(["CMD", "curl", "-f", "http://localhost/"], ["curl", "-f", "http://localhost/"],
                 id="cmd-with-args"),
    pytest.param(["CMD", "/healthz"], ["/healthz"], id="cmd-alone"),
    pytest.param(["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
                 ["/bin/sh", "-c", "curl -f http://localhost/ || exit 1"], id="cmd-shell"),
    pytest.param(["CMD-SHELL", "test \"$(cat /tmp/state)\" = 'ok' | grep -q ok && echo 'a b'"],
                 ["/bin/sh", "-c", "test \"$(cat /tmp/state)\" = 'ok' | grep -q ok && echo 'a b'"],
                 id="cmd-shell-quotes-and-pipes-untouched"),
    pytest.param(["CMD-SHELL", "pg_isready", "-U", "postgres"],
                 ["/bin/sh", "-c", "pg_isready -U postgres"], id="cmd-shell-elements-joined"),
    pytest.param(["CMD-SHELL curl -f http://localhost/ || exit 1"],
                 ["/bin/sh", "-c", "curl -f http://localhost/ || exit 1"],
                 id="single-string-cmd-shell"),
    pytest.param(["CMD curl -f 'http://localhost/a b'"], ["curl", "-f", "http://localhost/a b"],
                 id="single-string-cmd"),
])
def test_health_check_command_becomes_exec_probe(command, exec_command):
    result = first_container(container(healthCheck={"command": command}))
    for probe in ("livenessProbe", "readinessProbe"):
        assert result[probe]["exec"] == {"command": exec_command}


@pytest.mark.parametrize("command", [
    pytest.param(["CMD"], id="cmd-without-command"),
    pytest.param(["CMD-SHELL"], id="cmd-shell-without-command"),
])
def test_health_check_prefix_without_a_command_is_an_error(command):
    message = translation_error(container(healthCheck={"command": command}))
    assert message.startswith("containerDefinitions[0].healthCheck.command:")


@pytest.mark.parametrize(("command", "exec_command"), [
    pytest.param(["/healthcheck"], ["/healthcheck"], id="aws-sample-executable-alone"),
    pytest.param(["curl", "-f", "http://localhost/"], ["curl", "-f", "http://localhost/"],
                 id="list-without-prefix"),
    pytest.param(["curl -f http://localhost/"], ["curl -f http://localhost/"],
                 id="single-string-without-prefix-is-one-executable"),
    pytest.param(["CMD curl 'http://localhost/"], ["CMD curl 'http://localhost/"],
                 id="cmd-unbalanced-quote-is-not-split"),
])
def test_health_check_command_without_prefix_runs_directly_with_a_warning(command,
                                                                          exec_command):
    result = first_container(container(healthCheck={"command": command}))
    assert result["livenessProbe"]["exec"] == {"command": exec_command}
    spec = TaskDefinitionSpec.model_validate(
        {"containerDefinitions": [container(healthCheck={"command": command})]})
    [warning] = health_check_warnings(spec)
    assert warning.startswith("containerDefinitions[0].healthCheck.command:")
    assert "CMD-SHELL" in warning


def test_prefixed_health_check_commands_give_no_warning():
    spec = TaskDefinitionSpec.model_validate({"containerDefinitions": [
        container(healthCheck={"command": ["CMD", "true"]}),
        container("b", healthCheck={"command": ["CMD-SHELL curl -f localhost"]})]})
    assert health_check_warnings(spec) == []


@pytest.mark.parametrize("command", [["NONE"], "NONE"], ids=["list", "single-string"])
def test_docker_none_health_check_means_no_probes_and_a_warning(command):
    listed = [command] if isinstance(command, str) else command
    result = first_container(container(healthCheck={"command": listed}))
    assert not {"livenessProbe", "readinessProbe", "startupProbe"} & result.keys()
    spec = TaskDefinitionSpec.model_validate(
        {"containerDefinitions": [container(healthCheck={"command": listed})]})
    [warning] = health_check_warnings(spec)
    assert "switches the health check off" in warning


def test_healthy_dependency_on_a_switched_off_health_check_is_refused():
    with pytest.raises(TranslationError, match=r'HEALTHY needs a healthCheck on container "db"'):
        pod_spec(TaskDefinitionSpec.model_validate({"containerDefinitions": [
            container("db", essential=False, healthCheck={"command": ["NONE"]}),
            container(dependsOn=[{"containerName": "db", "condition": "HEALTHY"}])]}))


@pytest.mark.parametrize(("health_check", "probe_timing", "startup_failures"), [
    pytest.param({}, {"periodSeconds": 30, "timeoutSeconds": 5, "failureThreshold": 3}, None,
                 id="ecs-defaults"),
    pytest.param({"interval": 10, "timeout": 2, "retries": 5},
                 {"periodSeconds": 10, "timeoutSeconds": 2, "failureThreshold": 5}, None,
                 id="custom-timing"),
    pytest.param({"startPeriod": 60},
                 {"periodSeconds": 30, "timeoutSeconds": 5, "failureThreshold": 3}, 5,
                 id="start-period-60-interval-30"),
    pytest.param({"interval": 10, "retries": 2, "startPeriod": 45},
                 {"periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 2}, 7,
                 id="start-period-rounds-up"),
    pytest.param({"startPeriod": 0},
                 {"periodSeconds": 30, "timeoutSeconds": 5, "failureThreshold": 3}, None,
                 id="start-period-zero-no-startup-probe"),
])
def test_health_check_timing(health_check, probe_timing, startup_failures):
    command = ["CMD", "true"]
    result = first_container(container(healthCheck={"command": command, **health_check}))
    steady = {"exec": {"command": ["true"]}, "successThreshold": 1, **probe_timing}
    assert result["livenessProbe"] == steady
    assert result["readinessProbe"] == steady
    if startup_failures is None:
        assert "startupProbe" not in result
    else:
        assert result["startupProbe"] == {**steady, "failureThreshold": startup_failures}


# --- dependsOn -------------------------------------------------------------------------


def depends(name: str, condition: str) -> dict:
    return {"containerName": name, "condition": condition}


@pytest.mark.parametrize(("condition", "restart_policy", "reported"), [
    pytest.param("START", "Always", (), id="start-native-sidecar"),
    pytest.param("COMPLETE", None, ("containerDefinitions[0].dependsOn[0].condition",),
                 id="complete-init-container-reported"),
    pytest.param("SUCCESS", None, (), id="success-init-container"),
])
def test_depended_on_container_moves_to_init_containers(condition, restart_policy, reported):
    result = translate(container("app", dependsOn=[depends("setup", condition)]),
                       container("setup", essential=False))
    assert names(result.spec["containers"]) == ["app"]
    [setup] = result.spec["initContainers"]
    assert setup["name"] == "setup"
    assert setup.get("restartPolicy") == restart_policy
    assert result.unsupported == reported


def test_healthy_dependency_is_a_sidecar_gated_by_a_startup_probe():
    result = translate(
        container("app", dependsOn=[depends("envoy", "HEALTHY")]),
        container("envoy", healthCheck={"command": ["CMD", "/ready"], "interval": 10}))
    [envoy] = result.spec["initContainers"]
    assert envoy["restartPolicy"] == "Always"
    assert envoy["startupProbe"] == {"exec": {"command": ["/ready"]}, "periodSeconds": 10,
                                     "timeoutSeconds": 5, "successThreshold": 1,
                                     "failureThreshold": 3}
    assert envoy["readinessProbe"]["failureThreshold"] == 3


def test_init_containers_come_after_what_they_depend_on():
    result = translate(
        container("app", dependsOn=[depends("migrate", "SUCCESS"), depends("envoy", "HEALTHY")]),
        container("migrate", essential=False, dependsOn=[depends("proxy", "START"),
                                                         depends("envoy", "HEALTHY")]),
        container("envoy", healthCheck={"command": ["CMD", "/ready"]},
                  dependsOn=[depends("proxy", "START")]),
        container("proxy"),
        container("logger"),
    )
    assert names(result.spec["initContainers"]) == ["proxy", "envoy", "migrate"]
    assert names(result.spec["containers"]) == ["app", "logger"]
    restart = {c["name"]: c.get("restartPolicy") for c in result.spec["initContainers"]}
    assert restart == {"proxy": "Always", "envoy": "Always", "migrate": None}


def test_init_container_health_check_is_dropped_and_reported():
    result = translate(container("app", dependsOn=[depends("migrate", "SUCCESS")]),
                       container("migrate", essential=False, healthCheck={"command": ["CMD", "x"]}))
    [migrate] = result.spec["initContainers"]
    assert not {"livenessProbe", "readinessProbe", "startupProbe"} & migrate.keys()
    assert result.unsupported == ("containerDefinitions[1].healthCheck",)


@pytest.mark.parametrize(("containers", "message"), [
    pytest.param([container("app"), container("web", dependsOn=[depends("db", "START")])],
                 'containerDefinitions[1].dependsOn[0].containerName: no container named "db"',
                 id="unknown-container"),
    pytest.param([container("a", dependsOn=[depends("b", "START")]),
                  container("b", dependsOn=[depends("a", "START")])],
                 "dependsOn cycle: a -> b -> a", id="two-cycle"),
    pytest.param([container("a", dependsOn=[depends("b", "START")]),
                  container("b", dependsOn=[depends("c", "HEALTHY")]),
                  container("c", dependsOn=[depends("a", "SUCCESS")])],
                 "dependsOn cycle: a -> b -> c -> a", id="three-cycle"),
    pytest.param([container("main"), container("a", dependsOn=[depends("b", "START")]),
                  container("b", dependsOn=[depends("c", "START")]),
                  container("c", dependsOn=[depends("b", "START")])],
                 "dependsOn cycle: b -> c -> b", id="cycle-behind-a-chain"),
    pytest.param([container("a", dependsOn=[depends("a", "START")])],
                 "dependsOn cycle: a -> a", id="self-dependency"),
    pytest.param([container("app", dependsOn=[depends("db", "HEALTHY")]), container("db")],
                 'containerDefinitions[0].dependsOn[0].condition: HEALTHY needs a healthCheck '
                 'on container "db"', id="healthy-without-health-check"),
    pytest.param([container("app", dependsOn=[depends("db", "START")]),
                  container("worker", dependsOn=[depends("db", "SUCCESS")]),
                  container("db", essential=False)],
                 'containerDefinitions[1].dependsOn[0].condition: container "db" is depended on '
                 "with both START and SUCCESS", id="sidecar-and-init-at-once"),
    pytest.param([container("app", dependsOn=[depends("migrate", "COMPLETE")]),
                  container("migrate")],
                 "containerDefinitions[0].dependsOn[0].condition: COMPLETE cannot be used on an "
                 'essential container; set "essential": false on container "migrate"',
                 id="complete-on-essential"),
])
def test_invalid_dependencies_are_errors(containers, message):
    assert translation_error(*containers).startswith(message)


# --- essential -------------------------------------------------------------------------


@pytest.mark.parametrize(("essential", "expected"), [
    pytest.param({"app": True, "b": True}, None, id="all-essential-no-annotation"),
    pytest.param({"app": True, "z_log": False, "b": False}, "b,z-log",
                 id="sorted-kubernetes-names"),
])
def test_non_essential_containers_annotation(essential, expected):
    result = translate(*(container(name, essential=flag) for name, flag in essential.items()))
    assert result.annotations.get("ecs.operator.dev/non-essential-containers") == expected


def test_no_essential_container_is_an_error():
    message = translation_error(container("a", essential=False), container("b", essential=False))
    assert message.startswith("containerDefinitions: at least one container must be essential")


# --- names -----------------------------------------------------------------------------


@pytest.mark.parametrize(("ecs_names", "expected"), [
    pytest.param(["web"], ["web"], id="already-valid"),
    pytest.param(["My_App", "Log-Router"], ["my-app", "log-router"], id="lowercase-underscores"),
])
def test_container_names(ecs_names, expected):
    spec = TaskDefinitionSpec.model_validate(
        {"containerDefinitions": [container(name) for name in ecs_names]})
    assert container_names(spec) == expected
    assert names(pod_spec(spec).spec["containers"]) == expected


@pytest.mark.parametrize(("ecs_names", "message"), [
    pytest.param(["web", "web"], 'containerDefinitions[1].name: duplicate container name "web"',
                 id="duplicate"),
    pytest.param(["web_1", "web-1"],
                 'containerDefinitions[1].name: "web-1" and "web_1" both become the container '
                 'name "web-1"', id="duplicate-after-sanitizing"),
    pytest.param(["_web"], 'containerDefinitions[0].name: "_web" does not make a Kubernetes name',
                 id="leading-underscore"),
    pytest.param(["a" * 64], "containerDefinitions[0].name:", id="too-long"),
])
def test_invalid_container_names_are_errors(ecs_names, message):
    assert translation_error(*(container(name) for name in ecs_names)).startswith(message)


# --- stopTimeout -----------------------------------------------------------------------


@pytest.mark.parametrize(("timeouts", "expected"), [
    pytest.param([None, None], None, id="absent-kubernetes-default"),
    pytest.param([30, None], 30, id="one"),
    pytest.param([10, 120], 120, id="largest-wins"),
])
def test_stop_timeout_becomes_termination_grace_period(timeouts, expected):
    containers = [container(f"c{i}", **({"stopTimeout": t} if t is not None else {}))
                  for i, t in enumerate(timeouts)]
    assert translate(*containers).spec.get("terminationGracePeriodSeconds") == expected


# --- securityContext -------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "expected", "reported"), [
    pytest.param({"user": "1000"}, {"runAsUser": 1000}, (), id="uid"),
    pytest.param({"user": 1000}, {"runAsUser": 1000}, (), id="uid-yaml-number"),
    pytest.param({"user": "1000:2000"}, {"runAsUser": 1000, "runAsGroup": 2000}, (), id="uid-gid"),
    pytest.param({"user": "nginx"}, None, ("containerDefinitions[0].user",), id="user-name"),
    pytest.param({"user": "1000:staff"}, {"runAsUser": 1000}, ("containerDefinitions[0].user",),
                 id="uid-group-name"),
    pytest.param({"user": "www:33"}, {"runAsGroup": 33}, ("containerDefinitions[0].user",),
                 id="user-name-gid"),
    pytest.param({"user": "²:1"}, {"runAsGroup": 1}, ("containerDefinitions[0].user",),
                 id="superscript-digit-is-a-name-not-a-uid"),
    pytest.param({"privileged": True}, {"privileged": True}, (), id="privileged"),
    pytest.param({"readonlyRootFilesystem": True}, {"readOnlyRootFilesystem": True}, (),
                 id="read-only-root"),
    pytest.param({"readonlyRootFilesystem": False}, {"readOnlyRootFilesystem": False}, (),
                 id="read-only-root-explicit-false"),
    pytest.param({"linuxParameters": {"capabilities": {"add": ["NET_ADMIN", "CAP_SYS_TIME"],
                                                       "drop": ["ALL"]}}},
                 {"capabilities": {"add": ["NET_ADMIN", "SYS_TIME"], "drop": ["ALL"]}}, (),
                 id="capabilities-strip-cap-prefix"),
    pytest.param({"linuxParameters": {"capabilities": {"drop": ["cap_net_raw"]}}},
                 {"capabilities": {"drop": ["NET_RAW"]}}, (), id="capabilities-lowercase"),
    pytest.param({}, None, (), id="nothing"),
])
def test_security_context(fields, expected, reported):
    result = translate(container(**fields))
    assert result.spec["containers"][0].get("securityContext") == expected
    assert result.unsupported == reported


# --- volumes ---------------------------------------------------------------------------


@pytest.mark.parametrize(("volume", "source", "reported"), [
    pytest.param({"host": {"sourcePath": "/var/log"}}, {"hostPath": {"path": "/var/log"}}, (),
                 id="host-source-path"),
    pytest.param({"host": {}}, {"emptyDir": {}}, (), id="host-without-source-path"),
    pytest.param({}, {"emptyDir": {}}, (), id="no-configuration"),
    pytest.param({"dockerVolumeConfiguration": {"scope": "task", "driver": "local"}},
                 {"emptyDir": {}}, (), id="docker-task-scope"),
    pytest.param({"dockerVolumeConfiguration": {"scope": "shared", "autoprovision": True}},
                 {"persistentVolumeClaim": {"claimName": "data-vol"}}, (),
                 id="docker-shared-autoprovision"),
    pytest.param({"dockerVolumeConfiguration": {"scope": "shared"}},
                 {"persistentVolumeClaim": {"claimName": "data-vol"}}, (), id="docker-shared"),
    pytest.param({"dockerVolumeConfiguration": {"scope": "shared", "driver": "rexray/ebs",
                                                "driverOpts": {"size": "5"}}},
                 {"persistentVolumeClaim": {"claimName": "data-vol"}},
                 ("volumes[0].dockerVolumeConfiguration.driver",
                  "volumes[0].dockerVolumeConfiguration.driverOpts"), id="docker-driver-reported"),
    pytest.param({"efsVolumeConfiguration": {"fileSystemId": "fs-12345678",
                                             "transitEncryption": "ENABLED"}},
                 {"persistentVolumeClaim": {"claimName": "data-vol"}}, (), id="efs"),
    pytest.param({"fsxWindowsFileServerVolumeConfiguration": {"fileSystemId": "fs-1"}},
                 {"emptyDir": {}}, ("volumes[0].fsxWindowsFileServerVolumeConfiguration",),
                 id="fsx-reported"),
    pytest.param({"configuredAtLaunch": True}, {"emptyDir": {}},
                 ("volumes[0].configuredAtLaunch",), id="configured-at-launch-reported"),
])
def test_volume_kinds(volume, source, reported):
    result = translate(container(mountPoints=[{"sourceVolume": "Data_Vol",
                                                "containerPath": "/data"}]),
                       volumes=[{"name": "Data_Vol", **volume}])
    assert result.spec["volumes"] == [{"name": "data-vol", **source}]
    assert result.spec["containers"][0]["volumeMounts"] == [
        {"name": "data-vol", "mountPath": "/data"}]
    assert result.unsupported == reported


def test_read_only_mount_points():
    result = first_container(
        container(mountPoints=[{"sourceVolume": "a", "containerPath": "/a", "readOnly": True},
                               {"sourceVolume": "a", "containerPath": "/b", "readOnly": False}]),
        volumes=[{"name": "a"}])
    assert result["volumeMounts"] == [{"name": "a", "mountPath": "/a", "readOnly": True},
                                      {"name": "a", "mountPath": "/b"}]


@pytest.mark.parametrize(("containers", "volumes", "message"), [
    pytest.param([container(mountPoints=[{"sourceVolume": "logs", "containerPath": "/logs"}])],
                 [{"name": "data"}],
                 'containerDefinitions[0].mountPoints[0].sourceVolume: no volume named "logs"',
                 id="unknown-volume"),
    pytest.param([container()], [{"name": "data_1"}, {"name": "data-1"}],
                 'volumes[1].name: "data-1" and "data_1" both become the volume name "data-1"',
                 id="duplicate-after-sanitizing"),
    pytest.param([container()], [{"name": "data.1"}], 'volumes[0].name: "data.1" does not make',
                 id="invalid-name"),
    pytest.param([container()], [{"name": "data", "host": {"sourcePath": "/x"},
                                  "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}],
                 "volumes[0]: set only one of", id="two-sources"),
])
def test_invalid_volumes_are_errors(containers, volumes, message):
    assert translation_error(*containers, volumes=volumes).startswith(message)


# --- the rest of the container fields ---------------------------------------------------


@pytest.mark.parametrize(("fields", "expected"), [
    pytest.param({"workingDirectory": "/srv"}, {"workingDir": "/srv"}, id="working-directory"),
    pytest.param({"interactive": True}, {"stdin": True}, id="interactive"),
    pytest.param({"pseudoTerminal": True}, {"tty": True}, id="pseudo-terminal"),
    pytest.param({"interactive": False, "pseudoTerminal": False}, {"stdin": False, "tty": False},
                 id="explicit-false"),
])
def test_simple_container_fields(fields, expected):
    result = first_container(container(**fields))
    assert {key: result[key] for key in expected} == expected


def test_extra_hosts_of_all_containers_become_host_aliases_grouped_by_ip():
    result = translate(
        container("a", extraHosts=[{"hostname": "db", "ipAddress": "10.0.0.5"},
                                   {"hostname": "cache", "ipAddress": "10.0.0.6"}]),
        container("b", extraHosts=[{"hostname": "db.internal", "ipAddress": "10.0.0.5"},
                                   {"hostname": "db", "ipAddress": "10.0.0.5"}]))
    assert result.spec["hostAliases"] == [
        {"ip": "10.0.0.5", "hostnames": ["db", "db.internal"]},
        {"ip": "10.0.0.6", "hostnames": ["cache"]},
    ]


LONG_LABEL_DIGEST = hashlib.sha256(("label." + "x" * 80).encode()).hexdigest()[:8]


@pytest.mark.parametrize(("labels", "expected"), [
    pytest.param({"com.example.team": "payments"},
                 {"ecs.operator.dev/label.com.example.team": "payments"}, id="dotted-key"),
    pytest.param({"traefik/enable": "true", "version": 2},
                 {"ecs.operator.dev/label.traefik-enable": "true",
                  "ecs.operator.dev/label.version": "2"}, id="slash-sanitized-number-value"),
    pytest.param({"x" * 80: "v"},
                 {"ecs.operator.dev/label." + "x" * 48 + "-" + LONG_LABEL_DIGEST: "v"},
                 id="long-key-cut-to-63-with-hash"),
])
def test_docker_labels_become_annotations(labels, expected):
    result = translate(container(dockerLabels=labels))
    assert result.annotations == expected
    assert all(len(key.split("/", 1)[1]) <= 63 for key in result.annotations)


def test_conflicting_docker_labels_keep_the_first_and_report_the_other():
    result = translate(container("a", dockerLabels={"team": "x"}),
                       container("b", dockerLabels={"team": "y"}),
                       container("c", dockerLabels={"team": "x"}))
    assert result.annotations == {"ecs.operator.dev/label.team": "x"}
    assert result.unsupported == ("containerDefinitions[1].dockerLabels[team]",)


# --- task-level pod settings ------------------------------------------------------------


@pytest.mark.parametrize(("task", "expected", "reported"), [
    pytest.param({"networkMode": "host"}, {"hostNetwork": True}, (), id="network-host"),
    pytest.param({"networkMode": "awsvpc"}, {}, (), id="network-awsvpc"),
    pytest.param({"networkMode": "bridge"}, {}, (), id="network-bridge"),
    pytest.param({"networkMode": "none"}, {}, ("networkMode",), id="network-none-reported"),
    pytest.param({"pidMode": "task"}, {"shareProcessNamespace": True}, (), id="pid-task"),
    pytest.param({"pidMode": "host"}, {"hostPID": True}, (), id="pid-host"),
    pytest.param({"ipcMode": "host"}, {"hostIPC": True}, (), id="ipc-host"),
    pytest.param({"ipcMode": "task"}, {}, (), id="ipc-task"),
    pytest.param({"ipcMode": "none"}, {}, ("ipcMode",), id="ipc-none-reported"),
    pytest.param({"runtimePlatform": {"cpuArchitecture": "ARM64",
                                      "operatingSystemFamily": "LINUX"}},
                 {"nodeSelector": {"kubernetes.io/arch": "arm64", "kubernetes.io/os": "linux"}},
                 (), id="runtime-platform-arm64-linux"),
    pytest.param({"runtimePlatform": {"cpuArchitecture": "X86_64",
                                      "operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}},
                 {"nodeSelector": {"kubernetes.io/arch": "amd64", "kubernetes.io/os": "windows"}},
                 (), id="runtime-platform-windows"),
])
def test_task_level_pod_settings(task, expected, reported):
    result = translate(container(), **task)
    pod_settings = {key: value for key, value in result.spec.items() if key != "containers"}
    assert pod_settings == expected
    assert result.unsupported == reported


# --- what cannot be honoured is reported ------------------------------------------------


@pytest.mark.parametrize(("task", "fields", "reported"), [
    pytest.param({"taskRoleArn": "arn:aws:iam::1:role/app"}, {}, "taskRoleArn", id="task-role"),
    pytest.param({"executionRoleArn": "arn:aws:iam::1:role/exec"}, {}, "executionRoleArn",
                 id="execution-role"),
    pytest.param({"ephemeralStorage": {"sizeInGiB": 30}}, {}, "ephemeralStorage",
                 id="ephemeral-storage"),
    pytest.param({"proxyConfiguration": {"containerName": "app"}}, {}, "proxyConfiguration",
                 id="proxy-configuration"),
    pytest.param({"inferenceAccelerators": [{"deviceName": "d", "deviceType": "eia2.medium"}]},
                 {}, "inferenceAccelerators", id="inference-accelerators"),
    pytest.param({"enableFaultInjection": True}, {}, "enableFaultInjection", id="fault-injection"),
    pytest.param({}, {"logConfiguration": {"logDriver": "awslogs",
                                           "options": {"awslogs-group": "/ecs/app"}}},
                 "containerDefinitions[0].logConfiguration", id="log-configuration"),
    pytest.param({}, {"firelensConfiguration": {"type": "fluentbit"}},
                 "containerDefinitions[0].firelensConfiguration", id="firelens"),
    pytest.param({}, {"links": ["db_1"]}, "containerDefinitions[0].links[0]",
                 id="link-that-is-no-hostname"),
    pytest.param({}, {"ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}]},
                 "containerDefinitions[0].ulimits", id="ulimits"),
    pytest.param({}, {"hostname": "web.example.com"}, "containerDefinitions[0].hostname",
                 id="hostname-that-is-no-dns-label"),
    pytest.param({}, {"dnsServers": ["10.0.0.2", "10.0.0.3", "10.0.0.4"]},
                 "containerDefinitions[0].dnsServers[2]", id="third-dns-server"),
    pytest.param({}, {"dockerSecurityOptions": ["no-new-privileges"]},
                 "containerDefinitions[0].dockerSecurityOptions", id="docker-security-options"),
    pytest.param({"networkMode": "host"},
                 {"systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}]},
                 "containerDefinitions[0].systemControls[0]", id="net-sysctl-of-host-network"),
    pytest.param({}, {"resourceRequirements": [{"type": "InferenceAccelerator",
                                                "value": "device_1"}]},
                 "containerDefinitions[0].resourceRequirements[0]",
                 id="inference-accelerator-requirement"),
    pytest.param({}, {"repositoryCredentials": {"credentialsParameter": "--"}},
                 "containerDefinitions[0].repositoryCredentials",
                 id="repository-credentials-that-name-no-secret"),
    pytest.param({}, {"disableNetworking": True}, "containerDefinitions[0].disableNetworking",
                 id="disable-networking"),
    pytest.param({}, {"startTimeout": 120}, "containerDefinitions[0].startTimeout",
                 id="start-timeout"),
    pytest.param({}, {"restartPolicy": {"enabled": True}}, "containerDefinitions[0].restartPolicy",
                 id="container-restart-policy"),
    pytest.param({}, {"environmentFiles": [{"value": "arn:aws:s3:::b/app.env", "type": "s3"}]},
                 "containerDefinitions[0].environmentFiles", id="environment-files"),
    pytest.param({}, {"volumesFrom": [{"sourceContainer": "other"}]},
                 "containerDefinitions[0].volumesFrom", id="volumes-from"),
    pytest.param({}, {"linuxParameters": {"tmpfs": [{"containerPath": "/tmp", "size": 64,
                                                     "mountOptions": ["noexec"]}]}},
                 "containerDefinitions[0].linuxParameters.tmpfs[0].mountOptions",
                 id="tmpfs-mount-options"),
    pytest.param({}, {"linuxParameters": {"devices": [{"hostPath": "/dev/fuse"}]}},
                 "containerDefinitions[0].linuxParameters.devices", id="devices"),
    pytest.param({}, {"linuxParameters": {"maxSwap": 0}},
                 "containerDefinitions[0].linuxParameters.maxSwap", id="max-swap-zero-is-set"),
    pytest.param({}, {"linuxParameters": {"swappiness": 10}},
                 "containerDefinitions[0].linuxParameters.swappiness", id="swappiness"),
    pytest.param({"pidMod": "task"}, {}, "pidMod", id="unknown-task-field"),
    pytest.param({}, {"credentialSpecs": ["x"]}, "containerDefinitions[0].credentialSpecs",
                 id="unknown-container-field"),
    pytest.param({}, {"healthCheck": {"command": ["CMD", "true"], "intervall": 5}},
                 "containerDefinitions[0].healthCheck.intervall", id="unknown-nested-field"),
    pytest.param({}, {"portMappings": [{"containerPort": 80, "hostIp": "0.0.0.0"}]},
                 "containerDefinitions[0].portMappings[0].hostIp", id="unknown-list-item-field"),
    pytest.param({"volumes": [{"name": "v", "efsVolumeConfiguration": {
        "fileSystemId": "fs-1", "authorizationConfig": {"accessPointId": "a", "iamRole": "r"}}}]},
                 {}, "volumes[0].efsVolumeConfiguration.authorizationConfig.iamRole",
                 id="unknown-deeply-nested-field"),
])
def test_fields_that_cannot_be_honoured_are_reported(task, fields, reported):
    assert translate(container(**fields), **task).unsupported == (reported,)


def test_default_and_empty_values_are_not_reported():
    result = translate(container(links=[], disableNetworking=False, dnsServers=[],
                                 linuxParameters={"initProcessEnabled": False},
                                 dockerLabels={}, ulimits=[]),
                       requiresCompatibilities=["FARGATE"], tags=[{"key": "team", "value": "x"}])
    assert result.unsupported == ()


def test_unsupported_paths_are_sorted_and_unique():
    result = translate(
        container("a", links=["b_1"], logConfiguration={"logDriver": "awslogs"}, user="nginx",
                  hostname="a"),
        container("b", hostname="b", bogus=True),
        taskRoleArn="arn:aws:iam::1:role/app", networkMode="none")
    assert result.unsupported == (
        "containerDefinitions[0].links[0]",
        "containerDefinitions[0].logConfiguration",
        "containerDefinitions[0].user",
        "containerDefinitions[1].bogus",
        "containerDefinitions[1].hostname",
        "networkMode",
        "taskRoleArn",
    )


# --- a realistic document ---------------------------------------------------------------


def test_pasted_fargate_task_definition():
    result = translate(
        {
            "name": "web", "image": "public.ecr.aws/nginx/nginx:1.27", "essential": True,
            "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp",
                              "name": "web-80-tcp", "appProtocol": "http"}],
            "environment": [{"name": "STAGE", "value": "prod"}],
            "secrets": [{"name": "API_KEY", "valueFrom":
                         "arn:aws:secretsmanager:us-east-1:111122223333:secret:api-key-Xy12Zq"}],
            "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
                            "interval": 15, "retries": 2, "startPeriod": 30},
            "dependsOn": [{"containerName": "envoy", "condition": "HEALTHY"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web"}},
            "stopTimeout": 20,
        },
        {
            "name": "envoy", "image": "envoyproxy/envoy:v1.31", "essential": False,
            "memoryReservation": 64, "user": "1337",
            "healthCheck": {"command": ["CMD-SHELL", "curl -s http://localhost:9901/ready"]},
        },
        networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="512", memory="1024",
        executionRoleArn="arn:aws:iam::111122223333:role/ecsTaskExecutionRole",
    )
    web_probe = {"exec": {"command": ["/bin/sh", "-c", "curl -f http://localhost/ || exit 1"]},
                 "periodSeconds": 15, "timeoutSeconds": 5, "successThreshold": 1,
                 "failureThreshold": 2}
    envoy_probe = {"exec": {"command": ["/bin/sh", "-c", "curl -s http://localhost:9901/ready"]},
                   "periodSeconds": 30, "timeoutSeconds": 5, "successThreshold": 1,
                   "failureThreshold": 3}
    assert result.spec == {
        "containers": [{
            "name": "web", "image": "public.ecr.aws/nginx/nginx:1.27",
            "imagePullPolicy": "IfNotPresent",
            "ports": [{"containerPort": 80, "protocol": "TCP", "name": "web-80-tcp"}],
            "env": [{"name": "STAGE", "value": "prod"},
                    {"name": "API_KEY", "valueFrom": {"secretKeyRef": {
                        "name": "api-key", "key": "API_KEY"}}}],
            "resources": {"limits": {"memory": "960Mi"},
                          "requests": {"cpu": "250m", "memory": "960Mi"}},
            "livenessProbe": web_probe,
            "readinessProbe": web_probe,
            "startupProbe": {**web_probe, "failureThreshold": 4},
        }],
        "initContainers": [{
            "name": "envoy", "image": "envoyproxy/envoy:v1.31",
            "imagePullPolicy": "IfNotPresent", "restartPolicy": "Always",
            "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}},
            "livenessProbe": envoy_probe,
            "readinessProbe": envoy_probe,
            "startupProbe": envoy_probe,
            "securityContext": {"runAsUser": 1337},
        }],
        "terminationGracePeriodSeconds": 20,
    }
    assert result.annotations == {
        "ecs.operator.dev/task-cpu": "512",
        "ecs.operator.dev/task-memory": "1024",
        "ecs.operator.dev/non-essential-containers": "envoy",
    }
    assert result.unsupported == ("containerDefinitions[0].logConfiguration", "executionRoleArn")
