#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done on the controller by the action plugin of the same name (plugins/action/host_snapshot.py).


DOCUMENTATION = r"""
---
module: host_snapshot
short_description: Check a host and the external_instance role's inputs, and note what the host says about itself
version_added: 0.1.0
description:
  - Used by the P(onprem.ecs_anywhere.external_instance#role) role, once per host, before anything
    is written. Runs on the controller only; it never contacts the host.
  - Fails when an input breaks a rule (the message names each wrong input and its rule), then when
    the host cannot run the agents (platform, architecture, systemd and root, Docker source, free
    disk space, GPU).
  - Otherwise returns what the host's own reads say (managed instance id, ECS cluster, installed
    agents, container instance) with the settings the batch decides with, for
    P(onprem.ecs_anywhere.registration_plan#filter).
author:
  - onprem.ecs_anywhere maintainers (@onprem)
options:
  inputs:
    description:
      - The role's variables by name (C(ecs_anywhere_region), C(ecs_anywhere_cluster), ...).
    type: dict
    required: true
  facts:
    description:
      - The host's facts C(distribution), C(distribution_major_version), C(distribution_version),
        C(architecture), C(service_mgr), C(user_uid).
    type: dict
    required: true
  platform:
    description:
      - C(supported_platforms) (distribution to major versions), C(supported_architectures),
        C(docker_distro_packages), C(docker_repo_packages).
    type: dict
    required: true
  reads:
    description:
      - Registered results of the host's reads, each optional; a skipped read is not judged.
      - C(registration_key) and C(ecs_config) (M(ansible.builtin.slurp)), C(ecs_metadata)
        (M(ansible.builtin.uri) of the ECS agent's introspection), C(package_query) (lines
        C(<package> installed)), C(free_disk) (C(df -Pk /var)), C(nvidia_smi).
    type: dict
    default: {}
attributes:
  check_mode:
    description: Runs in check mode as in a normal run; it changes nothing either way.
    support: full
  diff_mode:
    description: Nothing to show a difference of.
    support: none
  action:
    description: Runs on the controller as an action plugin.
    support: full
notes:
  - Never changes anything.
"""

EXAMPLES = r"""
- name: Check the inputs and the host, and note what the host says about itself
  onprem.ecs_anywhere.host_snapshot:
    inputs:
      ecs_anywhere_region: eu-west-1
      ecs_anywhere_cluster: edge
    facts: "{{ ansible_facts }}"
    platform:
      supported_platforms: {Debian: ["12", "13"]}
      supported_architectures: {x86_64: amd64}
    reads:
      registration_key: "{{ registration_key }}"
  register: snapshot
"""

RETURN = r"""
host:
  description: What the batch's decision needs of the host.
  returned: success
  type: dict
  contains:
    name:
      description: The inventory host name.
      type: str
    instance_id:
      description: The managed instance id in the host's SSM registration key, V('') when none.
      type: str
    cluster:
      description: The ECS_CLUSTER the host's ECS agent is configured with, V('') when none.
      type: str
    installed_agents:
      description: The agent packages installed on the host.
      type: list
      elements: str
    container_instance_arn:
      description: The container instance the host's ECS agent says it is, in the wanted cluster; V('') when none.
      type: str
    batch:
      description: The settings that must be the same on every host of a batch.
      type: dict
"""
