# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SSM hybrid managed instances of some regions, with their ECS external container instances."""
# ruff: noqa: E402 (ansible-test wants DOCUMENTATION and EXAMPLES before the imports)

DOCUMENTATION = r"""
---
name: ecs_anywhere
short_description: SSM hybrid managed instances and their ECS external container instances as inventory
version_added: 0.1.0
description:
  - Lists the hybrid-activated hosts of Systems Manager (managed instances, C(mi-) ids) of one or more regions,
    with their tags and, where the host is an ECS Anywhere external instance, its container instance.
  - The configuration file name must end with C(ecs_anywhere.yml) or C(ecs_anywhere.yaml), for example
    C(fleet.ecs_anywhere.yml).
  - "Calls per region: one C(DescribeInstanceInformation) per 50 instances (plus pages), one C(GetResources)
    of the Resource Groups Tagging API per 100 instances found (for their tags; SSM itself reads the tags of
    one instance a call), one C(ListClusters) per 100 clusters (unless O(clusters) names them), and per cluster
    one C(ListContainerInstances) and one C(DescribeContainerInstances) per 100 container instances.
    Plus one C(GetCallerIdentity) a run, for the account in the instances' ARNs."
  - Nothing is called in a region where no managed instance matches.
  - Needs C(ssm:DescribeInstanceInformation), C(tag:GetResources), C(ecs:ListClusters),
    C(ecs:ListContainerInstances) and C(ecs:DescribeContainerInstances); with O(regions) empty,
    C(ec2:DescribeRegions) as well.
author:
  - onprem.ecs_anywhere maintainers (@onprem)
extends_documentation_fragment:
  - inventory_cache
  - constructed
  - amazon.aws.boto3
  - amazon.aws.common.plugins
  - amazon.aws.region.plugins
  - amazon.aws.assume_role.plugins
options:
  plugin:
    description: The name of this plugin; it must always be set to V(onprem.ecs_anywhere.ecs_anywhere).
    type: str
    required: true
    choices: [onprem.ecs_anywhere.ecs_anywhere]
  regions:
    description:
      - The regions to list managed instances in, each a region botocore knows (for example V(eu-west-1)).
      - Empty (the default), as with P(amazon.aws.aws_ec2#inventory), every region EC2's C(DescribeRegions)
        lists for the account, or botocore's list of the regions of SSM when that call is refused. Every
        region costs its own calls; name the ones the fleet is in.
    type: list
    elements: str
    default: []
  clusters:
    description:
      - The ECS clusters (names or ARNs) to look for the hosts' container instances in.
      - A list applies to every region; a dictionary maps a region to its list, and a region it leaves out
        is looked at in every cluster. An empty list looks in no cluster (every host is then in
        C(ecs_unregistered)).
      - Not set (the default), every cluster of each region, as C(ListClusters) lists them.
      - A cluster named here that does not exist is an error.
      - C(ListContainerInstances) lists the container instances that are C(ACTIVE) or C(DRAINING); a host whose
        container instance is in another state is in C(ecs_unregistered).
    type: raw
  hostnames:
    description:
      - What names a host, in order of preference; the first that has a value no other host took.
      - V(name) is the C(Name) tag, else the name SSM reports; V(computer_name) is the host name the SSM agent
        reported; V(instance_id) is the C(mi-) id; V(ip_address) is the address the SSM agent reported.
      - When several hosts would get the same name, the one online and most recently registered gets it and
        the others their next preference; the instance id when none is left. A warning says how many.
      - A name holding C(:) is changed as Ansible changes group names.
      - An empty list is the default.
    type: list
    elements: str
    default: [name, instance_id]
  filters:
    description:
      - Only the managed instances matching every one of these C(DescribeInstanceInformation) filters, each a
        filter name and a list of at most 100 values (one string for one value).
      - "The filter names: V(ActivationIds), V(AgentVersion), V(AssociationStatus), V(IamRole), V(InstanceIds),
        V(PingStatus) (V(Online), V(ConnectionLost), V(Inactive)), V(PlatformTypes) (V(Linux), V(Windows),
        V(MacOS)), V(tag-key) (any of these tag keys) and C(tag:<key>) (that tag with one of the values)."
      - The plugin sets C(ResourceType=ManagedInstance) itself. SSM does not take tag filters beside other
        filters in one call; with both, the tag filters are sent and the others applied to the answer.
      - A filter that matches nothing gives an empty inventory, not an error.
    type: dict
    default: {}
  only_marked:
    description:
      - Only the managed instances carrying the tag C(ecs-anywhere:named), which the collection sets on
        the instances it named (P(onprem.ecs_anywhere.external_instance#role)).
      - Sent as a C(tag-key) filter with the other tag filters, unless O(filters) has a C(tag-key) of its own;
        checked on the tags read in either case.
    type: bool
    default: false
notes:
  - "Host variables, without prefix: C(instance_id), C(instance_name), C(ping_status), C(last_ping_date_time),
    C(agent_version), C(ip_address), C(computer_name), C(platform_name), C(platform_version), C(region),
    C(registration_date) (dates in ISO 8601), C(instance_tags) (a dictionary), and from the container instance
    C(ecs_cluster), C(container_instance_arn), C(container_instance_status), C(ecs_agent_connected),
    C(ecs_agent_version), C(running_tasks_count), C(pending_tasks_count) (null without one).
    C(ansible_host) is the IP address, unless O(compose) sets it."
  - "Groups: C(ecs_cluster_<cluster>), C(ssm_ping_<ping status>) (for example C(ssm_ping_connectionlost)),
    C(ecs_status_<container instance status>) (for example C(ecs_status_draining)) and C(ecs_unregistered)
    for hosts without a container instance; lowercase, other characters than letters, digits and C(_)
    replaced by C(_)."
  - Of several live container instances of one host (an ECS agent that lost its data registers anew), the
    connected, newest one is taken.
"""

