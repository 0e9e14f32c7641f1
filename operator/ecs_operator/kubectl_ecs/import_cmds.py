"""import (ECS JSON -> manifests) and register-task-definition --cli-input-json."""

from __future__ import annotations

import json
import pathlib
import sys
import time

import click
import yaml

from ..translate.ecs_import import Failure, ImportOptions, ImportResult, SourceDocument, \
    import_documents, reason_for
from ..translate.placement import DEFAULT_CLUSTER, LABEL_CLUSTER
from ..translate import ecs_shapes as shapes
from . import tables
from .app import Session, api_errors, cli, common_options, emit, fail, progress
from ..k8s.ecs_resources import get_task_definition, register_task_definition as register

REGISTER_WAIT_SECONDS = 30


def read_text(source: str) -> str:
    """aws-cli's conventions: `file://path`, `-` for stdin, a path, or the JSON itself."""
    if source == "-":
        text = sys.stdin.read()
    elif source.startswith("file://"):
        text = pathlib.Path(source[len("file://"):]).read_text(encoding="utf-8-sig")
    elif source.lstrip("\ufeff").lstrip().startswith(("{", "[")):
        text = source
    else:
        text = pathlib.Path(source).read_text(encoding="utf-8-sig")
    return text.lstrip("\ufeff")  # a byte order mark, as Windows editors write it


def read_json(source: str) -> object:
    try:
        return json.loads(read_text(source))
    except ValueError as error:
        raise click.BadParameter(f"{source}: not JSON: {error}") from error


def read_source(source: str) -> SourceDocument | Failure:
    """The parsed document, or a failure when it is not JSON (an unrendered template)."""
    is_file = source != "-" and not source.lstrip("\ufeff").lstrip().startswith(("{", "["))
    stem = pathlib.Path(source.removeprefix("file://")).stem if is_file else None
    label = source if is_file else "document"
    try:
        return SourceDocument(label, json.loads(read_text(source)), stem)
    except ValueError as error:
        return Failure(label, "", f"not JSON: {error}",
                       "render the template first, or fix the JSON syntax at that line")


def report(result: ImportResult) -> list[str]:
    """What the import could not carry over, and what must exist, one line each, for stderr."""
    lines = []
    for item in result.objects:
        label = f"{item.kind} {item.name}"
        for path in item.unsupported:
            lines.append(f"{label}: not honoured: {path} ({reason_for(path)})")
        for path in item.dropped:
            lines.append(f"{label}: dropped: {path} (not an ECS request field the CRD knows)")
        if item.read_only:
            lines.append(f"{label}: read-only, dropped: {', '.join(item.read_only)}")
        lines += [f"{label}: warning: {warning}" for warning in item.warnings]
    for entry in result.requires:
        if entry.kind == "Secret":
            lines.append(f"requires Secret {entry.name} (keys {', '.join(entry.keys)}; "
                         f"{entry.why}): {entry.command}")
        else:
            lines.append(f"requires {entry.kind} {entry.name}: {entry.why}")
    lines += [f"failed: {failure}" for failure in result.failures]
    return lines


def report_json(result: ImportResult) -> dict:
    """The --report document (docs/cli.md describes it)."""
    return {
        "objects": [{"kind": item.kind, "name": item.name,
                     "unsupported": list(item.unsupported), "dropped": list(item.dropped),
                     "readOnly": list(item.read_only), "warnings": list(item.warnings)}
                    for item in result.objects],
        "requires": [entry.as_report() for entry in result.requires],
        "failures": [{"document": failure.document, "field": failure.field,
                      "message": failure.message, "fix": failure.fix}
                     for failure in result.failures],
    }


def parse_images(values: tuple[str, ...]) -> dict[str, str]:
    images = {}
    for value in values:
        container, separator, image = value.partition("=")
        if not separator or not container or not image:
            raise click.BadParameter(f"{value!r}: expected CONTAINER=IMAGE", param_hint="--image")
        images[container] = image
    return images


@cli.command("import")
@click.argument("sources", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml",
              show_default=True, help="Manifest format.")
@click.option("-n", "--namespace", default=None, help="Set metadata.namespace on the manifests.")
@click.option("--family", default=None,
              help="Family of a task definition that has none (a bare containerDefinitions "
                   "array, Terraform's container_definitions).")
@click.option("--image", "images", multiple=True, metavar="CONTAINER=IMAGE",
              help="Image of a container (repeatable): for a container without one, or with "
                   "a placeholder CI fills in.")
@click.option("--name", default=None,
              help="serviceName of a service document that has none (default: the file "
                   "name without its extension).")
@click.option("--report", "report_path", default=None, type=click.Path(dir_okay=False),
              help="Write the import report as JSON to this file.")
