"""Exact traffic weights through Gateway API HTTPRoutes (BLUE_GREEN, CANARY, LINEAR).

ECS's `loadBalancers[].advancedConfiguration` names the listener rules that carry production
and test traffic (`productionListenerRule`, `testListenerRule`). Here a rule is an HTTPRoute
in the service's namespace: `httproute/<name>` or a plain name. The operator owns the route's
`spec.rules` (Gateway API keeps `rules` an atomic list, so server-side apply cannot share it):
one rule per load balancer, whose `backendRefs` are one core Service per revision
(`<service>-<revision>`, selecting that revision's tasks only) weighted by the share the
deployment asks for. Everything else on the route (parentRefs, hostnames) stays the user's;
the route is created, without parents, when it does not exist yet.

An ALB listener-rule ARN (or anything that is not a route name) cannot be honoured here and is
reported in `unsupportedFields`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from .names import parse_reference, revision_labels, revision_object_name

GATEWAY_GROUP = "gateway.networking.k8s.io"
GATEWAY_API_VERSION = f"{GATEWAY_GROUP}/v1"
ROUTE_PREFIX = "httproute/"
_ROUTE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
LISTENER_RULES = ("productionListenerRule", "testListenerRule")


@dataclass(frozen=True)
class RouteBinding:
    """A load balancer's production and test HTTPRoutes (either may be absent) and its
    port on the service's core Services."""
    production: str | None
    test: str | None
    port: int


def route_name(rule: object) -> str | None:
    """The HTTPRoute a listener rule names, or None (an ARN, or not a name at all)."""
    if not isinstance(rule, str):
        return None
    name = rule[len(ROUTE_PREFIX):] if rule.lower().startswith(ROUTE_PREFIX) else rule
    return name if _ROUTE_NAME.match(name) else None


def route_bindings(spec: dict) -> list[RouteBinding]:
    """The load balancers whose advancedConfiguration names at least one HTTPRoute."""
    bindings = []
    for balancer in spec.get("loadBalancers") or []:
        advanced = balancer.get("advancedConfiguration") or {}
        production = route_name(advanced.get("productionListenerRule"))
        test = route_name(advanced.get("testListenerRule"))
        if production or test:
            bindings.append(RouteBinding(production, test, int(balancer["containerPort"])))
    return bindings


def unhonoured_listener_rules(spec: dict, strategy_runs: bool) -> list[str]:
    """advancedConfiguration fields set but not acted on: listener rules that are not
    HTTPRoute names, and any of them when no BLUE_GREEN / CANARY / LINEAR deployment runs
    (ECS too uses them with those strategies only)."""
    found = []
    for index, balancer in enumerate(spec.get("loadBalancers") or []):
        advanced = balancer.get("advancedConfiguration") or {}
        for field in LISTENER_RULES:
            if not advanced.get(field):
                continue
            where = f"loadBalancers[{index}].advancedConfiguration.{field}"
            if route_name(advanced[field]) is None:
                found.append(f"{where}: not an HTTPRoute name")
            elif not strategy_runs:
                found.append(f"{where}: needs strategy BLUE_GREEN, CANARY or LINEAR")
    return found


def revision_service(production: dict, *, service: str, revision_arn: str) -> dict:
    """The production core Service narrowed to one revision's tasks: a route's backend."""
    made = copy.deepcopy(production)
    made["metadata"]["name"] = revision_object_name(service, revision_arn)
    made["spec"]["selector"] = {**made["spec"]["selector"], **revision_labels(revision_arn)}
    made["spec"].pop("clusterIP", None)
    return made


def route_weights(shares: dict[str, float]) -> dict[str, int]:
    """HTTPRoute weights (integers) in the exact proportion of `shares` (percent): the
    percentages themselves when whole, else tenths of a percent. No weight at all would send
    every request to an error, so an all-zero split weighs each revision equally."""
    if not any(shares.values()):
        return {arn: 1 for arn in shares}
    scale = 1 if all(float(share).is_integer() for share in shares.values()) else 10
    return {arn: round(share * scale) for arn, share in shares.items()}


def http_route(*, name: str, namespace: str, service: str, ports: list[int],
               shares: dict[str, float]) -> dict:
    """The part of HTTPRoute `name` the operator applies: one rule per port, its backends
    the revisions of `shares` (revision -> percent)."""
    weights = route_weights(shares)
    rules = [{"backendRefs": [
        {"group": "", "kind": "Service", "name": revision_object_name(service, arn),
         "port": port, "weight": weight}
        for arn, weight in sorted(weights.items(), key=lambda item: _revision_number(item[0]))]}
        for port in ports]
    return {"apiVersion": GATEWAY_API_VERSION, "kind": "HTTPRoute",
            "metadata": {"name": name, "namespace": namespace}, "spec": {"rules": rules}}


def _revision_number(arn: str) -> int:
    return parse_reference(arn)[1] or 0


def gateway_objects(bindings: list[RouteBinding], *, production: dict, namespace: str,
                    service: str, revisions: list[str], production_shares: dict[str, float],
                    test: str) -> list[dict]:
    """A core Service per revision in `revisions`, and the HTTPRoutes of `bindings`:
    production routes split by `production_shares`, test routes 100 % to `test`."""
    objects = [revision_service(production, service=service, revision_arn=arn)
               for arn in sorted(set(revisions), key=_revision_number)]
    routes: dict[str, tuple[dict[str, float], list[int]]] = {}
    for binding in bindings:
        for route, shares in ((binding.production, production_shares),
                              (binding.test, {test: 100.0})):
            if route:
                routes.setdefault(route, (shares, []))[1].append(binding.port)
    for route, (shares, ports) in sorted(routes.items()):
        objects.append(http_route(name=route, namespace=namespace, service=service,
                                  ports=sorted(set(ports)), shares=shares))
    return objects


def production_shares(record: dict | None, production: tuple[str, ...]) -> dict[str, float]:
    """The shares the deployment record gives the revisions production selects (the record
    holds the asked shares when `advance` ran weighted); equal shares for any it lacks."""
    given = {} if record is None else {
        entry["arn"]: float(entry.get("requestedProductionTrafficWeight", 0.0))
        for entry in [record["targetServiceRevision"], *record["sourceServiceRevisions"]]}
    return {arn: given.get(arn, round(100.0 / len(production), 1)) for arn in production}