EXAMPLES = r"""
# fleet.ecs_anywhere.yml: every hybrid host of two regions, named by their Name tag
plugin: onprem.ecs_anywhere.ecs_anywhere
regions:
  - eu-west-1
  - eu-central-1

---

# Only the online hosts of one site, looked for in one cluster per region, cached for an hour
plugin: onprem.ecs_anywhere.ecs_anywhere
regions: [eu-west-1, eu-central-1]
clusters:
  eu-west-1: [edge]
  eu-central-1: [edge-fra]
filters:
  PingStatus: [Online]
  tag:site: [lyon]
hostnames: [name, computer_name, instance_id]
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-ecs-anywhere
cache_timeout: 3600

---

# The hosts the collection named, grouped by a tag and by what needs a look, with variables of your own
plugin: onprem.ecs_anywhere.ecs_anywhere
regions: [eu-west-1]
only_marked: true
compose:
  site_region: region
  mi_id: instance_id
keyed_groups:
  - key: instance_tags.site | default('none')
    prefix: site
groups:
  draining: container_instance_status == 'DRAINING'
  agent_down: ecs_cluster is not none and not ecs_agent_connected
"""

from collections.abc import Mapping

try:
    import botocore
except ImportError:
    pass  # AWSInventoryBase.parse says what is missing

from ansible.errors import AnsibleParserError
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.plugin_utils.inventory import AWSInventoryBase
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils import container_instances
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.arn import validate_region
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import (
    activation_id_problems,
    cluster_name,
    cluster_problems,
    managed_instance_id_problems,
)
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.managed_instances import (
    FILTER_FIELDS,
    FILTER_VALUES_PER_CALL,
    describe_managed_instances,
    format_instance,
    is_tag_filter,
    read_tags,
)
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.naming import MARKER_KEY
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.throttling import aws_retry

