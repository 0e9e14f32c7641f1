"""Published ECS documents import and run unchanged (issue 22).

Each file of tests/corpus/published is imported as its README says a user does
(`kubectl-ecs import FILE ARGS -n NS --report REPORT.json`), in a namespace of its own; the
manifests are applied with `kubectl apply --server-side`, what the report says must exist is
created by running the commands it prints (with dummy values), and each task definition is run
as a Task, each service with the task definition it names. Then all of them are waited for in
one loop: a Task's `status.lastStatus` RUNNING, a Service's `status.runningCount` >= 1.

Run with `-s` to see the table (file, imported?, running?, reason) and the figures.
"""

from __future__ import annotations

import json
import pathlib
import shlex
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from ..published_corpus import CORPUS, SERVICE_KINDS, CorpusFile, failure_text, \
    load_sources, manifests, minimal_task_definition, names_field_and_fix, placeholders, \
    read_report, run_import, service_families

from .cluster import kubectl

pytestmark = pytest.mark.e2e

IMPORT_THRESHOLD = 0.95
RUNNING_THRESHOLD = 0.90
AT_ONCE = 4
RUNNING_TIMEOUT = 90  # on KWOK a task that can run is RUNNING within seconds
POLL_INTERVAL = 3
API = "ecs.operator.dev/v1alpha1"


@dataclass
class Case:
    entry: CorpusFile
    namespace: str
    imported: bool = False
    told: str = ""              # what the user was told when something failed
    names_field_and_fix: bool = True
    items: list[dict] = field(default_factory=list)
    requires: list[dict] = field(default_factory=list)
    runs: list[tuple[str, str]] = field(default_factory=list)   # (plural, name)
    running: bool = False
    reason: str = ""


def import_files(case: Case, workdir: pathlib.Path) -> None:
    """Imports the case's file, and first the task definitions a service file runs."""
    entry = case.entry
    before: list[tuple[list[pathlib.Path], tuple[str, ...]]] = []
    if entry.kind in SERVICE_KINDS and entry.expect == "runs":
        if entry.runs_with:
            paired = next(e for e in load_sources() if e.file == entry.runs_with)
            before.append(([paired.path], paired.import_args))
        else:
            for family, service in service_families(entry):
                written = workdir / f"{case.namespace}-{family}.json"
                written.write_text(json.dumps(minimal_task_definition(family, service)))
                before.append(([written], ()))
    for paths, args in before:
        result = run_import(paths, args, case.namespace, workdir / f"{paths[0].name}.report")
        if result.returncode == 0:
            case.items += manifests(result.stdout)
        else:
            case.reason = f"its task definition did not import: {result.stderr.strip()}"
    report_path = workdir / f"{case.namespace}.report.json"
    result = run_import([entry.path], entry.import_args, case.namespace, report_path)
    report = read_report(report_path)
    case.imported = result.returncode == 0 and bool(manifests(result.stdout))
    if not case.imported:
        case.told = failure_text(result, report)
        case.names_field_and_fix = bool(report["failures"]) and all(
            names_field_and_fix(failure) for failure in report["failures"])
        return
    own = manifests(result.stdout)
    case.items += own
    case.requires = report["requires"]
    for item in own:
        if item.get("kind") == "TaskDefinition" and entry.kind not in SERVICE_KINDS:
            case.runs.append(("ecstasks", f"{item['metadata']['name']}-run"))
        elif item.get("kind") == "Service":
            case.runs.append(("ecsservices", item["metadata"]["name"]))


def create_what_is_required(case: Case) -> None:
    """Runs the commands the report prints, placeholders replaced by dummy values; a claim it
    lists without a command is created as a user would (the volume behind it is bound by
    stand_in_for_provisioner)."""
    for requirement in case.requires:
        command = str(requirement.get("command") or "")
        if not command and requirement.get("kind") == "PersistentVolumeClaim":
            claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                     "metadata": {"name": requirement["name"]},
                     "spec": {"accessModes": ["ReadWriteMany"],
                              "resources": {"requests": {"storage": "1Gi"}}}}
            made = kubectl("apply", "-n", case.namespace, "-f", "-", input=json.dumps(claim),
                           check=False)
            if made.returncode != 0:
                case.reason = f"the claim {requirement['name']} was refused: {made.stderr}"
        if not command:
            continue
        for placeholder in placeholders(command):
            command = command.replace(placeholder, "dummy")
        if " -n " not in command and "--namespace" not in command:
            command += f" -n {shlex.quote(case.namespace)}"
        done = subprocess.run(["bash", "-c", command], capture_output=True, text=True)
        if done.returncode != 0 and "AlreadyExists" not in done.stderr:
            case.reason = f"`{command}` failed: {done.stderr.strip()}"


