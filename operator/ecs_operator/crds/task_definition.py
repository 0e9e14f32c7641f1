"""The TaskDefinition CRD: ECS's RegisterTaskDefinition request body under `spec`."""

from __future__ import annotations

from .schema import (Schema, array, boolean, condition, free_form, int_or_string, integer,
                     key_value_pairs, nullable_fields, obj, string, string_map, strings, tags)

COMPATIBILITIES = ["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"]
OS_FAMILIES = ["LINUX", "WINDOWS_SERVER_2016_FULL", "WINDOWS_SERVER_2019_FULL",
               "WINDOWS_SERVER_2019_CORE", "WINDOWS_SERVER_2004_CORE", "WINDOWS_SERVER_20H2_CORE",
               "WINDOWS_SERVER_2022_FULL", "WINDOWS_SERVER_2022_CORE", "WINDOWS_SERVER_2025_FULL",
               "WINDOWS_SERVER_2025_CORE"]

UNIQUE_NAMES_RULE = (
    "self.containerDefinitions.all(c, self.containerDefinitions.exists_one(d, d.name == c.name))",
    "containerDefinitions: container names must be unique in a task definition; rename the "
    "duplicate", ".containerDefinitions")
ESSENTIAL_RULE = (
    "self.containerDefinitions.exists(c, !has(c.essential) || c.essential)",
    "containerDefinitions: at least one container must be essential; set essential: true on "
    "the main container", ".containerDefinitions")
# ECS: "for tasks using the Fargate launch type, the max stop timeout value is 120 seconds".
FARGATE_STOP_TIMEOUT_RULE = (
    "!has(self.requiresCompatibilities) || !self.requiresCompatibilities.exists(x, "
    "x == 'FARGATE') || self.containerDefinitions.all(c, !has(c.stopTimeout) || "
    "c.stopTimeout <= 120)",
    "containerDefinitions[].stopTimeout: at most 120 seconds when requiresCompatibilities "
    "includes FARGATE; lower it or drop FARGATE", ".containerDefinitions")

HEALTH_CHECK = obj(
    "Container health check, run inside the container. Becomes readiness and liveness exec "
    "probes; startPeriod becomes a startup probe.",
    {
        "command": array(
            'The command to run: ["CMD", "exe", "arg"...] runs the executable directly; '
            '["CMD-SHELL", "cmd || exit 1"] runs it with /bin/sh -c. Exit code 0 is healthy. '
            '["NONE"] switches off a health check the image declares.',
            {"type": "string"}, min_items=1),
        "interval": integer("Seconds between checks.", minimum=5, maximum=300, default=30),
        "timeout": integer("Seconds to wait for a check before it counts as failed (ECS sets "
                           "no bound relative to interval).", minimum=2, maximum=60, default=5),
        "retries": integer("Consecutive failures before the container is unhealthy.",
                           minimum=1, maximum=10, default=3),
        "startPeriod": integer("Grace period in seconds before failed checks count.",
                               minimum=0, maximum=300),
    },
    required=["command"],
)

PORT_MAPPING = obj("A port the container listens on.", {
    "containerPort": integer("Port number in the container.", minimum=0, maximum=65535),
    "hostPort": integer("Port on the node; honoured only for networkMode host or bridge.",
                        minimum=0, maximum=65535),
    "protocol": string("Protocol.", enum=["tcp", "udp", "TCP", "UDP"], default="tcp"),
    "name": string("Name of the port mapping, used by Service Connect and load balancers."),
    "appProtocol": string("Application protocol (http, http2, grpc).",
                          enum=["http", "http2", "grpc"]),
    "containerPortRange": string("A range of container ports (not supported)."),
})