HOSTNAME_SOURCES = ("name", "computer_name", "instance_id", "ip_address")
# The host variable each hostnames entry reads (name and tags are play keywords ansible-core reserves).
_HOSTNAME_VARIABLES = {"name": "instance_name"}
# Values SSM takes for these filters (the service model's documentation).
FILTER_CHOICES = {
    "PingStatus": ("Online", "ConnectionLost", "Inactive"),
    "PlatformTypes": ("Windows", "Linux", "MacOS"),
    "AssociationStatus": ("Success", "Pending", "Failed"),
}
USER_FILTER_KEYS = sorted(key for key in FILTER_FIELDS if key != "ResourceType")


def _filter_values(key, value):
    """VALUE as a list of strings, or a message saying why it is none."""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(item, (str, int)) and not isinstance(item, bool) for item in value
    ):
        return None, f"filters: the value of {key} must be a list of strings (or one string)"
    if not value:
        return None, f"filters: {key} has no values; give at least one"
    if len(value) > FILTER_VALUES_PER_CALL:
        return None, f"filters: {key} has {len(value)} values; SSM takes at most {FILTER_VALUES_PER_CALL} per filter"
    return [str(item) for item in value], None


def checked_filters(filters):
    """(FILTERS as {key: [values]}, problems): the keys and values DescribeInstanceInformation takes."""
    if not isinstance(filters, Mapping):
        return {}, [f"filters: must be a dictionary of filter names to lists of values, not {type(filters).__name__}"]
    checked = {}
    problems = []
    for key, value in filters.items():
        if key == "ResourceType":
            problems.append("filters: ResourceType is set by the plugin (ManagedInstance); leave it out")
            continue
        if not (key in FILTER_FIELDS or (is_tag_filter(key) and key != "tag:")):
            problems.append(
                f"filters: unknown filter {key!r}; use one of {', '.join(USER_FILTER_KEYS)}, tag-key or tag:<key>"
            )
            continue
        values, problem = _filter_values(key, value)
        if problem:
            problems.append(problem)
            continue
        wrong = [item for item in values if key in FILTER_CHOICES and item not in FILTER_CHOICES[key]]
        if wrong:
            problems.append(f"filters: {key} takes {', '.join(FILTER_CHOICES[key])}, not {', '.join(map(repr, wrong))}")
        if key == "InstanceIds":
            problems.extend(managed_instance_id_problems(values, "filters: InstanceIds"))
        if key == "ActivationIds":
            problems.extend(activation_id_problems(values, "filters: ActivationIds"))
        checked[key] = values
    return checked, problems


def hostname_problems(hostnames):
    """Messages for each entry of HOSTNAMES that is not a name source."""
    if not isinstance(hostnames, list):
        return [f"hostnames: must be a list of {', '.join(HOSTNAME_SOURCES)}"]
    return [
        f"hostnames: {entry!r} is not one of {', '.join(HOSTNAME_SOURCES)}"
        for entry in hostnames
        if entry not in HOSTNAME_SOURCES
    ]


def region_problems(regions):
    problems = []
    for region in regions:
        try:
            validate_region(region)
        except ValueError as e:
            problems.append(f"regions: {e}")
    return problems


def _cluster_list_problems(clusters, where):
    if not isinstance(clusters, list):
        return [f"{where}: must be a list of ECS cluster names or ARNs"]
    return [problem for cluster in clusters for problem in cluster_problems(cluster, where)]


def cluster_option_problems(clusters, regions):
    """Messages for what is wrong with the clusters option (REGIONS: those asked for, empty for all)."""
    if clusters is None or isinstance(clusters, list):
        return [] if clusters is None else _cluster_list_problems(clusters, "clusters")
    if not isinstance(clusters, Mapping):
        return ["clusters: must be a list of ECS cluster names or ARNs, or a dictionary of regions to such lists"]
    problems = []
    for region, listed in clusters.items():
        if regions and region not in regions:
            problems.append(f"clusters: region {region!r} is not in regions ({', '.join(regions)})")
        else:
            problems.extend(region_problems([region]))
        problems.extend(_cluster_list_problems(listed, f"clusters: {region}"))
    return problems


def clusters_of(clusters, region):
    """The clusters to look in in REGION; None for every cluster of the region."""
    if isinstance(clusters, Mapping):
        return clusters.get(region)
    return clusters


