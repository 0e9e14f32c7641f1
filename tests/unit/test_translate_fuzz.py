"""Fuzzing the translation with ECS-shaped JSON: any input either translates into well-formed
Kubernetes objects or is refused with a validation error naming the field; nothing else.

The strategies build what a user may paste under ``spec:``: task definitions with valid and odd
values side by side (names, images, cpu/memory, task-level "1 vCPU" / "2 GB" / junk, ports,
environment, secrets, health checks, dependsOn graphs with cycles and unknown names, volumes and
mount points, linuxParameters, dockerLabels), Service specs as the CRD admits them, RunTask
overrides and EventBridge schedule expressions. Runs are derandomized so CI sees the same
examples every time.
"""

from __future__ import annotations

import copy
import re

from hypothesis import given, settings, strategies as st
from pydantic import ValidationError

from ecs_operator.models.task_definition import TaskDefinitionSpec
from ecs_operator.translate.errors import TranslationError
from ecs_operator.translate.pod import pod_spec
from ecs_operator.translate.schedule import cron_schedule
from ecs_operator.translate.disruption_budget import pod_disruption_budget
from ecs_operator.translate.service import deployment, deployment_bounds, \
    unsupported_service_fields
from ecs_operator.translate.task import apply_overrides, task_pod, unsupported_task_fields

FUZZ = settings(derandomize=True, database=None, max_examples=300, deadline=None)
EXPECTED = (ValidationError, TranslationError)

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
QUANTITY = re.compile(r"^[1-9][0-9]*(m|Mi)$")
ANNOTATION_KEY = re.compile(r"^ecs\.operator\.dev/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
CRON_FIELD = re.compile(r"^[-*,/0-9A-Z]+$")

# --- building blocks ---------------------------------------------------------------------


def mostly(usual: st.SearchStrategy, rare: st.SearchStrategy) -> st.SearchStrategy:
    """``usual`` nine times in ten: one odd value at a time reaches the translation."""
    # Not n == 0: Hypothesis favours the bounds of a range, and shrinks towards them.
    return st.integers(0, 9).flatmap(lambda n: rare if n == 5 else usual)


# Odd text: unicode digits and superscripts, quotes, spaces, separators, the empty string.
odd_text = st.text(alphabet=st.sampled_from(list("aZ_-.:/ 0129²٣'\"\\#?*,LW\t")), max_size=12)
odd_values = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000),
                       st.floats(allow_nan=True), odd_text, st.lists(st.integers(), max_size=2),
                       st.dictionaries(odd_text, st.integers(), max_size=1))
# Mostly valid names, with the ones Kubernetes refuses or that clash once lowercased.
names = mostly(st.sampled_from(["app", "proxy", "db", "init", "sidecar", "log_router", "Web_1"]),
               st.one_of(st.sampled_from(["APP", "app_", "a" * 64, "", "-x", "Ünïcode"]),
                         odd_text))
container_names = mostly(st.sampled_from(["app", "proxy", "db", "init", "sidecar", "log_router"]),
                         st.sampled_from(["App", "Log-Router", "bad name", "", "nobody"]))
cpu_units = mostly(st.one_of(st.none(), st.integers(0, 4096)), st.integers(-1, 70000))
memory_mib = st.one_of(st.none(), st.integers(6, 4096), st.integers(6, 70000))
task_cpu = mostly(st.sampled_from(["256", "1024", "1 vCPU", "0.5 vcpu", ".25 vCPUs", " 512 "]),
                  st.one_of(st.sampled_from(["0", "0 vCPU", "0.0001 vCPU", "1,5 vCPU", "2 GB",
                                             "lots", "", "٣", "²"]),
                            st.integers(-1, 100000), odd_text))
task_memory = mostly(st.sampled_from(["512", "512 MiB", "2 GB", "1.5 GiB", " 3gb "]),
                     st.one_of(st.sampled_from(["0", "0.0001 MB", "1 TB", "MiB", "", "٣"]),
                               st.integers(-1, 100000), odd_text))


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """The value, or absent (None drops the key)."""
    return st.one_of(st.none(), strategy)


def compact(**fields: object) -> dict:
    return {key: value for key, value in fields.items() if value is not None}


