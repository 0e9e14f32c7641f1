"""ECS placement (strategies, constraints, capacity) -> pod scheduling fields.

ECS places a task on a container instance; Kubernetes schedules a pod on a node. Instance
attributes become node labels, memberOf expressions become node affinity, distinctInstance and
task groups become pod (anti-)affinity, strategies become topology spread and preferred
co-location. Anything without a faithful equivalent is an error that names the part.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .errors import TranslationError
from .names import GROUP
from .query_language import Comparison, QueryError, disjunctive_form, parse

LABEL_GROUP = f"{GROUP}/group"
LABEL_CAPACITY_PROVIDER = f"{GROUP}/capacity-provider"
LABEL_CLUSTER = f"{GROUP}/cluster"
HOSTNAME = "kubernetes.io/hostname"
POD_TEMPLATE_HASH = "pod-template-hash"
# ECS's built-in attributes and the well-known node labels that carry the same fact.
ATTRIBUTE_LABELS = {
    "ecs.availability-zone": "topology.kubernetes.io/zone",
    "ecs.instance-type": "node.kubernetes.io/instance-type",
    "ecs.os-type": "kubernetes.io/os",
    "ecs.cpu-architecture": "kubernetes.io/arch",
}
ARCHITECTURES = {"x86_64": "amd64", "arm64": "arm64"}
FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")
DEFAULT_CLUSTER = "default"
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
# A bare "." is read as the literal dot of names like t2.micro; the rest make a real pattern.
_REGEX_SPECIALS = set("^$*+?{}[]()|\\")


@dataclass(frozen=True)
class Placement:
    """The scheduling fields of the pod template, and what could not be honoured."""
    node_terms: list[list[dict]] = field(default_factory=list)
    pod_affinity: list[dict] = field(default_factory=list)
    pod_anti_affinity: list[dict] = field(default_factory=list)
    preferred_pod_affinity: list[dict] = field(default_factory=list)
    topology_spread: list[dict] = field(default_factory=list)
    tolerations: list[dict] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    def pod_fields(self) -> dict:
        fields: dict = {}
        affinity: dict = {}
        if self.node_terms:
            affinity["nodeAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": term} for term in self.node_terms]}}
        if self.pod_affinity or self.preferred_pod_affinity:
            affinity["podAffinity"] = {}
            if self.pod_affinity:
                affinity["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = \
                    self.pod_affinity
            if self.preferred_pod_affinity:
                affinity["podAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] = \
                    self.preferred_pod_affinity
        if self.pod_anti_affinity:
            affinity["podAntiAffinity"] = {
                "requiredDuringSchedulingIgnoredDuringExecution": self.pod_anti_affinity}
        if affinity:
            fields["affinity"] = affinity
        if self.topology_spread:
            fields["topologySpreadConstraints"] = self.topology_spread
        if self.tolerations:
            fields["tolerations"] = self.tolerations
        return fields


def group_label_value(group: str) -> str:
    """ECS groups look like `service:web` or `family:batch`; label values cannot hold `:`."""
    value = group.replace(":", ".")
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        raise TranslationError(f"group {group!r} cannot be used as a label value (at most 63 "
                               "letters, digits, '-', '_', '.' and ':')")
    return value


def node_label(subject: str) -> str:
    """The node label an ECS subject reads; raises when Kubernetes nodes have no such fact."""
    if subject == "ec2InstanceId":
        return HOSTNAME
    if subject.startswith("attribute:"):
        attribute = subject.removeprefix("attribute:")
        if attribute in ATTRIBUTE_LABELS:
            return ATTRIBUTE_LABELS[attribute]
        if attribute.startswith("ecs."):
            raise TranslationError(
                f"{subject} has no Kubernetes node label equivalent (known: "
                + ", ".join(f"attribute:{a}" for a in ATTRIBUTE_LABELS) + ")")
        if _is_label_key(attribute):
            return attribute  # a custom attribute is a node label of the same name
        raise TranslationError(f"{subject}: {attribute!r} is not a valid node label key")
    raise TranslationError(f"{subject} has no Kubernetes equivalent: the scheduler only sees "
                           "node labels (use attribute:<name> or ec2InstanceId)")


def _is_label_key(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    return bool(_LABEL_NAME.match(name)) and (not prefix or bool(_DNS_SUBDOMAIN.match(prefix)))


def _label_values(comparison: Comparison, label: str) -> list[str]:
    values = []
    for value in comparison.values:
        if label == ATTRIBUTE_LABELS["ecs.cpu-architecture"]:
            value = ARCHITECTURES.get(value, value)
        if len(value) > 63 or not _LABEL_VALUE.match(value):
            raise TranslationError(f"{value!r} is not a valid node label value")
        values.append(value)
    return values


def _literal_alternatives(pattern: str) -> list[str] | None:
    """`m5.large|m5.xlarge` style patterns (anchored or in one group) are lists of values.

    A "." is taken literally: `t2.micro` is meant as a name, and a dot followed by a
    quantifier (`t2.*`) is refused anyway because of the quantifier.
    """
    body = pattern.removeprefix("^").removesuffix("$")
    if body.startswith("(") and body.endswith(")") and body.count("(") == 1:
        body = body[1:-1]
    choices = []
    for choice in body.split("|"):
        literal = re.sub(r"\\(.)", r"\1", choice)
        unescaped = re.sub(r"\\.", "", choice)
        if not choice or _REGEX_SPECIALS & set(unescaped):
            return None
        choices.append(literal)
    return choices


def _pattern_requirement(comparison: Comparison, label: str) -> dict:
    pattern = comparison.values[0]
    negated = comparison.operator == "!~"
    if pattern in (".*", ".+", "^.*$", "^.+$"):
        return {"key": label, "operator": "DoesNotExist" if negated else "Exists"}
    choices = _literal_alternatives(pattern)
    if choices is None:
        raise TranslationError(
            f"the pattern {pattern!r} cannot be expressed as node affinity, which matches "
            "label values exactly; list the values instead, e.g. "
            f"{comparison.subject} in [value1, value2]")
    values = _label_values(Comparison(comparison.subject, "in", tuple(choices),
                                      comparison.column, comparison.text), label)
    return {"key": label, "operator": "NotIn" if negated else "In", "values": values}


def _integer(comparison: Comparison) -> int:
    try:
        return int(comparison.values[0])
    except ValueError:
        raise TranslationError(f"{comparison.operator} compares integers on Kubernetes; "
                               f"{comparison.values[0]!r} is not one") from None


def node_requirement(comparison: Comparison) -> dict:
    """One comparison on an instance attribute as a node selector requirement."""
    label = node_label(comparison.subject)
    operator = comparison.operator
    if operator in ("=~", "!~"):
        return _pattern_requirement(comparison, label)
    if operator == "exists":
        return {"key": label, "operator": "Exists"}
    if operator == "!exists":
        return {"key": label, "operator": "DoesNotExist"}
    if operator in ("==", "in"):
        return {"key": label, "operator": "In", "values": _label_values(comparison, label)}
    if operator in ("!=", "!in"):
        return {"key": label, "operator": "NotIn", "values": _label_values(comparison, label)}
    # Kubernetes has only strict Gt and Lt, on integers.
    bound = _integer(comparison)
    gt_lt, value = {">": ("Gt", bound), ">=": ("Gt", bound - 1), "<": ("Lt", bound),
                    "<=": ("Lt", bound + 1)}[operator]
    return {"key": label, "operator": gt_lt, "values": [str(value)]}


def _group_term(comparison: Comparison) -> tuple[bool, dict]:
    """`task:group == x` -> (True, affinity term); `!=` / `not_in` -> (False, anti-affinity)."""
    operator = comparison.operator
    if operator not in ("==", "!=", "in", "!in"):
        raise TranslationError(f"task:group supports ==, !=, in and not_in, not {operator}")
    values = [group_label_value(v) for v in comparison.values]
    term = {"labelSelector": {"matchExpressions": [
        {"key": LABEL_GROUP, "operator": "In", "values": values}]}, "topologyKey": HOSTNAME}
    return operator in ("==", "in"), term


def member_of(expression: str, where: str) -> tuple[list[list[dict]], list[dict], list[dict]]:
    """A memberOf expression -> (node selector terms, pod affinity, pod anti-affinity)."""
    try:
        terms = disjunctive_form(parse(expression))
    except QueryError as error:
        raise TranslationError(f"{where}: {error}") from None
    except TranslationError as error:
        raise TranslationError(f"{where}: {expression!r}: {error}") from None
    node_terms: list[list[dict]] = []
    affinity: list[dict] = []
    anti_affinity: list[dict] = []
    for term in terms:
        node_term = []
        for comparison in term:
            try:
                if comparison.subject == "task:group":
                    if len(terms) > 1:
                        raise TranslationError(
                            "task:group can only be combined with `and`: pod affinity cannot "
                            "be one alternative among node conditions")
                    attract, pod_term = _group_term(comparison)
                    (affinity if attract else anti_affinity).append(pod_term)
                else:
                    node_term.append(node_requirement(comparison))
            except TranslationError as error:
                raise TranslationError(f"{where}: {comparison.text!r} (at column "
                                       f"{comparison.column} of {expression!r}): {error}") \
                    from None
        if node_term:
            node_terms.append(node_term)
    return node_terms, affinity, anti_affinity


def combine_terms(left: list[list[dict]], right: list[list[dict]]) -> list[list[dict]]:
    """AND of two OR-of-AND node conditions (an empty list means any node)."""
    if not left:
        return right
    if not right:
        return left
    return [a + b for a in left for b in right]


def _spread(field_: str, where: str, selector: dict) -> dict:
    if field_ in ("instanceId", "host"):
        key = HOSTNAME
    else:
        try:
            key = node_label(field_ if field_.startswith("attribute:") else f"attribute:{field_}")
        except TranslationError as error:
            raise TranslationError(f"{where}.field: {error}") from None
    # A strategy is a preference in ECS: tasks still run when the spread cannot be even.
    return {"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": selector},
            "matchLabelKeys": [POD_TEMPLATE_HASH]}


def _capacity(spec: dict) -> tuple[list[list[dict]], list[dict], list[str]]:
    strategy = spec.get("capacityProviderStrategy") or []
    providers = [item.get("capacityProvider", "") for item in strategy]
    unsupported = []
    if len(strategy) > 1 and len({item.get("weight", 0) for item in strategy}) > 1:
        unsupported.append("capacityProviderStrategy.weight")
    if any(item.get("base", 0) for item in strategy):
        unsupported.append("capacityProviderStrategy.base")
    custom = [p for p in providers if p not in FARGATE_PROVIDERS]
    terms: list[list[dict]] = []
    tolerations = []
    if custom:
        for index, provider in enumerate(providers):
            if provider in custom and (len(provider) > 63 or not _LABEL_VALUE.match(provider)):
                raise TranslationError(f"capacityProviderStrategy[{index}].capacityProvider: "
                                       f"{provider!r} cannot be a node label value")
        terms = [[{"key": LABEL_CAPACITY_PROVIDER, "operator": "In", "values": custom}]]
        if len(custom) < len(providers):
            # Fargate has no nodes of its own here: it stands for the cluster's plain nodes.
            terms.append([{"key": LABEL_CAPACITY_PROVIDER, "operator": "DoesNotExist"}])
        tolerations = [{"key": LABEL_CAPACITY_PROVIDER, "operator": "Equal", "value": p,
                        "effect": "NoSchedule"} for p in custom]
    cluster = spec.get("cluster")
    if cluster and cluster != DEFAULT_CLUSTER:
        name = cluster.rsplit("/", 1)[-1]  # a cluster ARN ends with the cluster's name
        if len(name) > 63 or not _LABEL_VALUE.match(name):
            raise TranslationError(f"cluster: {cluster!r} cannot be a node label value")
        terms = combine_terms(terms, [[{"key": LABEL_CLUSTER, "operator": "In",
                                        "values": [name]}]])
        tolerations.append({"key": LABEL_CLUSTER, "operator": "Equal", "value": name,
                            "effect": "NoSchedule"})
    return terms, tolerations, unsupported


def placement(spec: dict, *, selector: dict,
              task_definition_constraints: Sequence[dict] = ()) -> Placement:
    """Scheduling fields for the tasks of a Service (or a RunTask) spec.

    `selector` picks out the tasks that belong together: the ones distinctInstance keeps
    apart and placement strategies spread or pack. `task_definition_constraints`: the task
    definition's own (memberOf) constraints, which ECS applies together with the service's:
    a task must satisfy all of them.
    """
    node_terms, tolerations, unsupported = _capacity(spec)
    affinity: list[dict] = []
    anti_affinity: list[dict] = []
    constraints = [(f"taskDefinition.placementConstraints[{index}]", constraint)
                   for index, constraint in enumerate(task_definition_constraints)]
    constraints += [(f"placementConstraints[{index}]", constraint)
                    for index, constraint in enumerate(spec.get("placementConstraints") or [])]
    for where, constraint in constraints:
        kind = constraint.get("type")
        if kind == "distinctInstance":
            anti_affinity.append({"labelSelector": {"matchLabels": selector},
                                  "topologyKey": HOSTNAME})
        elif kind == "memberOf":
            if not constraint.get("expression"):
                raise TranslationError(f"{where}.expression: memberOf needs an expression")
            terms, attract, repel = member_of(constraint["expression"], f"{where}.expression")
            node_terms = combine_terms(node_terms, terms)
            affinity += attract
            anti_affinity += repel
        else:
            raise TranslationError(f"{where}.type: {kind!r} is not distinctInstance or memberOf")
    spread: list[dict] = []
    preferred: list[dict] = []
    strategies = spec.get("placementStrategy") or []
    for index, strategy in enumerate(strategies):
        where = f"placementStrategy[{index}]"
        kind = strategy.get("type")
        if kind == "spread":
            if not strategy.get("field"):
                raise TranslationError(f"{where}.field: spread needs a field, e.g. "
                                       "attribute:ecs.availability-zone or instanceId")
            spread.append(_spread(strategy["field"], where, selector))
        elif kind == "binpack":
            if str(strategy.get("field", "")).lower() not in ("cpu", "memory"):
                raise TranslationError(f"{where}.field: binpack packs on cpu or memory")
            # Earlier strategies weigh more, as ECS applies them in order.
            preferred.append({"weight": max(100 - 20 * index, 1), "podAffinityTerm": {
                "labelSelector": {"matchLabels": selector}, "topologyKey": HOSTNAME}})
        elif kind != "random":
            raise TranslationError(f"{where}.type: {kind!r} is not random, spread or binpack")
    return Placement(node_terms=node_terms, pod_affinity=affinity,
                     pod_anti_affinity=anti_affinity, preferred_pod_affinity=preferred,
                     topology_spread=spread, tolerations=tolerations,
                     unsupported=sorted(unsupported))
