"""What moto lacks for ECS Anywhere: SSM hybrid activations and managed instances, ECS external instances.

Member names follow botocore's ssm and ecs service-2.json; timestamps are epoch seconds, as the JSON
protocol carries them. RegisterManagedInstance and UpdateInstanceInformation are not in botocore's
public model: they are the SSM agent's own calls, shaped as the agent sends them.
"""

from __future__ import annotations

import importlib
import json
import re
import secrets
import string
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import unquote

from moto.iam import models as moto_iam_models
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, IAMBackend, iam_backends
from moto.utilities.utils import get_partition as moto_partition

from tests.emulator import ACCOUNT_ID, DEFAULT_REGION, tag_rules, tagging_api
from tests.emulator.aws_errors import AwsError, json_response
from tests.emulator.ecs_services import ServiceScheduler, agent_connected
from tests.emulator.pages import page
from tests.emulator.regions import partition_of
from tests.emulator.switches import START_VALUES, Switches

MAX_ACTIVATION_DAYS = 30
MANAGED_INSTANCE_ID = re.compile(r"^mi-[0-9a-f]{17}$")
INSTANCE_ID = re.compile(r"^(i|mi)-[0-9a-f]{8,17}$")
INSTANCE_FILTER_KEYS = frozenset(
    {"InstanceIds", "AgentVersion", "PingStatus", "PlatformTypes", "ActivationIds", "IamRole", "ResourceType"}
    | {"AssociationStatus", "SourceIds", "SourceTypes"}
)
PING_STATUSES = frozenset({"Online", "ConnectionLost", "Inactive"})
ACTIVATION_FILTER_KEYS = frozenset({"ActivationIds", "DefaultInstanceName", "IamRole"})
CONTAINER_INSTANCE_STATES = frozenset({"ACTIVE", "DRAINING"})
# ECS cluster query language, the forms the collection uses: `ec2InstanceId == X`, `ec2InstanceId in [X, Y]`.
EC2_ID_EQUALS = re.compile(r"^\s*ec2InstanceId\s*==\s*['\"]?([\w-]+)['\"]?\s*$")
EC2_ID_IN = re.compile(r"^\s*ec2InstanceId\s+in\s*\[([^\]]*)\]\s*$")
DEFAULT_INSTANCE_PAGE = 10
DEFAULT_ACTIVATION_PAGE = 50
DEFAULT_CONTAINER_INSTANCE_PAGE = 100
# UpdateContainerInstancesState's containerInstances: "A list of up to 10 container instance IDs or full ARN entries."
MAX_STATE_UPDATE = 10


# --- moto speed-up: parse AWS managed policies once per process, not once per IAM backend ---------

_MANAGED_POLICY_DATA: list[tuple[str, dict]] = []


def _cached_aws_policies(self: IAMBackend) -> list[AWSManagedPolicy]:
    if not moto_iam_models.load_iam_aws_managed_policies():
        return []
    if not _MANAGED_POLICY_DATA:
        parsed = json.loads(aws_managed_policies_data)
        for name, data in parsed.items():
            _MANAGED_POLICY_DATA.append((name, {**data, "Document": json.dumps(data.get("Document"))}))
    return [
        AWSManagedPolicy(
            name,
            account_id=self.account_id,
            region=self.region_name,
            default_version_id=data.get("DefaultVersionId"),
            path=data.get("Path"),
            document=data["Document"],
            create_date=datetime.fromisoformat(data["CreateDate"]),
            update_date=datetime.fromisoformat(data["UpdateDate"]),
        )
        for name, data in _MANAGED_POLICY_DATA
    ]


def install_moto_patches() -> None:
    IAMBackend._init_aws_policies = _cached_aws_policies


# --- helpers ----------------------------------------------------------------------------------------


def _ecs_models():
    # moto.ecs imports all of moto.ec2 (seconds): load it on the first ECS call, not at startup.
    models = importlib.import_module("moto.ecs.models")
    if not getattr(models.Cluster, "_emulator_patched", False):
        _patch_cluster_lists(models.Cluster)
    return models


def _patch_cluster_lists(cluster_class) -> None:
    """AWS always answers capacityProviders and defaultCapacityProviderStrategy, empty when unset;
    moto leaves them out, and community.aws.ecs_cluster fails on an existing cluster without them."""
    original_init = cluster_class.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.capacity_providers = self.capacity_providers or []
        self.default_capacity_provider_strategy = self.default_capacity_provider_strategy or []

    cluster_class.__init__ = __init__
    cluster_class._emulator_patched = True


def _ecs_backend(region: str):
    return _ecs_models().ecs_backends[ACCOUNT_ID][region]


def _now() -> float:
    return time.time()


def _max_results(value, low: int, high: int, default: int, member: str = "maxResults") -> int:
    if value is None:
        return default
    if not isinstance(value, int) or not low <= value <= high:
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
            f"Member must have value between {low} and {high}",
        )
    return value


