"""ECS user, privileged, readonlyRootFilesystem and capabilities -> securityContext.

``user`` may be "uid", "uid:gid", "user", "user:group" or a mix. Numeric parts become
runAsUser / runAsGroup; a name cannot be resolved without the image's /etc/passwd, so a
non-numeric part is reported and left to the image.
"""

from __future__ import annotations

from ..models.task_definition import ContainerDefinition

_CAPABILITY_PREFIX = "CAP_"


def security_context(container: ContainerDefinition, path: str) -> tuple[dict, list[str]]:
    context, unsupported = _run_as(container.user, path)
    if container.privileged is not None:
        context["privileged"] = container.privileged
    if container.readonlyRootFilesystem is not None:
        context["readOnlyRootFilesystem"] = container.readonlyRootFilesystem
    capabilities = _capabilities(container)
    if capabilities:
        context["capabilities"] = capabilities
    return context, unsupported


def _run_as(user: str | None, path: str) -> tuple[dict, list[str]]:
    if not user:
        return {}, []
    user_part, _, group_part = user.partition(":")
    context = {}
    if _is_id(user_part):
        context["runAsUser"] = int(user_part)
    if _is_id(group_part):
        context["runAsGroup"] = int(group_part)
    names_a_user = not _is_id(user_part) or (group_part and not _is_id(group_part))
    return context, [f"{path}.user"] if names_a_user else []


def _is_id(part: str) -> bool:
    # ASCII only: str.isdigit() also accepts "²", which int() refuses.
    return part.isascii() and part.isdigit()


def _capabilities(container: ContainerDefinition) -> dict:
    linux = container.linuxParameters
    if linux is None or linux.capabilities is None:
        return {}
    return {
        field: [_capability_name(name) for name in names]
        for field, names in (("add", linux.capabilities.add), ("drop", linux.capabilities.drop))
        if names
    }


def _capability_name(name: str) -> str:
    upper = name.upper()
    return upper.removeprefix(_CAPABILITY_PREFIX)
