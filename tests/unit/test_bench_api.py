"""bench/api.py's reading of the API's request log (the time spent inside the API)."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))

import api as api_bench  # noqa: E402

LOG = """\
2026-12-02 20:26:20,100 INFO ecs_operator.api: serving ECS's API on http://127.0.0.1:4242
2026-12-02 20:26:20,200 INFO ecs_operator.api: DescribeServices bench-admin 200 7.5ms
2026-12-02 20:26:20,300 INFO ecs_operator.api: DescribeServices bench-admin 400 1.0ms
2026-12-02 20:26:20,400 INFO ecs_operator.api: RegisterTaskDefinition bench-admin 200 120.25ms
2026-12-02 20:26:20,500 INFO ecs_operator.api: DescribeServices bench-admin 200 12.0ms
"""


def test_server_times_are_the_successful_requests_of_one_operation(tmp_path) -> None:
    log = tmp_path / "api.log"
    log.write_text(LOG)
    assert api_bench.server_times(log, "DescribeServices") == [0.0075, 0.012]
    assert api_bench.server_times(log, "RegisterTaskDefinition") == [0.12025]
    assert api_bench.server_times(log, "ListTasks") == []
