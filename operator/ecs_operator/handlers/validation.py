"""Turning pydantic's validation errors into one message that names the field."""

from __future__ import annotations

from pydantic import ValidationError


def _path(location: tuple) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe_validation_error(error: ValidationError) -> str:
    return "; ".join(f"{_path(e['loc'])}: {e['msg']}" for e in error.errors())
