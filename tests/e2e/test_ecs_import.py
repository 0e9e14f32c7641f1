"""Every ECS corpus file imports into manifests the API server accepts (server-side dry run):
the TaskDefinition against the CRD's schema and CEL rules, and the pod the operator would
create from it against the real Pod validation."""

from __future__ import annotations

import json
import pathlib

import pytest

from ecs_operator.models.task_definition import TaskDefinitionSpec
from ecs_operator.translate.ecs_import import import_documents
from ecs_operator.translate.pod import pod_spec
from ecs_operator.translate.task import task_pod

from .cluster import kubectl

pytestmark = pytest.mark.e2e

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "corpus" / "ecs"
FILES = sorted(CORPUS.glob("*.json"))
PLACEHOLDER_UID = "00000000-0000-0000-0000-000000000000"


def leaves(value: object, path: str = "") -> dict[str, object]:
    if isinstance(value, dict) and value:
        return {k: v for key, item in value.items()
                for k, v in leaves(item, f"{path}.{key}").items()}
    if isinstance(value, list) and value:
        return {k: v for index, item in enumerate(value)
                for k, v in leaves(item, f"{path}[{index}]").items()}
    return {path: value}


def dry_run(verb: list[str], obj: dict, namespace: str):
    return kubectl(*verb, "--dry-run=server", "-n", namespace, "-o", "json", "-f", "-",
                   input=json.dumps(obj), check=False)


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_corpus_file_imports_and_applies(path: pathlib.Path, crds: None, namespace: str) -> None:
    result = import_documents([json.loads(path.read_text())])
    assert result.failures == []
    assert result.objects
    for item in result.objects:
        applied = dry_run(["apply", "--server-side", "--field-manager=kubectl-ecs"],
                          item.manifest, namespace)
        assert applied.returncode == 0, f"{item.kind} {item.name}: {applied.stderr}"
        # The server kept the spec as imported (it may add defaults): nothing pruned.
        kept = leaves(json.loads(applied.stdout)["spec"])
        missing = {path: value for path, value in leaves(item.manifest["spec"]).items()
                   if kept.get(path, "<pruned>") != value}
        assert missing == {}, f"{item.kind} {item.name}"
        if item.kind != "TaskDefinition":
            continue
        spec = item.manifest["spec"]
        translation = pod_spec(TaskDefinitionSpec.model_validate(spec))
        pod = task_pod(name=f"{item.name}-dry-run", namespace=namespace, uid=PLACEHOLDER_UID,
                       family=spec["family"], revision=1, pod=translation, spec={})
        created = dry_run(["create"], pod, namespace)
        assert created.returncode == 0, f"pod of {item.name}: {created.stderr}"
        server_pod = json.loads(created.stdout)
        assert [c["name"] for c in server_pod["spec"]["containers"]] == \
            [c["name"] for c in translation.spec["containers"]]
