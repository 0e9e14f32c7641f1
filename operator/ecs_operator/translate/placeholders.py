"""Template placeholders left in an ECS document (``${var}``, ``<IMAGE>``, ``{{ x }}``,
``#{x}``, ``%VAR%``). Pure.

A template that was never rendered fails downstream with a confusing message (an image
``${IMAGE}`` that cannot be pulled, a family that is not a name). A placeholder in a field the
translation uses, or one that is a field's whole value (``"taskRoleArn": "{{role}}"``), is
therefore an import failure that names the placeholder, the field and the flag that fills
it. One inside free text (environment values, dockerLabels, log options) or in a field the
operator does not use is only a warning, as the text may be meant literally; inside a command
it is not reported at all (``${VAR}`` there is the shell's).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

PLACEHOLDER = re.compile(
    r"\$\{[^}\s]+\}"                       # ${var}, ${var:-x}
    r"|\{\{[^}]*\}\}"                      # {{ x }}
    r"|#\{[^}\s]+\}"                       # #{x} (Octopus, Ruby)
    r"|%[A-Za-z_][A-Za-z0-9_.]*%"          # %VAR%
    r"|\$\$\$[A-Za-z_][A-Za-z0-9_]*\$\$\$"      # $$$VAR$$$ (the ECS agent's test templates)
    r"|<[A-Za-z_][A-Za-z0-9_. -]{0,60}>")  # <IMAGE>, <AWS_ACCOUNT_ID>

# Fields whose text is the user's own, used as written (a placeholder may be meant).
FREE_TEXT = ("environment", "dockerLabels", "options", "tags", "description", "labels",
             "driverOpts", "properties", "systemControls", "extraHosts")
# Fields the operator does not use (reported as not honoured, or informational).
NOT_USED = ("taskRoleArn", "executionRoleArn", "networkConfiguration", "targetGroupArn",
            "loadBalancerName", "registryArn", "logConfiguration", "firelensConfiguration",
            "proxyConfiguration", "platformVersion", "environmentFiles", "credentialSpecs")
# Text that is a command line: ${VAR} there is expanded by the shell, not a template.
COMMANDS = ("command", "entryPoint")

FLAGS = {"image": "--image CONTAINER=IMAGE", "family": "--family NAME",
         "serviceName": "--name NAME"}


@dataclass(frozen=True)
class Placeholder:
    field: str
    text: str
    value: str
    used: bool
    whole: bool = False
    free_text: bool = False

    @property
    def refused(self) -> bool:
        return self.used or (self.whole and not self.free_text)

    @property
    def fix(self) -> str:
        flag = FLAGS.get(self.field.rsplit(".", 1)[-1])
        how = f"pass {flag}, or " if flag else ""
        return f"{how}render the template first (replace {self.text} with its value)"


def placeholders(value: object, path: str = "") -> list[Placeholder]:
    return list(_walk(value, path, used=True))


def _walk(value: object, path: str, *, used: bool, command: bool = False,
          free_text: bool = False) -> Iterator[Placeholder]:
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            yield from _walk(item, child, used=used and key not in FREE_TEXT + NOT_USED,
                             command=command or key in COMMANDS,
                             free_text=free_text or key in FREE_TEXT)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]", used=used, command=command,
                             free_text=free_text)
    elif isinstance(value, str):
        match = PLACEHOLDER.search(value)
        whole = bool(match) and match.group(0) == value.strip()
        if match and (whole or not command):
            yield Placeholder(path, match.group(0), value, used and not command, whole,
                              free_text)
