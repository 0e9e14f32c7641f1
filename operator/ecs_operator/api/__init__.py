"""ECS's own API (JSON 1.1, SigV4) served on the operator's resources: `ecs-operator api`."""
