"""Cluster query language and placement -> node affinity, pod (anti-)affinity, topology spread."""

from __future__ import annotations

import pytest

from ecs_operator.translate.errors import TranslationError
from ecs_operator.translate.placement import member_of, placement
from ecs_operator.translate.query_language import QueryError, disjunctive_form, parse

ZONE = "topology.kubernetes.io/zone"
TYPE = "node.kubernetes.io/instance-type"
HOST = "kubernetes.io/hostname"
SELECTOR = {"ecs.operator.dev/service": "web"}


def _in(key: str, *values: str) -> dict:
    return {"key": key, "operator": "In", "values": list(values)}


def _not_in(key: str, *values: str) -> dict:
    return {"key": key, "operator": "NotIn", "values": list(values)}


# The examples of ECS's developer guide ("Cluster query language"), and the node selector
# terms each one becomes: a list of alternatives, each a list of ANDed requirements.
@pytest.mark.parametrize("expression,terms", [
    ("attribute:ecs.instance-type == t2.small", [[_in(TYPE, "t2.small")]]),
    ("attribute:ecs.instance-type equals t2.small", [[_in(TYPE, "t2.small")]]),
    ("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]",
     [[_in(ZONE, "us-east-1a", "us-east-1b")]]),
    ("attribute:ecs.availability-zone != us-east-1d", [[_not_in(ZONE, "us-east-1d")]]),
    ("attribute:ecs.availability-zone not_in [us-east-1d]", [[_not_in(ZONE, "us-east-1d")]]),
    ("attribute:ecs.availability-zone !in [us-east-1d]", [[_not_in(ZONE, "us-east-1d")]]),
    ("ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", [[_in(HOST, "i-abcd1234", "i-wxyx7890")]]),
    ("attribute:stack exists", [[{"key": "stack", "operator": "Exists"}]]),
    ("attribute:stack !exists", [[{"key": "stack", "operator": "DoesNotExist"}]]),
    ("attribute:stack not_exists", [[{"key": "stack", "operator": "DoesNotExist"}]]),
    ("attribute:ecs.cpu-architecture == x86_64", [[_in("kubernetes.io/arch", "amd64")]]),
    ("attribute:ecs.os-type == linux", [[_in("kubernetes.io/os", "linux")]]),
    ("attribute:ecs.instance-type =~ t2.micro", [[_in(TYPE, "t2.micro")]]),
    ("attribute:ecs.instance-type =~ ^(m5.large|m5.xlarge)$",
     [[_in(TYPE, "m5.large", "m5.xlarge")]]),
    ("attribute:ecs.instance-type !~ t2.micro", [[_not_in(TYPE, "t2.micro")]]),
    ("attribute:ecs.instance-type =~ .*", [[{"key": TYPE, "operator": "Exists"}]]),
    ("attribute:cores > 4", [[{"key": "cores", "operator": "Gt", "values": ["4"]}]]),
    ("attribute:cores >= 4", [[{"key": "cores", "operator": "Gt", "values": ["3"]}]]),
    ("attribute:cores less_than_equal 8", [[{"key": "cores", "operator": "Lt", "values": ["9"]}]]),
    ("attribute:ecs.instance-type == t2.small and attribute:ecs.availability-zone != us-east-1d",
     [[_in(TYPE, "t2.small"), _not_in(ZONE, "us-east-1d")]]),
    ("attribute:ecs.instance-type == t2.small && attribute:ecs.availability-zone != us-east-1d",
     [[_in(TYPE, "t2.small"), _not_in(ZONE, "us-east-1d")]]),
    ("attribute:ecs.instance-type == t2.small or attribute:ecs.instance-type == t2.medium",
     [[_in(TYPE, "t2.small")], [_in(TYPE, "t2.medium")]]),
    ("(attribute:ecs.availability-zone == a || attribute:ecs.availability-zone == b) "
     "&& attribute:stack == prod",
     [[_in(ZONE, "a"), _in("stack", "prod")], [_in(ZONE, "b"), _in("stack", "prod")]]),
    ("not(attribute:ecs.instance-type == t2.small or attribute:stack exists)",
     [[_not_in(TYPE, "t2.small"), {"key": "stack", "operator": "DoesNotExist"}]]),
    ("!(attribute:cores > 4)", [[{"key": "cores", "operator": "Lt", "values": ["5"]}]]),
], ids=lambda value: value if isinstance(value, str) else None)
def test_member_of_becomes_node_affinity(expression, terms) -> None:
    node_terms, affinity, anti_affinity = member_of(expression, "placementConstraints[0]")
    assert node_terms == terms
    assert affinity == anti_affinity == []


