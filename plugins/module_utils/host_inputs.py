# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The external_instance role's checks of its inputs and of the host, before anything is written.

Each function returns messages that name the variable and the rule (empty when all is well).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.agent_versions import version_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.duration import parse_duration
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.naming import MARKER_KEY
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.ssm_tags import name_problem, tag_problems

# Keys of ecs_anywhere_ecs_config the role writes from its own variables.
OWNED_ECS_SETTINGS = (
    "ECS_CLUSTER",
    "ECS_EXTERNAL",
    "AWS_DEFAULT_REGION",
    "ECS_BACKEND_HOST",
    "ECS_ENABLE_GPU_SUPPORT",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
)
LONGEST_ACTIVATION_SECONDS = 30 * 86400
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_CLUSTER = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_ROLE_NAME = re.compile(r"^[\w+=,.@/-]{1,64}$")
_CHECKSUM = re.compile(r"^sha256:([0-9a-fA-F]{64}|https?://.+)$")
_PROXY = re.compile(r"^https?://[^/\s]+/?$")
_MIRROR = re.compile(r"^(https?|file)://")
_CREDENTIALS = re.compile(r"//[^@/]*@")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def region_problem(region):
    """What is wrong with an ecs_anywhere_region, or None."""
    if _REGION.match(str(region)):
        return None
    return "ecs_anywhere_region '%s' is not an AWS region name such as us-east-1" % region


def cluster_problem(cluster):
    """What is wrong with an ecs_anywhere_cluster, or None."""
    if _CLUSTER.match(str(cluster)):
        return None
    return "ecs_anywhere_cluster '%s' must be 1-255 letters, digits, - or _" % cluster


def input_problems(inputs):
    """INPUTS: the role's variables by name (ecs_anywhere_...)."""
    problems = [
        problem
        for problem in (
            region_problem(str(inputs.get("ecs_anywhere_region") or "")),
            cluster_problem(str(inputs.get("ecs_anywhere_cluster") or "")),
        )
        if problem
    ]
    role_name = str(inputs.get("ecs_anywhere_role_name") or "")
    if not _ROLE_NAME.match(role_name):
        problems.append(
            "ecs_anywhere_role_name '%s' must be a role name (1-64 of A-Z a-z 0-9 + = , . @ _ -, path allowed), not an ARN"
            % role_name
        )
    expires_in = inputs.get("ecs_anywhere_activation_expires_in")
    try:
        if parse_duration(expires_in) > LONGEST_ACTIVATION_SECONDS:
            problems.append("ecs_anywhere_activation_expires_in '%s' is more than 30 days, SSM's limit" % expires_in)
    except ValueError:
        problems.append("ecs_anywhere_activation_expires_in '%s' is not a duration such as 1h, 90m or 2d" % expires_in)
    timeouts = ("ecs_anywhere_verify_timeout", "ecs_anywhere_drain_timeout", "ecs_anywhere_min_free_disk_mb")
    verify, drain, disk = (_int(inputs.get(name)) for name in timeouts)
    if verify is None or verify <= 0 or drain is None or drain < 0 or disk is None or disk < 0:
        problems.append(
            "ecs_anywhere_verify_timeout (%s) must be more than 0 seconds, ecs_anywhere_drain_timeout (%s) and"
            " ecs_anywhere_min_free_disk_mb (%s) 0 or more" % tuple(inputs.get(name) for name in timeouts)
        )
    mirror = str(inputs.get("ecs_anywhere_package_mirror") or "")
    if mirror and not _MIRROR.match(mirror):
        problems.append("ecs_anywhere_package_mirror '%s' must be an http(s):// or file:// URL" % mirror)
    latest = [
        name
        for name in ("ecs_anywhere_ssm_agent_version", "ecs_anywhere_ecs_init_version")
        if str(inputs.get(name) or "latest") == "latest"
    ]
    if inputs.get("ecs_anywhere_upgrade_agents") and mirror.startswith("file://") and latest:
        problems.append(
            "ecs_anywhere_upgrade_agents looks the latest versions up over HTTP, which a file:// mirror (%s) does"
            " not serve; pin %s instead" % (mirror, " and ".join(latest))
        )
    for name in ("ecs_anywhere_ssm_agent_checksum", "ecs_anywhere_ecs_init_checksum"):
        value = str(inputs.get(name) or "")
        if value and not _CHECKSUM.match(value):
            problems.append("%s must be sha256:<64 hex digits> or sha256:<URL of a SHA256SUMS file>" % name)
    proxy = str(inputs.get("ecs_anywhere_http_proxy") or "")
    if proxy and not _PROXY.match(proxy):
        problems.append(
            "ecs_anywhere_http_proxy '%s' must be an http(s)://host:port URL"
            % _CREDENTIALS.sub("//<credentials>@", proxy)
        )
    for package in ("ssm_agent", "ecs_init"):
        url, path = "ecs_anywhere_%s_package_url" % package, "ecs_anywhere_%s_package_file" % package
        if inputs.get(url) and inputs.get(path):
            problems.append("%s and %s contradict each other; give one" % (url, path))
    problems += version_problems(inputs)
    owned = [key.upper() for key in inputs.get("ecs_anywhere_ecs_config") or {} if key.upper() in OWNED_ECS_SETTINGS]
    if owned:
        problems.append(
            "ecs_anywhere_ecs_config sets %s, which the role sets from its own variables (ecs_anywhere_cluster,"
            " ecs_anywhere_region, ecs_anywhere_ecs_endpoint, ecs_anywhere_enable_gpu, ecs_anywhere_http_proxy);"
            " use those" % ", ".join(owned)
        )
    problem = name_problem(inputs.get("ecs_anywhere_instance_name") or "", "ecs_anywhere_instance_name")
    if problem:
        problems.append(problem)
    # Name and the naming marker are set beside the instance's tags.
    instance_tags = inputs.get("ecs_anywhere_instance_tags") or {}
    problems += tag_problems(instance_tags, "ecs_anywhere_instance_tags", keep=("Name", MARKER_KEY))
    # Activation tags are copied to the instances registered with it.
    activation_tags = inputs.get("ecs_anywhere_activation_tags") or {}
    problems += tag_problems(activation_tags, "ecs_anywhere_activation_tags")
    for name, tags in (
        ("ecs_anywhere_instance_tags", instance_tags),
        ("ecs_anywhere_activation_tags", activation_tags),
    ):
        if MARKER_KEY in tags:
            problems.append("%s: tag key '%s' is the collection's own (it marks named instances)" % (name, MARKER_KEY))
    return problems


