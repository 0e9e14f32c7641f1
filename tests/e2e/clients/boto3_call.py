"""One boto3 call against the ECS API, run with the clients' environment (.venv-clients):
boto3 and the aws CLI need python-dateutil<3, the operator's kubernetes client >=3.

Reads {"endpoint", "region", "accessKeyId", "secretAccessKey", "operation", "params",
"waiter", "clockOffsetSeconds", "unsigned", "caBundle"} as JSON on stdin; prints {"response": ...} or
{"error": {"code", "message", "status"}} on stdout.

boto3 validates the request against botocore's ECS model (parameter validation on); the
response is validated here against the operation's output shape with the same validator
(types, required members, lengths and ranges), which botocore itself never does.
"""

from __future__ import annotations

import datetime
import json
import sys

import boto3
import botocore.auth
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError, WaiterError
from botocore.validate import ParamValidator


def _response_problems(client, operation: str, response: dict) -> str:
    model = client.meta.service_model.operation_model(
        client.meta.method_to_api_mapping[operation])
    if model.output_shape is None:
        return ""
    report = ParamValidator().validate(response, model.output_shape)
    return report.generate_report() if report.has_errors() else ""


def main() -> None:
    given = json.load(sys.stdin)
    offset = datetime.timedelta(seconds=given.get("clockOffsetSeconds", 0))
    if offset:
        real_now = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda: real_now() + offset
    config = Config(parameter_validation=True, retries={"total_max_attempts": 1},
                    **({"signature_version": UNSIGNED} if given.get("unsigned") else {}))
    client = boto3.client("ecs", endpoint_url=given["endpoint"], region_name=given["region"],
                          aws_access_key_id=given["accessKeyId"],
                          aws_secret_access_key=given["secretAccessKey"], config=config,
                          verify=given.get("caBundle"))
    try:
        if given.get("waiter"):
            client.get_waiter(given["waiter"]).wait(
                **given["params"], WaiterConfig={"Delay": 1, "MaxAttempts": 120})
            response: dict = {}
        else:
            response = getattr(client, given["operation"])(**given["params"])
            response.pop("ResponseMetadata", None)
            invalid = _response_problems(client, given["operation"], response)
            if invalid:
                print(json.dumps({"error": {"code": "ResponseValidationError",
                                            "message": invalid, "status": 0}}))
                return
    except ClientError as error:
        print(json.dumps({"error": {"code": error.response["Error"]["Code"],
                                    "message": error.response["Error"].get("Message", ""),
                                    "status": error.response["ResponseMetadata"][
                                        "HTTPStatusCode"]}}))
        return
    except ParamValidationError as error:
        print(json.dumps({"error": {"code": "ParamValidationError", "message": str(error),
                                    "status": 0}}))
        return
    except WaiterError as error:
        print(json.dumps({"error": {"code": "WaiterError", "message": str(error),
                                    "status": 0}}))
        return
    print(json.dumps({"response": response}, default=str))


if __name__ == "__main__":
    main()