@pytest.mark.parametrize("expression,attract,values", [
    ("task:group == service:production", True, ["service.production"]),
    ("not(task:group == database)", False, ["database"]),
    ("task:group != database", False, ["database"]),
    ("task:group in [a, b]", True, ["a", "b"]),
])
def test_task_group_becomes_pod_affinity_on_the_node(expression, attract, values) -> None:
    node_terms, affinity, anti_affinity = member_of(expression, "placementConstraints[0]")
    assert node_terms == []
    term = {"labelSelector": {"matchExpressions": [
        {"key": "ecs.operator.dev/group", "operator": "In", "values": values}]},
        "topologyKey": HOST}
    assert (affinity, anti_affinity) == (([term], []) if attract else ([], [term]))


@pytest.mark.parametrize("expression,message", [
    ("", "the expression is empty"),
    ("attribute:ecs.instance-type ==", r"ends too early \(at column 31"),
    ("attribute:ecs.instance-type is t2.small",
     r"must be followed by an operator such as ==, in or exists, found 'is' \(at column 29"),
    ("attribute:a in t2", r"'in' needs a list such as \[a, b\] \(at column 16"),
    ("attribute:a in [x y]", r"separated by commas \(at column 19"),
    ("(attribute:a == b", r"a parenthesis is not closed \(at column 1 "),
    ("attribute:a == b)", r"unexpected '\)' \(at column 17"),
    ("attribute:a == 'b", r"unterminated quoted value \(at column 16"),
    ("== b", r"expected a subject .* found '==' \(at column 1"),
    ("attribute:a == b and", r"ends too early \(at column 21"),
])
def test_syntax_errors_point_at_the_column(expression, message) -> None:
    with pytest.raises(QueryError, match=message):
        parse(expression)


@pytest.mark.parametrize("expression,message", [
    ("attribute:ecs.instance-type =~ t2.*",
     r"'attribute:ecs.instance-type =~ t2.\*' \(at column 1 of .*\): the pattern 't2.\*' "
     r"cannot be expressed as node affinity.*in \[value1, value2\]"),
    ("attribute:stack == prod and runningTasksCount == 1",
     r"'runningTasksCount == 1' \(at column 29 .*runningTasksCount has no Kubernetes "
     "equivalent"),
    ("agentConnected == false", "agentConnected has no Kubernetes equivalent"),
    ("registeredAt < 2018-01-01", "registeredAt has no Kubernetes equivalent"),
    ("attribute:ecs.ami-id == ami-1", r"attribute:ecs.ami-id has no Kubernetes node label"),
    ("attribute:cores > four", "'four' is not one"),
    ("attribute:bad~key exists", "not a valid node label key"),
    ("attribute:stack == 'has space'", "'has space' is not a valid node label value"),
    ("task:group == a or attribute:stack == prod", "task:group can only be combined with `and`"),
    ("task:group exists", "task:group supports ==, !=, in and not_in"),
    ("(attribute:a == 1 or attribute:a == 2) and (attribute:b == 1 or attribute:b == 2) and "
     "(attribute:c == 1 or attribute:c == 2) and (attribute:d == 1 or attribute:d == 2) and "
     "(attribute:e == 1 or attribute:e == 2)", "more than 16 alternatives"),
])
def test_expressions_without_a_kubernetes_equivalent_are_refused(expression, message) -> None:
    with pytest.raises(TranslationError, match=message) as raised:
        member_of(expression, "placementConstraints[2].expression")
    assert str(raised.value).startswith("placementConstraints[2].expression: ")


