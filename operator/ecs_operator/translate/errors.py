"""Errors raised while translating ECS shapes into Kubernetes objects."""


class TranslationError(ValueError):
    """The spec is invalid and the user must fix it.

    The message starts with the offending field path, e.g.
    ``containerDefinitions[1].dependsOn[0].containerName: no container named "db"``.
    """


class TaskDefinitionNotFound(TranslationError):
    """The referenced family or revision is not registered (yet)."""
