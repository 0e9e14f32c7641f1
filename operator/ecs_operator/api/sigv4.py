"""AWS Signature Version 4 verification, from the published algorithm. Pure (the clock and the
keys are passed in).

The server rebuilds what the client signed (the canonical request, the string to sign, the
signing key derived from the secret) and compares signatures in constant time. A signature
more than five minutes from the server's clock is refused, so a captured request cannot be
replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from .protocol import EcsError

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "ecs"
MAX_CLOCK_SKEW = timedelta(minutes=5)
AMZ_DATE = "%Y%m%dT%H%M%SZ"
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/"
    r"(?P<service>[^/,\s]+)/aws4_request,\s*SignedHeaders=(?P<headers>[a-z0-9;\-]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})$")


@dataclass(frozen=True)
class Credential:
    """An access key and the Kubernetes identity its requests act as."""
    access_key_id: str
    secret_access_key: str
    user: str
    groups: tuple[str, ...] = ()
    cluster: str | None = None  # the cluster (namespace) of task definitions and defaults


@dataclass(frozen=True)
class SignedRequest:
    method: str
    path: str                   # as sent on the wire (percent-encoded), without the query
    query: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name]
        return ",".join(values) if values else None


def canonical_request(request: SignedRequest, signed_headers: list[str]) -> str:
    # Services other than S3 encode the (already encoded) path once more.
    path = quote(request.path or "/", safe="/~")
    query = "&".join(sorted(part if "=" in part else f"{part}="
                            for part in request.query.split("&") if part))
    headers = "".join(f"{name}:{' '.join((request.header(name) or '').split())}\n"
                      for name in signed_headers)
    return "\n".join([request.method.upper(), path, query, headers, ";".join(signed_headers),
                      hashlib.sha256(request.body).hexdigest()])


def string_to_sign(amz_date: str, scope: str, canonical: str) -> str:
    return "\n".join([ALGORITHM, amz_date, scope,
                      hashlib.sha256(canonical.encode()).hexdigest()])


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signature(secret: str, request: SignedRequest, signed_headers: list[str], amz_date: str,
              region: str, service: str = SERVICE) -> str:
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    text = string_to_sign(amz_date, scope, canonical_request(request, signed_headers))
    key = signing_key(secret, amz_date[:8], region, service)
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def verify(request: SignedRequest, keys: Mapping[str, Credential], region: str,
           now: datetime) -> Credential:
    """The credential that signed `request`, or the ECS error that refuses it."""
    authorization = request.header("authorization")
    if not authorization:
        raise EcsError("MissingAuthenticationTokenException", "Missing Authentication Token",
                       403)
    parsed = _AUTHORIZATION.match(authorization.strip())
    if not parsed:
        raise EcsError("IncompleteSignatureException",
                       f"Authorization header requires {ALGORITHM} with Credential, "
                       "SignedHeaders and Signature", 403)
    if request.header("x-amz-security-token"):
        raise EcsError("UnrecognizedClientException",
                       "Session tokens are not accepted here: use an access key of a Secret", 403)
    credential = keys.get(parsed["key"])
    if credential is None:
        raise EcsError("UnrecognizedClientException",
                       "The security token included in the request is invalid.", 403)
    signed_headers = parsed["headers"].split(";")
    if "host" not in signed_headers or "x-amz-date" not in signed_headers:
        raise EcsError("IncompleteSignatureException",
                       "SignedHeaders must include host and x-amz-date", 403)
    amz_date = request.header("x-amz-date") or ""
    try:
        signed_at = datetime.strptime(amz_date, AMZ_DATE).replace(tzinfo=timezone.utc)
    except ValueError:
        raise EcsError("IncompleteSignatureException",
                       f"X-Amz-Date {amz_date!r} is not {AMZ_DATE}", 403) from None
    if abs(now - signed_at) > MAX_CLOCK_SKEW:
        earliest = (now - MAX_CLOCK_SKEW).strftime(AMZ_DATE)
        raise EcsError("InvalidSignatureException",
                       f"Signature expired: {amz_date} is now earlier than {earliest} "
                       f"({now.strftime(AMZ_DATE)} - 5 min.)"
                       if signed_at < now else
                       f"Signature not yet current: {amz_date} is still later than "
                       f"{(now + MAX_CLOCK_SKEW).strftime(AMZ_DATE)}", 403)
    if parsed["date"] != amz_date[:8]:
        raise EcsError("InvalidSignatureException",
                       "Credential date does not match X-Amz-Date", 403)
    if parsed["service"] != SERVICE or parsed["region"] != region:
        raise EcsError("InvalidSignatureException",
                       f"Credential should be scoped to region {region!r} and service "
                       f"{SERVICE!r}", 403)
    expected = signature(credential.secret_access_key, request, signed_headers, amz_date,
                         region)
    if not hmac.compare_digest(expected, parsed["signature"]):
        raise EcsError("InvalidSignatureException",
                       "The request signature we calculated does not match the signature you "
                       "provided. Check your AWS Secret Access Key and signing method.", 403)
    return credential
