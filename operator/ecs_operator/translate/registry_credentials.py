"""``repositoryCredentials.credentialsParameter`` -> the name of an image pull Secret.

ECS reads private registry credentials from a Secrets Manager secret, given by its ARN
(``arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf``) or, in the task's own
region, by its name. The pod names a Secret of type ``kubernetes.io/dockerconfigjson`` in
``imagePullSecrets`` instead; its name is the secret's NAME as the env secrets name theirs:
without the 6-character suffix Secrets Manager adds to every ARN (when it is there), lower
case, ``/`` (and any run of characters a Secret name cannot hold) -> ``-``.
"""

from __future__ import annotations

import re

PULL_SECRET_TYPE = "kubernetes.io/dockerconfigjson"
_SECRETS_MANAGER_ARN = re.compile(r"^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(?P<name>[^:]+)")
_ARN_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")
_NOT_IN_SECRET_NAME = re.compile(r"[^a-z0-9.]+")


def secrets_manager_secret_name(name: str) -> str:
    """A Secrets Manager secret's NAME as a Kubernetes Secret name (the rule the env secrets'
    names follow; the result may still be invalid, e.g. empty, which the caller checks)."""
    return _NOT_IN_SECRET_NAME.sub("-", name.lower()).strip("-.")


def pull_secret_name(credentials_parameter: str) -> str:
    match = _SECRETS_MANAGER_ARN.match(credentials_parameter)
    if match is None:
        return secrets_manager_secret_name(credentials_parameter)
    return secrets_manager_secret_name(_ARN_SUFFIX.sub("", match["name"]))


def create_pull_secret_command(name: str) -> str:
    """What the user runs to make the Secret the pod pulls with."""
    return (f"kubectl create secret docker-registry {name} --docker-server=<registry> "
            f"--docker-username=<user> --docker-password=<password>")
