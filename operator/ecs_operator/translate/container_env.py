"""ECS environment and secrets -> container env.

A secret's ``valueFrom`` names a Kubernetes Secret and a key in it:

- ``arn:aws:secretsmanager:<region>:<account>:secret:<name>`` -> Secret ``<name>``
  lowercased (e.g. ``db-pass-abcdef``), key = the variable's name. The optional
  ``:<json-key>`` suffix becomes the key; a version stage or id cannot be honoured and is
  reported.
- ``arn:aws:ssm:<region>:<account>:parameter/<path>/<name>`` or a bare parameter path
  ``/<path>/<name>`` -> Secret ``<name>`` lowercased with ``_`` -> ``-``, key = the
  variable's name.
- ``<secret>:<key>`` -> Secret ``<secret>``, key ``<key>``; ``<secret>`` -> key = the
  variable's name.

The user (or an external-secrets controller) creates those Secrets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models.task_definition import ContainerDefinition
from .errors import TranslationError
from .pod_naming import is_dns_subdomain

_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")
_SECRETS_MANAGER_FIELDS = 7  # arn:aws:secretsmanager:region:account:secret:name
_ARN_FIELDS = 6


@dataclass(frozen=True)
class SecretReference:
    name: str
    key: str
    pins_version: bool = False


def container_env(container: ContainerDefinition, path: str) -> tuple[list[dict], list[str]]:
    env = [{"name": variable.name, "value": variable.value or ""}
           for variable in container.environment]
    unsupported = []
    for index, secret in enumerate(container.secrets):
        secret_path = f"{path}.secrets[{index}].valueFrom"
        reference = secret_reference(secret.valueFrom, secret.name, secret_path)
        env.append({"name": secret.name, "valueFrom": {
            "secretKeyRef": {"name": reference.name, "key": reference.key}}})
        if reference.pins_version:
            unsupported.append(secret_path)
    return env, unsupported


def secret_reference(value_from: str, variable: str, path: str) -> SecretReference:
    if value_from.startswith("arn:"):
        reference = _from_arn(value_from, variable, path)
    elif value_from.startswith("/"):
        reference = SecretReference(_ssm_secret_name(value_from), variable)
    else:
        reference = _from_plain(value_from, variable, path)
    _check(reference, value_from, path)
    return reference


def _from_arn(arn: str, variable: str, path: str) -> SecretReference:
    fields = arn.split(":")
    service = fields[2] if len(fields) > 2 else ""
    if service == "secretsmanager" and len(fields) >= _SECRETS_MANAGER_FIELDS \
            and fields[5] == "secret":
        name, json_key, *version = fields[6:] + ["", "", ""]
        return SecretReference(name.lower(), json_key or variable, pins_version=any(version))
    if service == "ssm" and len(fields) == _ARN_FIELDS and fields[5].startswith("parameter/"):
        return SecretReference(_ssm_secret_name(fields[5]), variable)
    raise TranslationError(
        f'{path}: cannot read "{arn}": expected a Secrets Manager ARN '
        f"(arn:aws:secretsmanager:<region>:<account>:secret:<name>) or an SSM parameter ARN "
        f"(arn:aws:ssm:<region>:<account>:parameter/<name>)")


def _ssm_secret_name(parameter: str) -> str:
    return parameter.rstrip("/").rsplit("/", 1)[-1].lower().replace("_", "-")


def _from_plain(value_from: str, variable: str, path: str) -> SecretReference:
    name, separator, key = value_from.partition(":")
    if separator and (not key or ":" in key):
        raise TranslationError(
            f'{path}: cannot read "{value_from}": expected "<secret-name>:<key>" or '
            f'"<secret-name>"')
    return SecretReference(name, key or variable)


def _check(reference: SecretReference, value_from: str, path: str) -> None:
    if not is_dns_subdomain(reference.name):
        raise TranslationError(
            f'{path}: "{value_from}" names the Kubernetes Secret "{reference.name}", which is '
            f'not a valid Secret name (lowercase letters, digits, "-" and "."); use the '
            f'"<secret-name>:<key>" form')
    if not _SECRET_KEY.match(reference.key):
        raise TranslationError(
            f'{path}: "{value_from}" gives the Secret key "{reference.key}", which is not a '
            f'valid key (letters, digits, "-", "_" and ".")')
