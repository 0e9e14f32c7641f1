"""ecs-operator: Amazon ECS's task definitions, services and tasks as Kubernetes resources."""

__version__ = "0.1.0"

GROUP = "ecs.operator.dev"
VERSION = "v1alpha1"
