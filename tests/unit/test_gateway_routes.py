"""Exact weights through an HTTPRoute: listener rules read, the shares a deployment asks for,
and the revision Services and routes built from them."""

from __future__ import annotations

import pytest

from ecs_operator.handlers import service_deployments
from ecs_operator.translate.gateway_routes import RouteBinding, route_bindings, route_name, \
    route_weights, unhonoured_listener_rules
from ecs_operator.translate.pod import pod_spec
from ecs_operator.translate.service import pod_template, unsupported_service_fields
from ecs_operator.translate.service_deployment import Wanted
from ecs_operator.translate.service_objects import service_objects
from ecs_operator.translate.strategy_objects import strategy_objects

from .test_service_deployment import BLUE, GREEN, deployed
from .test_strategy_objects import SPEC, TASK_DEFINITION

ALB_RULE = ("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/"
            "50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee")
REV = "ecs.operator.dev/revision"


@pytest.mark.parametrize("rule, name", [
    ("httproute/web", "web"), ("HTTPRoute/web-prod", "web-prod"), ("web", "web"),
    ("web.example", "web.example"), (ALB_RULE, None), ("", None), (None, None),
    ("Web_Route", None), ("httproute/", None),
])
def test_a_listener_rule_names_an_httproute_or_nothing(rule: object, name: str | None) -> None:
    assert route_name(rule) == name


def _balancer(**advanced: str) -> dict:
    return {"containerName": "app", "containerPort": 80, "advancedConfiguration": advanced}


@pytest.mark.parametrize("balancers, runs, bindings, unhonoured", [
    ([_balancer(productionListenerRule="httproute/web", testListenerRule="web-test")], True,
     [RouteBinding("web", "web-test", 80)], []),
    ([_balancer(productionListenerRule="web")], True, [RouteBinding("web", None, 80)], []),
    ([_balancer(productionListenerRule=ALB_RULE, testListenerRule="web-test")], True,
     [RouteBinding(None, "web-test", 80)],
     ["loadBalancers[0].advancedConfiguration.productionListenerRule: not an HTTPRoute name"]),
    ([_balancer(productionListenerRule="web")], False, [RouteBinding("web", None, 80)],
     ["loadBalancers[0].advancedConfiguration.productionListenerRule: needs strategy "
      "BLUE_GREEN, CANARY or LINEAR"]),
    ([{"containerName": "app", "containerPort": 80}], True, [], []),
    ([_balancer(alternateTargetGroupArn="arn:tg", roleArn="arn:role")], True, [], []),
])
def test_listener_rules_bind_routes_or_are_reported(balancers: list, runs: bool,
                                                    bindings: list, unhonoured: list) -> None:
    spec = {"loadBalancers": balancers}
    assert route_bindings(spec) == bindings
    assert unhonoured_listener_rules(spec, runs) == unhonoured


def test_an_alb_listener_rule_is_an_unsupported_field() -> None:
    spec = {**SPEC, "loadBalancers": [_balancer(productionListenerRule=ALB_RULE)]}
    assert "loadBalancers[0].advancedConfiguration.productionListenerRule: not an HTTPRoute " \
        "name" in unsupported_service_fields(spec)


@pytest.mark.parametrize("shares, weights", [
    ({BLUE: 90.0, GREEN: 10.0}, {BLUE: 90, GREEN: 10}),
    ({BLUE: 0.0, GREEN: 100.0}, {BLUE: 0, GREEN: 100}),
    ({BLUE: 66.7, GREEN: 33.3}, {BLUE: 667, GREEN: 333}),
    ({GREEN: 100.0}, {GREEN: 100}),
    ({BLUE: 0.0, GREEN: 0.0}, {BLUE: 1, GREEN: 1}),
])
def test_route_weights_keep_the_exact_proportion(shares: dict, weights: dict) -> None:
    assert route_weights(shares) == weights


