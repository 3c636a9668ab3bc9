"""amazon-ssm-agent behaviour that needs no AWS: flags, prompts, the vault files, failures."""

import json
import stat

UNREACHABLE = "http://127.0.0.1:9"  # discard port: connection refused


def seed_registration(host, instance_id="mi-0123456789abcdef0", region="eu-west-1"):
    store = host.path("/var/lib/amazon/ssm/Vault/Store")
    store.mkdir(parents=True)
    key = {"instanceID": instance_id, "region": region, "privateKey": "k", "privateKeyType": "Rsa"}
    (store / "RegistrationKey").write_text(json.dumps(key))


def test_daemon_without_registration_exits_1_so_systemd_retries(host):
    result = host.run("amazon-ssm-agent")
    assert result.returncode == 1
    assert "failed to assume any identity" in result.stdout
    log = host.path("/var/log/amazon/ssm/amazon-ssm-agent.log").read_text()
    assert "failed to assume any identity" in log


def test_register_without_code_prints_usage_and_fails(host):
    result = host.run("amazon-ssm-agent", "-register", "-id", "act", "-region", "us-east-1")
    assert result.returncode == 1
    assert "Command-line Usage" in result.stderr


def test_unknown_flag_is_rejected_like_go_flag_parsing(host):
    result = host.run("amazon-ssm-agent", "-register", "-bogus")
    assert result.returncode == 2
    assert "flag provided but not defined: -bogus" in result.stderr


def test_register_clear_alone_empties_the_identity_but_keeps_the_file(host):
    seed_registration(host)
    result = host.run("amazon-ssm-agent", "-register", "-clear")
    assert result.returncode == 0
    assert "Registration information has been removed from the instance." in result.stdout
    key = host.registration()
    assert key["instanceID"] == ""
    assert key["region"] == ""


def test_failed_registration_leaves_an_empty_identity_and_no_code(host):
    seed_registration(host)
    host.write_ssm_config(UNREACHABLE)
    code = "SecretCode-0000aaaa"
    result = host.run("amazon-ssm-agent", "-register", "-y", "-code", code, "-id", "act-1", "-region", "us-east-1")
    assert result.returncode == 1
    assert "Registration failed due to error registering the instance with AWS SSM." in result.stdout
    # The real agent stores its new key before calling SSM, so the old identity is gone.
    assert host.registration()["instanceID"] == ""
    assert host.files_containing(code) == []
    assert code not in result.stdout + result.stderr


def test_second_registration_asks_and_stops_when_stdin_is_closed(host):
    seed_registration(host)
    host.write_ssm_config(UNREACHABLE)
    result = host.run("amazon-ssm-agent", "-register", "-code", "c", "-id", "act-1", "-region", "us-east-1")
    assert result.returncode == 1
    assert "Instance already registered. Would you like to override existing with new registration information?" in (
        result.stdout
    )
    assert "Registration failed due to EOF" in result.stdout
    assert host.registration()["instanceID"] == "mi-0123456789abcdef0"


def test_second_registration_answered_no_is_canceled(host):
    seed_registration(host)
    result = host.run(
        "amazon-ssm-agent", "-register", "-code", "c", "-id", "act-1", "-region", "us-east-1", stdin="No\n"
    )
    assert result.returncode == 1
    assert "Registration canceled by user" in result.stdout
    assert host.registration()["instanceID"] == "mi-0123456789abcdef0"


def test_vault_is_root_only(host):
    host.write_ssm_config(UNREACHABLE)
    host.run("amazon-ssm-agent", "-register", "-y", "-code", "c", "-id", "act-1", "-region", "us-east-1")
    vault = host.path("/var/lib/amazon/ssm/Vault")
    for path in (vault, vault / "Store"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    for path in (vault / "Manifest", vault / "Store/RegistrationKey"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_without_endpoint_override_it_calls_the_aws_regional_endpoint(host):
    result = host.run(
        "amazon-ssm-agent",
        "-register",
        "-code",
        "c",
        "-id",
        "act-1",
        "-region",
        "eu-west-1",
        env={"HTTPS_PROXY": UNREACHABLE},
    )
    assert result.returncode == 1
    # Offline, the real endpoint cannot answer: the request went there (through the proxy) and failed.
    assert "RequestError" in result.stdout
