"""The bench scripts' own arithmetic: the figures, PASS and MISS a user reads off their tables.

The scripts need a cluster to run; what they compute from what they measured does not, and a
mistake there (a load lighter than asked for, a phase that changed nothing) has misled a round
of figures before.
"""

import math
import pathlib
import sys
import threading

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))

import common  # noqa: E402
import latency  # noqa: E402


@pytest.mark.parametrize(("values", "p", "expected"), [
    (list(range(1, 201)), 99, 198),      # nearest rank: the 198th of 200
    (list(range(1, 201)), 50, 100),
    ([0.3, 0.1, 0.2], 100, 0.3),
    ([0.3, 0.1, 0.2], 0, 0.1),
    ([5.0], 99, 5.0),
])
def test_percentile_is_the_nearest_rank(values: list[float], p: float, expected: float) -> None:
    assert common.percentile(values, p) == expected


def test_percentile_of_nothing_is_not_a_number() -> None:
    assert math.isnan(common.percentile([], 99))


def test_table_fails_only_on_a_missed_target(capsys: pytest.CaptureFixture) -> None:
    table = common.Table("scale")
    table.add("ratio ECS / plain", 2.015, target="<= 1.5", ok=False)
    table.add("operator RSS", 176.5, "MiB", "<= 200 MiB", ok=True)
    table.add("operator CPU while converging", 42.9, "CPU s")
    assert table.print() is False
    printed = capsys.readouterr().out
    assert "2.015" in printed and "MISS" in printed and "176.5 MiB" in printed
    assert "PASS" in printed

    informative = common.Table("figures without targets")
    informative.add("changes made", 996)
    assert informative.print() is True


def test_numbers_print_with_precision_for_their_size() -> None:
    assert common._number(1000) == "1000"
    assert common._number(3.0) == "3"
    assert common._number(0.14936) == "0.149"
    assert common._number(261.74) == "261.7"
    assert common._number("GET 0.02 / PATCH 5.98") == "GET 0.02 / PATCH 5.98"


def test_changed_counts_objects_created_changed_and_deleted_by_kind() -> None:
    before = {("events", "a"): "1", ("deployments", "web"): "7", ("deployments", "db"): "3"}
    after = {("events", "a"): "1", ("deployments", "web"): "8", ("events", "b"): "9"}
    assert common.changed(before, after) == {"deployments": 2, "events": 1}
    assert not common.changed(before, dict(before))


def test_operator_work_is_the_difference_between_two_scrapes() -> None:
    reconciles = "controller_runtime_reconcile_time_seconds"
    spec, status = frozenset({("controller", "ecsservice")}), \
        frozenset({("controller", "ecsservice-status")})
    before = {("ecs_operator_api_requests_total", frozenset({("verb", "PATCH")})): 10.0,
              (f"{reconciles}_sum", spec): 1.5, (f"{reconciles}_count", spec): 5.0}
    after = {("ecs_operator_api_requests_total", frozenset({("verb", "PATCH")})): 40.0,
             ("ecs_operator_api_requests_total", frozenset({("verb", "GET")})): 2.0,
             (f"{reconciles}_sum", spec): 4.5, (f"{reconciles}_count", spec): 15.0,
             (f"{reconciles}_count", status): 8.0,
             ("process_resident_memory_bytes", frozenset()): 1e8}
    assert common.operator_work(before, after) == {
        ("requests", "PATCH"): 30.0, ("requests", "GET"): 2.0,
        ("sum", "ecsservice"): 3.0, ("count", "ecsservice"): 10.0,
        ("count", "ecsservice-status"): 8.0}


@pytest.mark.parametrize(("service", "expected"), [
    ({"spec": {"desiredCount": 3}, "status": {"desiredCount": 3, "runningCount": 3}}, True),
    ({"spec": {"desiredCount": 3}, "status": {"desiredCount": 3, "runningCount": 2}}, False),
    # a status still describing the count before a change is not converged on the new one
    ({"spec": {"desiredCount": 2}, "status": {"desiredCount": 1, "runningCount": 1}}, False),
    ({"spec": {}, "status": {"desiredCount": 1, "runningCount": 1}}, True),
    ({"spec": {"desiredCount": 1}}, False),
])
def test_a_service_has_converged_when_its_status_runs_what_its_spec_asks(
        service: dict, expected: bool) -> None:
    assert common.converged(service) is expected


def test_flips_alternate_each_service_between_its_count_and_one_more() -> None:
    flips = latency.Flips(["a", "b"], tasks=1)
    made = []
    for _ in range(4):
        name, desired = flips.next()
        flips.made(name, desired)
        made.append((name, desired))
    assert made == [("a", 2), ("b", 2), ("a", 1), ("b", 1)]


def _run_load(change_seconds: float, rate: float, changes: int,
              flips: latency.Flips | None = None,
              made: list[tuple[str, int]] | None = None) -> latency.Load:
    """A load whose every change takes `change_seconds`; its last change stops it."""
    made = [] if made is None else made

    def change(name: str, desired: int) -> None:
        made.append((name, desired))
        if len(made) == changes:
            load.stopping.set()
        else:
            threading.Event().wait(change_seconds)

    load = latency.Load(change, flips or latency.Flips([f"bg-{i}" for i in range(10)], 1),
                        rate)
    load.start()
    load.join(30)
    assert not load.is_alive()
    assert load.changes == len(made) == changes
    return load


