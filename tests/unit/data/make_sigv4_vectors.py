"""Writes sigv4_vectors.json: requests signed by botocore's own SigV4 signer, for
tests/unit/test_api_sigv4.py. Run with the clients' environment (botocore is not a dependency
of the operator): `.venv-clients/bin/python tests/unit/data/make_sigv4_vectors.py`."""

from __future__ import annotations

import datetime
import json
import pathlib
from unittest import mock

from botocore import auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SIGNED_AT = datetime.datetime(2026, 12, 2, 19, 0, 0)
CASES = [
    ("ListClusters", "https://ecs.example.test/", b"{}"),
    ("DescribeServices", "http://127.0.0.1:8443/",
     json.dumps({"cluster": "prod", "services": ["web", "api"]}).encode()),
    ("RegisterTaskDefinition", "https://ecs-api.ecs-operator.svc:8443/",
     json.dumps({"family": "web", "containerDefinitions": [
         {"name": "app", "image": "nginx:1.27", "memory": 128,
          "environment": [{"name": "GREETING", "value": "h\u00e9llo  w\u00f6rld"}]}]}).encode()),
]


def main() -> None:
    vectors = []
    for operation, url, body in CASES:
        request = AWSRequest(method="POST", url=url, data=body, headers={
            "X-Amz-Target": f"AmazonEC2ContainerServiceV20141113.{operation}",
            "Content-Type": "application/x-amz-json-1.1"})
        signer = auth.SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCY"),
                                "ecs", "eu-west-1")
        with mock.patch.object(auth, "get_current_datetime", return_value=SIGNED_AT):
            signer.add_auth(request)
        prepared = request.prepare()
        headers = [[key, value] for key, value in prepared.headers.items()]
        host = url.split("/")[2]
        headers.append(["Host", host])
        vectors.append({"operation": operation, "url": url, "headers": headers,
                        "body": body.decode()})
    path = pathlib.Path(__file__).with_name("sigv4_vectors.json")
    path.write_text(json.dumps({"signedAt": SIGNED_AT.isoformat() + "Z", "region": "eu-west-1",
                                "accessKeyId": "AKIDEXAMPLE",
                                "secretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCY",
                                "requests": vectors}, indent=1) + "\n")


if __name__ == "__main__":
    main()
