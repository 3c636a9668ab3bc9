"""Fails loudly when a moto upgrade moves what the emulator patches or reads (no server needed)."""

from __future__ import annotations

import inspect

import moto
from moto.core.base_backend import BackendDict, backend_lock
from moto.core.model_instances import reset_model_data
from moto.core.resource_tagging import make_tag_matcher, match_resource_type
from moto.core.responses import BaseResponse
from moto.ecs.models import Cluster, EC2ContainerServiceBackend, ecs_backends
from moto.iam import models as iam_models
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, IAMBackend, Role
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.resourcegroupstaggingapi.models import resourcegroupstaggingapi_backends

from tests.emulator import ACCOUNT_ID
from tests.emulator.patches import _cached_aws_policies, install_moto_patches

ORIGINAL_INIT_AWS_POLICIES = IAMBackend.__dict__["_init_aws_policies"]


def test_moto_version_is_the_pinned_one():
    # The patches were checked against this release; a new one needs the checks below re-read.
    assert moto.__version__ == "5.2.5"


def test_patched_iam_policy_loader_still_fits():
    assert callable(iam_models.load_iam_aws_managed_policies)
    assert isinstance(aws_managed_policies_data, str)
    parameters = inspect.signature(AWSManagedPolicy.__init__).parameters
    for name in (
        "name",
        "account_id",
        "region",
        "default_version_id",
        "path",
        "document",
        "create_date",
        "update_date",
    ):
        assert name in parameters, name


def test_patched_loader_yields_the_same_policies_as_moto():
    if IAMBackend._init_aws_policies is _cached_aws_policies:
        IAMBackend._init_aws_policies = ORIGINAL_INIT_AWS_POLICIES

    def documents(backend):
        return {p.arn: (p.default_version_id, p.versions[0].document) for p in backend.aws_managed_policies}

    original = documents(IAMBackend("aws-cn", ACCOUNT_ID))
    install_moto_patches()
    patched = documents(IAMBackend("aws-cn", ACCOUNT_ID))
    assert patched == original
    core = "arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore"
    assert "ssm:UpdateInstanceInformation" in patched[core][1]


def test_iam_role_attributes_the_activation_check_reads():
    role_parameters = inspect.signature(Role.__init__).parameters
    assert {"name", "path", "assume_role_policy_document"} <= set(role_parameters)
    backend = IAMBackend("aws", ACCOUNT_ID)
    assert isinstance(backend.roles, dict)
    assert "create_date" in inspect.getsource(Role.__init__)


def test_ecs_backend_attributes_the_external_instances_use():
    backend = EC2ContainerServiceBackend("us-east-1", ACCOUNT_ID)
    assert isinstance(backend.clusters, dict)
    assert isinstance(backend.container_instances, dict)
    cluster_source = inspect.getsource(Cluster.__init__)
    assert "registered_container_instances_count" in cluster_source
    assert "self.status" in cluster_source
    assert ecs_backends[ACCOUNT_ID]["us-east-1"] is not None


def test_reset_and_server_internals_still_exist():
    assert isinstance(BackendDict._instances, list)
    assert backend_lock is not None
    assert callable(reset_model_data)
    assert callable(create_backend_app)
    assert hasattr(MotoRequestHandler, "make_environ")
    assert callable(DomainDispatcherApplication(create_backend_app).get_application)
    # The fixed account comes from this variable; without it moto looks the account up per request.
    assert "MOTO_ACCOUNT_ID" in inspect.getsource(BaseResponse.get_current_account)


def test_tagging_api_pieces_get_resources_merges_with():
    backend = resourcegroupstaggingapi_backends[ACCOUNT_ID]["us-east-1"]
    parameters = inspect.signature(backend._get_resources_generator).parameters
    assert {"tag_filters", "resource_type_filters", "resource_arn_list"} <= set(parameters)
    assert match_resource_type("ssm:managed-instance", ["ssm"])
    assert not match_resource_type("ssm:managed-instance", ["ssm:parameter"])
    matcher = make_tag_matcher([{"Key": "Name"}, {"Key": "team", "Values": ["ops"]}])
    assert matcher({"Name": "", "team": "ops"}) and not matcher({"Name": "x"})