def test_negation_is_pushed_into_each_comparison() -> None:
    terms = disjunctive_form(parse("!(attribute:a == 1 && attribute:b in [2, 3])"))
    assert [[(c.subject, c.operator, c.values) for c in term] for term in terms] == [
        [("attribute:a", "!=", ("1",))], [("attribute:b", "!in", ("2", "3"))]]


def test_regex_with_its_own_parentheses_stays_one_pattern() -> None:
    node_terms, _, _ = member_of("(attribute:ecs.instance-type =~ (c5.large|c5.xlarge))",
                                 "placementConstraints[0]")
    assert node_terms == [[_in(TYPE, "c5.large", "c5.xlarge")]]


def test_spread_by_zone_then_host_is_soft_topology_spread_per_revision() -> None:
    result = placement({"placementStrategy": [
        {"type": "spread", "field": "attribute:ecs.availability-zone"},
        {"type": "spread", "field": "instanceId"}]}, selector=SELECTOR)
    assert result.pod_fields() == {"topologySpreadConstraints": [
        {"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "ScheduleAnyway",
         "labelSelector": {"matchLabels": SELECTOR}, "matchLabelKeys": ["pod-template-hash"]}
        for key in (ZONE, HOST)]}


def test_binpack_prefers_nodes_already_running_the_service_and_random_adds_nothing() -> None:
    result = placement({"placementStrategy": [{"type": "random"},
                                              {"type": "binpack", "field": "memory"}]},
                       selector=SELECTOR)
    assert result.pod_fields() == {"affinity": {"podAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 80, "podAffinityTerm": {
            "labelSelector": {"matchLabels": SELECTOR}, "topologyKey": HOST}}]}}}


def test_distinct_instance_and_member_of_combine() -> None:
    result = placement({"placementConstraints": [
        {"type": "distinctInstance"},
        {"type": "memberOf", "expression": "attribute:ecs.availability-zone == local-1a"}]},
        selector=SELECTOR)
    assert result.pod_fields()["affinity"] == {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [_in(ZONE, "local-1a")]}]}},
        "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": SELECTOR}, "topologyKey": HOST}]}}


def test_two_member_of_constraints_must_both_hold() -> None:
    result = placement({"placementConstraints": [
        {"type": "memberOf", "expression": "attribute:a == 1 or attribute:a == 2"},
        {"type": "memberOf", "expression": "attribute:b == x"}]}, selector=SELECTOR)
    assert result.node_terms == [[_in("a", "1"), _in("b", "x")], [_in("a", "2"), _in("b", "x")]]