def test_a_load_that_keeps_up_reports_the_rate_asked_for_and_nothing_late() -> None:
    made: list[tuple[str, int]] = []
    load = _run_load(change_seconds=0.0, rate=20, changes=10, made=made)
    assert made == [(f"bg-{i}", 2) for i in range(10)]
    assert load.late == 0
    # Ten changes 0.05 s apart span 0.45 s: 22.2 a second if each were not given its slot.
    assert load.achieved_rate() == pytest.approx(20, rel=0.08)


def test_changes_the_api_server_is_slow_to_take_are_counted_late_and_lower_the_rate() -> None:
    """A change falls due every 1/rate s whatever the last one took: a slow server is not
    given a lighter load, it is reported as not keeping up."""
    load = _run_load(change_seconds=0.6, rate=20, changes=4)
    # The fourth falls due at 0.15 s and is made after three changes of 0.6 s: late.
    assert load.late >= 1
    assert load.achieved_rate() < 10


def test_a_later_phase_goes_on_where_the_last_stopped() -> None:
    """Starting over would first set Services back to the count they already have: changes
    that change nothing, counted as load."""
    flips = latency.Flips(["a", "b", "c"], tasks=1)
    first: list[tuple[str, int]] = []
    second: list[tuple[str, int]] = []
    _run_load(0.0, rate=50, changes=2, flips=flips, made=first)
    _run_load(0.0, rate=50, changes=3, flips=flips, made=second)
    assert first == [("a", 2), ("b", 2)]
    assert second == [("c", 2), ("a", 1), ("b", 1)]


# --- bench/rollout.py: traffic on the wrong revision, per strategy ---------------------

import rollout  # noqa: E402

SUCCEEDED_ON_2 = {"status": "SUCCESSFUL", "targetServiceRevision": {"arn": "web:2"}}
IN_PROGRESS_TO_2 = {"status": "IN_PROGRESS", "targetServiceRevision": {"arn": "web:2"}}
SUCCEEDED_ON_1 = {"status": "SUCCESSFUL", "targetServiceRevision": {"arn": "web:1"}}


@pytest.mark.parametrize(("strategy", "sample", "record", "wrong"), [
    pytest.param("BLUE_GREEN", rollout.ServiceSample(["1", "1", "1"], [], "1"), SUCCEEDED_ON_1,
                 0, id="blue-before-the-deployment"),
    pytest.param("BLUE_GREEN", rollout.ServiceSample(["1", "1", "2"], [], "1"),
                 IN_PROGRESS_TO_2, 1, id="green-in-production-before-the-switch"),
    pytest.param("BLUE_GREEN", rollout.ServiceSample(["1", "1", "1"], ["2", "2", "2"], "1"),
                 IN_PROGRESS_TO_2, 0, id="green-on-the-test-service-only"),
    pytest.param("BLUE_GREEN", rollout.ServiceSample(["1", "1"], ["1"], "1"),
                 IN_PROGRESS_TO_2, 1, id="blue-on-the-test-service"),
    pytest.param("BLUE_GREEN", rollout.ServiceSample(["1", "1", "1"], ["2"], "2"),
                 IN_PROGRESS_TO_2, 0, id="selector-switched-endpoints-behind"),
    pytest.param("BLUE_GREEN", rollout.ServiceSample(["2", "2", "1"], [], "2"), SUCCEEDED_ON_2,
                 1, id="blue-after-success"),
    pytest.param("CANARY", rollout.ServiceSample(["1", "1", "2"], ["2"], None),
                 IN_PROGRESS_TO_2, 0, id="canary-serves-both-once-shifted"),
    pytest.param("CANARY", rollout.ServiceSample(["1", "1", "2"], ["2"], "1"),
                 IN_PROGRESS_TO_2, 1, id="canary-green-before-its-shift"),
    pytest.param("LINEAR", rollout.ServiceSample(["2", "1"], [], None), SUCCEEDED_ON_2, 1,
                 id="linear-blue-after-success"),
    pytest.param("ROLLING", rollout.ServiceSample(["1", "2", "2"], [], None), IN_PROGRESS_TO_2,
                 0, id="rolling-mixes-by-design"),
])
def test_wrong_revision_endpoints(strategy, sample, record, wrong) -> None:
    assert rollout.wrong_revision_endpoints(strategy, sample, record) == wrong


def test_figures_keep_the_lowest_share_and_count_empty_and_wrong_samples() -> None:
    figures = rollout.Figures(desired=3)
    figures.add("BLUE_GREEN", "a", rollout.ServiceSample(["1", "1", "1"], [], "1"), None)
    figures.add("BLUE_GREEN", "b", rollout.ServiceSample(["1", "2"], [], "1"), IN_PROGRESS_TO_2)
    figures.add("BLUE_GREEN", "c", rollout.ServiceSample([], [], "2"), IN_PROGRESS_TO_2)
    assert figures.lowest_share == 0
    assert figures.empty_samples == 1
    assert (figures.wrong_samples, figures.wrong_services) == (1, {"b"})


@pytest.mark.parametrize(("strategy", "expected"), [
    ("ROLLING", {"minimumHealthyPercent": 100, "maximumPercent": 200}),
    ("BLUE_GREEN", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1}),
    ("CANARY", {"strategy": "CANARY", "bakeTimeInMinutes": 1, "canaryConfiguration": {
        "canaryPercent": 10, "canaryBakeTimeInMinutes": 1}}),
    ("LINEAR", {"strategy": "LINEAR", "bakeTimeInMinutes": 1, "linearConfiguration": {
        "stepPercent": 50, "stepBakeTimeInMinutes": 1}}),
])
def test_each_strategy_asks_for_ecs_fields(strategy, expected) -> None:
    assert rollout.deployment_configuration(strategy, 100, 200) == expected