def host_vars(instance, tags, container_instance, region):
    """One host's variables from its InstanceInformation (as format_instance shapes it), its tags and
    its container instance (as container_instances.format_container_instance shapes it, with the
    cluster's name under ``cluster``; None without one)."""
    ecs = container_instance or {}
    return {
        "instance_id": instance["instance_id"],
        "instance_name": tags.get("Name") or instance.get("name") or None,
        "ping_status": instance.get("ping_status"),
        "last_ping_date_time": instance.get("last_ping_date_time"),
        "agent_version": instance.get("agent_version"),
        "ip_address": instance.get("ip_address"),
        "computer_name": instance.get("computer_name"),
        "platform_name": instance.get("platform_name"),
        "platform_version": instance.get("platform_version"),
        "region": region,
        "registration_date": instance.get("registration_date"),
        "instance_tags": dict(tags),
        "ecs_cluster": ecs.get("cluster"),
        "container_instance_arn": ecs.get("arn"),
        "container_instance_status": ecs.get("status"),
        "ecs_agent_connected": ecs.get("agent_connected"),
        "ecs_agent_version": ecs.get("agent_version"),
        "running_tasks_count": ecs.get("running_tasks_count"),
        "pending_tasks_count": ecs.get("pending_tasks_count"),
    }


def default_groups(host):
    """The groups a host is in whatever the configuration, before sanitizing."""
    groups = []
    if host.get("ping_status"):
        groups.append(f"ssm_ping_{host['ping_status'].lower()}")
    if host.get("container_instance_arn"):
        groups.append(f"ecs_cluster_{host['ecs_cluster']}")
        groups.append(f"ecs_status_{str(host['container_instance_status']).lower()}")
    else:
        groups.append("ecs_unregistered")
    return groups


def _claim_order(hosts):
    """HOSTS in the order they claim a shared name: online first, then the most recently registered."""
    ordered = sorted(hosts, key=lambda host: host["instance_id"])
    ordered.sort(key=lambda host: str(host.get("registration_date") or ""), reverse=True)
    ordered.sort(key=lambda host: host.get("ping_status") != "Online")
    return ordered


def assign_hostnames(hosts, preferences, sanitize=str):
    """([(hostname, host)], displaced): each host under the first of PREFERENCES that gives a name no other
    host took (SANITIZE applied), else its instance id; DISPLACED lists (instance id, the name it lost)."""
    taken = set()
    named = []
    displaced = []
    for host in _claim_order(hosts):
        chosen = None
        lost = None
        for source in preferences:
            value = host.get(_HOSTNAME_VARIABLES.get(source, source))
            if not value:
                continue
            candidate = sanitize(str(value))
            if candidate not in taken:
                chosen = candidate
                break
            lost = lost or candidate
        if chosen is None:
            chosen = host["instance_id"]
        if lost is not None:
            displaced.append((host["instance_id"], lost))
        taken.add(chosen)
        named.append((chosen, host))
    return named, displaced


