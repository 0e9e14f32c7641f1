"""Schemas shared by Service and Task: placement constraints and strategies, capacity."""

from __future__ import annotations

from .schema import Schema, array, integer, obj, string

MEMBER_OF_RULE = (
    "self.type != 'memberOf' || (has(self.expression) && size(self.expression) > 0)",
    "placementConstraints[].expression: memberOf needs an expression, e.g. "
    "attribute:ecs.availability-zone in [us-east-1a]", ".expression")
DISTINCT_INSTANCE_RULE = (
    "self.type != 'distinctInstance' || !has(self.expression)",
    "placementConstraints[].expression: distinctInstance takes no expression; remove it",
    ".expression")
BINPACK_RULE = (
    "self.type != 'binpack' || (has(self.field) && self.field in "
    "['cpu', 'memory', 'CPU', 'MEMORY'])",
    "placementStrategy[].field: binpack needs field cpu or memory", ".field")
SPREAD_RULE = (
    "self.type != 'spread' || (has(self.field) && size(self.field) > 0)",
    "placementStrategy[].field: spread needs a field, e.g. attribute:ecs.availability-zone",
    ".field")

PLACEMENT_CONSTRAINTS: Schema = array(
    "Rules every task must satisfy (at most 10): distinctInstance (no two tasks of the service "
    "on one node: required pod anti-affinity) or memberOf with a cluster query language "
    "expression (node affinity; task:group -> pod affinity).",
    obj("A placement constraint.", {
        "type": string("distinctInstance or memberOf.", enum=["distinctInstance", "memberOf"]),
        "expression": string("Cluster query language, e.g. attribute:ecs.availability-zone in "
                             "[us-east-1a, us-east-1b]. Only with memberOf.",
                             max_length=2000),
    }, required=["type"], rules=[MEMBER_OF_RULE, DISTINCT_INSTANCE_RULE]), max_items=10)

PLACEMENT_STRATEGY: Schema = array(
    "How tasks are spread or packed, in order of priority (at most 5): spread on a field "
    "(instanceId/host or attribute:<name>: topology spread), binpack on cpu or memory "
    "(preferred co-location), random (the scheduler's choice).",
    obj("A placement strategy.", {
        "type": string("random, spread or binpack.", enum=["random", "spread", "binpack"]),
        "field": string("spread: instanceId, host or attribute:<name>; binpack: cpu or memory.",
                        max_length=255),
    }, required=["type"], rules=[BINPACK_RULE, SPREAD_RULE]), max_items=5)

CAPACITY_PROVIDER_STRATEGY: Schema = array(
    "Capacity providers the tasks may run on: nodes labelled ecs.operator.dev/capacity-provider"
    "=<name> (tainted nodes are tolerated). FARGATE and FARGATE_SPOT stand for nodes without "
    "that label. weight and base are not enforced.",
    obj("A capacity provider strategy item.", {
        "capacityProvider": string("Capacity provider name.", max_length=255),
        "weight": integer("Relative share (not enforced).", minimum=0, maximum=1000),
        "base": integer("Tasks placed first on this provider (not enforced).", minimum=0,
                        maximum=100000),
    }, required=["capacityProvider"]), max_items=20)
