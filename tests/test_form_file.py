"""Form files read strictly (typos and wrong types are errors naming file and line) and what
fields and options declare they mean (role, outward, counts_as)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.archive.privacy import Privacy
from pipeline.cli import main
from pipeline.errors import FormDefinitionError
from pipeline.model.form import FIELD_ROLES, form_from_file, form_ids, load_form
from pipeline.model.record import FieldValue, Record
from pipeline.resources import forms_dir

# The layout hashes printed in the QR of every page handed out so far: declaring what fields
# mean must never orphan a printed page.
SHIPPED_LAYOUT_HASHES = {"memo": "016F6B31", "outline": "54A8ED46", "record": "4CD8FC0E"}
PROBLEMS_LINE = "{id: problems, label: 发现的问题, kind: multiline, box: [15, 79, 180, 37], role: problems, outward: withheld}"


def _variant(tmp_path: Path, old: str, new: str, form: str = "record") -> Path:
    """A copy of a shipped form file with one exact piece of text replaced."""
    text = (forms_dir() / f"{form}.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / f"{form}.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _first_changed_line(path: Path) -> int:
    shipped = (forms_dir() / path.name).read_text(encoding="utf-8").splitlines()
    changed = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, (a, b) in enumerate(zip(shipped, changed, strict=False), start=1) if a != b)


def _error(path: Path) -> str:
    with pytest.raises(FormDefinitionError) as caught:
        form_from_file(path)
    return str(caught.value)


def test_a_misspelt_sensitivity_key_fails_to_load_naming_file_line_field_and_valid_keys(tmp_path: Path) -> None:
    path = _variant(tmp_path, PROBLEMS_LINE, PROBLEMS_LINE.replace("outward: withheld", "sensitve: true"))
    message = _error(path)
    assert message.startswith(f"{path} 第 {_first_changed_line(path)} 行：字段 problems 有未知的键“sensitve”")
    assert "outward" in message and "role" in message, "the valid keys are listed"
    assert "Traceback" not in message and "Error" not in message


def test_errors_in_the_shipped_folder_name_the_file_as_forms_slash_name(tmp_path: Path) -> None:
    from pipeline.model.form_file import display_name

    assert display_name(forms_dir() / "record.yaml") == "forms/record.yaml"
    assert display_name(tmp_path / "record.yaml") == str(tmp_path / "record.yaml")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("        label: 起止时间\n", "        label: 起止时间\n        requird: true\n", "字段 visit_time 有未知的键“requird”"),
        ("title: 家访记录表\n", "title: 家访记录表\ntitel: 家访记录\n", "表单 有未知的键“titel”"),
        ("{value: 回访, counts_as: followup}", "{value: 回访, count_as: followup}", "字段 visit_type 的第 3 个选项 有未知的键“count_as”（可用的键：value、counts_as）"),
        (
            "kind: signature, box: [105, 218, 90, 26], role: parent_signature}",
            "kind: signature, box: [105, 218, 90, 26], role: parent_signature, required: 是}",
            "字段 parent_signature 的“required”应为 true 或 false，现在是 '是'",
        ),
        ("role: place, box: [15, 121, 180, 10]}", "role: place, box: [15, 121, 180]}", "字段 place 的“box”应有至少 4 项，现在有 3 项"),
        ("role: place, box: [15, 121, 180, 10]}", "role: plase, box: [15, 121, 180, 10]}", "未知的字段角色“plase”"),
        ("role: problems, outward: withheld}", "role: problems, outward: hidden}", "未知的对外标记“hidden”"),
        ("        role: visit_type\n", "        role: visit_date\n", "角色 visit_date 须用于 date 类型的字段"),
        ("role: place, box: [15, 121, 180, 10]}", "role: teachers, box: [15, 121, 180, 10]}", "字段 teachers 的 role “teachers”已用在字段 place"),
        ("{value: 回访, counts_as: followup}", "{value: 回访, counts_as: home_visit}", "counts_as: home_visit 只能用在角色为 visit_mode 的字段上"),
        ("role: place, box: [15, 121, 180, 10]}", "role: place, box: [15, 121, 180, 10], columns: 2}", "字段 place 的“columns”：text 类型的字段不能写这个键"),
    ],
)
def test_each_kind_of_mistake_is_told_in_chinese_with_its_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = _variant(tmp_path, old, new)
    message = _error(path)
    assert expected in message
    assert f"第 {_first_changed_line(path)} 行" in message


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = _variant(tmp_path, "role: place, box: [15, 121, 180, 10]}", "role: place, box: [15, 121, 180, 10}")
    message = _error(path)
    assert str(path) in message and "YAML 格式有误" in message and " 行" in message


def test_shipped_forms_keep_the_layout_hash_their_printouts_carry() -> None:
    assert {f: load_form(f).layout_hash for f in form_ids()} == SHIPPED_LAYOUT_HASHES


def test_roles_outward_flags_and_option_meanings_are_not_geometry(tmp_path: Path) -> None:
    path = _variant(tmp_path, PROBLEMS_LINE, PROBLEMS_LINE.replace(", role: problems, outward: withheld", ""))
    text = path.read_text(encoding="utf-8").replace("{value: 回访, counts_as: followup}", "回访")
    path.write_text(text, encoding="utf-8")
    bare = form_from_file(path)
    assert bare.field("problems").role is None and bare.with_role("visit_type").option_meaning("followup") is None  # type: ignore[union-attr]
    assert bare.layout_hash == load_form("record").layout_hash


def test_record_form_declares_every_role_the_reports_and_archives_read() -> None:
    record = load_form("record")
    declared = {f.role: f for f in record.fields if f.role}
    assert set(declared) == set(FIELD_ROLES)
    assert declared["visit_mode"].option_meaning("home_visit") == "入户走访"
    assert declared["visit_type"].option_meaning("followup") == "回访"
    assert {f.id: f.outward for f in record.fields if f.outward != "shown"} == {
        "phone": "masked", "family_situation": "withheld", "problems": "withheld", "followup_measures": "withheld",
    }


def test_layout_contract_carries_roles_outward_flags_and_option_meanings() -> None:
    result = CliRunner().invoke(main, ["forms", "layout", "record", "--json"])
    assert result.exit_code == 0, result.output
    fields = {f["id"]: f for p in json.loads(result.output)["pages"] for f in p["fields"]}
    assert (fields["mode"]["role"], fields["mode"]["outward"]) == ("visit_mode", "shown")
    assert fields["family_situation"]["outward"] == "withheld" and fields["family_situation"]["role"] is None
    assert [o.get("counts_as") for o in fields["visit_type"]["options"]] == [None, None, "followup"]


def test_a_field_declared_withheld_is_left_out_of_outward_documents(tmp_path: Path) -> None:
    place = "role: place, box: [15, 121, 180, 10]}"
    form = form_from_file(_variant(tmp_path, place, place.replace("}", ", outward: withheld}")))
    record = Record(
        "R1", "record", "S01", "七年级（1）班", form.layout_hash,
        {fid: FieldValue(value, value, 1.0, "docx", "auto") for fid, value in (("place", "村委会"), ("interviewee", "祖母"))},
        "R1.docx", reader="docx",
    )
    outward = Privacy(outward=True, include_sensitive=False)
    assert "place" in outward.withheld_fields(form)
    assert set(outward.record(record, form).fields) == {"interviewee"}
    asked = Privacy(outward=True, include_sensitive=True)
    assert set(asked.record(record, form).fields) == {"place", "interviewee"}
