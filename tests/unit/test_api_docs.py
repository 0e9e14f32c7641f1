"""docs/api.md lists exactly the operations the API serves, and none of them as not served."""

from __future__ import annotations

import pathlib
import re

from ecs_operator.api.dispatch import OPERATIONS

DOC = (pathlib.Path(__file__).resolve().parents[2] / "docs/api.md").read_text()


def _first_column(section: str) -> set[str]:
    body = DOC.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in body.splitlines():
        if line.startswith("| ") and not line.startswith("| operation"):
            names |= set(re.findall(r"\b[A-Z][A-Za-z]+\b", line.split("|")[1]))
    return names


def test_the_served_table_is_the_dispatch_table() -> None:
    assert _first_column("Operations") == set(OPERATIONS)


def test_nothing_served_is_listed_as_not_served() -> None:
    not_served = _first_column("Not served")
    assert len(not_served) == 61
    assert not not_served & set(OPERATIONS)
