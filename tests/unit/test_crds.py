"""The committed CRDs (and the Helm chart's copy) are exactly what the generator builds."""

from __future__ import annotations

import pathlib

import pytest

from ecs_operator.crds import all_crds, render

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("folder", ["crds", "charts/ecs-operator/crds"])
@pytest.mark.parametrize("filename", sorted(all_crds()))
def test_committed_crd_matches_generator(folder: str, filename: str) -> None:
    committed = (ROOT / folder / filename).read_text()
    assert committed == render(all_crds()[filename]), \
        f"{folder}/{filename} is stale: run `make crds`"


def test_service_printer_columns_are_the_ecs_ones() -> None:
    version = all_crds()["ecsservices.yaml"]["spec"]["versions"][0]
    names = [c["name"] for c in version["additionalPrinterColumns"]]
    assert names == ["Desired", "Running", "Pending", "Task Definition", "Rollout", "Age"]
    assert version["subresources"]["scale"]["specReplicasPath"] == ".spec.desiredCount"