@pytest.mark.parametrize("strategy, desired, extra, weighted, seen", [
    # 10 % of 3 tasks: one green task, a third of the ready tasks; the route gives exactly 10 %.
    ("CANARY", 3, {"canaryConfiguration": {"canaryPercent": 10.0,
                                           "canaryBakeTimeInMinutes": 1}}, True,
     [(10.0, 1, 2), (100.0, 3, 0)]),
    ("CANARY", 3, {"canaryConfiguration": {"canaryPercent": 10.0,
                                           "canaryBakeTimeInMinutes": 1}}, False,
     # By ready tasks the share follows the scale-downs too: 1 of 4, 1 of 3, 3 of 5, 3 of 3.
     [(25.0, 1, 2), (33.3, 1, 2), (60.0, 3, 0), (100.0, 3, 0)]),
    ("LINEAR", 10, {"linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1}},
     True, [(25.0, 3, 7), (50.0, 5, 5), (75.0, 8, 2), (100.0, 10, 0)]),
    ("BLUE_GREEN", 3, {}, True, [(100.0, 3, 3)]),
])
def test_the_records_carry_the_asked_share_with_a_route_and_the_same_task_counts(
        strategy: str, desired: int, extra: dict, weighted: bool, seen: list) -> None:
    cluster = deployed(strategy, desired=desired, weighted=weighted, **extra)
    cluster.run(GREEN, passes=40)
    record = cluster.record()
    assert record["status"] == "SUCCESSFUL"
    assert record["productionTrafficSplit"] == ("HTTPROUTE_WEIGHTS" if weighted
                                                else "READY_TASKS")
    baking = []  # (green's share, green tasks, blue tasks) while each step bakes
    for wanted, (_, _, passed) in zip(cluster.asked, cluster.passes):
        if passed["lifecycleStage"] in ("POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME"):
            entry = (passed["targetServiceRevision"]["requestedProductionTrafficWeight"],
                     wanted.replicas[GREEN], wanted.replicas.get(BLUE, 0))
            source = passed["sourceServiceRevisions"][0]["requestedProductionTrafficWeight"]
            assert source == round(100.0 - entry[0], 1)
            if not baking or baking[-1] != entry:
                baking.append(entry)
    assert baking == seen, baking


def test_while_a_step_shifts_the_previous_share_holds_until_its_tasks_are_ready() -> None:
    cluster = deployed("LINEAR", desired=4, weighted=True,
                       linearConfiguration={"stepPercent": 50.0, "stepBakeTimeInMinutes": 1})
    cluster.run(GREEN, passes=40)
    shifting = [(ready.get(GREEN, 0), record["targetServiceRevision"][
        "requestedProductionTrafficWeight"]) for ready, _, record in cluster.passes
        if record["lifecycleStage"] == "PRODUCTION_TRAFFIC_SHIFT"
        and record.get("trafficStep") == 1]
    assert shifting == [(2, 50.0)]  # 2 green tasks ready of the 4 the 100 % step asks for


def _gateway_objects(plan: Wanted, shares: dict) -> dict[tuple[str, str], dict]:
    spec = {**SPEC, "loadBalancers": [_balancer(productionListenerRule="httproute/web",
                                                testListenerRule="web-test")]}
    rolling = service_objects(name="web", namespace="shop", uid="u-1", spec=spec, family="web",
                              revision=2, task_definition=TASK_DEFINITION,
                              pod=pod_spec(TASK_DEFINITION))
    templates = {f"web:{n}": pod_template(name="web", family="web", revision=n,
                                          pod=pod_spec(TASK_DEFINITION)) for n in (1, 2)}
    made = strategy_objects(rolling, service="web", plan=plan, templates=templates,
                            routes=route_bindings(spec), shares=shares)
    return {(o["kind"], o["metadata"]["name"]): o for o in made.objects}


def _backends(route: dict) -> list[tuple[str, int, int]]:
    [rule] = route["spec"]["rules"]
    return [(ref["name"], ref["port"], ref["weight"]) for ref in rule["backendRefs"]]


@pytest.mark.parametrize("plan, shares, production, test, services", [
    (Wanted({BLUE: 2, GREEN: 1}, (BLUE, GREEN), GREEN), {BLUE: 90.0, GREEN: 10.0},
     [("web-1", 80, 90), ("web-2", 80, 10)], [("web-2", 80, 100)], {"web-1": "1", "web-2": "2"}),
    (Wanted({BLUE: 0, GREEN: 3}, (BLUE, GREEN), GREEN), {BLUE: 0.0, GREEN: 100.0},
     [("web-1", 80, 0), ("web-2", 80, 100)], [("web-2", 80, 100)], {"web-1": "1", "web-2": "2"}),
    (Wanted({GREEN: 3}, (GREEN,)), {GREEN: 100.0}, [("web-2", 80, 100)], [("web-2", 80, 100)],
     {"web-2": "2"}),
    (Wanted({BLUE: 3, GREEN: 0}, (BLUE,), None), {BLUE: 100.0}, [("web-1", 80, 100)],
     [("web-1", 80, 100)], {"web-1": "1", "web-2": "2"}),
])
def test_routes_weigh_one_service_per_revision(plan: Wanted, shares: dict, production: list,
                                               test: list, services: dict) -> None:
    objects = _gateway_objects(plan, shares)
    assert _backends(objects[("HTTPRoute", "web")]) == production
    assert _backends(objects[("HTTPRoute", "web-test")]) == test
    for name, revision in services.items():
        selected = objects[("Service", name)]["spec"]["selector"]
        assert selected[REV] == revision and selected["ecs.operator.dev/service"] == "web"
    route = objects[("HTTPRoute", "web")]
    assert set(route) == {"apiVersion", "kind", "metadata", "spec"}
    assert set(route["spec"]) == {"rules"}  # parentRefs, hostnames: the user's
    assert route["metadata"] == {"name": "web", "namespace": "shop"}


@pytest.mark.parametrize("served, routes, unsupported", [
    ({"httproutes", "gateways"}, {"web", "web-test"}, False),
    (set(), set(), True),  # no Gateway API: split by ready tasks, and the status says why
])
def test_plan_applies_routes_only_where_the_api_server_serves_them(
        monkeypatch, served: set, routes: set, unsupported: bool) -> None:
    spec = {**SPEC, "loadBalancers": [_balancer(productionListenerRule="httproute/web",
                                                testListenerRule="web-test")]}
    monkeypatch.setattr(service_deployments.k8s, "served_resources", lambda group, version:
                        served if group == "gateway.networking.k8s.io" else set())
    monkeypatch.setattr(service_deployments, "_discovered", None)
    monkeypatch.setattr(service_deployments.VIEWS, "replica_service",
                        lambda namespace, name: (None, [], []))
    rolling = service_objects(name="web", namespace="shop", uid="u-1", spec=spec, family="web",
                              revision=1, task_definition=TASK_DEFINITION,
                              pod=pod_spec(TASK_DEFINITION))
    body = {"metadata": {"namespace": "shop", "name": "web"}, "spec": spec}
    made, step = service_deployments.plan(body, "web:1", rolling,
                                          lambda arn: ("web", 1, TASK_DEFINITION))
    assert {o["metadata"]["name"] for o in made.objects if o["kind"] == "HTTPRoute"} == routes
    assert (service_deployments.NO_GATEWAY_API in made.unsupported) == unsupported
    assert step.records[0]["productionTrafficSplit"] == ("READY_TASKS" if unsupported
                                                         else "HTTPROUTE_WEIGHTS")


def test_one_discovery_request_serves_the_evaluations_of_a_while(monkeypatch) -> None:
    asked = []
    monkeypatch.setattr(service_deployments.k8s, "served_resources",
                        lambda group, version: asked.append(group) or {"httproutes"})
    monkeypatch.setattr(service_deployments, "_discovered", None)
    clock = iter([100.0, 101.0, 129.0, 131.0])
    monkeypatch.setattr(service_deployments.time, "monotonic", lambda: next(clock))
    assert [service_deployments._serves_httproutes() for _ in range(4)] == [True] * 4
    assert len(asked) == 2, "asked at 100 s, then again only past 30 s (at 131 s)"
