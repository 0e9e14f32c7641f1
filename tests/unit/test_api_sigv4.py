"""SigV4 verification against requests botocore's own signer signed (data/sigv4_vectors.json,
written by data/make_sigv4_vectors.py), and the ways a request is refused."""

from __future__ import annotations

import dataclasses
import json
import pathlib
from datetime import datetime, timedelta, timezone

import pytest

from ecs_operator.api.protocol import EcsError
from ecs_operator.api.sigv4 import Credential, SignedRequest, verify

VECTORS = json.loads((pathlib.Path(__file__).parent / "data/sigv4_vectors.json").read_text())
SIGNED_AT = datetime(2026, 12, 2, 19, 0, 0, tzinfo=timezone.utc)
REGION = VECTORS["region"]
KEY = Credential(VECTORS["accessKeyId"], VECTORS["secretAccessKey"], user="alice",
                 groups=("team-a",))
KEYS = {KEY.access_key_id: KEY}


def signed(vector: dict) -> SignedRequest:
    return SignedRequest(method="POST", path="/", query="",
                         headers=[tuple(pair) for pair in vector["headers"]],
                         body=vector["body"].encode())


def replaced(request: SignedRequest, name: str, value: str | None) -> SignedRequest:
    headers = [(k, v) for k, v in request.headers if k.lower() != name.lower()]
    if value is not None:
        headers.append((name, value))
    return dataclasses.replace(request, headers=headers)


@pytest.mark.parametrize("vector", VECTORS["requests"], ids=lambda v: v["operation"])
@pytest.mark.parametrize("clock_offset", [timedelta(0), timedelta(minutes=4, seconds=59),
                                          -timedelta(minutes=4, seconds=59)])
def test_botocore_signed_requests_verify(vector: dict, clock_offset: timedelta) -> None:
    assert verify(signed(vector), KEYS, REGION, SIGNED_AT + clock_offset) == KEY


def _tampered_body(request: SignedRequest) -> SignedRequest:
    return dataclasses.replace(request, body=request.body.replace(b"web", b"evil"))


@pytest.mark.parametrize("change, code, message", [
    (lambda r: replaced(r, "Authorization", None), "MissingAuthenticationTokenException",
     "Missing Authentication Token"),
    (lambda r: replaced(r, "Authorization", "Bearer xyz"), "IncompleteSignatureException",
     "AWS4-HMAC-SHA256"),
    (_tampered_body, "InvalidSignatureException", "does not match"),
    (lambda r: replaced(r, "X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DeleteCluster"),
     "InvalidSignatureException", "does not match"),
    (lambda r: replaced(r, "Host", "elsewhere.test"), "InvalidSignatureException",
     "does not match"),
    (lambda r: replaced(r, "X-Amz-Security-Token", "token"), "UnrecognizedClientException",
     "Session tokens"),
    (lambda r: replaced(r, "X-Amz-Date", "yesterday"), "IncompleteSignatureException",
     "X-Amz-Date"),
])
def test_changed_requests_are_refused(change, code: str, message: str) -> None:
    request = change(signed(VECTORS["requests"][-1]))
    with pytest.raises(EcsError) as refused:
        verify(request, KEYS, REGION, SIGNED_AT)
    assert refused.value.code == code
    assert message in refused.value.message


@pytest.mark.parametrize("keys, region, now, code, message", [
    ({}, REGION, SIGNED_AT, "UnrecognizedClientException", "security token"),
    ({KEY.access_key_id: dataclasses.replace(KEY, secret_access_key="other")}, REGION,
     SIGNED_AT, "InvalidSignatureException", "does not match"),
    (KEYS, "us-east-1", SIGNED_AT, "InvalidSignatureException", "region 'us-east-1'"),
    (KEYS, REGION, SIGNED_AT + timedelta(minutes=5, seconds=1), "InvalidSignatureException",
     "Signature expired: 20261202T190000Z is now earlier than 20261202T190001Z"),
    (KEYS, REGION, SIGNED_AT - timedelta(minutes=6), "InvalidSignatureException",
     "not yet current"),
])
def test_keys_region_and_clock_are_checked(keys, region: str, now: datetime, code: str,
                                           message: str) -> None:
    with pytest.raises(EcsError) as refused:
        verify(signed(VECTORS["requests"][0]), keys, region, now)
    assert (refused.value.code, refused.value.status) == (code, 403)
    assert message in refused.value.message