@click.option("--strict", is_flag=True,
              help="Exit 3 when any field is not honoured or dropped.")
@click.option("--track-latest", is_flag=True,
              help="Services follow their family's latest revision instead of the ECS revision "
                   "they pin (revisions are numbered from 1 again here).")
def import_command(sources: tuple[str, ...], output: str, namespace: str | None,
                   family: str | None, images: tuple[str, ...], name: str | None,
                   report_path: str | None, strict: bool, track_latest: bool) -> None:
    """Convert ECS JSON files (describe-task-definition / describe-services output,
    register-task-definition / create-service input, a containerDefinitions array) to
    manifests.

    Manifests go to stdout (pipe them to `kubectl apply -f -`); what cannot be honoured, and
    the Secrets and claims the tasks need, go to stderr. Each SOURCE is a path, file://path
    or - for stdin. Exit 0: imported (even with requirements or warnings); 1: a document
    failed; 3 with --strict: something is not honoured.
    """
    options = ImportOptions(family=family, images=parse_images(images), name=name,
                            namespace=namespace)
    read = [read_source(source) for source in sources]
    result = import_documents([item for item in read if isinstance(item, SourceDocument)],
                              options)
    result.failures[:0] = [item for item in read if isinstance(item, Failure)]
    _check_images_used(options, result)
    manifests = result.manifests
    for item in result.objects:
        reference = item.manifest["spec"].get("taskDefinition", "")
        if item.kind == "Service" and ":" in reference:
            if track_latest:
                item.manifest["spec"]["taskDefinition"] = reference.split(":")[0]
            else:
                click.echo(f"Service {item.name}: pins {reference}; imported task definitions "
                           "start again at revision 1 (--track-latest follows the latest)",
                           err=True)
        cluster = item.manifest["spec"].get("cluster") if item.kind == "Service" else None
        if cluster and cluster != DEFAULT_CLUSTER:
            click.echo(f"Service {item.name}: cluster {cluster}: its tasks run only on nodes "
                       f"labelled {LABEL_CLUSTER}=<name> (docs/placement.md); drop `cluster` "
                       "to run them anywhere", err=True)
    if namespace:
        for manifest in manifests:
            manifest["metadata"]["namespace"] = namespace
    if output == "json":
        click.echo(json.dumps({"apiVersion": "v1", "kind": "List", "items": manifests},
                              indent=2))
    else:
        click.echo(yaml.safe_dump_all(manifests, sort_keys=False), nl=False)
    for line in report(result):
        click.echo(line, err=True)
    if report_path:
        pathlib.Path(report_path).write_text(json.dumps(report_json(result), indent=2) + "\n")
    if result.failures:
        sys.exit(1)
    if strict and any(item.unsupported or item.dropped for item in result.objects):
        sys.exit(3)


def _check_images_used(options: ImportOptions, result: ImportResult) -> None:
    containers = {container.get("name") for item in result.objects
                  if item.kind == "TaskDefinition"
                  for container in item.manifest["spec"].get("containerDefinitions", [])}
    unknown = sorted(set(options.images) - containers)
    if unknown and result.objects:
        click.echo(f"warning: --image names no imported container: {', '.join(unknown)}",
                   err=True)


@cli.command("register-task-definition")
@click.option("--cli-input-json", "source", required=True,
              help="The request (or describe-task-definition output): JSON, file://path or -.")
@common_options
@api_errors
def register_task_definition(session: Session, source: str) -> None:
    """Register a task definition revision, as RegisterTaskDefinition."""
    result = import_documents([read_json(source)])
    definitions = [item for item in result.objects if item.kind == "TaskDefinition"]
    if result.failures or len(definitions) != 1:
        fail("; ".join(str(failure) for failure in result.failures)
             or "the input holds no task definition")
    for line in report(result):
        progress(line)
    item = definitions[0]
    namespace = session.namespace
    applied = register(namespace, item.manifest)
    resource = wait_for_revision(namespace, item.name, applied["metadata"].get("generation", 1))
    if not (resource.get("status") or {}).get("revision"):
        progress(f"warning: no revision recorded within {REGISTER_WAIT_SECONDS}s: is the "
                 "operator running?")
    response = {"taskDefinition": shapes.task_definition(resource),
                "tags": (resource.get("spec") or {}).get("tags", [])}
    emit(session, response, tables.task_definition)


def wait_for_revision(namespace: str, name: str, generation: int) -> dict:
    """The TaskDefinition once the operator has recorded this generation (or the timeout)."""
    deadline = time.monotonic() + REGISTER_WAIT_SECONDS
    while True:
        resource = get_task_definition(namespace, name) or {}
        status = resource.get("status") or {}
        if status.get("observedGeneration", 0) >= generation or time.monotonic() > deadline:
            return resource
        time.sleep(0.5)
