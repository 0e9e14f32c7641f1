"""The PodDisruptionBudget: ECS's floor of healthy tasks, but never one that stops a node
drain for good (minimumHealthyPercent 100 lets one task move at a time)."""

from __future__ import annotations

import pytest

from ecs_operator.translate.disruption_budget import budget_floor, budget_limit, \
    pod_disruption_budget


@pytest.mark.parametrize("desired,low,high,autoscaled,expected", [
    (3, None, None, False, {"minAvailable": 2}),    # ECS default 100 %: one at a time
    (3, 100, 200, False, {"minAvailable": 2}),
    (1, 100, 200, False, {"minAvailable": 0}),     # a single task can be drained too
    (10, 100, 150, False, {"minAvailable": 9}),
    (5, 60, 200, False, {"minAvailable": 3}),      # a floor that spares tasks is ECS's own
    (4, 50, 200, False, {"minAvailable": 2}),
    (3, 90, 200, False, {"minAvailable": 2}),      # ceil(2.7) = 3 would block: 2
    (0, 100, 200, False, {"minAvailable": 0}),
    (3, 0, 100, False, {"minAvailable": 0}),
    (3, None, None, True, {"maxUnavailable": 1}),  # autoscaled at 100 %
    (3, 50, 200, True, {"minAvailable": "50%"}),
], ids=["default", "100", "one-task", "ten-tasks", "60-percent", "50-percent", "90-percent",
        "no-tasks", "zero-percent", "autoscaled-100", "autoscaled-50"])
def test_the_budget_keeps_ecs_floor_but_lets_a_drain_move(desired, low, high, autoscaled,
                                                          expected) -> None:
    assert budget_limit(desired, low, high, autoscaled=autoscaled) == expected


@pytest.mark.parametrize("spec,autoscaled,replicas,limit,floor", [
    ({"desiredCount": 3}, False, 3, {"minAvailable": 2}, 3),
    ({"desiredCount": 5, "deploymentConfiguration": {"minimumHealthyPercent": 60}}, False, 5,
     {"minAvailable": 3}, 3),
    ({"desiredCount": 1}, False, 1, {"minAvailable": 0}, 1),
    ({"desiredCount": 3}, True, 4, {"maxUnavailable": 1}, 4),
    ({"desiredCount": 3, "deploymentConfiguration": {"minimumHealthyPercent": 50}}, True, 5,
     {"minAvailable": "50%"}, 3),
], ids=["100-percent", "60-percent", "one-task", "autoscaled-100", "autoscaled-50"])
def test_the_budget_names_ecs_floor_which_the_service_earns_it_at(spec, autoscaled, replicas,
                                                                  limit, floor) -> None:
    """The budget may let one task more go than ECS's floor; the service earns it (it is
    created) only once its healthy tasks reach that floor, as before a drain mattered."""
    budget = pod_disruption_budget(name="web", namespace="shop", uid="u-1", spec=spec,
                                   autoscaled=autoscaled)
    assert budget["spec"] == {**limit,
                              "selector": {"matchLabels": {"ecs.operator.dev/service": "web"}},
                              "unhealthyPodEvictionPolicy": "AlwaysAllow"}
    assert budget["metadata"]["ownerReferences"][0]["uid"] == "u-1"
    assert budget_floor(budget, replicas) == floor


@pytest.mark.parametrize("limit,replicas,floor", [
    ({"minAvailable": 2}, 3, 2), ({"minAvailable": "50%"}, 5, 3), ({"maxUnavailable": 1}, 4, 3),
], ids=["count", "percent-rounded-up", "max-unavailable"])
def test_a_budget_without_the_annotation_keeps_its_own_floor(limit, replicas, floor) -> None:
    assert budget_floor({"metadata": {}, "spec": limit}, replicas) == floor