health_checks = st.fixed_dictionaries({"command": st.one_of(
    st.sampled_from([["CMD-SHELL", "curl -f http://localhost/ || exit 1"], ["CMD", "true"],
                     ["CMD-SHELL curl -f http://localhost/"], ["CMD true"], ["CMD 'x"],
                     ["CMD a \"b"], ["CMD-SHELL"], ["CMD"], ["curl"], ["CMD "], [""]]),
    st.tuples(st.sampled_from(["CMD", "CMD-SHELL", "cmd"]), odd_text).map(list),
    st.lists(odd_text, min_size=1, max_size=3))}, optional={
    "interval": mostly(st.integers(5, 300), st.integers(0, 400)),
    "timeout": mostly(st.integers(2, 120), st.integers(0, 200)),
    "retries": mostly(st.integers(1, 10), st.integers(0, 12)),
    "startPeriod": st.integers(0, 300)})
port_mappings = st.fixed_dictionaries({}, optional={
    "containerPort": mostly(st.integers(0, 65535), st.integers(-1, 70000)),
    "hostPort": mostly(st.integers(0, 65535), st.integers(-1, 70000)),
    "protocol": st.sampled_from(["tcp", "udp", "TCP", "Udp"]),
    "name": names,
    "appProtocol": st.sampled_from(["http", "grpc", "http2"]),
    "containerPortRange": st.sampled_from(["8000-8010", "x"]),
})
secrets = st.fixed_dictionaries({"name": names, "valueFrom": mostly(st.sampled_from([
    "db-password", "db:password", "/prod/db/PASS_WORD",
    "arn:aws:secretsmanager:eu-west-1:1:secret:db-AbC:pass::",
    "arn:aws:secretsmanager:eu-west-1:1:secret:db:key:AWSCURRENT:v1",
    "arn:aws:ssm:eu-west-1:1:parameter/app/key"]), st.one_of(st.sampled_from([
        "db:", "db:a:b", "/", "arn:aws:s3:::bucket", "arn:", "UPPER"]), odd_text))})
# dependsOn graphs: names usually exist (so cycles and conditions get exercised), sometimes not.
dependencies = st.fixed_dictionaries({
    "containerName": container_names,
    "condition": st.sampled_from(["START", "HEALTHY", "COMPLETE", "SUCCESS"]),
})
volume_names = mostly(st.sampled_from(["data", "Data", "scratch_1", "cache"]),
                      st.sampled_from(["bad name", "", "nowhere"]))
volumes = st.fixed_dictionaries({"name": volume_names}, optional={
    "host": st.one_of(st.just({}), st.fixed_dictionaries({}, optional={
        "sourcePath": st.sampled_from(["/var/data", "", "relative"])})),
    "dockerVolumeConfiguration": st.fixed_dictionaries({}, optional={
        "scope": mostly(st.sampled_from(["task", "shared"]), st.just("global")),
        "driver": st.sampled_from(["local", "rexray"]),
        "driverOpts": st.dictionaries(odd_text, st.one_of(odd_text, st.integers()), max_size=2),
        "labels": st.dictionaries(odd_text, odd_text, max_size=1),
        "autoprovision": st.booleans()}),
    "efsVolumeConfiguration": st.fixed_dictionaries({"fileSystemId": odd_text}, optional={
        "transitEncryptionPort": mostly(st.integers(0, 65535), st.integers(-1, 70000))}),
    "fsxWindowsFileServerVolumeConfiguration": st.just({"fileSystemId": "fs-1"}),
    "configuredAtLaunch": st.booleans(),
})
mount_points = st.fixed_dictionaries({"sourceVolume": volume_names, "containerPath": odd_text},
                                     optional={"readOnly": st.booleans()})
