"""AWS error responses in the JSON and query protocols, and reading error codes back out of moto's."""

from __future__ import annotations

import json
import re
import uuid

QUERY_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}
_XML_CODE = re.compile(rb"<Code>([^<]+)</Code>")


class AwsError(Exception):
    """Raised by the patches; turned into the protocol's error response."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def json_response(payload: dict, status: int = 200) -> tuple[int, list[tuple[str, str]], bytes]:
    body = json.dumps(payload).encode()
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-RequestId", str(uuid.uuid4())),
        ("Content-Length", str(len(body))),
    ]
    return status, headers, body


def error_response(error: AwsError, service: str | None, query_protocol: bool) -> tuple[int, list, bytes]:
    """The error as that service's protocol carries it."""
    request_id = str(uuid.uuid4())
    if query_protocol:
        namespace = QUERY_NAMESPACES.get(service or "", "")
        body = (
            f'<ErrorResponse xmlns="{namespace}"><Error><Type>Sender</Type>'
            f"<Code>{error.code}</Code><Message>{error.message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id), ("Content-Length", str(len(body)))]
        return error.status, headers, body
    body = json.dumps({"__type": error.code, "message": error.message}).encode()
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", error.code),
        ("Content-Length", str(len(body))),
    ]
    return error.status, headers, body


def error_code_of(body: bytes) -> str | None:
    """The error code in an error response moto produced (JSON `__type` or XML `<Code>`)."""
    stripped = body.lstrip()
    if stripped.startswith(b"{"):
        try:
            code = json.loads(stripped).get("__type")
        except ValueError:
            return None
        return code.rsplit("#", 1)[-1] if code else None
    match = _XML_CODE.search(body)
    return match.group(1).decode() if match else None
