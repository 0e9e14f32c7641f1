"""The published-documents corpus (tests/corpus/published): its SOURCES.tsv, and importing its
files the way a user does, with `kubectl-ecs import`. Shared by the triage script and the e2e
test, which must agree on what "imports" means."""

from __future__ import annotations

import csv
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus" / "published"
SOURCES = CORPUS / "SOURCES.tsv"
EXPECTATIONS = ("runs", "placeholder-error", "invalid-json")
SERVICE_KINDS = ("service", "describe-services")

# Template syntaxes seen in the corpus: Terraform/shell ${var}, ecspresso/Go/Mustache {{ }},
# CodePipeline <IMAGE1_NAME>, sed %VAR%, the ECS agent's tests $$$VAR$$$, Ruby/Octopus #{var}.
PLACEHOLDER = re.compile(
    r"\$\{[^}\s]+\}|\{\{.*?\}\}|<[A-Za-z][A-Za-z0-9_ -]*>|%[A-Z][A-Z0-9_]*%"
    r"|\$\$\$+[A-Z_]+\$\$\$+|#\{[^}]+\}")


@dataclass(frozen=True)
class CorpusFile:
    file: str
    repository: str
    source_path: str
    commit: str
    kind: str
    expect: str
    import_args: tuple[str, ...]
    runs_with: str
    note: str

    @property
    def path(self) -> pathlib.Path:
        return CORPUS / self.file

    def text(self) -> str:
        return self.path.read_bytes().decode("utf-8")

    def document(self) -> object | None:
        """The parsed JSON, or None when the file is not JSON."""
        try:
            return json.loads(self.text())
        except ValueError:
            return None

    def option(self, name: str) -> str | None:
        """The value given for `--name VALUE` in the import arguments."""
        args = list(self.import_args)
        return args[args.index(name) + 1] if name in args else None


def load_sources() -> list[CorpusFile]:
    with SOURCES.open(newline="") as table:
        rows = list(csv.DictReader(table, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [CorpusFile(row["file"], row["repository"], row["path"], row["commit"], row["kind"],
                       row["expect"], tuple(shlex.split(row["import_args"])), row["runs_with"],
                       row["note"]) for row in rows]


def placeholders(text: str) -> list[str]:
    return sorted(set(PLACEHOLDER.findall(text)))


def kubectl_ecs() -> str:
    """The plugin installed next to the Python running the tests (the project's .venv)."""
    return str(pathlib.Path(sys.executable).with_name("kubectl-ecs"))


def run_import(paths: list[pathlib.Path], args: tuple[str, ...], namespace: str,
               report: pathlib.Path) -> subprocess.CompletedProcess:
    """`kubectl-ecs import` as the corpus README says a user runs it; manifests as a JSON List."""
    command = [kubectl_ecs(), "import", *map(str, paths), *args, "-n", namespace,
               "--report", str(report), "-o", "json"]
    return subprocess.run(command, capture_output=True, text=True, env=os.environ, timeout=120)


def read_report(report: pathlib.Path) -> dict:
    """The --report file with every list present, whatever the importer left out."""
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    return {key: list(data.get(key) or []) for key in ("objects", "requires", "failures")}


def manifests(stdout: str) -> list[dict]:
    try:
        listed = json.loads(stdout)
    except ValueError:
        return []
    return list(listed.get("items") or []) if isinstance(listed, dict) else []


def names_field_and_fix(failure: object) -> bool:
    """A failure a user can act on: it says which field, and what to do."""
    return (isinstance(failure, dict) and bool(str(failure.get("field") or "").strip())
            and bool(str(failure.get("fix") or "").strip()))


def failure_text(result: subprocess.CompletedProcess, report: dict) -> str:
    """Everything the user was told about a failed import, in one string."""
    parts = [json.dumps(failure) if isinstance(failure, dict) else str(failure)
             for failure in report["failures"]]
    return " | ".join(parts + [result.stderr.strip()])


def service_families(entry: CorpusFile) -> list[tuple[str, dict]]:
    """(family, ECS service) for each service in a service file: the family its taskDefinition
    names (an ARN, family or family:revision), else the one given with --family."""
    document = entry.document()
    services = (document.get("services") or []) if isinstance(document, dict) else []
    if isinstance(document, dict) and not services:
        services = [document]
    found = []
    for service in services:
        reference = str(service.get("taskDefinition") or "").rsplit("/", 1)[-1]
        family = reference.split(":")[0] or entry.option("--family") or ""
        found.append((family, service))
    return found


def minimal_task_definition(family: str, service: dict) -> dict:
    """A register-task-definition input for a service whose own task definition was not
    published: one container, named and exposed as the service's load balancer expects."""
    balancers = service.get("loadBalancers") or [{}]
    container = {"name": balancers[0].get("containerName") or "app", "image": "nginx:latest",
                 "essential": True}
    if balancers[0].get("containerPort"):
        container["portMappings"] = [{"containerPort": balancers[0]["containerPort"]}]
    definition: dict = {"family": family, "containerDefinitions": [container]}
    if (service.get("networkConfiguration") or {}).get("awsvpcConfiguration"):
        definition["networkMode"] = "awsvpc"
    if service.get("launchType") == "FARGATE":
        definition.update(requiresCompatibilities=["FARGATE"], cpu="256", memory="512")
    return definition