linux_parameters = st.fixed_dictionaries({}, optional={
    "capabilities": st.fixed_dictionaries({}, optional={
        "add": st.lists(st.sampled_from(["NET_ADMIN", "cap_sys_time", "CAP_CHOWN", ""]),
                        max_size=3),
        "drop": st.lists(st.sampled_from(["ALL", "mknod"]), max_size=2)}),
    "initProcessEnabled": st.booleans(),
    "sharedMemorySize": st.integers(0, 1024),
    "tmpfs": st.lists(st.fixed_dictionaries({"containerPath": odd_text,
                                             "size": mostly(st.integers(1, 100), st.just(0))}),
                      max_size=2),
    "devices": st.lists(st.fixed_dictionaries({"hostPath": odd_text}, optional={
        "permissions": st.lists(mostly(st.sampled_from(["read", "write"]), st.just("exec")),
                                max_size=2)}),
        max_size=1),
    "swappiness": mostly(st.integers(0, 100), st.integers(-1, 101)),
})
users = st.one_of(st.sampled_from(["1000", "1000:1000", "nginx", "nginx:web", "1000:", ":1000",
                                   "²", "1:²", "٣", "0"]), odd_text, st.integers(0, 70000))


@st.composite
def container_definitions(draw) -> dict:
    return compact(
        name=draw(st.one_of(container_names, container_names, names)),
        image=draw(mostly(st.sampled_from(["nginx:1.27", "registry.example/web:1"]), odd_text)),
        essential=draw(st.one_of(st.none(), st.just(True), st.booleans())),
        entryPoint=draw(maybe(st.lists(odd_text, max_size=2))),
        command=draw(maybe(st.lists(odd_text, max_size=2))),
        cpu=draw(cpu_units),
        memory=draw(memory_mib),
        memoryReservation=draw(memory_mib),
        portMappings=draw(maybe(st.lists(port_mappings, max_size=3))),
        environment=draw(maybe(st.lists(st.fixed_dictionaries(
            {"name": names}, optional={"value": st.one_of(odd_text, st.integers(),
                                                          st.none())}),
            max_size=3))),
        secrets=draw(maybe(st.lists(secrets, max_size=2))),
        healthCheck=draw(maybe(health_checks)),
        dependsOn=draw(maybe(st.lists(dependencies, max_size=3))),
        stopTimeout=draw(maybe(st.integers(-1, 200))),
        user=draw(maybe(users)),
        privileged=draw(maybe(st.booleans())),
        readonlyRootFilesystem=draw(maybe(st.booleans())),
        linuxParameters=draw(maybe(linux_parameters)),
        mountPoints=draw(maybe(st.lists(mount_points, max_size=2))),
        workingDirectory=draw(maybe(odd_text)),
        extraHosts=draw(maybe(st.lists(st.fixed_dictionaries(
            {"hostname": odd_text, "ipAddress": st.sampled_from(["10.0.0.1", "::1", "x"])}),
            max_size=2))),
        dockerLabels=draw(maybe(st.dictionaries(
            st.one_of(odd_text, st.sampled_from(["sim-fail", "com.example/x" * 8])),
            mostly(st.one_of(odd_text, st.integers()), st.booleans()), max_size=3))),
        interactive=draw(maybe(st.booleans())),
        pseudoTerminal=draw(maybe(st.booleans())),
        startTimeout=draw(maybe(st.integers(0, 100))),
        ulimits=draw(maybe(st.just([{"name": "nofile", "softLimit": 1, "hardLimit": 2}]))),
    )


@st.composite
def clean_task_definitions(draw) -> dict:
    """ECS-shaped documents: the right types, any values."""
    return compact(
        family=draw(maybe(st.one_of(st.sampled_from(["web", "Web_App", "x" * 60]), odd_text))),
        containerDefinitions=draw(mostly(
            st.lists(container_definitions(), min_size=1, max_size=4,
                     unique_by=lambda c: c["name"]),
            st.lists(container_definitions(), min_size=1, max_size=4))),
        cpu=draw(maybe(task_cpu)),
        memory=draw(maybe(task_memory)),
        networkMode=draw(maybe(mostly(st.sampled_from(["awsvpc", "bridge", "host", "none"]),
                                      st.just("nat")))),
        pidMode=draw(maybe(st.sampled_from(["task", "host"]))),
        ipcMode=draw(maybe(st.sampled_from(["task", "host", "none"]))),
        volumes=draw(maybe(st.lists(volumes, max_size=3))),
        runtimePlatform=draw(maybe(st.fixed_dictionaries({}, optional={
            "cpuArchitecture": mostly(st.sampled_from(["X86_64", "ARM64"]), st.just("RISCV")),
            "operatingSystemFamily": st.sampled_from(["LINUX", "WINDOWS_SERVER_2022_CORE",
                                                      "MACOS", ""])}))),
        requiresCompatibilities=draw(maybe(st.lists(
            mostly(st.sampled_from(["FARGATE", "EC2"]), st.just("X")), max_size=2))),
        ephemeralStorage=draw(maybe(st.fixed_dictionaries(
            {"sizeInGiB": mostly(st.integers(21, 200), st.integers(0, 300))}))),
        taskRoleArn=draw(maybe(st.just("arn:aws:iam::1:role/x"))),
        somethingUnknown=draw(mostly(st.none(), odd_values)),
    )


