"""Where the agents keep their files on a host.

AGENT_STANDIN_ROOT is a test-only knob: tests point it at a temporary directory so
the agents can run on the test runner itself. On a real test host it is unset.
"""

import os

ROOT_ENV = "AGENT_STANDIN_ROOT"


def host_path(path: str) -> str:
    """Absolute host path, moved under the test root prefix when one is set."""
    root = os.environ.get(ROOT_ENV, "")
    if not root:
        return path
    return os.path.join(root, path.lstrip("/"))


SSM_CONFIG = "/etc/amazon/ssm/amazon-ssm-agent.json"
SSM_DATA_DIR = "/var/lib/amazon/ssm"
SSM_VAULT_DIR = "/var/lib/amazon/ssm/Vault"
SSM_VAULT_MANIFEST = "/var/lib/amazon/ssm/Vault/Manifest"
SSM_REGISTRATION_KEY = "/var/lib/amazon/ssm/Vault/Store/RegistrationKey"
SSM_LEGACY_REGISTRATION = "/var/lib/amazon/ssm/registration"
SSM_LOG_DIR = "/var/log/amazon/ssm"

ECS_CONFIG_FILES = ("/var/lib/ecs/ecs.config", "/etc/ecs/ecs.config")
ECS_DATA_DIR = "/var/lib/ecs/data"
ECS_STATE_FILE = "/var/lib/ecs/data/ecs_agent_data.json"
ECS_LOG_DIR = "/var/log/ecs"
# Test-only knob: ECS agent versions (one a line) that crash at start on this host.
ECS_STANDIN_CRASH_VERSIONS = "/var/lib/ecs-standin/crash-versions"
DOCKER_SOCKET = "/var/run/docker.sock"
