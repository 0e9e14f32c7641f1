"""The timed side of bench/api.py: boto3 (from .venv-clients) calling the ECS API.

Reads the plan as JSON on stdin; prints {"describe": [s...], "register": [s...],
"throughput": {"requests": n, "seconds": s, "errors": n}} (each call's latency in seconds).
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time

import boto3
from botocore.config import Config


def client(plan: dict):
    return boto3.client("ecs", endpoint_url=plan["endpoint"], region_name=plan["region"],
                        aws_access_key_id=plan["accessKeyId"],
                        aws_secret_access_key=plan["secretAccessKey"],
                        config=Config(parameter_validation=True,
                                      retries={"total_max_attempts": 1},
                                      max_pool_connections=plan["threads"] + 1))


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    plan = json.load(sys.stdin)
    ecs = client(plan)
    names, cluster = plan["services"], plan["cluster"]
    pick = random.Random(7)
    ecs.describe_services(cluster=cluster, services=[names[0]])  # connection, first import
    describe = [timed(lambda: ecs.describe_services(cluster=cluster,
                                                    services=[pick.choice(names)]))
                for _ in range(plan["describeCalls"])]
    container = {"name": "app", "image": "registry.example/web:1", "memory": 64,
                 "essential": True}
    register = []
    for n in range(plan["registerCalls"]):
        if n:
            time.sleep(plan["registerInterval"])  # not timed: room between registrations
        register.append(timed(lambda n=n: ecs.register_task_definition(
            family=plan["family"], containerDefinitions=[
                {**container, "environment": [{"name": "N", "value": str(n)}]}])))

    counts, errors = [0] * plan["threads"], [0] * plan["threads"]
    stop_at = time.perf_counter() + plan["throughputSeconds"]

    def load(slot: int) -> None:
        mine, chooser = client(plan), random.Random(slot)
        while time.perf_counter() < stop_at:
            try:
                mine.describe_services(cluster=cluster, services=[chooser.choice(names)])
                counts[slot] += 1
            except Exception:  # noqa: BLE001 - counted, the run goes on
                errors[slot] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=load, args=(slot,)) for slot in range(plan["threads"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"describe": describe, "register": register,
                      "throughput": {"requests": sum(counts), "errors": sum(errors),
                                     "seconds": time.perf_counter() - started}}))


if __name__ == "__main__":
    main()