CONTAINER_DEFINITION = obj(
    "A container in the task. One ECS container becomes one Kubernetes container "
    "(a native sidecar or init container when others depend on it).",
    {
        "name": string("Container name, unique in the task.", pattern=r"^[a-zA-Z0-9_-]{1,255}$",
                       max_length=255),
        "image": string("Image reference."),
        "essential": boolean("If an essential container stops, the whole task stops.",
                             default=True),
        "entryPoint": strings("Entry point; becomes the Kubernetes container's command."),
        "command": strings("Command; becomes the Kubernetes container's args."),
        "cpu": integer("CPU units reserved (1024 units = 1 vCPU); becomes requests.cpu.",
                       minimum=0),
        "memory": integer("Hard memory limit in MiB; becomes limits.memory.", minimum=6),
        "memoryReservation": integer("Soft memory limit in MiB; becomes requests.memory.",
                                     minimum=6),
        "portMappings": array("Ports the container exposes.", PORT_MAPPING),
        "environment": key_value_pairs("Environment variables."),
        "environmentFiles": array("Environment files in S3 (not supported).",
                                  free_form("An environment file.")),
        "secrets": array("Environment variables read from secrets.", obj("A secret.", {
            "name": string("Environment variable name."),
            "valueFrom": string("Secrets Manager or SSM ARN (the Kubernetes Secret is named "
                                "after its last segment), or `secret-name:key`."),
        }, required=["name", "valueFrom"])),
        "healthCheck": HEALTH_CHECK,
        "dependsOn": array("Containers that must reach a state before this one starts.",
                           obj("A container dependency.", {
                               "containerName": string("The container depended on."),
                               "condition": string(
                                   "START: started; COMPLETE: exited; SUCCESS: exited 0; "
                                   "HEALTHY: passed its health check.",
                                   enum=["START", "COMPLETE", "SUCCESS", "HEALTHY"]),
                           }, required=["containerName", "condition"])),
        "startTimeout": integer("Seconds to wait for dependencies (not supported).", minimum=0),
        "stopTimeout": integer("Seconds to wait after SIGTERM before SIGKILL; becomes "
                               "terminationGracePeriodSeconds. At most 120 with FARGATE.",
                               minimum=0),
        "user": string("User (uid, uid:gid) to run as; numeric forms become runAsUser/runAsGroup."),
        "privileged": boolean("Run privileged."),
        "readonlyRootFilesystem": boolean("Mount the root filesystem read-only."),
        "linuxParameters": obj("Linux-specific settings.", {
            "capabilities": obj("Kernel capabilities to add or drop.", {
                "add": strings("Capabilities to add, e.g. NET_ADMIN."),
                "drop": strings("Capabilities to drop."),
            }),
            "initProcessEnabled": boolean("Run an init process: the pod shares one process "
                                          "namespace, whose pause process reaps zombies."),
            "sharedMemorySize": integer("/dev/shm size in MiB: a memory-backed emptyDir."),
            "tmpfs": array("tmpfs mounts: memory-backed emptyDirs (mountOptions are not "
                            "supported).", free_form("A tmpfs mount.")),
            "devices": array("Host devices (not supported).", free_form("A device.")),
            "maxSwap": integer("Swap limit (not supported)."),
            "swappiness": integer("Swappiness (not supported)."),
        }),
        "mountPoints": array("Volumes mounted into the container.", obj("A mount point.", {
            "sourceVolume": string("Name of a volume in the task's volumes."),
            "containerPath": string("Path in the container."),
            "readOnly": boolean("Mount read-only."),
        }, required=["sourceVolume", "containerPath"])),
        "volumesFrom": array("Volumes from another container (not supported).",
                             free_form("A volumes-from entry.")),
        "workingDirectory": string("Working directory; becomes workingDir."),
        "extraHosts": array("Extra /etc/hosts entries; become hostAliases.", obj("A host entry.", {
            "hostname": string("Host name."),
            "ipAddress": string("IP address."),
        }, required=["hostname", "ipAddress"])),
        "dockerLabels": string_map("Labels; become pod annotations."),
        "interactive": boolean("Keep stdin open; becomes stdin."),
        "pseudoTerminal": boolean("Allocate a TTY; becomes tty."),
        "logConfiguration": free_form("Log driver configuration (not supported: Kubernetes "
                                      "collects stdout/stderr)."),
        "firelensConfiguration": free_form("FireLens log router configuration (not supported)."),
        "ulimits": array("ulimits (not supported).", free_form("A ulimit.")),
        "links": strings("Legacy container links: name[:alias] resolve to 127.0.0.1."),
        "hostname": string("Hostname: the pod's spec.hostname (one per pod)."),
        "dnsServers": strings("DNS servers: added to the pod's dnsConfig after the "
                              "cluster DNS."),
        "dnsSearchDomains": strings("DNS search domains: the pod's dnsConfig searches."),
        "dockerSecurityOptions": strings("Docker security options (not supported)."),
        "systemControls": array("sysctls: the pod's securityContext.sysctls.",
                                free_form("A sysctl.")),
        "resourceRequirements": array("GPUs (nvidia.com/gpu) and accelerators (not "
                                      "supported).",
                                      free_form("A resource requirement.")),
        "repositoryCredentials": free_form(
            "Private registry credentials: an imagePullSecret (type "
            "kubernetes.io/dockerconfigjson) named after the Secrets Manager secret."),
        "disableNetworking": boolean("Disable networking (not supported)."),
        "restartPolicy": free_form("Container restart policy (not supported)."),
        "credentialSpecs": strings("Credential specs (not supported)."),
        "versionConsistency": string("Image digest resolution (not supported)."),
    },
    required=["name", "image"],
)

