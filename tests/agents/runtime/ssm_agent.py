"""The stand-in amazon-ssm-agent: '-register' and the daemon that heartbeats.

Flags, messages and exit codes follow the real agent (agent_parser.go): a second
registration asks "[Yes/No]" on stdin unless -y is given, -clear wipes the stored
identity first, and every failure exits 1. The activation code is sent to SSM and
never written anywhere.
"""

import argparse
import base64
import hashlib
import json
import os
import platform
import secrets
import signal
import socket
import sys
import threading

from . import ssm_registration
from .agent_log import AgentLog, proxy_environment
from .aws_json import AwsError, JsonClient, endpoint_url
from .host_paths import SSM_CONFIG, SSM_LOG_DIR, host_path
from .package_version import package_version, upstream_version

# Test-only knob: the heartbeat period in seconds.
HEARTBEAT_ENV = "AGENT_STANDIN_HEARTBEAT_SECONDS"
DEFAULT_HEARTBEAT_SECONDS = 20

log = AgentLog(f"{SSM_LOG_DIR}/amazon-ssm-agent.log")

USAGE = """

Command-line Usage:
\t-register\tregister managed instance
\t\t-id\tSSM activation ID
\t\t-code\tSSM activation code
\t\t-region\tSSM region

\t\t-clear\tClears the previously saved SSM registration

\t-y\tAnswer yes for all questions
"""


