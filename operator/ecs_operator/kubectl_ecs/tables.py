"""Human renderings of ECS responses: kubectl-style aligned columns. Pure."""

from __future__ import annotations

from collections.abc import Sequence

MAX_EVENTS = 5


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    text = [[("" if cell is None else str(cell)) for cell in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) if text else len(h)
              for i, h in enumerate(headers)]
    lines = [headers, *text]
    return "\n".join("   ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip()
                     for line in lines)


def failures(response: dict) -> str:
    items = response.get("failures") or []
    if not items:
        return ""
    return "\n\nFAILURES\n" + table(["ARN", "REASON"], [[f["arn"], f["reason"]] for f in items])


def services(response: dict) -> str:
    parts = []
    for item in response.get("services", []):
        rollout = next((d.get("rolloutState") for d in item.get("deployments", [])
                        if d.get("status") == "PRIMARY"), "")
        parts.append(table(
            ["SERVICE", "STATUS", "DESIRED", "RUNNING", "PENDING", "TASK DEFINITION", "ROLLOUT"],
            [[item["serviceName"], item["status"], item["desiredCount"], item["runningCount"],
              item["pendingCount"], item["taskDefinition"], rollout]]))
        if item.get("deployments"):
            parts.append("DEPLOYMENTS\n" + table(
                ["ID", "STATUS", "TASK DEFINITION", "DESIRED", "RUNNING", "PENDING", "FAILED",
                 "ROLLOUT"],
                [[d.get("id"), d.get("status"), d.get("taskDefinition"), d.get("desiredCount"),
                  d.get("runningCount"), d.get("pendingCount"), d.get("failedTasks", 0),
                  d.get("rolloutState")] for d in item["deployments"]]))
        if item.get("events"):
            parts.append("EVENTS\n" + table(
                ["CREATED", "MESSAGE"],
                [[e.get("createdAt"), e.get("message")] for e in item["events"][:MAX_EVENTS]]))
    if not parts and not response.get("failures"):
        return "No services found."
    return ("\n\n".join(parts) + failures(response)).strip("\n")


def tasks(response: dict) -> str:
    items = response.get("tasks", [])
    text = table(["TASK", "TASK DEFINITION", "LAST STATUS", "DESIRED", "HEALTH", "STOP CODE",
                  "STARTED BY"],
                 [[t["taskArn"], t["taskDefinitionArn"], t["lastStatus"], t["desiredStatus"],
                   t["healthStatus"], t.get("stopCode", ""), t.get("startedBy", "")]
                  for t in items]) if items else ("" if response.get("failures")
                                                   else "No tasks found.")
    containers = [[t["taskArn"], c["name"], c["lastStatus"], c.get("exitCode", ""),
                   c["healthStatus"]] for t in items for c in t.get("containers", [])]
    if containers:
        text += "\n\nCONTAINERS\n" + table(["TASK", "NAME", "LAST STATUS", "EXIT CODE", "HEALTH"],
                                           containers)
    stopped = [[t["taskArn"], t["stoppedReason"]] for t in items if t.get("stoppedReason")]
    if stopped:
        text += "\n\nSTOPPED REASON\n" + table(["TASK", "REASON"], stopped)
    return (text + failures(response)).strip("\n")


def task_arns(response: dict) -> str:
    arns = response.get("taskArns", [])
    return table(["TASK ARN"], [[a] for a in arns]) if arns else "No tasks found."


def task_definition(response: dict) -> str:
    td = response["taskDefinition"]
    return table(["TASK DEFINITION", "FAMILY", "REVISION", "CONTAINERS", "STATUS"],
                 [[td.get("taskDefinitionArn", f"{td['family']}:?"), td["family"],
                   td.get("revision", "?"), ",".join(c["name"] for c in
                                                     td.get("containerDefinitions", [])),
                   td.get("status", "")]])