def host_problems(facts, platform, inputs, free_disk_mb=None, nvidia_smi=None):
    """What keeps the host from running the agents, in the order a user fixes it.

    FACTS: ansible_facts (distribution, distribution_major_version, distribution_version,
    architecture, service_mgr, user_uid); PLATFORM: supported_platforms, supported_architectures,
    docker_distro_packages, docker_repo_packages; FREE_DISK_MB: free space under /var (None: not
    measured); NVIDIA_SMI: the result of running nvidia-smi (None: not run)."""
    problems = []
    supported = platform.get("supported_platforms") or {}
    distribution = facts.get("distribution")
    if distribution not in supported or str(facts.get("distribution_major_version")) not in supported[distribution]:
        problems.append(
            "%s %s is not supported. Supported: %s."
            % (
                distribution,
                facts.get("distribution_version"),
                "; ".join("%s %s" % (name, ", ".join(versions)) for name, versions in supported.items()),
            )
        )
    architectures = platform.get("supported_architectures") or {}
    if facts.get("architecture") not in architectures:
        problems.append(
            "Architecture %s is not supported; ECS Anywhere runs on %s."
            % (facts.get("architecture"), " and ".join(architectures))
        )
    uid = _int(facts.get("user_uid", 0))
    if facts.get("service_mgr") != "systemd" or uid != 0:
        problems.append(
            "The agents need systemd and root: service manager is %s, user id is %s (use become: true)."
            % (facts.get("service_mgr"), facts.get("user_uid", "unknown"))
        )
    present = inputs.get("ecs_anywhere_state") != "absent"
    source = inputs.get("ecs_anywhere_docker_source")
    distro_packages = platform.get("docker_distro_packages") or []
    repo_packages = platform.get("docker_repo_packages") or []
    if present and not (
        source == "none" or (source == "distro" and distro_packages) or (source == "docker" and repo_packages)
    ):
        problems.append(
            "ecs_anywhere_docker_source=%s has no Docker package on %s; use %s or none (Docker preinstalled)."
            % (source, distribution, "docker" if repo_packages else "distro")
        )
    wanted_mb = _int(inputs.get("ecs_anywhere_min_free_disk_mb")) or 0
    if present and free_disk_mb is not None and free_disk_mb < wanted_mb:
        problems.append(
            "/var has %d MB free; the agents need at least %d MB (ecs_anywhere_min_free_disk_mb)."
            % (free_disk_mb, wanted_mb)
        )
    if present and nvidia_smi is not None and nvidia_smi.get("rc", 1) != 0:
        output = (nvidia_smi.get("stderr") or nvidia_smi.get("stdout") or "").strip()
        host = inputs.get("inventory_hostname", "the host")
        found = (
            "is not installed on %s" % host
            if not output
            else "failed on %s (exit %s: %s)" % (host, nvidia_smi.get("rc", "?"), output[:300])
        )
        problems.append(
            "ecs_anywhere_enable_gpu is true but nvidia-smi %s. Install the NVIDIA driver (and the NVIDIA container"
            " toolkit) so that nvidia-smi lists the GPUs, or set ecs_anywhere_enable_gpu to false." % found
        )
    return problems