def load_config() -> dict:
    """amazon-ssm-agent.json when present; the agent runs on defaults without it, as the real one does."""
    try:
        with open(host_path(SSM_CONFIG), encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return {}
    except ValueError as error:
        log.error(f"Error parsing {SSM_CONFIG}: {error}; using default configuration")
        return {}


def agent_version() -> str:
    """The version the package was built with (the agent's own packages carry no Debian revision)."""
    return upstream_version(package_version())


def ssm_client(config: dict, region: str, access_key: str) -> JsonClient:
    override = config.get("Ssm", {}).get("Endpoint", "")
    user_agent = f"amazon-ssm-agent/{agent_version()}"
    return JsonClient("ssm", region, endpoint_url(override, "ssm", region), user_agent, access_key)


def ask_for_confirmation() -> bool:
    sys.stdout.write(
        "\nInstance already registered. Would you like to override existing with new registration information? [Yes/No]: "
    )
    sys.stdout.flush()
    response = sys.stdin.readline().strip()
    if not response:
        raise ValueError("EOF")
    first = response[0].lower()
    if first == "y":
        return True
    if first == "n":
        return False
    raise ValueError("Invalid response received.")


def fingerprint() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()


def register(args: argparse.Namespace) -> int:
    if not (args.code and args.id and args.region):
        if args.clear:
            return clear_registration()
        sys.stderr.write(USAGE)
        return 1

    if not args.y and ssm_registration.load()["instanceID"]:
        try:
            confirmed = ask_for_confirmation()
        except ValueError as error:
            log.error(f"Registration failed due to {error}")
            return 1
        if not confirmed:
            log.info("Registration canceled by user")
            return 1

    if args.clear and clear_registration() != 0:
        return 1

    # The real agent stores its new key before calling SSM (to check it can write),
    # so a failed registration leaves an empty identity behind.
    private_key = base64.b64encode(secrets.token_bytes(96)).decode()
    public_key = base64.b64encode(secrets.token_bytes(64)).decode()
    try:
        ssm_registration.store("", "", private_key, "Rsa")
    except OSError as error:
        log.error(
            f"Registration failed due to Unable to save registration information. {error}\n"
            "Try running as sudo/administrator."
        )
        return 1

    client = ssm_client(load_config(), args.region, "anonymous")
    try:
        answer = client.call(
            "RegisterManagedInstance",
            {
                "ActivationCode": args.code,
                "ActivationId": args.id,
                "PublicKey": public_key,
                "PublicKeyType": "Rsa",
                "Fingerprint": fingerprint(),
            },
        )
    except AwsError as error:
        log.error(f"Registration failed due to error registering the instance with AWS SSM. {error}")
        return 1
    instance_id = answer["InstanceId"]
    ssm_registration.store(instance_id, args.region, private_key, "Rsa")
    ssm_registration.write_legacy_registration(instance_id, args.region)
    log.info(f"Successfully registered the instance with AWS SSM using Managed instance-id: {instance_id}")
    return 0


def clear_registration() -> int:
    try:
        ssm_registration.clear()
    except OSError as error:
        log.error(f"error clearing the instance registration information. {error}\nTry running as sudo/administrator.")
        return 1
    log.info("Registration information has been removed from the instance.")
    return 0


def os_release() -> dict:
    values = {}
    try:
        with open("/etc/os-release", encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.strip().partition("=")
                values[key] = value.strip('"')
    except OSError:
        pass
    return values


def local_address() -> str:
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


def heartbeat_seconds() -> float:
    # The real agent is in contact all the time (message polling as well as health pings every
    # Ssm.HealthFrequencyMinutes); one call every 20 s stands in for all of it and keeps the
    # instance Online under the emulator's default 60 s ping timeout.
    return float(os.environ.get(HEARTBEAT_ENV) or DEFAULT_HEARTBEAT_SECONDS)


def run_daemon() -> int:
    log.info(f"amazon-ssm-agent - v{agent_version()}")
    log.info(f"OS: {sys.platform}, Arch: {platform.machine()}")
    proxies = proxy_environment()
    if proxies:
        log.info("Proxy environment variables:")
        for line in proxies:
            log.info(line)

    config = load_config()
    identity = ssm_registration.load()
    if not identity["instanceID"]:
        # Not registered and not on EC2: the real agent fails to assume an identity and exits; systemd retries.
        log.error("Agent failed to assume any identity: no registration found in the vault; register with -register")
        return 1
    instance_id, region = identity["instanceID"], identity["region"]
    log.info(f"Agent will take identity from OnPrem: {instance_id} in {region}")

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())

    client = ssm_client(config, region, instance_id)
    release = os_release()
    interval = heartbeat_seconds()
    while not stopping.is_set():
        try:
            client.call(
                "UpdateInstanceInformation",
                {
                    "InstanceId": instance_id,
                    "AgentVersion": agent_version(),
                    "AgentStatus": "Active",
                    "AgentName": "amazon-ssm-agent",
                    "PlatformName": release.get("NAME", "Linux"),
                    "PlatformVersion": release.get("VERSION_ID", ""),
                    "PlatformType": "Linux",
                    "ComputerName": socket.gethostname(),
                    "IPAddress": local_address(),
                },
            )
            log.info(f"[HealthCheck] HealthCheck reporting agent health for {instance_id}")
        except AwsError as error:
            log.error(f"[HealthCheck] error when calling AWS APIs. error: {error}")
        stopping.wait(interval)
    log.info("Stopping amazon-ssm-agent")
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="amazon-ssm-agent", allow_abbrev=False, add_help=False)
    parser.add_argument("-register", "--register", action="store_true")
    parser.add_argument("-code", "--code", default="")
    parser.add_argument("-id", "--id", default="")
    parser.add_argument("-region", "--region", default="")
    parser.add_argument("-clear", "--clear", action="store_true")
    parser.add_argument("-y", "--y", action="store_true")
    parser.add_argument("-version", "--version", action="store_true")
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        sys.stderr.write(f"flag provided but not defined: {unknown[0]}{USAGE}")
        sys.exit(2)
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.version:
        print(f"SSM Agent version: {agent_version()}")
        return 0
    if args.register:
        return register(args)
    if argv:
        # Like the real agent, -clear and -y mean nothing without -register.
        sys.stderr.write(USAGE)
        return 1
    return run_daemon()


if __name__ == "__main__":
    sys.exit(main())
