"""Kopf handlers. Importing this package registers them."""

from . import scheduled_tasks, services, task_definitions, tasks  # noqa: F401
