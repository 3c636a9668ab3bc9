# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check a host and the role's inputs for it, and note what the host's own reads say: one task.

The external_instance role ran this as five assertions and a set_fact per host; every task
costs the controller a worker per host, which at fleet size outweighs the AWS calls.
"""

import base64
import binascii
import json
import re

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.agent_versions import (
    installed_versions,
    wanted_agents,
)
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.host_inputs import host_problems, input_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.naming import naming_marker

_ECS_CLUSTER_LINE = re.compile(r"(?m)^ECS_CLUSTER=(.*)$")
# The settings the role's run-once steps branch on: the same on every host of a batch. Every other
# setting may differ per host; the batch's AWS work is grouped by them (registration_plan).
BATCH_SETTINGS = ("ecs_anywhere_state",)


def _instance_id(registration_key):
    content = (registration_key or {}).get("content")
    if not content:
        return ""
    try:
        return str(json.loads(base64.b64decode(content)).get("instanceID") or "")
    except (binascii.Error, ValueError, AttributeError):
        return ""  # an unreadable key is no registration: the host registers again


def _cluster(ecs_config):
    content = (ecs_config or {}).get("content")
    if not content:
        return ""
    try:
        found = _ECS_CLUSTER_LINE.findall(base64.b64decode(content).decode("utf-8", "replace"))
    except binascii.Error:
        return ""
    return found[-1].strip() if found else ""


def _installed(package_query):
    return installed_versions((package_query or {}).get("stdout_lines"))


def _free_disk_mb(df_result):
    if df_result is None:
        return None
    lines = df_result.get("stdout_lines") or []
    try:
        return int(lines[-1].split()[3]) // 1024
    except (IndexError, ValueError):
        return None


def _ran(read):
    """A read's result, or None when its task was skipped (or not given)."""
    return None if not read or read.get("skipped") else read


def _names_and_addresses(facts):
    """What the host is called and reached at, to match with SSM's heartbeat of an identity."""
    names = [facts.get(key) for key in ("nodename", "hostname", "fqdn")]
    addresses = [facts.get("ansible_host"), (facts.get("default_ipv4") or {}).get("address")]
    addresses += list(facts.get("all_ipv4_addresses") or [])
    return (
        [str(value) for value in dict.fromkeys(names) if value],
        [str(value) for value in dict.fromkeys(addresses) if value],
    )


def snapshot(name, inputs, reads, facts=None):
    """What the batch's decision needs of this host (registration_plan's input entry)."""
    metadata = (reads.get("ecs_metadata") or {}).get("json") or {}
    cluster = inputs.get("ecs_anywhere_cluster")
    instance_id = _instance_id(reads.get("registration_key"))
    instance_name = inputs.get("ecs_anywhere_instance_name")
    instance_tags = inputs.get("ecs_anywhere_instance_tags") or {}
    computer_names, addresses = _names_and_addresses(facts or {})
    installed = _installed(reads.get("package_query"))
    return {
        "name": name,
        "instance_id": instance_id,
        # What the instance carries once named as wanted (module_utils/naming.py).
        "naming_marker": naming_marker(instance_id, instance_name, instance_tags) if instance_id else "",
        "cluster": _cluster(reads.get("ecs_config")),
        "installed_agents": sorted(installed),
        # Per agent package: installed and wanted versions (module_utils/agent_versions.py).
        "agents": wanted_agents(inputs, installed),
        "container_instance_arn": (metadata.get("ContainerInstanceArn") or "")
        if metadata.get("Cluster") == cluster
        else "",
        "start_agents": bool(inputs.get("ecs_anywhere_start_agents")),
        "force_reregister": bool(inputs.get("ecs_anywhere_force_reregister")),
        "drain_timeout": int(inputs.get("ecs_anywhere_drain_timeout")),
        "drain_force": bool(inputs.get("ecs_anywhere_drain_force")),
        "instance_name": instance_name,
        "instance_tags": instance_tags,
        "target_cluster": cluster,
        "aws": {
            "region": inputs.get("ecs_anywhere_region") or "",
            "endpoint_url": inputs.get("ecs_anywhere_aws_endpoint_url") or "",
            "profile": inputs.get("ecs_anywhere_aws_profile") or "",
        },
        "activation": {
            "role_name": inputs.get("ecs_anywhere_role_name") or "",
            "expires_in": str(inputs.get("ecs_anywhere_activation_expires_in") or ""),
            "tags": inputs.get("ecs_anywhere_activation_tags") or {},
        },
        "verify_timeout": int(inputs.get("ecs_anywhere_verify_timeout") or 0),
        "computer_names": computer_names,
        "addresses": addresses,
        "batch": {key: inputs.get(key) for key in BATCH_SETTINGS},
    }


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("inputs", "facts", "platform", "reads"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(
            argument_spec={
                "inputs": {"type": "dict", "required": True},
                "facts": {"type": "dict", "required": True},
                "platform": {"type": "dict", "required": True},
                "reads": {"type": "dict", "default": {}},
            }
        )
        inputs, reads = args["inputs"], args["reads"]
        name = (task_vars or {}).get("inventory_hostname", "")
        problems = input_problems(inputs)
        if problems:
            raise AnsibleActionFail(f"Invalid input: {'; '.join(problems)}.")
        problems = host_problems(
            args["facts"],
            args["platform"],
            dict(inputs, inventory_hostname=name),
            free_disk_mb=_free_disk_mb(_ran(reads.get("free_disk"))),
            nvidia_smi=_ran(reads.get("nvidia_smi")),
        )
        if problems:
            raise AnsibleActionFail(" ".join(problems))
        result.update(changed=False, host=snapshot(name, inputs, reads, args["facts"]))
        return result
