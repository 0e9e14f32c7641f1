"""`kubectl-ecs`: ECS's command line, answered by ecs-operator's resources.

Installed with the package as the `kubectl-ecs` console script, so with it on PATH
`kubectl ecs <command>` works as a kubectl plugin. Commands and options follow `aws ecs`:
`import`, `register-task-definition`, `describe-services`, `update-service`, `list-tasks`,
`describe-tasks`, `run-task`, `stop-task`, `list-service-deployments`,
`describe-service-deployments`, `stop-service-deployment`, `continue-service-deployment`. Output is a table for people or, with
`--output json`, ECS's response shape. The namespace plays the part of ECS's cluster.
"""

from __future__ import annotations

from .app import cli


def main() -> None:
    from . import deployment_cmds, import_cmds, service_cmds, task_cmds  # noqa: F401  (register the commands)
    cli(prog_name="kubectl-ecs")
