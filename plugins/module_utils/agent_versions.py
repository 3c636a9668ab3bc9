# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which agent versions a host has, which it should have, and whether it must move.

Pure functions for the external_instance role (host_snapshot notes, the agent_targets filter
decides once the latest versions are looked up):

- ``installed_versions(lines)``: package name -> installed version, from the package query.
- ``version_problems(inputs)``: messages naming a malformed pinned version.
- ``wanted_agents(inputs, installed)``: per agent package, what the host has and wants.
- ``agent_targets(agents, latest)``: per agent package, the version to end on and what to do.
- ``agent_version(package, version)``: the version the agent reports to AWS for a package version.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

SSM_AGENT = "amazon-ssm-agent"
ECS_INIT = "amazon-ecs-init"
AGENT_PACKAGES = (SSM_AGENT, ECS_INIT)
# The role's variable for each package's version, and the form a pinned version takes in AWS's buckets.
VERSION_VARIABLES = {SSM_AGENT: "ecs_anywhere_ssm_agent_version", ECS_INIT: "ecs_anywhere_ecs_init_version"}
_PINNED = {
    SSM_AGENT: (re.compile(r"^\d+\.\d+\.\d+\.\d+$"), "four numbers such as 3.3.1142.0"),
    ECS_INIT: (re.compile(r"^\d+\.\d+\.\d+-\d+$"), "a version and package release such as 1.89.2-1"),
}
_PACKAGE_SOURCES = {
    SSM_AGENT: ("ecs_anywhere_ssm_agent_package_url", "ecs_anywhere_ssm_agent_package_file"),
    ECS_INIT: ("ecs_anywhere_ecs_init_package_url", "ecs_anywhere_ecs_init_package_file"),
}
_RELEASE_SUFFIX = re.compile(r"-[^-]+$")


def installed_versions(lines):
    """Package name -> version, from lines ``<name> <status> <version>`` (dpkg-query or rpm)."""
    found = {}
    for line in lines or []:
        parts = str(line).split(" ", 2)
        # rpm says "package X is not installed": only "<agent> installed <version>" counts.
        if len(parts) == 3 and parts[0] in AGENT_PACKAGES and parts[1] == "installed" and parts[2].strip():
            found[parts[0]] = parts[2].strip()
    return found


def version_problems(inputs):
    """Messages for each pinned agent version that is not in its bucket's form."""
    problems = []
    for package, variable in VERSION_VARIABLES.items():
        value = str(inputs.get(variable) or "latest")
        pattern, form = _PINNED[package]
        if value != "latest" and not pattern.match(value):
            problems.append("%s '%s' must be latest or %s" % (variable, value, form))
    return problems


def agent_version(package, version):
    """What the agent reports to AWS for a package version (ecs-init 1.90.0-1 runs agent 1.90.0)."""
    version = str(version or "")
    if package == ECS_INIT or (package == SSM_AGENT and version.count(".") == 3 and "-" in version):
        return _RELEASE_SUFFIX.sub("", version)
    return version


def same_version(package, installed, wanted):
    """Whether an installed package is the wanted version (AWS's SSM agent deb says 3.3.1142.0-1 for 3.3.1142.0)."""
    if package == SSM_AGENT:
        return agent_version(package, installed) == agent_version(package, wanted)
    return str(installed) == str(wanted)


def wanted_agents(inputs, installed):
    """Per agent package: what the host has (``installed``, '' when missing), wants (``wanted``, latest or
    pinned), whether its version is the role's to manage (``managed``: downloaded from the bucket or mirror,
    not an explicit URL or file), and whether the latest version must be looked up (``resolve_latest``)."""
    upgrade = bool(inputs.get("ecs_anywhere_upgrade_agents"))
    agents = {}
    for package in AGENT_PACKAGES:
        url, path = _PACKAGE_SOURCES[package]
        managed = not inputs.get(url) and not inputs.get(path)
        wanted = str(inputs.get(VERSION_VARIABLES[package]) or "latest")
        have = installed.get(package, "")
        agents[package] = {
            "installed": have,
            "wanted": wanted,
            "managed": managed,
            "resolve_latest": bool(managed and have and wanted == "latest" and upgrade),
        }
    return agents


def agent_targets(agents, latest=None):
    """Per agent package: ``target`` (the version to end on; ``latest`` for a new install from the bucket's
    latest path), ``install`` (the package must be installed: missing, or its version must change),
    ``change`` (an installed package moves to another version), ``managed`` (its version is the role's
    to manage: from the bucket or mirror), ``installed`` and ``agent_version`` (what
    the agent will report once on ``target``, '' when not known before it runs).

    ``latest`` maps a package to the bucket's latest version, looked up where ``resolve_latest`` said so.
    """
    latest = latest or {}
    targets = {}
    for package, agent in agents.items():
        have, wanted = agent.get("installed") or "", agent.get("wanted") or "latest"
        if not have:
            target, change = wanted, False
        elif not agent.get("managed"):
            target, change = have, False
        elif wanted != "latest":
            target, change = wanted, not same_version(package, have, wanted)
        elif agent.get("resolve_latest") and latest.get(package):
            target = str(latest[package]).strip()
            if not _PINNED[package][0].match(target):
                # An error page served with 200, or a mirror's own naming: never a download path.
                raise ValueError(
                    "the latest %s version the bucket or mirror gives, '%s', is not %s; pin %s"
                    % (package, target[:80], _PINNED[package][1], VERSION_VARIABLES[package])
                )
            change = not same_version(package, have, target)
        else:
            target, change = have, False
        targets[package] = {
            "installed": have,
            "target": target,
            "install": not have or change,
            "change": change,
            "managed": bool(agent.get("managed")),
            "agent_version": "" if target == "latest" else agent_version(package, target),
            "installed_agent_version": agent_version(package, have),
        }
    return targets
