"""ScheduledTask -> CronJob and the Task that shows each run."""

from __future__ import annotations

from ecs_operator.translate.pod import PodTranslation
from ecs_operator.translate.scheduled_task import cron_job, run_task

POD = PodTranslation(spec={"containers": [{"name": "app", "image": "a"}]},
                     annotations={"ecs.operator.dev/non-essential-containers": "log"},
                     unsupported=())


def test_cron_job_runs_task_count_pods_once_each() -> None:
    job = cron_job(name="nightly", namespace="ns", uid="u", spec={"taskCount": 3},
                   schedule="0 12 * * *", family="batch", revision=4, pod=POD)
    spec = job["spec"]
    assert (spec["schedule"], spec["suspend"], spec["concurrencyPolicy"]) == (
        "0 12 * * *", False, "Allow")
    run = spec["jobTemplate"]["spec"]
    assert (run["parallelism"], run["completions"], run["backoffLimit"]) == (3, 3, 0)
    template = run["template"]
    assert template["spec"]["restartPolicy"] == "Never"
    assert template["metadata"]["labels"]["ecs.operator.dev/scheduled-task"] == "nightly"
    assert template["metadata"]["annotations"]["ecs.operator.dev/task-definition"] == "batch:4"
    assert job["metadata"]["ownerReferences"][0]["kind"] == "ScheduledTask"


def test_disabled_schedule_is_suspended() -> None:
    job = cron_job(name="n", namespace="ns", uid="u", spec={"enabled": False},
                   schedule="* * * * *", family="b", revision=1, pod=POD)
    assert job["spec"]["suspend"] is True


def test_each_run_is_a_task_started_by_the_rule() -> None:
    scheduled = {"metadata": {"name": "nightly", "namespace": "ns", "uid": "u"},
                 "spec": {"overrides": {"containerOverrides": [{"name": "app",
                                                                "command": ["x"]}]}}}
    task = run_task(pod_name="nightly-29000000-abcde", scheduled_task=scheduled,
                    task_definition="batch:4")
    assert task["metadata"]["name"] == "nightly-29000000-abcde"
    assert task["spec"] == {"taskDefinition": "batch:4", "startedBy": "events-rule/nightly",
                            "group": "scheduled:nightly",
                            "overrides": scheduled["spec"]["overrides"]}