def _leaves(value: object, path: tuple = ()) -> list[tuple]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _leaves(item, (*path, index))
    return found


@st.composite
def task_definitions(draw) -> dict:
    """A clean document, or one with a single value anywhere replaced by an ill-typed one."""
    # A copy: sampled_from hands out the same list objects to every example.
    document = copy.deepcopy(draw(clean_task_definitions()))
    if draw(st.integers(0, 3)) == 2:  # not a bound of the range (see mostly)
        where = draw(st.sampled_from(_leaves(document)))
        parent = document
        for step in where[:-1]:
            parent = parent[step]
        parent[where[-1]] = draw(odd_values)
    return document


# --- what a translation must look like ---------------------------------------------------


def assert_well_formed_pod(spec: dict, annotations: dict[str, str]) -> None:
    containers = spec["containers"] + spec.get("initContainers", [])
    container_names_seen = [c["name"] for c in containers]
    assert spec["containers"], "a pod needs a regular container"
    assert len(set(container_names_seen)) == len(container_names_seen), container_names_seen
    volume_names_seen = [v["name"] for v in spec.get("volumes", [])]
    assert len(set(volume_names_seen)) == len(volume_names_seen)
    for name in container_names_seen + volume_names_seen:
        assert len(name) <= 63 and DNS_LABEL.match(name), name
    for container in containers:
        for quantities in container.get("resources", {}).values():
            for resource, quantity in quantities.items():
                assert resource in ("cpu", "memory") and QUANTITY.match(quantity), quantity
        limit = container.get("resources", {}).get("limits", {}).get("memory")
        request = container.get("resources", {}).get("requests", {}).get("memory")
        if limit:
            assert int(request[:-2]) <= int(limit[:-2])
        port_names = [p["name"] for p in container.get("ports", []) if "name" in p]
        assert len(set(port_names)) == len(port_names)
        for port in container.get("ports", []):
            assert 1 <= port["containerPort"] <= 65535 and port["protocol"] in ("TCP", "UDP")
        for mount in container.get("volumeMounts", []):
            assert mount["name"] in volume_names_seen
        for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
            if kind in container:
                probe = container[kind]
                assert probe["exec"]["command"] and probe["failureThreshold"] >= 1
                assert all(isinstance(word, str) for word in probe["exec"]["command"])
        for env in container.get("env", []):
            assert isinstance(env["name"], str)
            assert "value" in env or env["valueFrom"]["secretKeyRef"]["name"]
        for key in ("runAsUser", "runAsGroup"):
            assert isinstance(container.get("securityContext", {}).get(key, 0), int)
    for key, value in annotations.items():
        assert ANNOTATION_KEY.match(key) and len(key.split("/", 1)[1]) <= 63, key
        assert isinstance(value, str), (key, value)


def translate(document: object):
    return pod_spec(TaskDefinitionSpec.model_validate(document))


@FUZZ
@given(task_definitions())
def test_task_definitions_translate_or_fail_with_a_validation_error(document: dict) -> None:
    try:
        translation = translate(document)
    except EXPECTED as error:
        assert str(error)
        return
    assert_well_formed_pod(translation.spec, translation.annotations)
    assert all(isinstance(field, str) and field for field in translation.unsupported)


@FUZZ
@given(st.one_of(odd_values, st.dictionaries(odd_text, odd_values, max_size=3),
                 st.fixed_dictionaries({"containerDefinitions": st.lists(
                     st.dictionaries(st.sampled_from(["name", "image", "cpu", "dependsOn",
                                                      "healthCheck", "mountPoints"]),
                                     odd_values, max_size=6), max_size=3)})))
