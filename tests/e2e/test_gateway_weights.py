"""Exact weights through a Gateway API HTTPRoute on the local cluster: a CANARY at 10 % over
3 tasks weighs the route 90/10 while the canary bakes (the ready tasks alone would give a
third), then sends everything to the new revision; the user's parts of the route stay theirs,
and the route stays valid for the installed CRD."""

from __future__ import annotations

import json

from .cluster import apply, kubectl, kubectl_json, wait_for
from .manifests import service, task_definition
from .test_deployments import finished, latest, scaled_operator  # noqa: F401 (a fixture)

USER_MANAGER = "platform-team"


def user_route() -> dict:
    """The user's part of the production route: where it attaches, for which host."""
    return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": "web"},
            "spec": {"parentRefs": [{"name": "shop-gateway", "sectionName": "http"}],
                     "hostnames": ["web.shop.example"]}}


def backends(namespace: str, route: str) -> dict[str, int] | None:
    found = kubectl("get", "httproute", route, "-n", namespace, "-o", "json", check=False)
    if found.returncode != 0:
        return None
    rules = json.loads(found.stdout)["spec"].get("rules") or []
    return {ref["name"]: ref.get("weight", 1) for rule in rules
            for ref in rule.get("backendRefs") or []}


def backends_become(namespace: str, route: str, expected: dict[str, int]):
    return lambda: backends(namespace, route) == expected or None


def in_stage(namespace: str, stage: str):
    return lambda: (lambda r: r if r.get("lifecycleStage") == stage
                    and r.get("targetServiceRevision", {}).get("arn") == "web:2"
                    else None)(latest(namespace))


def test_a_canary_sets_exact_weights_on_the_httproute(gateway_api_crds, scaled_operator,
                                                      namespace) -> None:
    applied = kubectl("apply", "--server-side", f"--field-manager={USER_MANAGER}", "-n",
                      namespace, "-f", "-", input=json.dumps(user_route()))
    assert applied.returncode == 0, applied.stderr
    created = apply([task_definition(), service(desired=3, loadBalancers=[{
        "containerName": "app", "containerPort": 80, "advancedConfiguration": {
            "productionListenerRule": "httproute/web", "testListenerRule": "web-test",
            "alternateTargetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:1:tg/web-g/1",
            "roleArn": "arn:aws:iam::1:role/ecs-blue-green"}}],
        deploymentConfiguration={
            "strategy": "CANARY", "bakeTimeInMinutes": 0,
            "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 10}})],
        namespace)
    assert created.returncode == 0, created.stderr
    wait_for("web:1 deployed", finished(namespace, "web:1"), timeout=180)
    wait_for("the route on web-1", backends_become(namespace, "web", {"web-1": 100}),
             timeout=30)
    # The operator created the test route, which nobody had made.
    wait_for("the test route on web-1", backends_become(namespace, "web-test", {"web-1": 100}),
             timeout=30)

    apply(task_definition(image="registry.example/web:2"), namespace)
    wait_for("the canary baking", in_stage(namespace, "POST_PRODUCTION_TRAFFIC_SHIFT"),
             timeout=180)
    # Exactly 10 %, though 1 of the 3 ready tasks is the canary's.
    wait_for("weights 90/10", backends_become(namespace, "web", {"web-1": 90, "web-2": 10}),
             timeout=30)
    assert backends(namespace, "web-test") == {"web-2": 100}
    record = latest(namespace)
    assert record["productionTrafficSplit"] == "HTTPROUTE_WEIGHTS"
    assert record["targetServiceRevision"]["requestedProductionTrafficWeight"] == 10.0
    assert record["sourceServiceRevisions"][0]["requestedProductionTrafficWeight"] == 90.0
    assert record["targetServiceRevision"]["requestedTaskCount"] == 1
    assert record["sourceServiceRevisions"][0]["requestedTaskCount"] == 2
    for name, revision in (("web-1", "1"), ("web-2", "2")):
        selector = kubectl_json("get", "service", name, "-n", namespace)["spec"]["selector"]
        assert selector["ecs.operator.dev/revision"] == revision

    route = kubectl_json("get", "httproute", "web", "-n", namespace, "--show-managed-fields")
    # The user's fields are still there and still the user's; the operator owns the rules.
    assert route["spec"]["parentRefs"][0]["name"] == "shop-gateway"
    assert route["spec"]["hostnames"] == ["web.shop.example"]
    owners = {entry["manager"]: json.dumps(entry.get("fieldsV1", {}))
              for entry in route["metadata"]["managedFields"]}
    assert "f:parentRefs" in owners[USER_MANAGER] and "f:rules" not in owners[USER_MANAGER]
    assert "f:rules" in owners["ecs-operator"] and "f:parentRefs" not in owners["ecs-operator"]

    wait_for("web:2 deployed", finished(namespace, "web:2"), timeout=180)
    wait_for("the route on web-2 only", backends_become(namespace, "web", {"web-2": 100}),
             timeout=30)
    wait_for("web-1's Service gone", lambda: kubectl(
        "get", "service", "web-1", "-n", namespace, check=False).returncode != 0 or None,
        timeout=30)

    # The route as it now stands is valid for the installed CRD; the API server does check.
    stored = kubectl_json("get", "httproute", "web", "-n", namespace)
    stored["metadata"] = {"name": "web", "namespace": namespace}
    stored.pop("status", None)
    checked = kubectl("apply", "--server-side", "--dry-run=server", "--field-manager=check",
                      "--force-conflicts", "-f", "-", input=json.dumps(stored), check=False)
    assert checked.returncode == 0, checked.stderr
    stored["spec"]["rules"][0]["backendRefs"][0]["weight"] = -1
    refused = kubectl("apply", "--server-side", "--dry-run=server", "--field-manager=check",
                      "--force-conflicts", "-f", "-", input=json.dumps(stored), check=False)
    assert refused.returncode != 0 and "weight" in refused.stderr, refused.stderr