def apply_and_run(case: Case) -> None:
    body = json.dumps({"apiVersion": "v1", "kind": "List", "items": case.items})
    applied = kubectl("apply", "--server-side", "-n", case.namespace, "-f", "-", input=body,
                      check=False)
    if applied.returncode != 0:
        # A refusal by the API server is an import failure to the user, and names no fix.
        case.imported, case.names_field_and_fix = False, False
        case.told = applied.stderr.strip()
        return
    create_what_is_required(case)
    for plural, name in case.runs:
        if plural == "ecstasks":
            task = {"apiVersion": API, "kind": "Task", "metadata": {"name": name},
                    "spec": {"taskDefinition": name.removesuffix("-run")}}
            started = kubectl("apply", "--server-side", "-n", case.namespace, "-f", "-",
                              input=json.dumps(task), check=False)
            if started.returncode != 0:
                case.reason = f"the Task was refused: {started.stderr.strip()}"


def stand_in_for_provisioner(namespaces: set[str], provided: set[str]) -> None:
    """The local cluster has no volume provisioner: bind each pending claim to a hostPath
    volume, as a cluster's default StorageClass would provision one."""
    claims = json.loads(kubectl("get", "pvc", "-A", "-o", "json").stdout)["items"]
    for claim in claims:
        namespace, name = claim["metadata"]["namespace"], claim["metadata"]["name"]
        key = f"{namespace}-{name}"[:63]
        if namespace not in namespaces or key in provided or claim["status"].get("phase") \
                == "Bound":
            continue
        spec = claim["spec"]
        volume = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {
            "name": key, "labels": {"ecs-published-corpus": "stand-in"}}, "spec": {
            "capacity": {"storage": ((spec.get("resources") or {}).get("requests") or {})
                         .get("storage", "1Gi")},
            "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
            "storageClassName": spec.get("storageClassName") or "",
            "claimRef": {"namespace": namespace, "name": name},
            "hostPath": {"path": f"/tmp/ecs-published-corpus/{key}"}}}
        if kubectl("apply", "-f", "-", input=json.dumps(volume), check=False).returncode == 0:
            provided.add(key)


def observe(cases: list[Case]) -> None:
    """One loop for every task and service: until all run or the timeout."""
    waiting = [case for case in cases if case.imported and case.runs and not case.reason]
    namespaces = {case.namespace for case in waiting}
    provided: set[str] = set()
    deadline = time.monotonic() + RUNNING_TIMEOUT
    while waiting and time.monotonic() < deadline:
        stand_in_for_provisioner(namespaces, provided)
        listed = json.loads(kubectl("get", "ecstasks,ecsservices", "-A", "-o", "json").stdout)
        status = {(item["metadata"]["namespace"], item["metadata"]["name"], item["kind"]):
                  item.get("status") or {} for item in listed["items"]}
        for case in waiting:
            case.running = all(
                (status.get((case.namespace, name, "Task")) or {}).get("lastStatus")
                == "RUNNING" if plural == "ecstasks" else
                ((status.get((case.namespace, name, "Service")) or {}).get("runningCount")
                 or 0) >= 1
                for plural, name in case.runs)
        waiting = [case for case in waiting if not case.running]
        time.sleep(POLL_INTERVAL if waiting else 0)
    for case in waiting:
        case.reason = why_not_running(case)


def why_not_running(case: Case) -> str:
    """What a user would look at: the ECS objects' status, then the pods'."""
    found = []
    for plural, name in case.runs:
        got = kubectl("get", plural, name, "-n", case.namespace, "-o", "json", check=False)
        status = json.loads(got.stdout).get("status") or {} if got.returncode == 0 else {}
        messages = [c.get("message") for c in status.get("conditions") or []
                    if c.get("status") == "False" or c.get("type") in ("Degraded", "Failed")]
        found.append(f"{name}: {status.get('lastStatus') or status.get('runningCount')} "
                     f"{status.get('stoppedReason') or ''} {'; '.join(filter(None, messages))}")
    pods = json.loads(kubectl("get", "pods", "-n", case.namespace, "-o", "json").stdout)
    for pod in pods["items"][:2]:
        conditions = [c.get("message") for c in pod["status"].get("conditions") or []
                      if c.get("status") == "False" and c.get("message")]
        waiting = [s["state"]["waiting"].get("reason") for s in
                   pod["status"].get("containerStatuses") or [] if "waiting" in s["state"]]
        found.append(f"pod {pod['metadata']['name']} {pod['status'].get('phase')} "
                     f"{'; '.join(conditions + waiting)}")
    return " | ".join(found) if pods["items"] else " | ".join(found + ["no pod was created"])