VOLUME = obj("A volume the task's containers can mount.", {
    "name": string("Volume name, referenced by mountPoints.sourceVolume."),
    "host": obj("A bind mount from the node; becomes hostPath (emptyDir without sourcePath).", {
        "sourcePath": string("Path on the node."),
    }),
    "dockerVolumeConfiguration": obj(
        "A Docker volume; scope task becomes emptyDir, shared becomes a PVC named after the "
        "volume.", {
            "scope": string("task or shared.", enum=["task", "shared"]),
            "autoprovision": boolean("Create the volume if it does not exist: the operator "
                                     "creates the PVC from the default StorageClass."),
            "driver": string("Volume driver."),
            "driverOpts": string_map("Driver options."),
            "labels": string_map("Volume labels."),
        }),
    "efsVolumeConfiguration": obj(
        "An EFS file system; becomes a PersistentVolumeClaim named after the volume, which the "
        "operator creates with its EFS CSI PersistentVolume when the TaskDefinition is "
        "annotated ecs.operator.dev/provision-efs: \"true\".", {
            "fileSystemId": string("EFS file system id."),
            "rootDirectory": string("Directory in the file system."),
            "transitEncryption": string("ENABLED or DISABLED.", enum=["ENABLED", "DISABLED"]),
            "transitEncryptionPort": integer("Port for encrypted transit."),
            "authorizationConfig": free_form("Access point and IAM settings."),
        }),
    "fsxWindowsFileServerVolumeConfiguration": free_form("FSx for Windows (not supported)."),
    "configuredAtLaunch": boolean("Volume configured at launch (not supported)."),
}, required=["name"])

