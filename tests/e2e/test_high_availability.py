"""Two operator replicas with Kopf peering: one is active; when it is killed, the other takes
over within 30 seconds, and the standby never reconciles while the active one lives."""

from __future__ import annotations

import json
import re
import time

from .cluster import apply, kubectl, wait_for
from .conftest import OperatorProcess
from .manifests import service, task_definition
from .test_services import steady

PEERING = "ecs-operator-ha"
HANDLED = re.compile(r"Handler '(service_changed|service_resumed|record_revision)")


def test_standby_takes_over_within_30_seconds(operator, namespace: str, tmp_path) -> None:
    kubectl("apply", "-f", "-", input=json.dumps({
        "apiVersion": "kopf.dev/v1", "kind": "ClusterKopfPeering",
        "metadata": {"name": PEERING}}))
    operator.stop()  # the session's operator runs standalone; only the peers act here
    active = OperatorProcess(tmp_path / "active.log")
    active.extra_args = ["--peering", PEERING, "--priority", "200"]
    standby = OperatorProcess(tmp_path / "standby.log")
    standby.extra_args = ["--peering", PEERING, "--priority", "100"]
    try:
        active.start()
        standby.start()
        apply([task_definition(), service(desired=2)], namespace)
        wait_for("web:1 steady", steady(namespace, task_definition_ref="web:1"))
        assert HANDLED.search(active.log())
        assert not HANDLED.search(standby.log()), "the standby reconciled while the active lived"

        active.stop(kill=True)
        killed_at = time.monotonic()
        apply(task_definition(image="registry.example/web:2"), namespace)
        wait_for("the standby to roll web:2 out", steady(namespace, task_definition_ref="web:2"),
                 timeout=90)
        took = time.monotonic() - killed_at
        assert HANDLED.search(standby.log())
        print(f"hand-over and rollout of web:2 took {took:.1f}s after the kill")
        assert took < 30, f"hand-over and rollout took {took:.1f}s"
    finally:
        active.stop()
        standby.stop()
        kubectl("delete", "clusterkopfpeering", PEERING, check=False)
        operator.start()