def print_table(cases: list[Case]) -> None:
    width = max(len(case.entry.file) for case in cases)
    print(f"\n{'file':{width}}  {'expect':17}  imported  running  reason")
    for case in cases:
        running = "yes" if case.running else "-" if not case.imported else "no"
        reason = case.told if not case.imported else case.reason
        print(f"{case.entry.file:{width}}  {case.entry.expect:17}  "
              f"{'yes' if case.imported else 'no':8}  {running:7}  {reason[:400]}")


@pytest.fixture
def corpus_namespaces(namespace: str):
    """A namespace per corpus file, deleted (with the stand-in volumes) afterwards."""
    entries = load_sources()
    names = [f"{namespace}-{index:02d}" for index in range(len(entries))]
    with ThreadPoolExecutor(AT_ONCE) as pool:
        list(pool.map(lambda name: kubectl("create", "namespace", name), names))
    yield list(zip(entries, names, strict=True))
    for name in names:
        kubectl("delete", "namespace", name, "--wait=false", check=False)
    kubectl("delete", "pv", "-l", "ecs-published-corpus=stand-in", "--wait=false", check=False)


def test_the_corpus_is_what_sources_lists() -> None:
    listed = {entry.file for entry in load_sources()}
    on_disk = {path.name for path in CORPUS.glob("*.json")}
    assert listed == on_disk
    assert len(listed) >= 60
    valid = [entry for entry in load_sources() if entry.document() is not None]
    assert all(entry.expect != "invalid-json" for entry in valid)
    assert all(entry.document() is None for entry in load_sources()
               if entry.expect == "invalid-json")
    assert all(placeholders(entry.text()) for entry in load_sources()
               if entry.expect == "placeholder-error")


def test_published_documents_import_and_run(operator, corpus_namespaces, tmp_path) -> None:
    cases = [Case(entry, name) for entry, name in corpus_namespaces]
    started = time.monotonic()
    with ThreadPoolExecutor(AT_ONCE) as pool:
        list(pool.map(lambda case: import_files(case, tmp_path), cases))
        imported_at = time.monotonic()
        list(pool.map(apply_and_run,
                      [case for case in cases if case.imported and case.entry.expect == "runs"]))
    applied_at = time.monotonic()
    observe([case for case in cases if case.entry.expect == "runs"])
    print_table(cases)
    print(f"\nimports {imported_at - started:.0f}s, apply and run {applied_at - imported_at:.0f}s, "
          f"waiting {time.monotonic() - applied_at:.0f}s")

    expected_to_run = [case for case in cases if case.entry.expect == "runs"]
    imported = [case for case in expected_to_run if case.imported]
    running = [case for case in imported if case.running]
    import_rate = len(imported) / len(expected_to_run)
    running_rate = len(running) / len(imported) if imported else 0.0
    valid_json = [case for case in cases if case.entry.document() is not None]
    print(f"\n{len(cases)} files, {len(valid_json)} valid JSON; {len(expected_to_run)} without "
          f"placeholders: {len(imported)} import ({import_rate:.0%}), {len(running)} of those "
          f"reach RUNNING ({running_rate:.0%})")

    templates = [case for case in cases if case.entry.expect == "placeholder-error"]
    unclear = [case.entry.file for case in templates if case.imported or not any(
        placeholder in case.told for placeholder in placeholders(case.entry.text()))]
    not_json = [case.entry.file for case in cases if case.entry.expect == "invalid-json"
                and (case.imported or "JSON" not in case.told)]
    unexplained = [case.entry.file for case in cases if case.entry.expect != "invalid-json"
                   and not case.imported and not case.names_field_and_fix]
    # Every check at once, so that one run tells what remains.
    problems = {
        "failures that do not name the field and the fix": unexplained,
        "templates not refused with an error naming their placeholder": unclear,
        "invalid JSON not refused as such": not_json,
        f"import rate {import_rate:.0%} < {IMPORT_THRESHOLD:.0%}":
            import_rate < IMPORT_THRESHOLD,
        f"RUNNING rate {running_rate:.0%} < {RUNNING_THRESHOLD:.0%}":
            running_rate < RUNNING_THRESHOLD,
    }
    assert {what: found for what, found in problems.items() if found} == {}
