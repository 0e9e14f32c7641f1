"""`schedulingStrategy: DAEMON` -> DaemonSet, and its state seen the way a Deployment's is.

ECS runs one task of a daemon service on every container instance, with deployment defaults
minimumHealthyPercent 0 and maximumPercent 100 (stop the old task, then start the new one).
The DaemonSet's ControllerRevisions play the part of a Deployment's ReplicaSets, so the status
code that builds ECS deployments from ReplicaSets serves daemons unchanged.
"""

from __future__ import annotations

from .names import LABEL_SERVICE
from .pod import PodTranslation
from .service import ANNOTATION_TASK_DEFINITION, owned_metadata, pod_template
from .service_status import DEPLOYMENT_REVISION, POD_TEMPLATE_HASH, Observed, task_state

DAEMON_MINIMUM_HEALTHY_PERCENT = 0
DAEMON_MAXIMUM_PERCENT = 100
REVISION_HASH = "controller-revision-hash"


def daemon_update_strategy(config: dict) -> dict:
    low = config.get("minimumHealthyPercent")
    high = config.get("maximumPercent")
    low = DAEMON_MINIMUM_HEALTHY_PERCENT if low is None else low
    high = DAEMON_MAXIMUM_PERCENT if high is None else high
    unavailable: int | str = f"{100 - low}%"
    surge: int | str = f"{high - 100}%"
    if low == 100 and high == 100:
        unavailable = 1  # Kubernetes needs one of the two above zero; ECS would stall
    return {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": unavailable,
                                                       "maxSurge": surge}}


def daemon_set(*, name: str, namespace: str, uid: str, spec: dict, family: str, revision: int,
               pod: PodTranslation, scheduling: dict | None = None) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": owned_metadata(name, namespace, uid,
                                    {ANNOTATION_TASK_DEFINITION: f"{family}:{revision}"}),
        "spec": {
            "selector": {"matchLabels": {LABEL_SERVICE: name}},
            "revisionHistoryLimit": 10,
            "updateStrategy": daemon_update_strategy(spec.get("deploymentConfiguration") or {}),
            "template": pod_template(name=name, family=family, revision=revision, pod=pod,
                                     scheduling=scheduling),
        },
    }


def daemon_desired_count(daemon: dict | None) -> int:
    """A daemon service wants one task per node the DaemonSet may run on."""
    return int(((daemon or {}).get("status") or {}).get("desiredNumberScheduled") or 0)


def _template_of(revision: dict) -> dict:
    return ((revision.get("data") or {}).get("spec") or {}).get("template") or {}


def daemon_observation(daemon: dict | None, revisions: list[dict],
                       pods: list[dict]) -> Observed:
    """The DaemonSet as a Deployment, its ControllerRevisions as ReplicaSets.

    Pods carry their revision's hash in `controller-revision-hash`; it is copied to
    `pod-template-hash`, the label the status code groups a ReplicaSet's pods by.
    """
    if daemon is None or "observedGeneration" not in (daemon.get("status") or {}):
        # A DaemonSet its controller has not counted nodes for yet wants 0 tasks and runs 0:
        # that is no deployment yet, not a steady state.
        return Observed(None, [], pods)
    relabelled = []
    for pod in pods:
        labels = pod.get("metadata", {}).get("labels", {})
        relabelled.append({**pod, "metadata": {**pod["metadata"], "labels": {
            **labels, POD_TEMPLATE_HASH: labels.get(REVISION_HASH, "")}}})
    replica_sets = []
    for revision in revisions:
        meta = revision["metadata"]
        template_hash = meta.get("labels", {}).get(REVISION_HASH, "")
        live = sum(1 for p in relabelled
                   if p["metadata"]["labels"][POD_TEMPLATE_HASH] == template_hash
                   and task_state(p) != "STOPPED")
        replica_sets.append({
            "metadata": {
                "uid": meta["uid"],
                "labels": {POD_TEMPLATE_HASH: template_hash},
                "annotations": {DEPLOYMENT_REVISION: str(revision.get("revision", 0))},
                "creationTimestamp": meta.get("creationTimestamp"),
                "ownerReferences": meta.get("ownerReferences", []),
            },
            "spec": {"replicas": live, "template": _template_of(revision)},
            "status": {"replicas": live},
        })
    return Observed(daemon, replica_sets, relabelled)
