"""The objects of a BLUE_GREEN, CANARY or LINEAR service: one Deployment per revision
(`<service>-<revision>`, selecting its revision's tasks only, so both coexist), the
production Services selecting the revisions the deployment routes to, and `<service>-test`
(and `<name>-test` for each Service Connect name) selecting the target only."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from .gateway_routes import RouteBinding, gateway_objects, production_shares
from .names import ANNOTATION_TASK_DEFINITION, LABEL_SERVICE, revision_labels, \
    revision_object_name
from .service_deployment import Wanted
from .service_objects import ServiceObjects

TEST_SUFFIX = "-test"


def revision_deployment(base: dict, *, service: str, revision_arn: str, template: dict,
                        replicas: int) -> dict:
    """`base`: the service's Deployment as the ROLLING path builds it; `template`: the pod
    template of `revision_arn`."""
    made = copy.deepcopy(base)
    made["metadata"]["name"] = revision_object_name(service, revision_arn)
    made["metadata"].setdefault("annotations", {})[ANNOTATION_TASK_DEFINITION] = revision_arn
    made["spec"]["replicas"] = replicas
    made["spec"]["selector"] = {"matchLabels": {LABEL_SERVICE: service,
                                                **revision_labels(revision_arn)}}
    made["spec"]["template"] = template
    return made


def _selecting(service_object: dict, revisions: tuple[str, ...]) -> dict:
    made = copy.deepcopy(service_object)
    if len(revisions) == 1:  # several revisions: the service label selects them all
        made["spec"]["selector"] = {**made["spec"]["selector"], **revision_labels(revisions[0])}
    return made


def strategy_objects(wanted: ServiceObjects, *, service: str, plan: Wanted,
                     templates: dict[str, dict], routes: Sequence[RouteBinding] = (),
                     shares: dict[str, float] | None = None) -> ServiceObjects:
    """The ROLLING path's objects turned into the plan's: `templates` holds the pod
    template of each revision the plan runs; `routes`: the HTTPRoutes that split traffic by
    weight, `shares` the production share of each revision production selects."""
    base = next(o for o in wanted.objects
                if o["kind"] == "Deployment" and o["metadata"]["name"] == service)
    objects = [revision_deployment(base, service=service, revision_arn=arn,
                                   template=templates[arn], replicas=count)
               for arn, count in sorted(plan.replicas.items()) if count]
    for item in wanted.objects:
        if item is base:
            continue
        if item["kind"] != "Service":
            objects.append(item)
            continue
        objects.append(_selecting(item, plan.production))
        if plan.test:
            test = _selecting(item, (plan.test,))
            test["metadata"]["name"] = item["metadata"]["name"] + TEST_SUFFIX
            test["spec"].pop("clusterIP", None)
            objects.append(test)
    if routes:
        production = next(o for o in wanted.objects
                          if o["kind"] == "Service" and o["metadata"]["name"] == service)
        objects.extend(gateway_objects(
            list(routes), production=production, namespace=production["metadata"]["namespace"],
            service=service, revisions=[*plan.replicas, *plan.production],
            production_shares=shares or production_shares(None, plan.production),
            test=plan.test or plan.production[0]))
    return ServiceObjects(objects, wanted.unsupported)
