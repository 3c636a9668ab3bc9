"""One AWS API call against the world's emulator, for playbooks: prints the response as JSON.

  python -m tests.world.aws_call SERVICE OPERATION ['{"Param": ...}']

The endpoint, credentials and region come from the environment (AWS_ENDPOINT_URL, ...), as for any boto3 client.
"""

from __future__ import annotations

import json
import sys

import boto3
import botocore.exceptions


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    service, operation = argv[0], argv[1]
    params = json.loads(argv[2]) if len(argv) == 3 else {}
    client = boto3.client(service)
    method = _method(client, operation)
    try:
        response = method(**params)
    except botocore.exceptions.ClientError as error:
        print(json.dumps(error.response.get("Error", {})), file=sys.stderr)
        return 1
    response.pop("ResponseMetadata", None)
    print(json.dumps(response, default=str))
    return 0


def _method(client, operation: str):
    """Accept the API's name (DescribeInstanceInformation) or boto3's (describe_instance_information)."""
    by_api_name = {api: py for py, api in client.meta.method_to_api_mapping.items()}
    return getattr(client, by_api_name.get(operation, operation))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