@pytest.mark.parametrize("spec,terms,tolerated,unsupported", [
    ({"capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}]}, [], [], []),
    ({"capacityProviderStrategy": [{"capacityProvider": "spot-fleet", "weight": 1}]},
     [[_in("ecs.operator.dev/capacity-provider", "spot-fleet")]], ["spot-fleet"], []),
    ({"capacityProviderStrategy": [{"capacityProvider": "gpu", "base": 2, "weight": 1},
                                   {"capacityProvider": "FARGATE", "weight": 3}]},
     [[_in("ecs.operator.dev/capacity-provider", "gpu")],
      [{"key": "ecs.operator.dev/capacity-provider", "operator": "DoesNotExist"}]], ["gpu"],
     ["capacityProviderStrategy.base", "capacityProviderStrategy.weight"]),
    ({"cluster": "default"}, [], [], []),
], ids=["fargate-is-any-node", "own-provider", "mixed-with-base-and-weight", "default-cluster"])
def test_capacity_providers_select_labelled_nodes(spec, terms, tolerated, unsupported) -> None:
    result = placement(spec, selector=SELECTOR)
    assert result.node_terms == terms
    assert [t["value"] for t in result.tolerations] == tolerated
    assert result.unsupported == unsupported


def test_a_named_cluster_is_a_node_label_and_its_taint_is_tolerated() -> None:
    result = placement({"cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/prod",
                        "placementConstraints": [
                            {"type": "memberOf", "expression": "attribute:stack == web"}]},
                       selector=SELECTOR)
    assert result.node_terms == [[_in("ecs.operator.dev/cluster", "prod"), _in("stack", "web")]]
    assert result.tolerations == [{"key": "ecs.operator.dev/cluster", "operator": "Equal",
                                   "value": "prod", "effect": "NoSchedule"}]


@pytest.mark.parametrize("spec,message", [
    ({"placementStrategy": [{"type": "spread"}]}, r"placementStrategy\[0\].field: spread needs"),
    ({"placementStrategy": [{"type": "binpack", "field": "disk"}]}, "binpack packs on cpu"),
    ({"placementStrategy": [{"type": "spread", "field": "attribute:ecs.ami-id"}]},
     r"placementStrategy\[0\].field: attribute:ecs.ami-id has no Kubernetes node label"),
    ({"placementConstraints": [{"type": "memberOf"}]}, "memberOf needs an expression"),
    ({"placementConstraints": [{"type": "sameZone"}]}, "is not distinctInstance or memberOf"),
])
def test_invalid_placement_names_the_field(spec, message) -> None:
    with pytest.raises(TranslationError, match=message):
        placement(spec, selector=SELECTOR)


def test_run_task_placement_applies_to_the_task_pod_by_its_group() -> None:
    from ecs_operator.translate.pod import PodTranslation
    from ecs_operator.translate.task import task_pod, unsupported_task_fields

    spec = {"taskDefinition": "batch", "placementConstraints": [{"type": "distinctInstance"}],
            "capacityProviderStrategy": [{"capacityProvider": "spot", "base": 1}]}
    pod = task_pod(name="t1", namespace="jobs", uid="u", family="batch", revision=1,
                   pod=PodTranslation(spec={"containers": []}, annotations={}, unsupported=()),
                   spec=spec)
    assert pod["metadata"]["labels"]["ecs.operator.dev/group"] == "family.batch"
    assert pod["spec"]["affinity"]["podAntiAffinity"] == {
        "requiredDuringSchedulingIgnoredDuringExecution": [{
            "labelSelector": {"matchLabels": {"ecs.operator.dev/group": "family.batch"}},
            "topologyKey": HOST}]}
    assert pod["spec"]["tolerations"][0]["value"] == "spot"
    assert unsupported_task_fields(spec) == ["capacityProviderStrategy.base"]


@pytest.mark.parametrize("service_constraints,terms", [
    ([], [[_in(ZONE, "local-1a", "local-1b")]]),
    ([{"type": "memberOf", "expression": "attribute:ecs.instance-type == m5.xlarge"}],
     [[_in(ZONE, "local-1a", "local-1b"), _in(TYPE, "m5.xlarge")]]),
])
def test_task_definition_constraints_hold_together_with_the_services(service_constraints,
                                                                      terms) -> None:
    task_definition = [{"type": "memberOf",
                        "expression": "attribute:ecs.availability-zone in [local-1a, local-1b]"}]
    result = placement({"placementConstraints": service_constraints}, selector=SELECTOR,
                       task_definition_constraints=task_definition)
    assert result.node_terms == terms


def test_task_definition_constraint_errors_name_the_task_definition() -> None:
    with pytest.raises(TranslationError, match=r"^taskDefinition\.placementConstraints\[0\]"):
        placement({}, selector=SELECTOR,
                  task_definition_constraints=[{"type": "memberOf", "expression": ""}])
