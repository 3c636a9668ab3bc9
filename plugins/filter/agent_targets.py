# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per agent package of a host: the version to end on, and whether to install or change it."""

from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.agent_versions import agent_targets as _targets

DOCUMENTATION = r"""
---
name: agent_targets
short_description: Decide which agent version a host must end on
version_added: 0.1.0
description:
  - Used by the P(onprem.ecs_anywhere.external_instance#role) role, per host, once the latest versions
    are looked up (only with C(ecs_anywhere_upgrade_agents)).
  - A pinned version is the target (an installed package of another version changes, up or down);
    C(latest) installs the newest on a host without the package and keeps an installed one unless its
    latest version was looked up; a package from an explicit URL or file keeps what is installed.
options:
  _input:
    description:
      - Per agent package (C(amazon-ssm-agent), C(amazon-ecs-init)), C(installed), C(wanted), C(managed) and
        C(resolve_latest), as P(onprem.ecs_anywhere.host_snapshot#module) notes them under C(agents).
    type: dict
    required: true
  latest:
    description: Per agent package, the latest version the bucket or mirror has ('' when not looked up).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Note the agent versions the host must end on
  ansible.builtin.set_fact:
    agents: "{{ snapshot.host.agents | onprem.ecs_anywhere.agent_targets({'amazon-ecs-init': '1.90.0-1'}) }}"
"""

RETURN = r"""
_value:
  description:
    - Per agent package, C(installed) (the installed version, '' when missing), C(target) (the version to end
      on; C(latest) for a new install from the latest path), C(install) (install the package now), C(change)
      (an installed package moves to another version), C(managed) (from the bucket or mirror), and
      C(agent_version) (what the agent reports to AWS on the target version, '' when not known before it runs)
      and C(installed_agent_version) (what it reports on the installed one).
  type: dict
"""


def agent_targets(agents, latest=None):
    if not isinstance(agents, dict) or not all(isinstance(agent, dict) for agent in agents.values()):
        raise AnsibleFilterError("agent_targets: the input must map each agent package to its versions")
    try:
        return _targets(agents, latest or {})
    except ValueError as error:
        raise AnsibleFilterError(f"agent_targets: {error}") from None


class FilterModule:
    def filters(self):
        return {"agent_targets": agent_targets}