def test_arbitrary_json_is_refused_with_a_validation_error(document: object) -> None:
    try:
        translation = translate(document)
    except EXPECTED:
        return
    assert_well_formed_pod(translation.spec, translation.annotations)


# --- RunTask overrides and the task's pod ------------------------------------------------

VALID_TASK_DEFINITION = {
    "family": "web",
    "containerDefinitions": [
        {"name": "app", "image": "nginx:1.27", "cpu": 256, "memory": 512,
         "environment": [{"name": "MODE", "value": "a"}]},
        {"name": "proxy", "image": "envoy:1", "memoryReservation": 64,
         "dependsOn": [{"containerName": "app", "condition": "START"}]},
    ],
}
# What the Task CRD admits under spec.overrides (see crds/task.py).
container_overrides = st.fixed_dictionaries({"name": st.one_of(
    st.sampled_from(["app", "proxy", "missing"]), odd_text)}, optional={
    "command": st.lists(odd_text, max_size=2),
    "environment": st.lists(st.fixed_dictionaries({}, optional={"name": names,
                                                                "value": odd_text}), max_size=2),
    "cpu": st.integers(0, 5000),
    "memory": st.integers(6, 5000),
    "memoryReservation": st.integers(6, 5000),
    "resourceRequirements": st.just([{"type": "GPU", "value": "1"}]),
})
overrides = st.one_of(st.none(), st.fixed_dictionaries({}, optional={
    "containerOverrides": st.lists(container_overrides, max_size=3),
    "cpu": task_cpu.map(str),
    "memory": task_memory.map(str),
    "taskRoleArn": st.just("arn:aws:iam::1:role/x"),
}))


@FUZZ
@given(overrides, st.sampled_from(["web", "Web_App", "-", "x" * 60]))
def test_task_overrides_translate_or_fail_with_a_validation_error(given_overrides, family):
    spec = {"taskDefinition": family, "overrides": given_overrides}
    assert all(isinstance(field, str) for field in unsupported_task_fields(spec))
    try:
        translation = translate(apply_overrides(VALID_TASK_DEFINITION, given_overrides))
        pod = task_pod(name="t-1", namespace="ns", uid="u", family=family, revision=1,
                       pod=translation, spec=spec)
    except EXPECTED as error:
        assert str(error)
        return
    assert pod["spec"]["restartPolicy"] == "Never"
    assert_well_formed_pod(pod["spec"], translation.annotations)
    assert all(len(value) <= 63 and LABEL_VALUE.match(value)
               for value in pod["metadata"]["labels"].values()), pod["metadata"]["labels"]


def test_overrides_never_change_the_task_definition_they_are_applied_to():
    before = repr(VALID_TASK_DEFINITION)
    apply_overrides(VALID_TASK_DEFINITION, {"containerOverrides": [
        {"name": "app", "command": ["x"], "environment": [{"name": "MODE", "value": "b"}]}]})
    assert repr(VALID_TASK_DEFINITION) == before


# --- Services ----------------------------------------------------------------------------

# What the Service CRD admits (crds/service.py), including its progress rule.
deployment_configurations = st.fixed_dictionaries({}, optional={
    "minimumHealthyPercent": st.integers(0, 100),
    "maximumPercent": st.integers(100, 400),
    "deploymentCircuitBreaker": st.fixed_dictionaries(
        {"enable": st.booleans(), "rollback": st.booleans()}, optional={
            "thresholdConfiguration": st.fixed_dictionaries({
                "type": st.sampled_from(["COUNT", "BOUNDED_PERCENT", "UNBOUNDED_PERCENT"]),
                "value": st.integers(1, 500)})}),
    "strategy": st.sampled_from(["ROLLING", "BLUE_GREEN"]),
    "alarms": st.just({"enable": True, "alarmNames": ["a"]}),
})
services = st.fixed_dictionaries({"taskDefinition": st.sampled_from(["web", "web:3"])}, optional={
    "desiredCount": st.integers(0, 1000),
    "deploymentConfiguration": deployment_configurations,
    "schedulingStrategy": st.sampled_from(["REPLICA", "DAEMON"]),
    "deploymentController": st.fixed_dictionaries({}, optional={
        "type": st.sampled_from(["ECS", "CODE_DEPLOY", "EXTERNAL"])}),
    "placementStrategy": st.just([{"type": "spread", "field": "attribute:ecs.availability-zone"}]),
    "loadBalancers": st.lists(st.just({"containerName": "app", "containerPort": 80}),
                              max_size=1),
})


