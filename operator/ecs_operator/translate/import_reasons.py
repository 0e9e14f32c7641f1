"""Why a field is not honoured, as `kubectl ecs import` shows it next to the field. Pure.

The list of fields always comes from the operator's own functions; this only explains them.
"""

from __future__ import annotations

import re

# Why a field is not honoured, by its last path segment (indexes removed). Shown next to the
# operator's list; the list itself always comes from the operator's functions.
REASONS = {
    "taskRoleArn": "IAM roles are not Kubernetes identities: use a ServiceAccount "
                   "(IRSA / EKS Pod Identity)",
    "executionRoleArn": "not needed: the kubelet pulls images and Secrets are read directly",
    "placementConstraints": "task-level placement constraints are not translated",
    "ephemeralStorage": "set ephemeral-storage requests on the containers instead",
    "proxyConfiguration": "App Mesh proxy configuration has no Kubernetes counterpart",
    "inferenceAccelerators": "Elastic Inference does not exist outside AWS",
    "enableFaultInjection": "ECS fault injection endpoints do not exist here",
    "networkMode": "a pod always has a network namespace",
    "ipcMode": "a pod always has an IPC namespace",
    "environmentFiles": "S3 environment files: use a ConfigMap or Secret with envFrom",
    "startTimeout": "Kubernetes has no per-dependency start timeout",
    "volumesFrom": "declare the volume on both containers instead",
    "logConfiguration": "Kubernetes collects stdout/stderr itself; ship logs with a node agent",
    "firelensConfiguration": "FireLens is an ECS feature; run Fluent Bit as a DaemonSet",
    "ulimits": "Kubernetes has no per-container ulimits",
    "links": "legacy Docker links: containers of a pod share localhost",
    "hostname": "a pod has one hostname (spec.hostname), not one per container",
    "dnsServers": "DNS is per pod (dnsConfig), not per container",
    "dnsSearchDomains": "DNS is per pod (dnsConfig), not per container",
    "dockerSecurityOptions": "Docker security options: use the pod's securityContext",
    "systemControls": "sysctls are per pod (securityContext.sysctls), not per container",
    "resourceRequirements": "GPUs need a device plugin resource name, not an ECS type",
    "repositoryCredentials": "use imagePullSecrets",
    "disableNetworking": "containers of a pod share its network",
    "restartPolicy": "a pod's containers restart by the pod's restartPolicy",
    "devices": "host devices need a device plugin",
    "initProcessEnabled": "no per-container init process",
    "sharedMemorySize": "mount a memory-backed emptyDir at /dev/shm instead",
    "tmpfs": "use a memory-backed emptyDir",
    "maxSwap": "swap is a node setting",
    "swappiness": "swap is a node setting",
    "healthCheck": "an init container cannot have probes",
    "containerPortRange": "a container port range cannot be expressed",
    "operatingSystemFamily": "only LINUX and WINDOWS families map to kubernetes.io/os",
    "fsxWindowsFileServerVolumeConfiguration": "FSx for Windows has no driver here",
    "configuredAtLaunch": "volumes configured at launch are not supported",
    "driver": "Docker volume drivers do not exist in Kubernetes",
    "driverOpts": "Docker volume drivers do not exist in Kubernetes",
    "labels": "Docker volume labels do not exist in Kubernetes",
    "healthCheckGracePeriodSeconds": "not supported yet: use healthCheck.startPeriod",
    "availabilityZoneRebalancing": "the scheduler spreads new tasks only",
    "volumeConfigurations": "volumes configured at launch are not supported",
    "alarms": "CloudWatch alarms do not exist here",
    "condition": "COMPLETE becomes an init container, which Kubernetes requires to exit 0",
    "credentialSpecs": "Windows gMSA credential specs are not supported",
    "versionConsistency": "the kubelet resolves image tags when it pulls",
    "strategy": "only ROLLING deployments are supported",
    "type": "only the ECS deployment controller is supported",
}
DEFAULT_REASON = "not honoured by ecs-operator"
READ_ONLY_REASON = "returned by ECS, not part of a request"
DROPPED_REASON = "not an ECS request field the CRD knows; dropped"


def reason_for(path: str) -> str:
    """The reason shown for an unsupported field path, e.g. `containerDefinitions[0].links`."""
    last = re.sub(r"\[[^]]*\]", "", path.split(":")[0]).split(".")[-1]
    return REASONS.get(last, DEFAULT_REASON)
