"""Pydantic models of ECS RegisterTaskDefinition shapes.

Attribute names are ECS's own camelCase field names, so an ECS JSON document validates as is.
Every model keeps fields it does not know (``extra="allow"``): the translation reports them
to the user instead of dropping them silently. Only what pydantic can check on its own is
validated here (types, enums, ranges); rules that span fields live in ``translate``.

``null`` for any field means the field is absent, as ECS reads it: console exports and
describe output carry ``"entryPoint": null``, ``"ulimits": null``... The enums and ranges are
ECS's own (botocore's model, ``models/ecs_shapes.py``; the unit tests compare them).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def _number_as_text(value: object) -> object:
    # YAML turns `cpu: 256` or `value: 8080` into numbers where ECS expects strings.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _lowercase(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_number_as_text)]
Port = Annotated[int, Field(ge=0, le=65535)]


class EcsModel(BaseModel):
    model_config = ConfigDict(extra="allow")

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: object) -> object:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


class KeyValuePair(EcsModel):
    model_config = ConfigDict(extra="allow")

    name: str
    value: Text | None = None


class Tag(EcsModel):
    model_config = ConfigDict(extra="allow")

    key: str
    value: Text | None = None


class Secret(EcsModel):
    model_config = ConfigDict(extra="allow")

    name: str
    valueFrom: str


class EnvironmentFile(EcsModel):
    model_config = ConfigDict(extra="allow")

    value: str
    type: Literal["s3"] = "s3"


class PortMapping(EcsModel):
    model_config = ConfigDict(extra="allow")

    containerPort: Port | None = None
    hostPort: Port | None = None
    protocol: Annotated[Literal["tcp", "udp"], BeforeValidator(_lowercase)] = "tcp"
    name: str | None = None
    appProtocol: Literal["http", "http2", "grpc"] | None = None
    containerPortRange: str | None = None


class HealthCheck(EcsModel):
    model_config = ConfigDict(extra="allow")

    command: list[str] = Field(min_length=1)
    interval: int = Field(default=30, ge=5, le=300)
    timeout: int = Field(default=5, ge=2, le=60)
    retries: int = Field(default=3, ge=1, le=10)
    startPeriod: int | None = Field(default=None, ge=0, le=300)


class ContainerDependency(EcsModel):
    model_config = ConfigDict(extra="allow")

    containerName: str
    condition: Literal["START", "COMPLETE", "SUCCESS", "HEALTHY"]


class MountPoint(EcsModel):
    model_config = ConfigDict(extra="allow")

    sourceVolume: str
    containerPath: str
    readOnly: bool | None = None


class VolumeFrom(EcsModel):
    model_config = ConfigDict(extra="allow")

    sourceContainer: str
    readOnly: bool | None = None


class HostEntry(EcsModel):
    model_config = ConfigDict(extra="allow")

    hostname: str
    ipAddress: str


class KernelCapabilities(EcsModel):
    model_config = ConfigDict(extra="allow")

    add: list[str] = Field(default_factory=list)
    drop: list[str] = Field(default_factory=list)


class Device(EcsModel):
    model_config = ConfigDict(extra="allow")

    hostPath: str
    containerPath: str | None = None
    permissions: list[Literal["read", "write", "mknod"]] = Field(default_factory=list)


class Tmpfs(EcsModel):
    model_config = ConfigDict(extra="allow")

    containerPath: str
    size: int = Field(gt=0)
    mountOptions: list[str] = Field(default_factory=list)


class LinuxParameters(EcsModel):
    model_config = ConfigDict(extra="allow")

    capabilities: KernelCapabilities | None = None
    devices: list[Device] = Field(default_factory=list)
    initProcessEnabled: bool | None = None
    sharedMemorySize: int | None = Field(default=None, ge=0)
    tmpfs: list[Tmpfs] = Field(default_factory=list)
    maxSwap: int | None = Field(default=None, ge=0)
    swappiness: int | None = Field(default=None, ge=0, le=100)


class LogConfiguration(EcsModel):
    model_config = ConfigDict(extra="allow")

    logDriver: Literal["json-file", "syslog", "journald", "gelf", "fluentd", "awslogs",
                       "splunk", "awsfirelens"]
    options: dict[str, Text] = Field(default_factory=dict)
    secretOptions: list[Secret] = Field(default_factory=list)


class FirelensConfiguration(EcsModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["fluentd", "fluentbit"]
    options: dict[str, Text] = Field(default_factory=dict)


class Ulimit(EcsModel):
    model_config = ConfigDict(extra="allow")

    name: Literal["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice",
                  "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"]
    softLimit: int
    hardLimit: int


class SystemControl(EcsModel):
    model_config = ConfigDict(extra="allow")

    namespace: str
    value: Text


class ResourceRequirement(EcsModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["GPU", "InferenceAccelerator", "NeuronDevice"]
    value: Text


class RepositoryCredentials(EcsModel):
    model_config = ConfigDict(extra="allow")

    credentialsParameter: str


class ContainerRestartPolicy(EcsModel):
    model_config = ConfigDict(extra="allow")

    enabled: bool
    ignoredExitCodes: list[int] = Field(default_factory=list)
    restartAttemptPeriod: int | None = Field(default=None, ge=60, le=1800)


class ContainerDefinition(EcsModel):
    model_config = ConfigDict(extra="allow")

    name: str
    image: str
    essential: bool = True
    entryPoint: list[str] = Field(default_factory=list)
    command: list[str] = Field(default_factory=list)
    cpu: int | None = Field(default=None, ge=0)
    memory: int | None = Field(default=None, ge=6)
    memoryReservation: int | None = Field(default=None, ge=6)
    portMappings: list[PortMapping] = Field(default_factory=list)
    environment: list[KeyValuePair] = Field(default_factory=list)
    environmentFiles: list[EnvironmentFile] = Field(default_factory=list)
    secrets: list[Secret] = Field(default_factory=list)
    healthCheck: HealthCheck | None = None
    dependsOn: list[ContainerDependency] = Field(default_factory=list)
    startTimeout: int | None = Field(default=None, ge=0)
    stopTimeout: int | None = Field(default=None, ge=0)
    user: Text | None = None
    privileged: bool | None = None
    readonlyRootFilesystem: bool | None = None
    linuxParameters: LinuxParameters | None = None
    mountPoints: list[MountPoint] = Field(default_factory=list)
    volumesFrom: list[VolumeFrom] = Field(default_factory=list)
    workingDirectory: str | None = None
    extraHosts: list[HostEntry] = Field(default_factory=list)
    dockerLabels: dict[str, Text] = Field(default_factory=dict)
    interactive: bool | None = None
    pseudoTerminal: bool | None = None
    logConfiguration: LogConfiguration | None = None
    firelensConfiguration: FirelensConfiguration | None = None
    ulimits: list[Ulimit] = Field(default_factory=list)
    links: list[str] = Field(default_factory=list)
    hostname: str | None = None
    dnsServers: list[str] = Field(default_factory=list)
    dnsSearchDomains: list[str] = Field(default_factory=list)
    dockerSecurityOptions: list[str] = Field(default_factory=list)
    systemControls: list[SystemControl] = Field(default_factory=list)
    resourceRequirements: list[ResourceRequirement] = Field(default_factory=list)
    repositoryCredentials: RepositoryCredentials | None = None
    disableNetworking: bool | None = None
    restartPolicy: ContainerRestartPolicy | None = None


class HostVolumeProperties(EcsModel):
    model_config = ConfigDict(extra="allow")

    sourcePath: str | None = None


class DockerVolumeConfiguration(EcsModel):
    model_config = ConfigDict(extra="allow")

    scope: Literal["task", "shared"] = "task"
    autoprovision: bool | None = None
    driver: str | None = None
    driverOpts: dict[str, Text] = Field(default_factory=dict)
    labels: dict[str, Text] = Field(default_factory=dict)


class EfsAuthorizationConfig(EcsModel):
    model_config = ConfigDict(extra="allow")

    accessPointId: str | None = None
    iam: Literal["ENABLED", "DISABLED"] | None = None


class EfsVolumeConfiguration(EcsModel):
    model_config = ConfigDict(extra="allow")

    fileSystemId: str
    rootDirectory: str | None = None
    transitEncryption: Literal["ENABLED", "DISABLED"] | None = None
    transitEncryptionPort: Port | None = None
    authorizationConfig: EfsAuthorizationConfig | None = None


class Volume(EcsModel):
    model_config = ConfigDict(extra="allow")

    name: str
    host: HostVolumeProperties | None = None
    dockerVolumeConfiguration: DockerVolumeConfiguration | None = None
    efsVolumeConfiguration: EfsVolumeConfiguration | None = None
    fsxWindowsFileServerVolumeConfiguration: dict[str, object] | None = None
    configuredAtLaunch: bool | None = None


class PlacementConstraint(EcsModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["memberOf"]
    expression: str | None = None


class RuntimePlatform(EcsModel):
    model_config = ConfigDict(extra="allow")

    cpuArchitecture: Literal["X86_64", "ARM64"] | None = None
    operatingSystemFamily: Literal[
        "LINUX", "WINDOWS_SERVER_2016_FULL", "WINDOWS_SERVER_2019_FULL",
        "WINDOWS_SERVER_2019_CORE", "WINDOWS_SERVER_2004_CORE", "WINDOWS_SERVER_20H2_CORE",
        "WINDOWS_SERVER_2022_FULL", "WINDOWS_SERVER_2022_CORE", "WINDOWS_SERVER_2025_FULL",
        "WINDOWS_SERVER_2025_CORE"] | None = None


class EphemeralStorage(EcsModel):
    model_config = ConfigDict(extra="allow")

    sizeInGiB: int = Field(ge=21, le=200)


class ProxyConfiguration(EcsModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["APPMESH"] = "APPMESH"
    containerName: str
    properties: list[KeyValuePair] = Field(default_factory=list)


class InferenceAccelerator(EcsModel):
    model_config = ConfigDict(extra="allow")

    deviceName: str
    deviceType: str


class TaskDefinitionSpec(EcsModel):
    model_config = ConfigDict(extra="allow")

    family: str | None = None
    containerDefinitions: list[ContainerDefinition] = Field(min_length=1)
    cpu: Text | None = None
    memory: Text | None = None
    # "default" is not in botocore's enum but ECS accepts it (Windows task definitions use it):
    # the pod network, as bridge.
    networkMode: Literal["bridge", "host", "awsvpc", "none", "default"] | None = None
    volumes: list[Volume] = Field(default_factory=list)
    taskRoleArn: str | None = None
    executionRoleArn: str | None = None
    requiresCompatibilities: list[Literal["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"]] = (
        Field(default_factory=list))
    pidMode: Literal["host", "task"] | None = None
    ipcMode: Literal["host", "task", "none"] | None = None
    placementConstraints: list[PlacementConstraint] = Field(default_factory=list)
    runtimePlatform: RuntimePlatform | None = None
    ephemeralStorage: EphemeralStorage | None = None
    proxyConfiguration: ProxyConfiguration | None = None
    inferenceAccelerators: list[InferenceAccelerator] = Field(default_factory=list)
    enableFaultInjection: bool | None = None
    tags: list[Tag] = Field(default_factory=list)
