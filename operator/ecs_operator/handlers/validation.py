"""Turning pydantic's validation errors into one message that names the field.

The function lives in ``translate.errors`` so that ``kubectl ecs import`` words a refusal
exactly as the operator's status condition does.
"""

from __future__ import annotations

from ..translate.errors import describe_validation_error

__all__ = ["describe_validation_error"]
