"""Field names checked against ECS's own (botocore's model, ``models/ecs_shapes.py``). Pure.

The AWS CLI refuses a request with a member its model does not have, so ``alarmnames`` (for
``alarmNames``) or ``portMapping`` (for ``portMappings``) never reaches ECS through it. Tools
written in Go (ecspresso, Terraform's provider) match JSON names without regard to case,
though, so files written for them do reach ECS with ``Tags`` or ``alarmnames``. Hence:

- a name that differs from an ECS member only by case is read as that member, with a
  warning giving the right spelling (``respelled``);
- a name a small edit away from a member (``portMapping``) is a misspelling no tool
  accepts: the import fails and says the right spelling (``misspellings``);
- any other unknown name is left to ``prune`` (dropped and reported), since it carries no
  ECS meaning at all.

Known names at each level are the request shape's members, the describe output's (the
read-only fields), and the CRD's own additions (``spec.autoScaling``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from ..models.ecs_shapes import ROOTS, SHAPES

# Not ECS fields, but the CRD's: accepted where the CRD has them.
EXTENSIONS = {"Service": ("autoScaling",)}
SIMILARITY = 0.85


@dataclass(frozen=True)
class Misspelling:
    field: str
    name: str
    meant: str

    @property
    def message(self) -> str:
        return f"unknown field {self.name!r}: did you mean {self.meant}?"

    @property
    def fix(self) -> str:
        return f"rename {self.name} to {self.meant} (ECS field names are case-sensitive)"


def _known(kind: str) -> dict[str, str]:
    request, response = ROOTS[kind]
    known = {**SHAPES[response]["members"], **SHAPES[request]["members"]}
    known.update({name: "" for name in EXTENSIONS.get(kind, ())})
    return known


def misspellings(kind: str, ecs: dict) -> list[Misspelling]:
    return list(_in_structure(ecs, _known(kind), ""))


def respelled(kind: str, ecs: dict) -> tuple[dict, list[Misspelling]]:
    """`ecs` with names that differ from an ECS member only by case renamed, and which."""
    renamed: list[Misspelling] = []
    return _respell_structure(ecs, _known(kind), "", renamed), renamed


def _respell_structure(value: dict, members: dict[str, str], path: str,
                       renamed: list[Misspelling]) -> dict:
    result = {}
    for key, item in value.items():
        name = key
        if key not in members:
            by_case = [m for m in members if m.lower() == key.lower()]
            if by_case and by_case[0] not in value:
                name = by_case[0]
                renamed.append(Misspelling(f"{path}.{key}" if path else key, key, name))
        child = f"{path}.{name}" if path else name
        result[name] = _respell_value(item, members.get(name, ""), child, renamed)
    return result


def _respell_value(value: object, shape_name: str, path: str,
                   renamed: list[Misspelling]) -> object:
    shape = SHAPES.get(shape_name, {})
    if "members" in shape and isinstance(value, dict):
        return _respell_structure(value, shape["members"], path, renamed)
    if "list" in shape and isinstance(value, list):
        return [_respell_value(item, shape["list"], f"{path}[{index}]", renamed)
                for index, item in enumerate(value)]
    if "map" in shape and isinstance(value, dict):
        return {key: _respell_value(item, shape["map"], f"{path}[{key}]", renamed)
                for key, item in value.items()}
    return value


def _in_structure(value: dict, members: dict[str, str], path: str) -> Iterator[Misspelling]:
    for key, item in value.items():
        child = f"{path}.{key}" if path else key
        if key in members:
            yield from _in_value(item, members[key], child)
            continue
        meant = _closest(key, members)
        if meant:
            yield Misspelling(child, key, meant)


def _in_value(value: object, shape_name: str, path: str) -> Iterator[Misspelling]:
    shape = SHAPES.get(shape_name, {})
    if "members" in shape and isinstance(value, dict):
        yield from _in_structure(value, shape["members"], path)
    elif "list" in shape and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _in_value(item, shape["list"], f"{path}[{index}]")
    elif "map" in shape and isinstance(value, dict):
        for key, item in value.items():
            yield from _in_value(item, shape["map"], f"{path}[{key}]")


def _closest(name: str, members: dict[str, str]) -> str | None:
    by_case = [member for member in members if member.lower() == name.lower()]
    if by_case:
        return by_case[0]
    close = difflib.get_close_matches(name, list(members), n=1, cutoff=SIMILARITY)
    return close[0] if close else None