class InventoryModule(AWSInventoryBase):
    NAME = "onprem.ecs_anywhere.ecs_anywhere"
    INVENTORY_FILE_SUFFIXES = ("ecs_anywhere.yml", "ecs_anywhere.yaml")

    def _read_config_data(self, path):
        # Checked here, before AWSInventoryBase.parse makes its first call (an assumed role).
        config = super()._read_config_data(path)
        regions = self.get_option("regions") or []
        self._filters, problems = checked_filters(self.get_option("filters") or {})
        problems = region_problems(regions) + problems
        problems += hostname_problems(self.get_option("hostnames"))
        problems += cluster_option_problems(self.get_option("clusters"), regions)
        if problems:
            raise AnsibleParserError(f"{path}: {'; '.join(problems)}")
        return config

    def _sanitize_hostname(self, hostname):
        # As amazon.aws.aws_ec2: a colon would read as a port in host patterns.
        return self._sanitize_group_name(hostname) if ":" in hostname else hostname

    def _aws_client(self, service, region):
        return self.client(service, region=region, retry_decorator=aws_retry)

    def _fail(self, what, region, error):
        self.fail_aws(f"Failed to {what} in {region}", exception=error)

    def _account(self, region):
        try:
            return self._aws_client("sts", region).get_caller_identity(aws_retry=True)["Account"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail("read the account (GetCallerIdentity)", region, e)

    def _managed_instances(self, region, filters):
        try:
            return describe_managed_instances(self._aws_client("ssm", region), filters)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail("list managed instances (DescribeInstanceInformation)", region, e)

    def _tags(self, region, account, instance_ids):
        try:
            return read_tags(self._aws_client("resourcegroupstaggingapi", region), region, account, instance_ids)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail("read the managed instances' tags (GetResources)", region, e)

    def _container_instances(self, region, clusters, instance_ids):
        """Each of INSTANCE_IDS mapped to its live container instance in CLUSTERS (None: every cluster
        of the region), or to None."""
        client = self._aws_client("ecs", region)
        listed = clusters is None
        try:
            if listed:
                clusters = container_instances.list_cluster_arns(client)
            wanted = set(instance_ids)
            found = []
            for cluster in clusters:
                try:
                    items = container_instances.lookup(client, cluster)[0]
                except is_boto3_error_code("ClusterNotFoundException"):
                    if listed:
                        continue  # deleted since ListClusters
                    raise AnsibleParserError(f"clusters: ECS has no cluster {cluster!r} in {region}") from None
                found.extend(
                    dict(item, cluster=cluster_name(cluster)) for item in items if item["ec2_instance_id"] in wanted
                )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail(
                "look up container instances (ListClusters, ListContainerInstances, DescribeContainerInstances)",
                region,
                e,
            )
        return container_instances.live_by_reference(found, instance_ids)

    def _query(self, regions, filters, clusters, only_marked):
        """Every host's variables, region by region."""
        if only_marked and "tag-key" not in filters:
            filters = dict(filters, **{"tag-key": [MARKER_KEY]})
        hosts = []
        account = None
        for region in regions:
            found = [format_instance(item) for item in self._managed_instances(region, filters)]
            if not found:
                continue
            account = account or self._account(region)
            tags = self._tags(region, account, [item["instance_id"] for item in found])
            if only_marked:
                found = [item for item in found if MARKER_KEY in tags[item["instance_id"]]]
            ids = [item["instance_id"] for item in found]
            by_id = self._container_instances(region, clusters_of(clusters, region), ids) if ids else {}
            hosts.extend(
                host_vars(item, tags[item["instance_id"]], by_id.get(item["instance_id"]), region) for item in found
            )
        return sorted(hosts, key=lambda host: (host["region"], host["instance_id"]))

    def _populate(self, hosts, hostnames):
        named, displaced = assign_hostnames(hosts, hostnames or ["name", "instance_id"], self._sanitize_hostname)
        if displaced:
            instance_id, name = displaced[0]
            self.warn(
                f"{len(displaced)} managed instance(s) share a host name with another and are listed under another "
                f"of hostnames (e.g. {instance_id}, not {name})"
            )
        strict = self.get_option("strict")
        for name, host in named:
            self.inventory.add_host(name)
            variables = dict(host)
            if host["ip_address"]:
                variables["ansible_host"] = host["ip_address"]
            for key, value in variables.items():
                self.inventory.set_variable(name, key, value)
            for group in default_groups(host):
                self.inventory.add_child(self.inventory.add_group(self._sanitize_group_name(group)), name)
            self._set_composite_vars(self.get_option("compose"), variables, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, name, strict=strict)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        was_cached, hosts = self.get_cached_result(path, cache)
        if not was_cached:
            hosts = self._query(
                self._boto3_regions("ssm"), self._filters, self.get_option("clusters"), self.get_option("only_marked")
            )
        self._populate(hosts, self.get_option("hostnames"))
        self.update_cached_result(path, cache, hosts)
