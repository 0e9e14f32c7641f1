"""Who last changed an owned Deployment's or DaemonSet's spec, from its managedFields.

The operator applies these objects with server-side apply; anyone else's change (`kubectl
edit`, `kubectl scale`, a stray `kubectl apply`) is drift the operator reverts by applying
again, while the operator's own changes and the autoscaler's scaling are left alone.
"""

from __future__ import annotations

from .names import FIELD_MANAGER

OWN_MANAGERS = frozenset({
    FIELD_MANAGER,
    f"{FIELD_MANAGER}-autoscaling-handover",
    "kubectl-ecs",               # the CLI's --force-new-deployment annotation
    "kube-controller-manager",   # the HorizontalPodAutoscaler scaling a Deployment
})


def spec_changed_by(workload: dict) -> tuple[str, str] | None:
    """(manager, time) of the newest spec change, when it was not the operator's.

    Kopf hands over only the latest of a quick run of events, so this reads who changed the
    spec last rather than whether the event at hand is the change; the caller acts once per
    (manager, time).
    """
    changes = [entry for entry in (workload.get("metadata") or {}).get("managedFields") or []
               if entry.get("subresource") != "status"
               and ("f:spec" in (entry.get("fieldsV1") or {}) or entry.get("subresource"))]
    if not changes:
        return None
    # Times have a one-second resolution: on a tie someone else's change counts as the newer
    # (the caller reverts each (manager, time) once, so this cannot loop). Updates through the
    # scale subresource record no time; they count as the newest (the operator's next apply
    # takes replicas back and the entry disappears).
    newest = max(changes, key=lambda e: (e.get("time") or "~",
                                         e.get("manager") not in OWN_MANAGERS))
    manager = newest.get("manager", "")
    return None if manager in OWN_MANAGERS else (manager, newest.get("time") or "")