SPEC: Schema = obj(
    "An ECS task definition (RegisterTaskDefinition request). Every change makes a new "
    "immutable revision.",
    {
        "family": string("Family name; defaults to metadata.name. Revisions are numbered per "
                         "family.", pattern=r"^[a-zA-Z0-9_-]{1,255}$"),
        "containerDefinitions": array("The containers of the task.", CONTAINER_DEFINITION,
                                      min_items=1, max_items=10),
        "cpu": int_or_string('Task CPU: units ("256", "1024") or vCPU ("1 vCPU"). Shared among '
                             "containers that set no cpu."),
        "memory": int_or_string('Task memory: MiB ("512") or GB ("2 GB"). Shared among '
                                "containers that set no memory."),
        "networkMode": string("Docker networking mode. host becomes hostNetwork; the others use "
                              "the pod network (default: Windows' default network, which ECS "
                              "accepts though its API model does not list it).",
                              enum=["bridge", "host", "awsvpc", "none", "default"]),
        "volumes": array("Volumes the containers can mount.", VOLUME),
        "taskRoleArn": string("IAM role for the task (not supported: use a ServiceAccount)."),
        "executionRoleArn": string("IAM role for the agent (not needed on Kubernetes)."),
        "requiresCompatibilities": array("Launch types the definition is validated for.",
                                         string("A launch type.", enum=COMPATIBILITIES)),
        "pidMode": string("PID namespace: task shares one process namespace among the "
                          "containers (shareProcessNamespace), host uses the node's (hostPID).",
                          enum=["host", "task"]),
        "ipcMode": string("IPC namespace: host becomes hostIPC; task is the pod default; none "
                          "is not supported.", enum=["host", "task", "none"]),
        "placementConstraints": array("Task placement constraints (memberOf): node affinity "
                                      "that holds together with the Service's or Task's.",
                                      free_form("A placement constraint.")),
        "runtimePlatform": obj("OS and CPU architecture; becomes a nodeSelector on "
                               "kubernetes.io/arch and kubernetes.io/os.", {
            "cpuArchitecture": string("X86_64 or ARM64.", enum=["X86_64", "ARM64"]),
            "operatingSystemFamily": string("LINUX or a Windows family.",
                                            enum=OS_FAMILIES),
        }),
        "ephemeralStorage": obj("Ephemeral storage.", {
            "sizeInGiB": integer("Size in GiB.", minimum=21, maximum=200),
        }),
        "proxyConfiguration": free_form("App Mesh proxy configuration (not supported)."),
        "inferenceAccelerators": array("Elastic Inference (not supported).",
                                       free_form("An accelerator.")),
        "enableFaultInjection": boolean("Fault injection (not supported)."),
        "tags": tags(),
    },
    required=["containerDefinitions"],
    rules=[UNIQUE_NAMES_RULE, ESSENTIAL_RULE, FARGATE_STOP_TIMEOUT_RULE],
)

STATUS: Schema = obj("Observed state, written by the operator.", {
    "revision": integer("The latest revision of this family."),
    "taskDefinition": string("The latest revision as family:revision."),
    "family": string("The family the revisions are recorded under."),
    "observedGeneration": integer("The .metadata.generation last recorded."),
    "unsupportedFields": strings("Fields the operator cannot honour (see the Valid condition)."),
    "requires": array(
        "What must exist before the tasks can start and the operator does not create: "
        "PersistentVolumeClaims of shared Docker volumes without autoprovision and of EFS "
        "volumes (unless annotated ecs.operator.dev/provision-efs: \"true\"), image pull "
        "Secrets (type kubernetes.io/dockerconfigjson) of repositoryCredentials.",
        obj("One object the tasks need.", {
            "kind": string("PersistentVolumeClaim or Secret."),
            "name": string("Its name, in the TaskDefinition's namespace."),
            "why": string("Which field needs it, and how to create it."),
        })),
    "conditions": array("Conditions: Valid.", condition()),
})


def crd() -> Schema:
    from . import custom_resource_definition
    return custom_resource_definition(
        kind="TaskDefinition", plural="taskdefinitions", short_names=["td"],
        spec=nullable_fields(SPEC), status=STATUS,
        printer_columns=[
            ("Family", "string", ".status.family", "The task definition family."),
            ("Revision", "integer", ".status.revision", "The latest revision."),
            ("Valid", "string", '.status.conditions[?(@.type=="Valid")].status',
             "Whether the latest spec translates to a pod."),
        ],
    )
