"""Starting the operator: Kopf settings, the metrics endpoint, and the handlers."""

from __future__ import annotations

import asyncio
import logging
import time

import kopf

from . import __version__, gc_pacing, k8s
from .kopf_tuning import GenerationDiffBase, ServiceProgressStorage, \
    install_log_filter, install_shared_waits
from .translate.names import GROUP, LABEL_MANAGED_BY, MANAGED_BY

# A replica that dies stops renewing its peering record; the next one takes over once the
# record is this old, well within 30 seconds.
PEERING_LIFETIME_SECONDS = 15
# Watches are re-established before any proxy or load balancer drops them silently.
WATCH_SERVER_TIMEOUT_SECONDS = 300
WATCH_CLIENT_TIMEOUT_SECONDS = 330
# Built-in kinds the operator watches only for the objects it made; filtering them on the
# server keeps every other pod and Deployment of the cluster out of the operator's memory.
OWNED_KINDS = ("pods", "replicasets", "deployments", "daemonsets", "controllerrevisions",
               "poddisruptionbudgets")
# The kinds the operator serves: it waits for their CRDs before it starts watching.
SERVED_KINDS = ("taskdefinitions", "ecsservices", "ecstasks", "scheduledtasks")
# Events are auxiliary: a few quick tries, not Kopf's default of 9 over 54 s. Kopf retries a
# 403, which is what a namespace being deleted answers: with the default, every Event for a
# deleted namespace's Services was posted 9 times, each failure logged, and a stopping
# operator waited for them.
EVENT_POST_BACKOFFS = (1, 2)
CRD_POLL_SECONDS = 2
CRD_REMINDER_SECONDS = 30


def wait_for_custom_resources() -> None:
    """Kopf looks up which kinds exist once when it starts, then again on every change to a
    CRD. When the CRDs are installed just after the operator starts, the last change can come
    before the API server serves the kind, and Kopf then never watches it (seen: every
    TaskDefinition left unregistered). Startup handlers run before that first lookup, so
    waiting here makes the first lookup find every kind."""
    log = logging.getLogger(__name__)
    reminded = None
    while missing := sorted(set(SERVED_KINDS) - k8s.served_resources(GROUP, "v1alpha1")):
        if reminded is None or time.monotonic() - reminded >= CRD_REMINDER_SECONDS:
            log.warning("waiting for the API server to serve %s (group %s); install the "
                        "CRDs: kubectl apply -f crds/", ", ".join(missing), GROUP)
            reminded = time.monotonic()
        time.sleep(CRD_POLL_SECONDS)


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: object) -> None:
    k8s.load_configuration()
    wait_for_custom_resources()
    # Progress and diff-base live in annotations: the CRDs' structural status has no room for
    # Kopf's own bookkeeping, and annotations survive operator restarts. A Service's diff base
    # is the generation its status says was reconciled (GenerationDiffBase).
    settings.persistence.progress_storage = ServiceProgressStorage(prefix=GROUP)
    settings.persistence.diffbase_storage = GenerationDiffBase(
        prefix=GROUP, key="last-handled-configuration")
    settings.watching.server_timeout = WATCH_SERVER_TIMEOUT_SECONDS
    settings.watching.client_timeout = WATCH_CLIENT_TIMEOUT_SECONDS
    settings.watching.connect_timeout = 30
    for kind in OWNED_KINDS:
        settings.watching.label_selectors[kind] = f"{LABEL_MANAGED_BY}={MANAGED_BY}"
    settings.posting.level = logging.INFO
    settings.posting.default_backoffs = EVENT_POST_BACKOFFS
    install_log_filter()
    settings.execution.max_workers = 8
    settings.peering.lifetime = PEERING_LIFETIME_SECONDS
    logging.getLogger(__name__).info("ecs-operator %s: configured, watching", __version__)


def run(*, namespaces: list[str], all_namespaces: bool, metrics_port: int,
        peering: str | None, priority: int, verbose: bool) -> int:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from . import handlers  # noqa: F401  (registers the handlers)
    from .metrics import serve_metrics
    serve_metrics(metrics_port)
    gc_pacing.start()
    install_shared_waits()
    asyncio.run(kopf.operator(
        clusterwide=all_namespaces,
        namespaces=namespaces,
        standalone=peering is None,
        peering_name=peering,
        priority=priority,
    ))
    return 0
