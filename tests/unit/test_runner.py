"""Starting up: the operator waits until the API server serves every kind it handles."""

from __future__ import annotations

import logging

import kopf
import pytest

from ecs_operator import runner


def test_waits_until_every_kind_is_served_and_names_the_missing_ones(monkeypatch, caplog):
    served = iter([{"ecsservices", "ecstasks"}, {"ecsservices", "ecstasks"}, set(runner.SERVED_KINDS) | {"other"}])
    lookups = []

    def lookup(group: str, version: str) -> set[str]:
        lookups.append((group, version))
        return next(served)

    monkeypatch.setattr(runner.k8s, "served_resources", lookup)
    monkeypatch.setattr(runner.time, "sleep", lambda seconds: None)
    with caplog.at_level(logging.WARNING, logger=runner.__name__):
        runner.wait_for_custom_resources()

    assert lookups == [("ecs.operator.dev", "v1alpha1")] * 3
    # One reminder, not one per poll; it names what is missing and how to install it.
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "serve scheduledtasks, taskdefinitions (group ecs.operator.dev)" in message
    assert "kubectl apply -f crds/" in message


def test_returns_at_once_when_the_kinds_are_served(monkeypatch):
    monkeypatch.setattr(runner.k8s, "served_resources",
                        lambda group, version: set(runner.SERVED_KINDS))

    def no_sleep(seconds: float) -> None:
        pytest.fail("waited although every kind is served")

    monkeypatch.setattr(runner.time, "sleep", no_sleep)
    runner.wait_for_custom_resources()


def _configured(monkeypatch) -> kopf.OperatorSettings:
    monkeypatch.setattr(runner.k8s, "load_configuration", lambda: None)
    monkeypatch.setattr(runner, "wait_for_custom_resources", lambda: None)
    settings = kopf.OperatorSettings()
    runner.configure(settings=settings)
    return settings


def test_an_event_that_cannot_be_posted_is_given_up_within_seconds(monkeypatch):
    # Kopf retries a 403 (a namespace being deleted answers one) after each of these delays.
    backoffs = _configured(monkeypatch).posting.default_backoffs
    assert len(backoffs) + 1 <= 3 and sum(backoffs) <= 5


def test_the_operator_watches_only_the_budgets_it_made(monkeypatch):
    settings = _configured(monkeypatch)
    selectors = settings.watching.label_selectors.collect(
        kopf.Resource("policy", "v1", "poddisruptionbudgets"))
    assert list(selectors) == ["app.kubernetes.io/managed-by=ecs-operator"]
