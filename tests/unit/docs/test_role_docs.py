"""docs/variables.md and the AWX surveys are current with the roles' argument_specs, and say the same."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("role_docs", REPO / "tools" / "role_docs.py")
role_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(role_docs)

SPECS = role_docs.load_specs()
SURVEY_FILES = sorted((REPO / "docs" / "awx").glob("survey-*.json"))


def _roles_of(playbook: str) -> list[str]:
    plays = yaml.safe_load((REPO / playbook).read_text())
    names = [r["role"] if isinstance(r, dict) else r for play in plays for r in play.get("roles", [])]
    return [name.rpartition(".")[2] for name in names]


def test_generated_files_are_current():
    stale = [
        str(path.relative_to(REPO))
        for path, text in role_docs.outputs(SPECS).items()
        if not path.exists() or path.read_text() != text
    ]
    assert stale == [], "run `make docs`"


def test_variables_md_lists_every_option_of_every_role():
    text = (REPO / "docs" / "variables.md").read_text()
    for role, entry_points in SPECS.items():
        assert f"## onprem.ecs_anywhere.{role}" in text
        for name, option in entry_points["main"]["options"].items():
            (row,) = [line for line in text.splitlines() if line.startswith(f"| `{name}` |")][:1] or [None]
            assert row is not None, f"{name} missing"
            if option.get("required"):
                assert "**required**" in row


def test_there_is_one_survey_per_job_template():
    assert [p.name for p in SURVEY_FILES] == sorted(f"survey-{name}.json" for name in role_docs.SURVEYS)


@pytest.mark.parametrize("path", SURVEY_FILES, ids=lambda p: p.stem)
def test_survey_questions_match_the_specs(path):
    survey = json.loads(path.read_text())
    assert survey["name"] and survey["description"]
    variables = [q["variable"] for q in survey["spec"]]
    assert len(variables) == len(set(variables))
    for question in survey["spec"]:
        option = role_docs.find_option(SPECS, question["variable"])
        kind = option.get("type", "str")
        assert question["required"] == bool(option.get("required", False)), question["variable"]
        if kind == "bool":
            assert question["type"] == "multiplechoice"
            assert question["choices"] == ["true", "false"]
            assert question["default"] == str(bool(option["default"])).lower()
        elif "choices" in option:
            assert question["type"] == "multiplechoice"
            assert question["choices"] == [str(c) for c in option["choices"]]
            assert question["default"] in question["choices"]
            assert question["default"] == str(option["default"])
        elif kind == "int":
            assert question["type"] == "integer"
            assert question["default"] == option["default"]
        else:
            assert kind == "str"
            assert question["type"] == "text"
            assert question["default"] == ("" if option.get("required") else option["default"])
        # AWX accepts only these keys' types; a bad one makes the whole survey unsaveable.
        assert question["type"] in ("text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect")


@pytest.mark.parametrize("name", sorted(role_docs.SURVEYS))
def test_survey_asks_every_required_variable_of_its_playbook(name):
    survey = json.loads((REPO / "docs" / "awx" / f"survey-{name}.json").read_text())
    asked = {q["variable"] for q in survey["spec"]}
    for role in _roles_of(role_docs.SURVEYS[name]["playbook"]):
        required = {n for n, o in SPECS[role]["main"]["options"].items() if o.get("required")}
        assert required <= asked, f"{name}: {role} requires {sorted(required - asked)}"


def test_variables_the_survey_sets_are_options_of_the_playbooks_roles():
    for name, meta in role_docs.SURVEYS.items():
        roles = _roles_of(meta["playbook"])
        for variable in meta["variables"]:
            assert any(variable in SPECS[role]["main"]["options"] for role in roles), (name, variable)


def test_types_a_survey_cannot_answer_are_refused():
    with pytest.raises(ValueError, match="cannot answer type dict"):
        role_docs.survey_question("ecs_anywhere_x", {"type": "dict", "default": {}})
    with pytest.raises(ValueError, match="templated default"):
        role_docs.survey_question("ecs_anywhere_x", {"type": "str", "default": "{{ inventory_hostname }}"})


def test_markup_becomes_markdown():
    assert role_docs.markdown(["Use C(a|b) and I(this)", "then U(https://x)."]) == (
        "Use `a\\|b` and *this* then <https://x>."
    )
    assert role_docs.markdown("C({Mgs: {Endpoint: ...}})") == "`{Mgs: {Endpoint: ...}}`"
