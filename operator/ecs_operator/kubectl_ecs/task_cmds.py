"""list-tasks, describe-tasks, run-task, stop-task."""

from __future__ import annotations

import json

import click

from ..translate.errors import TranslationError
from ..translate.names import API_VERSION, family_slug, parse_reference
from ..translate import ecs_shapes as shapes
from . import tables
from .app import Session, api_errors, cli, common_options, emit, fail
from ..k8s.ecs_resources import create_task, get_task, list_service_pods, list_tasks, \
    stop_service_pod, stop_task
from .service_cmds import split_names
from .waiting import WaitFailed, describe, wait_for_tasks

DESIRED_STATUSES = ("RUNNING", "PENDING", "STOPPED")


@cli.command("list-tasks")
@click.option("--service-name", default=None, help="Only the tasks of this service.")
@click.option("--family", default=None, help="Only tasks of this task definition family.")
@click.option("--started-by", default=None, help="Only tasks started with this startedBy.")
@click.option("--desired-status", type=click.Choice(DESIRED_STATUSES), default="RUNNING",
              show_default=True, help="Tasks whose desiredStatus is this.")
@common_options
@api_errors
def list_tasks_command(session: Session, service_name: str | None, family: str | None,
                       started_by: str | None, desired_status: str) -> None:
    """List task ARNs: RunTask tasks and the services' tasks, as ListTasks."""
    namespace = session.namespace
    tasks = list_tasks(namespace) if service_name is None else []
    pods = list_service_pods(namespace, service_name)
    arns = shapes.listed_task_arns(tasks, pods, family, started_by, desired_status)
    emit(session, {"taskArns": arns}, tables.task_arns)


@cli.command("describe-tasks")
@click.option("--tasks", "names", multiple=True, required=True,
              help="Task ids or ARNs (<namespace>/<id>); more may follow, as in aws-cli.")
@click.argument("more", nargs=-1)
@common_options
@api_errors
def describe_tasks(session: Session, names: tuple[str, ...], more: tuple[str, ...]) -> None:
    """Describe tasks: lifecycle, health, containers and stop codes, as DescribeTasks."""
    found, failures = [], []
    for reference in split_names(names + more):
        task = get_task(session.namespace, reference)
        if task is None:
            failures.append(shapes.missing(reference))
        else:
            found.append(describe(task))
    emit(session, {"tasks": found, "failures": failures}, tables.tasks)


@cli.command("run-task")
@click.option("--task-definition", required=True,
              help="family (latest revision), family:revision or a task definition ARN.")
@click.option("--count", type=click.IntRange(1, 10), default=1, show_default=True,
              help="Number of tasks to start.")
@click.option("--started-by", default=None, help="Recorded as the tasks' startedBy.")
@click.option("--group", default=None, help="The tasks' group.")
@click.option("--overrides", default=None,
              help='JSON, e.g. \'{"containerOverrides":[{"name":"app","command":["x"]}]}\'.')
@click.option("--wait", is_flag=True, help="Wait until the tasks are RUNNING (or STOPPED).")
@click.option("--timeout", type=click.IntRange(min=1), default=300, show_default=True)
@common_options
@api_errors
def run_task(session: Session, task_definition: str, count: int, started_by: str | None,
             group: str | None, overrides: str | None, wait: bool, timeout: int) -> None:
    """Start tasks from a task definition, as RunTask (one Task resource per task)."""
    try:
        family, revision = parse_reference(task_definition)
        prefix = family_slug(family)
    except TranslationError as error:
        fail(str(error))
    spec: dict = {"taskDefinition": family if revision is None else f"{family}:{revision}"}
    if started_by:
        spec["startedBy"] = started_by
    if group:
        spec["group"] = group
    if overrides:
        try:
            spec["overrides"] = json.loads(overrides)
        except ValueError as error:
            fail(f"--overrides is not JSON: {error}")
    namespace = session.namespace
    created = [create_task(namespace, {
        "apiVersion": API_VERSION, "kind": "Task",
        "metadata": {"generateName": f"{prefix[:50]}-"}, "spec": spec}) for _ in range(count)]
    tasks = [shapes.task_from_resource(t) for t in created]
    if wait:
        try:
            tasks = wait_for_tasks(namespace, [t["metadata"]["name"] for t in created],
                                   ("RUNNING",), timeout)
        except WaitFailed as error:
            fail(str(error), code=2)
    emit(session, {"tasks": tasks, "failures": []}, tables.tasks)


@cli.command("stop-task")
@click.option("--task", "reference", required=True, help="Task id or ARN.")
@click.option("--reason", default="Task stopped by user", show_default=True,
              help="Recorded as stoppedReason.")
@click.option("--wait", is_flag=True, help="Wait until the task is STOPPED.")
@click.option("--timeout", type=click.IntRange(min=1), default=300, show_default=True)
@common_options
@api_errors
def stop_task_command(session: Session, reference: str, reason: str, wait: bool,
                      timeout: int) -> None:
    """Stop a task, as StopTask: UserInitiated; a service starts a replacement."""
    namespace = session.namespace
    found = get_task(namespace, reference)
    if found is None:
        fail(f"task {reference} not found in namespace {namespace} (InvalidParameterException)")
    kind, obj = found
    where, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
    if kind == "task":
        obj = stop_task(where, name, reason)
        task = shapes.task_from_resource(obj)
    else:
        stop_service_pod(where, name)
        task = {**shapes.task_from_pod(obj), "desiredStatus": "STOPPED", "stoppedReason": reason}
    if wait:
        try:
            task = wait_for_tasks(where, [name], ("STOPPED",), timeout)[0]
        except WaitFailed as error:
            fail(str(error), code=2)
    emit(session, {"task": task}, lambda response: tables.tasks({"tasks": [response["task"]]}))