def admitted(spec: dict) -> bool:
    """The Service CRD's progress rule (PROGRESS_RULE in crds/service.py)."""
    desired = spec.get("desiredCount", 1)
    config = spec.get("deploymentConfiguration")
    if config is None or desired == 0:
        return True
    high = config.get("maximumPercent", 200)
    low = config.get("minimumHealthyPercent", 100)
    return desired * high // 100 - (desired * low + 99) // 100 >= 1


@FUZZ
@given(services, task_definitions())
def test_services_become_a_deployment_and_budget_that_kubernetes_accepts(spec, document):
    try:
        translation = translate(document)
    except EXPECTED:
        translation = translate(VALID_TASK_DEFINITION)
    assert all(isinstance(field, str) for field in unsupported_service_fields(spec))
    made = deployment(name="web", namespace="ns", uid="u", spec=spec, family="web", revision=3,
                      pod=translation)
    budget = pod_disruption_budget(name="web", namespace="ns", uid="u", spec=spec)
    desired = spec.get("desiredCount", 1)
    rolling = made["spec"]["strategy"]["rollingUpdate"]
    assert made["spec"]["replicas"] == desired
    assert rolling["maxSurge"] >= 0 and rolling["maxUnavailable"] >= 0
    assert rolling["maxSurge"] + rolling["maxUnavailable"] >= 1
    assert 0 <= budget["spec"]["minAvailable"] <= max(desired - 1, 0), "a drain can progress"
    assert made["spec"]["template"]["spec"]["restartPolicy"] == "Always"
    selector = made["spec"]["selector"]["matchLabels"]
    assert selector.items() <= made["spec"]["template"]["metadata"]["labels"].items()
    config = spec.get("deploymentConfiguration") or {}
    bounds = deployment_bounds(desired, config.get("minimumHealthyPercent"),
                               config.get("maximumPercent"))
    # ECS's floor of healthy tasks holds during a rollout; a node drain keeps it too, but
    # for the one task at a time it must be allowed to move (translate/disruption_budget.py).
    assert desired - rolling["maxUnavailable"] == bounds.minimum_healthy
    assert budget["spec"]["minAvailable"] == min(bounds.minimum_healthy, max(desired - 1, 0))
    if admitted(spec) and desired > 0:
        assert desired + rolling["maxSurge"] == bounds.maximum_running


# --- EventBridge schedule expressions ----------------------------------------------------

cron_tokens = st.one_of(st.sampled_from(["*", "?", "0", "5", "*/5", "1-5", "MON-FRI", "JAN",
                                         "L", "1W", "2#1", "SUN,SAT", "7-1", "0/²", "٣", "60",
                                         "*/0", "1-2-3", "", "2026"]), odd_text)
schedules = st.one_of(
    st.builds(lambda n, unit: f"rate({n} {unit})",
              st.one_of(st.integers(-1, 3000).map(str), odd_text),
              st.sampled_from(["minute", "minutes", "hour", "hours", "day", "days", "weeks",
                               ""])),
    st.lists(cron_tokens, min_size=0, max_size=7).map(lambda f: f"cron({' '.join(f)})"),
    st.sampled_from(["at(2026-11-25T10:00:00)", "rate(5 minutes) ", "cron(0 12 * * ? *)x",
                     "cron((0 12 * * ? *)", ""]),
    odd_text)


@FUZZ
@given(schedules)
def test_schedule_expressions_translate_exactly_or_are_refused(expression: str) -> None:
    try:
        schedule = cron_schedule(expression)
    except TranslationError as error:
        assert str(error).startswith("scheduleExpression:")
        return
    fields = schedule.split(" ")
    assert len(fields) == 5 and all(CRON_FIELD.match(field) for field in fields), schedule
