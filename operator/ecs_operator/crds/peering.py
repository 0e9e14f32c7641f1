"""Kopf's peering CRDs: with several operator replicas, the one with the highest priority in
the (Cluster)KopfPeering object is active and the others wait."""

from __future__ import annotations

from .schema import Schema


def crd(*, cluster: bool) -> Schema:
    kind = "ClusterKopfPeering" if cluster else "KopfPeering"
    plural = kind.lower() + "s"
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.kopf.dev"},
        "spec": {
            "group": "kopf.dev",
            "scope": "Cluster" if cluster else "Namespaced",
            "names": {"kind": kind, "plural": plural, "singular": kind.lower()},
            "versions": [{
                "name": "v1", "served": True, "storage": True,
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "description": "Which ecs-operator replicas are alive, and their priorities.",
                    "properties": {"status": {"type": "object",
                                              "x-kubernetes-preserve-unknown-fields": True}},
                }},
            }],
        },
    }
