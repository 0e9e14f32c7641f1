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
    "placementConstraints": "node affinity matches label values exactly: list the values "
                            "(attribute:ecs.instance-type in [g5.xlarge, g5.2xlarge]) "
                            "instead of a pattern",
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
    "links": "a linked name or alias that is not a valid hostname cannot resolve to 127.0.0.1",
    "hostname": "a pod has one hostname (spec.hostname), a DNS label: another container's, "
                "or one with dots, cannot be honoured",
    "dnsServers": "the kubelet keeps three nameservers and the cluster DNS is the first: at "
                  "most two of the task's are added",
    "dockerSecurityOptions": "Docker security options: use the pod's securityContext",
    "systemControls": "sysctls are per pod: another container sets this one to another value, "
                      "a host-network (host-IPC) task would change the node's net.* (IPC) "
                      "sysctls, or the name is not a sysctl",
    "resourceRequirements": "Elastic Inference accelerators do not exist outside AWS",
    "repositoryCredentials": "the credentials parameter does not make a Secret name for "
                             "imagePullSecrets",
    "disableNetworking": "containers of a pod share its network",
    "restartPolicy": "a pod's containers restart by the pod's restartPolicy",
    "devices": "host devices need a device plugin",
    "initProcessEnabled": "with pidMode host the pod cannot also share its own process "
                          "namespace, which is how the init process is honoured",
    "sharedMemorySize": "the container already mounts a volume at /dev/shm",
    "tmpfs": "the container already mounts a volume at that path",
    "mountOptions": "tmpfs mount options are Docker's; a memory-backed emptyDir takes none",
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
    "availabilityZoneRebalancing": "the scheduler spreads new tasks only",
    "volumeConfigurations": "volumes configured at launch are not supported",
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
