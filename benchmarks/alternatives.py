"""Models of what the other ways of registering hosts cost, computed from their documented or
published behaviour (they cannot run here: AWS's script needs AWS's buckets, the playbooks their
own collections). Labelled as models wherever they are shown."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cost:
    reads: int
    writes: int
    downloads: int
    changed_tasks: int | None  # None: not an Ansible run
    detects_stale: bool
    source: str

    @property
    def calls(self) -> int:
        return self.reads + self.writes


def install_script_rerun(hosts: int) -> Cost:
    """AWS's ecs-anywhere-install.sh run again on every registered host (as the console's command is,
    by hand or through a loop over SSH). Per host: the script itself is fetched (curl, as the console
    shows), the SSM agent package and its signature are downloaded again (it re-downloads on every run),
    ecs-init is not (the script returns early when ecs-init is installed). It trusts the local key
    file, so it makes no AWS call of its own and never notices an identity SSM has forgotten."""
    return Cost(
        reads=0,
        writes=0,
        downloads=3 * hosts,
        changed_tasks=None,
        detects_stale=False,
        source="AWS-FACTS.md (ecs-anywhere-install.sh: re-downloads, early return, trusts the key file)",
    )


def per_host_playbook_rerun(hosts: int) -> Cost:
    """A playbook that drives the install script per host with its own activation, the way
    gaggle-net/ansible-collection-ecs-anywhere's aws-script-install.yml does: per host and run, a
    delegated CreateActivation (never deleted), get_url of the script, the script (3 downloads as
    above), reported changed whenever the script exits 0."""
    return Cost(
        reads=0,
        writes=hosts,
        downloads=4 * hosts,
        changed_tasks=2 * hosts,
        detects_stale=False,
        source="gaggle-net/ansible-collection-ecs-anywhere roles/ecs_anywhere/tasks/aws-script-install.yml",
    )


def per_host_lookup_rerun(hosts: int) -> Cost:
    """A playbook that checks each host before acting, one host at a time: SSM
    DescribeInstanceInformation filtered by the host's mi- id, ECS ListContainerInstances
    (ec2InstanceId == id) and DescribeContainerInstances for its ARN; no write when all is well."""
    return Cost(
        reads=3 * hosts,
        writes=0,
        downloads=0,
        changed_tasks=0,
        detects_stale=True,
        source="per-host lookup pattern (one SSM and two ECS reads per host)",
    )
