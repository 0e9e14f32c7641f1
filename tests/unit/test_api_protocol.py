"""ECS's JSON 1.1 protocol: targets, bodies, timestamps on the wire, pagination; access keys and
the cluster look-ups the API remembers."""

from __future__ import annotations

import base64

import pytest

from ecs_operator.api.calls import ClusterCache
from ecs_operator.api.keys import KeyStore, credentials
from ecs_operator.api.protocol import EcsError, operation_of, page, parse_body, to_wire


@pytest.mark.parametrize("target, expected", [
    ("AmazonEC2ContainerServiceV20141113.ListClusters", "ListClusters"),
    ("AmazonEC2ContainerServiceV20141113.DescribeServices", "DescribeServices"),
])
def test_operation_from_target(target: str, expected: str) -> None:
    assert operation_of(target) == expected


@pytest.mark.parametrize("target", [None, "", "DynamoDB_20120810.ListTables", "ListClusters"])
def test_other_targets_are_unknown_operations(target) -> None:
    with pytest.raises(EcsError) as refused:
        operation_of(target)
    assert refused.value.code == "UnknownOperationException"


@pytest.mark.parametrize("raw, expected", [(b"", {}), (b"{}", {}), (b'{"a": 1}', {"a": 1})])
def test_bodies(raw: bytes, expected: dict) -> None:
    assert parse_body(raw) == expected


@pytest.mark.parametrize("raw", [b"[1]", b"{nope", b'"text"'])
def test_bodies_that_are_not_objects_are_refused(raw: bytes) -> None:
    with pytest.raises(EcsError) as refused:
        parse_body(raw)
    assert refused.value.code == "SerializationException"


def test_timestamps_go_out_as_epoch_seconds_and_nulls_are_left_out() -> None:
    response = {"service": {"createdAt": "2026-12-02T19:00:00Z", "serviceName": "web",
                            "roleArn": None,
                            "deployments": [{"updatedAt": "2026-12-02T19:00:01.500000Z",
                                             "id": "ecs-svc/1"}],
                            "events": [{"createdAt": "2026-12-02T19:00:02+00:00",
                                        "message": "createdAt 2026"}]}}
    assert to_wire(response) == {"service": {
        "createdAt": 1796238000.0, "serviceName": "web",
        "deployments": [{"updatedAt": 1796238001.5, "id": "ecs-svc/1"}],
        "events": [{"createdAt": 1796238002.0, "message": "createdAt 2026"}]}}


ITEMS = [f"arn:aws:ecs:r:1:service/c/s{n:02d}" for n in range(25)]


def test_pages_follow_each_other_to_the_end() -> None:
    seen, token = [], None
    for _ in range(3):
        chosen, token = page(ITEMS, token, 10, default=100)
        seen += chosen
    assert seen == ITEMS and token is None


@pytest.mark.parametrize("max_results, default, size", [(None, 10, 10), (None, 100, 25),
                                                        (1, 100, 1), (100, 10, 25)])
def test_page_sizes(max_results, default: int, size: int) -> None:
    assert len(page(ITEMS, None, max_results, default=default)[0]) == size


def test_a_page_resumes_after_its_last_item_when_that_item_is_gone() -> None:
    first, token = page(ITEMS, None, 10, default=100)
    remaining = [item for item in ITEMS if item != first[-1]]
    assert page(remaining, token, 10, default=100)[0] == ITEMS[10:20]


@pytest.mark.parametrize("max_results, token", [(0, None), (101, None), (10, "garbage!"),
                                                (10, base64.b64encode(b"[1]").decode())])
def test_bad_page_parameters_are_invalid(max_results: int, token: str | None) -> None:
    with pytest.raises(EcsError) as refused:
        page(ITEMS, token, max_results, default=10)
    assert refused.value.code == "InvalidParameterException"


def _secret(**data: str) -> dict:
    return {"data": {key: base64.b64encode(value.encode()).decode()
                     for key, value in data.items()}}


def test_access_keys_from_secrets() -> None:
    found = credentials([
        _secret(accessKeyId="AK1", secretAccessKey="s1", username="alice",
                groups="team-a, ops", cluster="prod"),
        _secret(accessKeyId="AK2", secretAccessKey="s2", username="bob"),
        _secret(accessKeyId="AK3", username="no-secret"),
    ])
    assert sorted(found) == ["AK1", "AK2"]
    assert (found["AK1"].user, found["AK1"].groups, found["AK1"].cluster) == \
        ("alice", ("team-a", "ops"), "prod")
    assert (found["AK2"].groups, found["AK2"].cluster) == ((), None)


def test_keys_are_read_again_after_the_refresh_interval() -> None:
    now = [0.0]
    reads = []

    def read() -> list[dict]:
        reads.append(now[0])
        return [_secret(accessKeyId=f"AK{len(reads)}", secretAccessKey="s", username="u")]

    store = KeyStore(read, refresh_seconds=10, clock=lambda: now[0])
    assert list(store.keys()) == ["AK1"]
    now[0] = 9.9
    assert list(store.keys()) == ["AK1"]
    now[0] = 10.0
    assert list(store.keys()) == ["AK2"]
    assert reads == [0.0, 10.0]


def test_cluster_lookups_are_remembered_for_a_while_and_can_be_forgotten() -> None:
    now, asked, answer = [0.0], [], {"prod": True}

    def look_up(namespace: str) -> bool:
        asked.append(namespace)
        return answer.get(namespace, False)

    cache = ClusterCache(look_up, seconds=2, clock=lambda: now[0])
    assert cache.exists("prod") and cache.exists("prod")
    assert not cache.exists("gone")
    answer["prod"] = False
    now[0] = 1.9
    assert cache.exists("prod")  # still remembered
    now[0] = 2.0
    assert not cache.exists("prod")
    answer["prod"] = True
    cache.forget("prod")
    assert cache.exists("prod")
    assert asked == ["prod", "gone", "prod", "prod"]
