"""The policy profile checked against the record form when it loads: a mode the form does not
offer is an error naming the file, the key and the valid options."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.errors import PolicyError
from pipeline.model.form import form_from_file, load_form
from pipeline.model.policy import load_policy
from pipeline.resources import forms_dir, samples_dir
from pipeline.store.workspace import init_workspace

HOME_OPTION = "{value: 入户走访, counts_as: home_visit}"


def _policy(folder: Path, **coverage: str) -> Path:
    data = yaml.safe_load((samples_dir() / "policy.yaml").read_text(encoding="utf-8"))
    data["coverage"] = {**(data.get("coverage") or {}), **coverage}
    path = folder / "policy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _record_form(folder: Path, home_option: str) -> Path:
    text = (forms_dir() / "record.yaml").read_text(encoding="utf-8")
    path = folder / "record.yaml"
    path.write_text(text.replace(HOME_OPTION, home_option), encoding="utf-8")
    return path


def test_a_profile_naming_a_mode_the_form_does_not_offer_fails_to_load(tmp_path: Path) -> None:
    path = _policy(tmp_path, home_visit_mode="上门家访")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert str(path) in message and "coverage.home_visit_mode" in message and "“上门家访”" in message
    assert "、".join(load_form("record").field("mode").option_values) in message, "the valid options"
    assert "Value error" not in message


def test_a_workspace_is_not_created_with_such_a_profile(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="home_visit_mode"):
        init_workspace(tmp_path / "ws", policy_path=_policy(tmp_path, home_visit_mode="上门家访"))
    assert not (tmp_path / "ws").exists()


def test_a_profile_may_name_another_mode_the_form_offers(tmp_path: Path) -> None:
    assert load_policy(_policy(tmp_path, home_visit_mode="邀请来校")).coverage.home_visit_mode == "邀请来校"


def test_without_a_mode_the_profile_takes_the_one_the_form_declares_a_home_visit(tmp_path: Path) -> None:
    renamed = form_from_file(_record_form(tmp_path, "{value: 上门家访, counts_as: home_visit}"))
    assert load_policy(_policy(tmp_path), form=renamed).coverage.home_visit_mode == "上门家访"
    with pytest.raises(PolicyError, match="上门家访"):
        load_policy(_policy(tmp_path, home_visit_mode="入户走访"), form=renamed)


def test_a_form_declaring_no_home_visit_needs_the_profile_to_name_one(tmp_path: Path) -> None:
    undeclared = form_from_file(_record_form(tmp_path, "入户走访"))
    with pytest.raises(PolicyError, match="counts_as: home_visit"):
        load_policy(_policy(tmp_path), form=undeclared)
    assert load_policy(_policy(tmp_path, home_visit_mode="入户走访"), form=undeclared).coverage.home_visit_mode == "入户走访"
