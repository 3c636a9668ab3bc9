"""What an incoming AWS API call is: service, operation, region, caller kind and protocol."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from urllib.parse import parse_qs

from tests.emulator import DEFAULT_REGION

# X-Amz-Target prefixes of the JSON-protocol services the emulator extends.
TARGET_PREFIX_TO_SERVICE = {
    "AmazonSSM": "ssm",
    "AmazonEC2ContainerServiceV20141113": "ecs",
    "ResourceGroupsTaggingAPI_20170126": "tagging",
}
QUERY_PROTOCOL_SERVICES = frozenset({"iam", "sts", "ec2"})
AGENT_USER_AGENT_PREFIXES = ("amazon-ssm-agent/", "amazon-ecs-agent/")
READ_PREFIXES = ("Describe", "List", "Get")
# The ECS agent polls this all the time; it changes nothing.
READ_OPERATIONS = frozenset({"DiscoverPollEndpoint"})

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass
class AwsRequest:
    service: str | None
    operation: str | None
    region: str
    agent: bool
    body: bytes
    query_protocol: bool
    method: str = "POST"

    @property
    def write(self) -> bool:
        if not self.operation:
            return True
        return not (self.operation.startswith(READ_PREFIXES) or self.operation in READ_OPERATIONS)


def read_body(environ: dict) -> bytes:
    """Read the request body and put it back so moto can read it again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def identify(environ: dict) -> AwsRequest:
    """Decide service and region the way moto does (SigV4 credential scope first), then the operation."""
    body = read_body(environ)
    service = None
    region = DEFAULT_REGION
    scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if scope:
        region, service = scope.group(1), scope.group(2).lower()

    operation = None
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target and "." in target:
        prefix, operation = target.split(".", 1)
        service = service or TARGET_PREFIX_TO_SERVICE.get(prefix)
    else:
        # Query protocol: Action in the form body (POST) or in the query string (GET).
        params = parse_qs(environ.get("QUERY_STRING", ""))
        if body and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            params.update(parse_qs(body.decode("utf-8", "replace")))
        if params.get("Action"):
            operation = params["Action"][0]

    user_agent = environ.get("HTTP_USER_AGENT", "")
    return AwsRequest(
        service=service,
        operation=operation,
        region=region,
        agent=user_agent.startswith(AGENT_USER_AGENT_PREFIXES),
        body=body,
        query_protocol=not target,
        method=environ.get("REQUEST_METHOD", "POST"),
    )