def _tags_to_dict(tags: list[dict] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {tag[key]: tag.get(value, "") for tag in tags or []}


def _tags_to_list(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict]:
    return [{key: k, value: v} for k, v in sorted(tags.items())]


def _trusts_ssm(policy_document) -> bool:
    """True if the trust policy lets ssm.amazonaws.com assume the role."""
    if isinstance(policy_document, str):
        try:
            policy_document = json.loads(policy_document)
        except ValueError:
            try:
                policy_document = json.loads(unquote(policy_document))
            except ValueError:
                return False
    statements = policy_document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        services = (statement.get("Principal") or {}).get("Service", []) if isinstance(statement, dict) else []
        services = [services] if isinstance(services, str) else services
        if (
            statement.get("Effect") == "Allow"
            and any(action in ("sts:AssumeRole", "sts:*", "*") for action in actions)
            and "ssm.amazonaws.com" in services
        ):
            return True
    return False


def _find_role(region: str, iam_role: str):
    """The IAM role an activation names: a role name, optionally with its path (`service-role/Name`).

    IAM is global within a partition: every region of it sees the same roles. moto files them under
    its own partition guess for the region the IAM call was signed for, so the lookup uses that guess.
    """
    path, _, name = iam_role.rpartition("/")
    wanted_path = f"/{path}/" if path else None
    for role in iam_backends[ACCOUNT_ID][moto_partition(region)].roles.values():
        if role.name == name and (wanted_path is None or role.path == wanted_path):
            return role
    return None


def _arn_region_and_account(arn: str) -> tuple[str, str] | None:
    parts = arn.split(":", 5)
    return (parts[3], parts[4]) if len(parts) == 6 else None


def _age_seconds(created: datetime) -> float:
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return (datetime.now(UTC) - created).total_seconds()


class Patches:
    def __init__(self, ping_timeout: float, faults, switches: dict | None = None) -> None:
        install_moto_patches()
        self.switches = Switches({**(switches or START_VALUES), "ping_timeout": ping_timeout})
        self.faults = faults
        self.lock = threading.RLock()
        self.scheduler = ServiceScheduler(self._all_container_instances, self.switches)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.activations: dict[str, dict] = {}
            # Every code ever issued, kept after DeleteActivation: tests scan logs and hosts for them.
            self.issued_codes: list[str] = []
            self.managed_instances: dict[str, dict] = {}
            # Deregistered managed instances by id: (when, the instance as it was), for lagging reads.
            self.departed_instances: dict[str, tuple[float, dict]] = {}
            self.container_instances: dict[str, dict] = {}
            self.scheduler.reset()
            self.switches.reset()

    def _all_container_instances(self):
        return self.container_instances.values()

    @property
    def ping_timeout(self) -> float:
        return self.switches["ping_timeout"]

    def config(self) -> dict:
        with self.lock:
            return dict(self.switches.values)

    def configure(self, changes: dict) -> dict:
        # A new ping timeout or task start time applies from now on, not to what already happened.
        with self._ecs_moment():
            return self.switches.update(changes)

    @contextmanager
    def _ecs_moment(self) -> Iterator[float]:
        """Hold the lock for one moment of ECS: first what came due until now, then the caller's
        change, then what that change sets off (tasks stopped, placed, replaced)."""
        with self.lock:
            now = _now()
            self.scheduler.advance(now)
            try:
                yield now
            finally:
                self.scheduler.settle(now)

    # --- dispatch -----------------------------------------------------------------------------------

    def handle(self, request, environ):
        """Answer the call if it is one the emulator adds; None hands it to moto."""
        if request.service == "ecs":
            _ecs_models()
        handlers = {
            "ssm": self._ssm_handlers(),
            "ecs": self._ecs_handlers(),
            "tagging": {"GetResources": self.get_resources},
        }.get(request.service or "", {})
        handler = handlers.get(request.operation or "")
        if handler is None:
            return None
        try:
            params = json.loads(request.body or b"{}")
        except ValueError:
            raise AwsError("SerializationException", "Request body is not valid JSON") from None
        with self._ecs_moment() if request.service == "ecs" else self.lock:
            result = handler(params, request.region, environ)
        return None if result is None else json_response(result)

    def _ssm_handlers(self) -> dict:
        return {
            "CreateActivation": self.create_activation,
            "DescribeActivations": self.describe_activations,
            "DeleteActivation": self.delete_activation,
            "RegisterManagedInstance": self.register_managed_instance,
            "UpdateInstanceInformation": self.update_instance_information,
            "DescribeInstanceInformation": self.describe_instance_information,
            "DeregisterManagedInstance": self.deregister_managed_instance,
            "AddTagsToResource": self.add_tags_to_resource,
            "RemoveTagsFromResource": self.remove_tags_from_resource,
            "ListTagsForResource": self.list_tags_for_resource,
        }

    def _ecs_handlers(self) -> dict:
        return {
            "RegisterContainerInstance": self.register_container_instance,
            "DescribeContainerInstances": self.describe_container_instances,
            "ListContainerInstances": self.list_container_instances,
            "UpdateContainerInstancesState": self.update_container_instances_state,
            "DeregisterContainerInstance": self.deregister_container_instance,
            "DiscoverPollEndpoint": self.discover_poll_endpoint,
        }

    # --- SSM activations ----------------------------------------------------------------------------

    def create_activation(self, params: dict, region: str, environ) -> dict:
        iam_role = params.get("IamRole") or ""
        role_arn = f"arn:{partition_of(region)}:iam::{ACCOUNT_ID}:role/{iam_role}"
        # What SSM answers for a missing role, a role without the SSM trust, and a role IAM has
        # not propagated yet: one message for all three.
        not_usable = AwsError(
            "ValidationException", f"Nonexistent role or missing ssm service principal in trust policy: {role_arn}"
        )
        role = _find_role(region, iam_role) if iam_role and not iam_role.startswith("arn:") else None
        if role is None or not _trusts_ssm(role.assume_role_policy_document):
            raise not_usable
        if _age_seconds(role.create_date) < self.faults.iam_visibility_delay:
            raise not_usable

        tag_rules.check_default_instance_name(params.get("DefaultInstanceName", ""))
        tag_rules.check_tags(params.get("Tags"))
        tags = _tags_to_dict(params.get("Tags"))
        tag_rules.check_tag_count(len(tags), "The activation", code="ValidationException")
        limit = params.get("RegistrationLimit", 1)
        if not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise AwsError(
                "ValidationException",
                f"1 validation error detected: Value '{limit}' at 'registrationLimit' failed to satisfy "
                "constraint: Member must have value between 1 and 1000",
            )
        now = _now()
        expiration = float(params.get("ExpirationDate") or now + 24 * 3600)
        if expiration <= now or expiration > now + MAX_ACTIVATION_DAYS * 24 * 3600 + 60:
            raise AwsError("InvalidParameters", "ExpirationDate must be in the future and at most 30 days from now.")
        activation_id = str(uuid.uuid4())
        code = "".join(secrets.choice(string.ascii_letters + string.digits + "+/") for _ in range(20))
        self.issued_codes.append(code)
        self.activations[activation_id] = {
            "ActivationId": activation_id,
            "Description": params.get("Description", ""),
            "DefaultInstanceName": params.get("DefaultInstanceName", ""),
            "IamRole": iam_role,
            "RegistrationLimit": limit,
            "RegistrationsCount": 0,
            "ExpirationDate": expiration,
            "CreatedDate": now,
            "Tags": tags,
            "_code": code,
            "_region": region,
        }
        return {"ActivationId": activation_id, "ActivationCode": code}

    @staticmethod
    def _activation_view(activation: dict) -> dict:
        view = {key: value for key, value in activation.items() if not key.startswith("_")}
        view["Expired"] = activation["ExpirationDate"] <= _now()
        view["Tags"] = _tags_to_list(activation["Tags"])
        return view

    def describe_activations(self, params: dict, region: str, environ) -> dict:
        max_results = _max_results(params.get("MaxResults"), 1, 50, DEFAULT_ACTIVATION_PAGE)
        selected = [a for a in self.activations.values() if a["_region"] == region]
        for filter_ in params.get("Filters") or []:
            key, values = filter_.get("FilterKey"), filter_.get("FilterValues") or []
            if key not in ACTIVATION_FILTER_KEYS:
                raise AwsError("InvalidFilter", f"Invalid filter key {key}; valid: {sorted(ACTIVATION_FILTER_KEYS)}")
            field = "ActivationId" if key == "ActivationIds" else key
            selected = [a for a in selected if a[field] in values]
        selected.sort(key=lambda a: a["CreatedDate"])
        listed, token = page(selected, max_results, params.get("NextToken"), self.switches)
        result = {"ActivationList": [self._activation_view(a) for a in listed]}
        if token:
            result["NextToken"] = token
        return result

    def delete_activation(self, params: dict, region: str, environ) -> dict:
        activation_id = params.get("ActivationId")
        activation = self.activations.get(activation_id)
        if activation is None or activation["_region"] != region:
            raise AwsError("InvalidActivationId", f"Activation ID {activation_id} is not valid.")
        # Instances registered with it stay registered, as in AWS.
        del self.activations[activation_id]
        return {}

    # --- SSM managed instances ----------------------------------------------------------------------

    def register_managed_instance(self, params: dict, region: str, environ) -> dict:
        activation = self.activations.get(params.get("ActivationId"))
        if activation is None or activation["_region"] != region:
            raise AwsError("InvalidActivation", "Activation ID or code is not valid.")
        if not secrets.compare_digest(str(params.get("ActivationCode", "")), activation["_code"]):
            raise AwsError("InvalidActivation", "Activation ID or code is not valid.")
        if activation["ExpirationDate"] <= _now():
            raise AwsError("ActivationExpired", "Activation has expired.")
        if activation["RegistrationsCount"] >= activation["RegistrationLimit"]:
            raise AwsError("InvalidActivation", "Activation registration limit has been reached.")
        account_limit = self.switches["managed_instance_limit"]
        if account_limit is not None and sum(i["_region"] == region for i in self.managed_instances.values()) >= (
            account_limit
        ):
            # The code AWS answers here is not documented.
            raise AwsError(
                "InvalidActivation",
                f"The standard-instances tier allows {account_limit} managed instances per account and region.",
            )
        activation["RegistrationsCount"] += 1
        instance_id = "mi-" + secrets.token_hex(9)[:17]
        self.managed_instances[instance_id] = {
            "InstanceId": instance_id,
            "ActivationId": activation["ActivationId"],
            "IamRole": activation["IamRole"],
            "RegistrationDate": _now(),
            "DefaultInstanceName": activation["DefaultInstanceName"],
            "Tags": dict(activation["Tags"]),
            # GetResources lists resources that have or once had tags, never the others.
            "_ever_tagged": bool(activation["Tags"]),
            "LastPingDateTime": None,
            "Fingerprint": params.get("Fingerprint", ""),
            "_region": region,
        }
        return {"InstanceId": instance_id}

    def _managed_instance(self, instance_id, region: str, code: str = "InvalidInstanceId") -> dict:
        instance = self.managed_instances.get(instance_id)
        if instance is None or instance["_region"] != region:
            raise AwsError(code, f"Instance Id {instance_id} is not valid or does not exist.")
        return instance

    def update_instance_information(self, params: dict, region: str, environ) -> dict:
        instance = self._managed_instance(params.get("InstanceId"), region)
        for member in ("AgentVersion", "PlatformName", "PlatformVersion", "PlatformType", "ComputerName", "IPAddress"):
            if params.get(member):
                instance[member] = params[member]
        instance["LastPingDateTime"] = _now()
        return {}

    def _ping_status(self, instance: dict) -> str:
        # Registration alone is no ping: until the agent's service heartbeats, the host is not online.
        last = instance["LastPingDateTime"]
        return "Online" if last is not None and _now() - last <= self.ping_timeout else "ConnectionLost"

    def _instance_name(self, instance: dict) -> str:
        # botocore documents Name as the activation's DefaultInstanceName; whether a Name tag
        # overrides it is not documented (switch instance_name).
        if self.switches["instance_name"] == "tag" and instance["Tags"].get("Name"):
            return instance["Tags"]["Name"]
        return instance["DefaultInstanceName"]

    def _managed_instances_as_read(self, region: str) -> list[dict]:
        """The region's managed instances as reads see them: with read_lag_seconds, one registered less
        than that ago is not there yet, one deregistered less than that ago is still there as it was."""
        now, lag = _now(), self.switches["read_lag_seconds"]
        for instance_id, (gone_at, _) in list(self.departed_instances.items()):
            if now - gone_at >= lag:
                del self.departed_instances[instance_id]
        present = [i for i in self.managed_instances.values() if now - i["RegistrationDate"] >= lag]
        departed = [instance for _, instance in self.departed_instances.values()]
        return sorted((i for i in present + departed if i["_region"] == region), key=lambda i: i["RegistrationDate"])

    def _instance_view(self, instance: dict) -> dict:
        view = {
            "InstanceId": instance["InstanceId"],
            "PingStatus": self._ping_status(instance),
            "ActivationId": instance["ActivationId"],
            "IamRole": instance["IamRole"],
            "RegistrationDate": instance["RegistrationDate"],
            "ResourceType": "ManagedInstance",
            "Name": self._instance_name(instance),
            "IsLatestVersion": False,
            "SourceId": instance["InstanceId"],
            "SourceType": "AWS::SSM::ManagedInstance",
        }
        if instance["LastPingDateTime"] is not None:
            view["LastPingDateTime"] = instance["LastPingDateTime"]
        for member in ("AgentVersion", "PlatformName", "PlatformVersion", "PlatformType", "ComputerName", "IPAddress"):
            if instance.get(member):
                view[member] = instance[member]
        return view

    def _instance_matches(self, view: dict, tags: dict, key: str, values: list[str]) -> bool:
        if key.startswith("tag:"):
            return tags.get(key[4:]) in values
        if key == "tag-key":
            return any(value in tags for value in values)
        field = {
            "InstanceIds": "InstanceId",
            "ActivationIds": "ActivationId",
            "PlatformTypes": "PlatformType",
            "SourceIds": "SourceId",
            "SourceTypes": "SourceType",
        }.get(key, key)
        return view.get(field) in values

    def describe_instance_information(self, params: dict, region: str, environ) -> dict:
        max_results = _max_results(params.get("MaxResults"), 5, 50, DEFAULT_INSTANCE_PAGE)
        filters = [(f.get("key"), f.get("valueSet") or []) for f in params.get("InstanceInformationFilterList") or []]
        filters += [(f.get("Key"), f.get("Values") or []) for f in params.get("Filters") or []]
        for key, values in filters:
            is_tag = isinstance(key, str) and (key.startswith("tag:") or key == "tag-key")
            if not is_tag and key not in INSTANCE_FILTER_KEYS:
                raise AwsError("InvalidFilterKey", f"The filter key {key} is not valid.")
            if not values:
                raise AwsError("InvalidInstanceInformationFilterValue", f"The filter {key} has no values.")
            if key == "PingStatus" and not set(values) <= PING_STATUSES:
                raise AwsError(
                    "InvalidInstanceInformationFilterValue", f"PingStatus values must be {sorted(PING_STATUSES)}"
                )
            if key == "InstanceIds":
                malformed = [value for value in values if not INSTANCE_ID.match(value)]
                if malformed:
                    raise AwsError("InvalidInstanceId", f"Instance ids {malformed} are not valid.")
        kinds = {isinstance(key, str) and (key.startswith("tag:") or key == "tag-key") for key, _ in filters}
        if kinds == {True, False}:
            raise AwsError(
                "InvalidInstanceInformationFilterValue",
                "Tag filters cannot be combined with other filter types.",
            )
        readable = self._managed_instances_as_read(region)
        if self.switches["unknown_instance_id"] == "error":
            # The model documents InvalidInstanceId for an id that is not valid; whether a
            # well-formed id nobody registered is one is not documented (switch unknown_instance_id).
            known = {i["InstanceId"] for i in readable}
            unknown = sorted({v for key, values in filters if key == "InstanceIds" for v in values} - known)
            if unknown:
                raise AwsError("InvalidInstanceId", f"Instance ids {unknown} are not valid or do not exist.")
        selected = []
        for instance in readable:
            view = self._instance_view(instance)
            if all(self._instance_matches(view, instance["Tags"], key, values) for key, values in filters):
                selected.append(view)
        listed, token = page(selected, max_results, params.get("NextToken"), self.switches)
        result = {"InstanceInformationList": listed}
        if token:
            result["NextToken"] = token
        return result

    def deregister_managed_instance(self, params: dict, region: str, environ) -> dict:
        instance = self._managed_instance(params.get("InstanceId"), region)
        del self.managed_instances[instance["InstanceId"]]
        self.departed_instances[instance["InstanceId"]] = (_now(), instance)
        return {}

    def add_tags_to_resource(self, params: dict, region: str, environ) -> dict | None:
        if params.get("ResourceType") != "ManagedInstance":
            return None
        tag_rules.check_tags(params.get("Tags"))
        instance = self._managed_instance(params.get("ResourceId"), region, code="InvalidResourceId")
        tags = {**instance["Tags"], **_tags_to_dict(params.get("Tags"))}
        tag_rules.check_tag_count(len(tags), instance["InstanceId"])
        instance["Tags"] = tags
        instance["_ever_tagged"] = instance["_ever_tagged"] or bool(tags)
        return {}

    def remove_tags_from_resource(self, params: dict, region: str, environ) -> dict | None:
        if params.get("ResourceType") != "ManagedInstance":
            return None
        tag_rules.check_tag_keys(params.get("TagKeys"))
        instance = self._managed_instance(params.get("ResourceId"), region, code="InvalidResourceId")
        for key in params.get("TagKeys") or []:
            instance["Tags"].pop(key, None)
        return {}

    def list_tags_for_resource(self, params: dict, region: str, environ) -> dict | None:
        if params.get("ResourceType") != "ManagedInstance":
            return None
        instance = self._managed_instance(params.get("ResourceId"), region, code="InvalidResourceId")
        return {"TagList": _tags_to_list(instance["Tags"])}

    # --- Resource Groups Tagging API --------------------------------------------------------------------

    def get_resources(self, params: dict, region: str, environ) -> dict | None:
        return tagging_api.get_resources(params, region, self._managed_instances_as_read(region), self.switches)

    # --- ECS external container instances -----------------------------------------------------------

    @staticmethod
    def _cluster_name(params: dict, region: str) -> str:
        reference = params.get("cluster") or "default"
        # A cluster ARN names its region: another region's cluster of the same name is not this one.
        if reference.startswith("arn:") and _arn_region_and_account(reference) != (region, ACCOUNT_ID):
            raise AwsError("ClusterNotFoundException", "Cluster not found.")
        name = reference.split("/")[-1]
        cluster = _ecs_backend(region).clusters.get(name)
        if cluster is None or cluster.status != "ACTIVE":
            raise AwsError("ClusterNotFoundException", "Cluster not found.")
        return name

    def _external(self, region: str, cluster: str) -> list[dict]:
        return [ci for ci in self.container_instances.values() if ci["_region"] == region and ci["_cluster"] == cluster]

    def _find_container_instance(self, region: str, cluster: str, reference: str) -> dict | None:
        """The container instance an id or ARN names in this region and cluster; None for any other."""
        wanted_id = reference.rsplit("/", maxsplit=1)[-1]
        instance = self.container_instances.get(wanted_id)
        if instance is None or instance["_region"] != region or instance["_cluster"] != cluster:
            return None
        if reference.startswith("arn:") and reference != instance["containerInstanceArn"]:
            return None
        return instance

    def _container_instance_as_read(self, instance: dict) -> dict | None:
        """The container instance as reads see it: with read_lag_seconds, None while it is newer than
        that, and as it was before while its deregistration is."""
        now, lag = _now(), self.switches["read_lag_seconds"]
        if now - instance["registeredAt"] < lag:
            return None
        if "_before_deregistration" in instance and now - instance["_deregistered_at"] < lag:
            return instance["_before_deregistration"]
        return instance

    def _container_instance_view(self, instance: dict) -> dict:
        view = {key: value for key, value in instance.items() if not key.startswith("_")}
        view["agentConnected"] = agent_connected(instance, _now(), self.ping_timeout)
        return view

    def _adjust_moto_cluster_count(self, region: str, cluster: str, delta: int) -> None:
        # Keeps DescribeClusters' registeredContainerInstancesCount true for external instances.
        moto_cluster = _ecs_backend(region).clusters.get(cluster)
        if moto_cluster is not None:
            moto_cluster.registered_container_instances_count += delta

    def register_container_instance(self, params: dict, region: str, environ) -> dict | None:
        try:
            document = json.loads(params.get("instanceIdentityDocument") or "{}")
        except ValueError:
            raise AwsError("InvalidParameterException", "instanceIdentityDocument is not valid JSON.") from None
        instance_id = document.get("instanceId", "")
        if not instance_id.startswith("mi-"):
            return None  # moto's own EC2 path
        cluster = self._cluster_name(params, region)
        if instance_id not in self.managed_instances or self.managed_instances[instance_id]["_region"] != region:
            raise AwsError("InvalidParameterException", f"Managed instance {instance_id} is not registered with SSM.")

        previous_arn = params.get("containerInstanceArn")
        if previous_arn:
            previous = self._find_container_instance(region, cluster, previous_arn)
            if previous is None or previous["status"] == "INACTIVE":
                # The real agent then stops: its saved state names an instance that cannot come back.
                raise AwsError("ClientException", f"Container instance {previous_arn} is not registered: INACTIVE.")
            # A restarted agent reports what it now is: after an upgrade, ECS shows the new version.
            version_info = params.get("versionInfo")
            if version_info and version_info != previous["versionInfo"]:
                previous["versionInfo"] = version_info
                previous["version"] += 1
            self._note_contact(previous, environ)
            return {"containerInstance": self._container_instance_view(previous)}
        # Without containerInstanceArn (an agent whose data is gone) AWS registers a new container
        # instance, even for an mi- id already ACTIVE here: the old one stays, no longer heartbeated.

        container_id = uuid.uuid4().hex
        partition = partition_of(region)
        resources = params.get("totalResources") or [
            {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 3768},
        ]
        self.container_instances[container_id] = {
            "containerInstanceArn": f"arn:{partition}:ecs:{region}:{ACCOUNT_ID}:container-instance/{cluster}/{container_id}",
            "ec2InstanceId": instance_id,
            "version": 1,
            "versionInfo": params.get("versionInfo") or {},
            "remainingResources": resources,
            "registeredResources": resources,
            "status": "ACTIVE",
            "runningTasksCount": 0,
            "pendingTasksCount": 0,
            "attributes": (params.get("attributes") or []) + [{"name": "ecs.os-type", "value": "linux"}],
            "registeredAt": _now(),
            "attachments": [],
            "tags": params.get("tags") or [],
            "_region": region,
            "_cluster": cluster,
            "_last_contact": _now(),
            "_session_ended": False,
            "_contacts": {(environ or {}).get("REMOTE_ADDR", ""): _now()},
        }
        self._adjust_moto_cluster_count(region, cluster, 1)
        return {"containerInstance": self._container_instance_view(self.container_instances[container_id])}

    def _resolve_many(self, params: dict, region: str) -> tuple[str, list[dict], list[dict]] | None:
        """Split the referenced container instances into ours and failures; None if none are ours."""
        cluster = self._cluster_name(params, region)
        references = params.get("containerInstances") or []
        found, failures = [], []
        for reference in references:
            instance = self._find_container_instance(region, cluster, reference)
            if instance is None:
                failures.append({"arn": reference, "reason": "MISSING"})
            else:
                found.append(instance)
        if not found and _ecs_backend(region).container_instances.get(cluster):
            return None  # only moto's own (EC2) instances are named
        return cluster, found, failures

    def describe_container_instances(self, params: dict, region: str, environ) -> dict | None:
        references = params.get("containerInstances") or []
        if not references or len(references) > 100:
            raise AwsError("InvalidParameterException", "containerInstances must name 1 to 100 container instances.")
        resolved = self._resolve_many(params, region)
        if resolved is None:
            return None
        _, found, failures = resolved
        described = []
        for instance in found:
            as_read = self._container_instance_as_read(instance)
            if as_read is None:
                failures.append({"arn": instance["containerInstanceArn"], "reason": "MISSING"})
            else:
                described.append(self._container_instance_view(as_read))
        return {"containerInstances": described, "failures": failures}

    def list_container_instances(self, params: dict, region: str, environ) -> dict | None:
        cluster = self._cluster_name(params, region)
        external = self._external(region, cluster)
        if not external and _ecs_backend(region).container_instances.get(cluster):
            return None  # a cluster of moto's own EC2 instances
        max_results = _max_results(params.get("maxResults"), 1, 100, DEFAULT_CONTAINER_INSTANCE_PAGE)
        status = params.get("status")
        readable = [i for i in map(self._container_instance_as_read, external) if i is not None]
        selected = (
            [i for i in readable if i["status"] == status]
            if status
            else [i for i in readable if i["status"] in CONTAINER_INSTANCE_STATES]
        )
        query = params.get("filter")
        longest = self.switches["list_filter_max_length"]
        if query and longest is not None and len(query) > longest:
            # Undocumented for this call; 2,000 is the documented limit of placement expressions.
            raise AwsError(
                "InvalidParameterException",
                f"The filter expression is {len(query)} characters long; at most {longest} are allowed.",
            )
        if query:
            equals, in_list = EC2_ID_EQUALS.match(query), EC2_ID_IN.match(query)
            if equals:
                wanted = {equals.group(1)}
            elif in_list:
                wanted = {item.strip().strip("'\"") for item in in_list.group(1).split(",") if item.strip()}
            else:
                raise AwsError("InvalidParameterException", f"Unsupported filter expression: {query}")
            selected = [i for i in selected if i["ec2InstanceId"] in wanted]
        selected.sort(key=lambda i: i["registeredAt"])
        listed, token = page(selected, max_results, params.get("nextToken"), self.switches)
        result = {"containerInstanceArns": [i["containerInstanceArn"] for i in listed]}
        if token:
            result["nextToken"] = token
        return result

    def update_container_instances_state(self, params: dict, region: str, environ) -> dict | None:
        status = params.get("status")
        if status not in CONTAINER_INSTANCE_STATES:
            raise AwsError("InvalidParameterException", "Container instance status should be one of [ACTIVE, DRAINING]")
        count = len(params.get("containerInstances") or [])
        if count > MAX_STATE_UPDATE:
            raise AwsError(
                "InvalidParameterException",
                f"containerInstances can name at most {MAX_STATE_UPDATE} container instances; {count} were given.",
            )
        resolved = self._resolve_many(params, region)
        if resolved is None:
            return None
        _, found, failures = resolved
        for instance in found:
            if instance["status"] == "INACTIVE":
                failures.append({"arn": instance["containerInstanceArn"], "reason": "INACTIVE"})
                continue
            if instance["status"] != status:
                instance["status"] = status
                instance["version"] += 1
        active = [i for i in found if i["status"] != "INACTIVE"]
        return {"containerInstances": [self._container_instance_view(i) for i in active], "failures": failures}

    def deregister_container_instance(self, params: dict, region: str, environ) -> dict | None:
        cluster = self._cluster_name(params, region)
        reference = params.get("containerInstance") or ""
        instance = self._find_container_instance(region, cluster, reference)
        if instance is None:
            if _ecs_backend(region).container_instances.get(cluster):
                return None
            raise AwsError("InvalidParameterException", f"Container instance {reference} not found.")
        if instance["status"] == "INACTIVE":
            raise AwsError("InvalidParameterException", f"Container instance {reference} is already deregistered.")
        if instance["runningTasksCount"] > 0 and not params.get("force"):
            raise AwsError("InvalidParameterException", "Found running tasks on the instance.")
        instance["_before_deregistration"] = dict(instance)
        instance["_deregistered_at"] = _now()
        instance["status"] = "INACTIVE"
        instance["version"] += 1
        self._adjust_moto_cluster_count(region, cluster, -1)
        return {"containerInstance": self._container_instance_view(instance)}

    def discover_poll_endpoint(self, params: dict, region: str, environ) -> dict:
        reference = params.get("containerInstance") or ""
        instance = self.container_instances.get(reference.split("/")[-1])
        # Only a poll signed for the instance's own region keeps it connected.
        if instance is not None and instance["_region"] == region:
            if not reference.startswith("arn:") or reference == instance["containerInstanceArn"]:
                self._note_contact(instance, environ)
        endpoint = f"http://{environ.get('HTTP_HOST', 'localhost')}"
        return {"endpoint": endpoint, "telemetryEndpoint": endpoint, "serviceConnectEndpoint": endpoint}

    # --- control API ---------------------------------------------------------------------------------

    def _control_instance(self, payload: dict, cluster: str | None) -> dict:
        """The external container instance a control request names; `region`, when given, must be its own."""
        reference = payload.get("containerInstance") or ""
        region = payload.get("region")
        instance = self.container_instances.get(reference.split("/")[-1])
        if (
            instance is None
            or (cluster is not None and instance["_cluster"] != cluster)
            or (region is not None and instance["_region"] != region)
            or (reference.startswith("arn:") and reference != instance["containerInstanceArn"])
        ):
            where = (f"cluster {cluster}" if cluster else "any cluster") + (f" of {region}" if region else "")
            raise ValueError(f"no external container instance {reference!r} in {where}")
        return instance

    def set_running_tasks(self, payload: dict) -> dict:
        """Tasks owned by no service (the test's own): they count in runningTasksCount, nothing moves them."""
        running = payload.get("running")
        if isinstance(running, bool) or not isinstance(running, int) or running < 0:
            raise ValueError('"running" must be a whole number >= 0')
        cluster = (payload.get("cluster") or "default").split("/")[-1]
        with self.lock:
            with self._ecs_moment():
                instance = self._control_instance(payload, cluster)
                instance["_other_running"] = running
            return self._container_instance_view(instance)

    @staticmethod
    def _note_contact(instance: dict, environ) -> None:
        """An agent's call for this container instance: it is connected, from where the call came."""
        now = _now()
        instance["_last_contact"] = now
        instance["_session_ended"] = False
        instance.setdefault("_contacts", {})[(environ or {}).get("REMOTE_ADDR", "")] = now

    def end_agent_session(self, payload: dict, source: str = "") -> dict:
        """The agent's websocket closed (its process stopped): ECS reports it disconnected at once,
        until its next call (DiscoverPollEndpoint or RegisterContainerInstance). Unless another agent
        holds the instance too (a cloned host with the same saved state, calling from elsewhere within
        the ping timeout): ECS's session is then that agent's, which reconnects at once."""
        if payload.get("connected") is not False:
            raise ValueError('"connected" must be false: a session starts with the agent\'s own calls')
        with self.lock:
            with self._ecs_moment():
                instance = self._control_instance(payload, cluster=None)
                contacts = instance.setdefault("_contacts", {})
                contacts.pop(source, None)
                now = _now()
                if not any(now - at <= self.ping_timeout for at in contacts.values()):
                    instance["_session_ended"] = True
            return self._container_instance_view(instance)

    def put_service(self, payload: dict) -> dict:
        """Create a service (or set an existing one's desired count) that the scheduler keeps running."""
        region = payload.get("region") or DEFAULT_REGION
        name = payload.get("service")
        desired = payload.get("desiredCount")
        if not isinstance(name, str) or not name:
            raise ValueError('"service" must be a non-empty name')
        if isinstance(desired, bool) or not isinstance(desired, int) or desired < 0:
            raise ValueError('"desiredCount" must be a whole number >= 0')
        with self.lock:
            with self._ecs_moment() as now:
                try:
                    cluster = self._cluster_name({"cluster": payload.get("cluster")}, region)
                except AwsError:
                    raise ValueError(f"no cluster {payload.get('cluster') or 'default'!r} in {region}") from None
                service = self.scheduler.put_service(region, cluster, name, desired, now)
            return self.scheduler.service_view(service)

    def service_records(self) -> dict:
        with self._ecs_moment():
            return self.scheduler.records()

    def state(self) -> dict:
        with self._ecs_moment():
            container_instances: dict[str, list] = {}
            for instance in self.container_instances.values():
                view = self._container_instance_view(instance)
                view["region"] = instance["_region"]
                container_instances.setdefault(instance["_cluster"], []).append(view)
            return {
                # Never the codes: the state dump may end up in test logs.
                "activations": [
                    {**self._activation_view(a), "region": a["_region"]} for a in self.activations.values()
                ],
                "managed_instances": [
                    {**self._instance_view(i), "Tags": _tags_to_list(i["Tags"]), "region": i["_region"]}
                    for i in self.managed_instances.values()
                ],
                "container_instances": container_instances,
            }
