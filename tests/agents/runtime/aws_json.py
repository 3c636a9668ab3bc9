"""A minimal client for AWS's JSON protocol, as the agents speak it.

Proxies: urllib's default opener honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY from the
environment, which is how users configure the real agents (systemd drop-ins).
"""

import json
import random
import time
import urllib.error
import urllib.request

TARGET_PREFIX = {
    "ssm": "AmazonSSM",
    "ecs": "AmazonEC2ContainerServiceV20141113",
}


class AwsError(Exception):
    """An error answer from the service, or no answer at all (code 'RequestError')."""

    def __init__(self, code: str, message: str, status: int = 0):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def endpoint_url(override: str, service: str, region: str) -> str:
    """The override when set (a host name gets https://, as the agents assume), else AWS's regional endpoint."""
    if not override:
        return f"https://{service}.{region}.amazonaws.com"
    if "://" not in override:
        return f"https://{override}"
    return override


THROTTLING_CODES = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException"})
THROTTLE_RETRIES = 3


class JsonClient:
    def __init__(
        self, service: str, region: str, endpoint: str, user_agent: str, access_key: str, *, timeout: float = 60
    ):
        self.service = service
        self.region = region
        self.endpoint = endpoint.rstrip("/") + "/"
        self.user_agent = user_agent
        self.access_key = access_key
        # 10 s was too short on a loaded test machine: -register failed with "send request
        # failed: timed out" while the emulator was still answering. The real agents' SDK
        # waits longer than that too.
        self.timeout = timeout

    def call(self, operation: str, params: dict) -> dict:
        # The real agents' AWS SDK retries throttling (3 retries, jittered backoff); so do the stand-ins.
        for attempt in range(THROTTLE_RETRIES + 1):
            try:
                return self._call_once(operation, params)
            except AwsError as error:
                if error.code not in THROTTLING_CODES or attempt == THROTTLE_RETRIES:
                    raise
                time.sleep(random.uniform(0.1, 0.3) * 2**attempt)
        raise AssertionError("unreachable")

    def _call_once(self, operation: str, params: dict) -> dict:
        date = time.strftime("%Y%m%d", time.gmtime())
        scope = f"{self.access_key}/{date}/{self.region}/{self.service}/aws4_request"
        request = urllib.request.Request(
            self.endpoint,
            data=json.dumps(params).encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"{TARGET_PREFIX[self.service]}.{operation}",
                "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
                # The server reads service and region from the credential scope; the signature is not checked.
                "Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=0",
                "User-Agent": self.user_agent,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            raise _service_error(error.code, error.read()) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise AwsError("RequestError", f"send request failed: {reason}") from None
        return json.loads(body) if body.strip() else {}


def _service_error(status: int, body: bytes) -> AwsError:
    try:
        document = json.loads(body)
    except ValueError:
        return AwsError("UnknownError", body.decode(errors="replace")[:200], status)
    code = str(document.get("__type", "UnknownError")).rsplit("#", 1)[-1]
    message = document.get("message") or document.get("Message") or ""
    return AwsError(code, message, status)
