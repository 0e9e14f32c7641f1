"""ECS environment and secrets -> container env.

A secret's ``valueFrom`` names a Kubernetes Secret and a key in it (``secret_reference``;
the importer and the operator share it, so the Secret the import output asks for is the one
the pod reads):

- Secrets Manager ``arn:aws:secretsmanager:<region>:<account>:secret:<name>[-AbCdEf]``
  ``[:<json-key>[:<version-stage>[:<version-id>]]]`` -> Secret ``<name>`` without the
  6-character suffix ECS appends to secret names (``-`` + 6 letters or digits, only when it is
  there), ``/`` (and any other character a Secret name cannot hold) -> ``-``, lower case;
  key = the JSON key, else the variable's name. A version stage or id cannot be honoured and
  is reported.
- SSM ``arn:aws:ssm:<region>:<account>:parameter/<path>`` or a parameter name, with or
  without a leading ``/`` (``/prod/db/password``, ``DB_PASSWORD``) -> Secret named after the
  whole path the same way (``prod-db-password``), key = the variable's name.
- ``<secret>:<key>`` (already a valid Secret name and key) -> Secret ``<secret>``, key
  ``<key>``; ``<secret>`` -> key = the variable's name.

The user (or an external-secrets controller) creates those Secrets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models.task_definition import ContainerDefinition
from .errors import TranslationError
from .pod_naming import MAX_SUBDOMAIN_LENGTH, is_dns_subdomain

_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")
_NOT_IN_SECRET_NAME = re.compile(r"[^a-z0-9.]+")
_NOT_IN_SECRET_KEY = re.compile(r"[^-._a-zA-Z0-9]")
# Secrets Manager appends "-" and six random letters or digits to every secret's name.
_RANDOM_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")
_SECRETS_MANAGER_FIELDS = 7  # arn:aws:secretsmanager:region:account:secret:name
_SSM_ARN_FIELDS = 6          # arn:aws:ssm:region:account:parameter/path


@dataclass(frozen=True)
class SecretReference:
    name: str
    key: str
    pins_version: bool = False
    source: str = ""


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
    """The Kubernetes Secret and key a secret's ``valueFrom`` stands for."""
    if value_from.startswith("arn:"):
        return _from_arn(value_from, variable, path)
    name, separator, key = value_from.partition(":")
    if is_dns_subdomain(name) and (not separator or _SECRET_KEY.match(key)):
        return SecretReference(name, key or variable, source=f"Secret {name}")
    return _ssm_reference(value_from, variable, path)


def _from_arn(arn: str, variable: str, path: str) -> SecretReference:
    fields = arn.split(":")
    service = fields[2] if len(fields) > 2 else ""
    if service == "secretsmanager" and len(fields) >= _SECRETS_MANAGER_FIELDS \
            and fields[5] == "secret":
        name, json_key, *version = fields[6:] + ["", "", ""]
        return SecretReference(
            _secret_name(_RANDOM_SUFFIX.sub("", name), arn, path),
            _secret_key(json_key or variable), pins_version=any(version),
            source=f"Secrets Manager secret {name}" + (f", JSON key {json_key}" if json_key
                                                       else ""))
    if service == "ssm" and len(fields) == _SSM_ARN_FIELDS and fields[5].startswith("parameter"):
        return _ssm_reference(fields[5][len("parameter"):], variable, path)
    raise TranslationError(
        f'{path}: cannot read "{arn}": expected a Secrets Manager ARN '
        f"(arn:aws:secretsmanager:<region>:<account>:secret:<name>) or an SSM parameter ARN "
        f"(arn:aws:ssm:<region>:<account>:parameter/<name>)")


def _ssm_reference(parameter: str, variable: str, path: str) -> SecretReference:
    return SecretReference(_secret_name(parameter, parameter, path), _secret_key(variable),
                           source=f"SSM parameter {parameter}")


def _secret_name(name: str, value_from: str, path: str) -> str:
    slug = _NOT_IN_SECRET_NAME.sub("-", name.lower()).strip("-.")[:MAX_SUBDOMAIN_LENGTH]
    slug = slug.rstrip("-.")
    if not is_dns_subdomain(slug):
        raise TranslationError(
            f'{path}: "{value_from}" gives no Kubernetes Secret name (letters, digits, "-" '
            f'and "."); use the "<secret-name>:<key>" form')
    return slug


def _secret_key(key: str) -> str:
    """Secret keys hold letters, digits, "-", "_" and "."; anything else becomes "_"."""
    return _NOT_IN_SECRET_KEY.sub("_", key)[:253]
