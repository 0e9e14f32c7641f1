"""Kopf handlers. Importing this package registers them."""

from . import services, task_definitions, tasks  # noqa: F401
