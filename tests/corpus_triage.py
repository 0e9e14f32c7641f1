"""Triage of the published corpus: what the importer does with each file today, and why it fails.

    .venv/bin/python -m tests.corpus_triage            # the importer in process, and the CLI
    .venv/bin/python -m tests.corpus_triage --apply    # also a server-side dry run of the
                                                       # manifests ($KUBECONFIG's cluster)

Prints one row per file (expectation, in-process result, CLI result) and the failures grouped
by cause with their counts. Nothing is asserted: tests/e2e/test_published_corpus.py does that.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ecs_operator.translate.ecs_import import import_documents

from .published_corpus import CorpusFile, failure_text, load_sources, manifests, read_report, \
    run_import

TRIAGE_NAMESPACE = "default"
CLI_AT_ONCE = 4  # the CLI's start-up is most of its cost; more at once only queues on 2 cores


def cause(message: str) -> str:
    """A failure message with what varies between files (field paths, names, values) taken
    out, so that files failing for the same reason group together."""
    message = re.sub(r"^(document \d+|TaskDefinition \S+|Service \S+): ", "", message)
    message = re.sub(r"No such option '[^']*'.*", "the CLI has no such option", message)
    problems = set()
    for problem in message.split("; "):
        problem = re.sub(r"'[^']*'|\"[^\"]*\"|\[[^]]*\]", "…", problem)
        field, _, what = problem.rpartition(": ")
        if what.startswith("Input should be a valid"):  # pydantic's wording for a null / type
            problems.add(f"{what} (a null or a wrong type)")
        else:
            problems.add(f"{re.sub(r'[.][0-9]+', '', field.split('.')[-1])}: {what}"
                         if field else what)
    return "; ".join(sorted(problems))[:160]


def in_process(entry: CorpusFile) -> str:
    """"ok (N objects, M not honoured)" or the first failure of `import_documents`."""
    document = entry.document()
    if document is None:
        return "not JSON"
    try:
        result = import_documents([document])
    except Exception as error:  # a crash is a finding, not a reason to stop the triage
        return f"CRASH {type(error).__name__}: {error}"
    if result.failures:
        return f"FAIL {result.failures[0]}"
    unsupported = sum(len(item.unsupported) for item in result.objects)
    return f"ok ({len(result.objects)} objects, {unsupported} fields not honoured)"


def through_cli(entry: CorpusFile, workdir: Path, apply: bool) -> str:
    report_path = workdir / f"{entry.file}.report.json"
    result = run_import([entry.path], entry.import_args, TRIAGE_NAMESPACE, report_path)
    report = read_report(report_path)
    if result.returncode != 0:
        last = (failure_text(result, report).splitlines() or [""])[-1]
        return f"FAIL rc={result.returncode} {last}"
    items = manifests(result.stdout)
    if apply and items:
        body = json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
        applied = subprocess.run(["kubectl", "apply", "--server-side", "--dry-run=server",
                                  "-f", "-"], input=body, capture_output=True, text=True)
        if applied.returncode != 0:
            return f"FAIL apply: {applied.stderr.strip().splitlines()[-1]}"
    return f"ok ({len(items)} manifests, {len(report['requires'])} requirements)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apply", action="store_true",
                        help="also dry-run the manifests against $KUBECONFIG's API server")
    options = parser.parse_args()
    entries = load_sources()
    with tempfile.TemporaryDirectory() as workdir, ThreadPoolExecutor(CLI_AT_ONCE) as pool:
        cli_results = pool.map(lambda entry: through_cli(entry, Path(workdir), options.apply),
                               entries)
        rows = [(entry, in_process(entry), cli)
                for entry, cli in zip(entries, cli_results, strict=True)]
    width = max(len(entry.file) for entry, _, _ in rows)
    print(f"{'file':{width}}  {'expect':17}  in process / CLI")
    for entry, direct, cli in rows:
        print(f"{entry.file:{width}}  {entry.expect:17}  {direct}\n{'':{width + 21}}{cli}")
    for label, column in (("in process", 1), ("CLI", 2)):
        causes = collections.Counter(cause(row[column].removeprefix("FAIL "))
                                     for row in rows if not row[column].startswith("ok"))
        failed = sum(causes.values())
        print(f"\n{label}: {len(rows) - failed} of {len(rows)} import; failures by cause:")
        for text, count in causes.most_common():
            print(f"  {count:3}  {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
