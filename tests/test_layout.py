"""The layout contract (`jiafang forms layout FORM --json`) and the form definitions behind it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import FormDefinitionError
from pipeline.model import KINDS, form_from_file, form_ids, load_form
from pipeline.resources import forms_dir


def _layout_json(form: str) -> dict:
    result = CliRunner().invoke(main, ["forms", "layout", form, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("form", ["record", "outline", "memo"])
def test_layout_json_has_the_contract_keys(form: str) -> None:
    layout = _layout_json(form)
    assert {"form", "version", "layout_hash", "page_size_mm", "pages"} <= layout.keys()
    assert layout["page_size_mm"] == [210, 297]
    for page in layout["pages"]:
        assert len(page["markers"]) == 4
        assert len(page["qr_box_mm"]) == 4
        for field in page["fields"]:
            assert {"id", "kind", "label", "box_mm", "prefill"} <= field.keys()
            assert field["kind"] in KINDS
            if field["kind"] in ("date", "time_range", "phone", "digits"):
                assert field["cells_mm"], field["id"]
            if field["kind"] in ("single_choice", "multi_choice"):
                assert [o["value"] for o in field["options"]], field["id"]


def test_record_form_carries_every_field_the_issue_names() -> None:
    record = load_form("record")
    kinds = {f.id: f.kind for f in record.fields}
    assert kinds["visit_date"] == "date" and kinds["visit_time"] == "time_range"
    assert kinds["phone"] == "phone" and kinds["mode"] == "single_choice"
    assert record.field("mode").option_values == ("入户走访", "电话", "视频(线上)", "邀请来校", "书面联系")
    assert record.field("followup_measures").option_values == ("困难家庭帮扶", "学困生学习提升", "家庭教育指导", "心理健康辅导")
    assert {"teacher_signature", "parent_signature"} <= kinds.keys()
    for narrative in ("family_situation", "school_feedback", "parent_opinion", "problems", "consensus", "measures"):
        assert kinds[narrative] == "multiline"
    prefilled = {f.id: f.prefill for f in record.fields if f.prefill}
    assert prefilled["student_name"] == "student.name" and prefilled["phone"] == "student.phone"


def test_fields_stay_inside_the_printable_area_and_do_not_overlap() -> None:
    for fid in form_ids():
        form = load_form(fid)
        for page in form.pages:
            boxes = [(f.id, f.box) for f in page.fields]
            for name, b in boxes:
                assert 10 <= b.x and b.right <= 200 and 30 <= b.y and b.bottom <= 278, (fid, name)
            for i, (a_id, a) in enumerate(boxes):
                for b_id, b in boxes[i + 1 :]:
                    overlap_w = min(a.right, b.right) - max(a.x, b.x)
                    overlap_h = min(a.bottom, b.bottom) - max(a.y, b.y)
                    assert overlap_w <= 0.01 or overlap_h <= 0.01, (fid, a_id, b_id)


def test_comb_cells_are_wide_enough_for_a_handwritten_digit() -> None:
    for f in load_form("record").fields:
        for cell in f.cells:
            assert cell.w >= 6.0
            assert f.value_box.contains(cell.x, cell.y) and f.value_box.contains(cell.right, cell.bottom)
        for option in f.options:
            assert option.box.w >= 4.0


def test_layout_hash_changes_when_geometry_changes(tmp_path: Path) -> None:
    original = (forms_dir() / "record.yaml").read_text(encoding="utf-8")
    moved = tmp_path / "record.yaml"
    moved.write_text(original.replace("box: [15, 121, 180, 10]", "box: [15, 122, 180, 9]"), encoding="utf-8")
    relabelled = tmp_path / "relabelled.yaml"
    relabelled.write_text(original.replace("label: 家访地点", "label: 地点"), encoding="utf-8")
    assert form_from_file(moved).layout_hash != load_form("record").layout_hash
    assert form_from_file(relabelled).layout_hash == load_form("record").layout_hash


def test_a_comb_too_wide_for_its_box_is_a_definition_error(tmp_path: Path) -> None:
    original = (forms_dir() / "record.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "record.yaml"
    bad.write_text(original.replace("box: [15, 109, 90, 12]", "box: [15, 109, 50, 12]"), encoding="utf-8")
    with pytest.raises(FormDefinitionError, match="record.yaml"):
        form_from_file(bad)


def test_unknown_form_is_a_clear_cli_error() -> None:
    result = CliRunner().invoke(main, ["forms", "layout", "nosuchform", "--json"])
    assert result.exit_code == 1
    assert "nosuchform" in result.output and "record" in result.output


def test_a_stored_layout_rebuilds_the_form_it_was_printed_from(tmp_path: Path) -> None:
    from pipeline.model.layout import form_from_layout, layout_dict, layout_hash

    original = (forms_dir() / "record.yaml").read_text(encoding="utf-8")
    old_path = tmp_path / "record.yaml"
    old_path.write_text(original.replace("box: [15, 121, 180, 10]", "box: [15, 122, 180, 9]"), encoding="utf-8")
    old = form_from_file(old_path)
    rebuilt = form_from_layout(json.loads(json.dumps(layout_dict(old))), load_form("record"))
    assert rebuilt.layout_hash == old.layout_hash == layout_hash(rebuilt)
    assert rebuilt.field("place").box == old.field("place").box
    assert rebuilt.field("visit_date").rules == load_form("record").field("visit_date").rules
