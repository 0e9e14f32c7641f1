"""Task-level cpu and memory strings, as ECS accepts them."""

from __future__ import annotations

import pytest

from ecs_operator.translate.errors import TranslationError
from ecs_operator.translate.pod import parse_task_cpu, parse_task_memory


@pytest.mark.parametrize(("value", "millicores"), [
    pytest.param("256", 250, id="units-256"),
    pytest.param("1024", 1000, id="units-1024"),
    pytest.param(" 4096 ", 4000, id="units-padded"),
    pytest.param("100", 98, id="units-round-up"),
    pytest.param("1 vCPU", 1000, id="one-vcpu"),
    pytest.param("0.5 vcpu", 500, id="half-vcpu-lowercase"),
    pytest.param("0.25 vCPU", 250, id="quarter-vcpu"),
    pytest.param("2vCPU", 2000, id="no-space"),
    pytest.param("16 vCPUs", 16000, id="plural"),
    pytest.param(".125 vCPU", 125, id="leading-dot"),
    pytest.param("0.0001 vCPU", 1, id="tiny-rounds-up"),
])
def test_parse_task_cpu(value, millicores):
    assert parse_task_cpu(value) == millicores


@pytest.mark.parametrize("value", [
    pytest.param("", id="empty"),
    pytest.param("lots", id="word"),
    pytest.param("1.5", id="fractional-units"),
    pytest.param("0", id="zero-units"),
    pytest.param("0 vCPU", id="zero-vcpu"),
    pytest.param("-256", id="negative"),
    pytest.param("1 GB", id="memory-unit"),
    pytest.param("1000m", id="kubernetes-quantity"),
])
def test_unparseable_task_cpu(value):
    with pytest.raises(TranslationError, match=r"^cpu: "):
        parse_task_cpu(value)


@pytest.mark.parametrize(("value", "mebibytes"), [
    pytest.param("512", 512, id="bare-mib"),
    pytest.param("512 MiB", 512, id="mib"),
    pytest.param("512MB", 512, id="mb-means-mib"),
    pytest.param("2 GB", 2048, id="gb-means-gib"),
    pytest.param("2gb", 2048, id="gb-lowercase"),
    pytest.param("1 GiB", 1024, id="gib"),
    pytest.param("0.5 GB", 512, id="half-gb"),
    pytest.param("1.001 GB", 1026, id="fraction-rounds-up"),
])
def test_parse_task_memory(value, mebibytes):
    assert parse_task_memory(value) == mebibytes


@pytest.mark.parametrize("value", [
    pytest.param("", id="empty"),
    pytest.param("two gigs", id="words"),
    pytest.param("2 TB", id="unknown-unit"),
    pytest.param("0", id="zero"),
    pytest.param("0 GB", id="zero-gb"),
    pytest.param("1Gi", id="kubernetes-quantity"),
])
def test_unparseable_task_memory(value):
    with pytest.raises(TranslationError, match=r"^memory: "):
        parse_task_memory(value)
