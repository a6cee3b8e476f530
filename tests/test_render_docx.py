"""Word output: templates agree with the form definitions; rendered .docx files hold the values."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pdfplumber
import pytest
import yaml
import zxingcpp
from click.testing import CliRunner
from jinja2 import UndefinedError
from lxml import etree
from PIL import Image

from pipeline.cli import main
from pipeline.errors import RenderError
from pipeline.identity import PagePayload, decode_payload
from pipeline.model.filled import FilledForm, OutlineContent, OutlineSection
from pipeline.model.form import CHOICE_KINDS, form_from_file, form_ids, load_form
from pipeline.render.docx import render_docx
from pipeline.render.docx_templates import (
    CHECKED,
    FORM_ID_LOCK,
    NS,
    UNCHECKED,
    build_docx_template,
    check_template,
    template_field_tags,
    template_path,
)
from pipeline.resources import forms_dir

W = NS["w"]
RECORD_VALUES = {
    "school": "青禾市明德实验学校",
    "class_name": "七年级（1）班",
    "student_name": "李𬱖",
    "student_no": "G110105201001010011",
    "guardian_name": "王𠇔",
    "guardian_relation": "母子",
    "phone": "13812345678",
    "address": "青禾市东城区和平街道幸福里小区十二栋三单元五〇一室（靠近青禾市第二人民医院东门，A&B <x> 商店楼上）",
}


def _filled(form_id: str = "record", values: dict[str, str] | None = None, **kwargs: object) -> FilledForm:
    form = load_form(form_id)
    return FilledForm(
        form=form,
        form_id="R7K2M9QXA",
        school_code="MDSY",
        title=f"青禾市明德实验学校 {form.title}",
        values=RECORD_VALUES if values is None else values,
        owner="七年级（1）班 李𬱖",
        **kwargs,  # type: ignore[arg-type]
    )


def _root(docx: Path, part: str = "word/document.xml") -> etree._Element:
    with zipfile.ZipFile(docx) as zf:
        return etree.fromstring(zf.read(part), etree.XMLParser(resolve_entities=False, no_network=True))


def _field_control(root: etree._Element, tag: str) -> etree._Element:
    """The field-level control of ``tag`` (the checkbox controls share the tag, not the role)."""
    controls = [
        sdt
        for sdt in root.xpath("//w:sdt[w:sdtPr/w:tag/@w:val=$tag]", namespaces=NS, tag=tag)
        if not sdt.xpath("w:sdtPr/w14:checkbox", namespaces=NS)
    ]
    assert len(controls) == 1, f"{tag}: {len(controls)} field-level controls"
    return controls[0]


def _text(sdt: etree._Element) -> str:
    return "".join(sdt.xpath("w:sdtContent//w:t/text()", namespaces=NS))


@pytest.fixture(scope="module")
def record_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docx") / "record.docx"
    render_docx(_filled(), out)
    return out


# --- templates and definitions --------------------------------------------------------------


@pytest.mark.parametrize("form_id", form_ids())
def test_committed_template_agrees_with_its_form_definition(form_id: str) -> None:
    assert check_template(load_form(form_id), template_path(form_id)) == []


@pytest.mark.parametrize("form_id", form_ids())
def test_template_rebuilt_from_definition_has_the_committed_tags(form_id: str, tmp_path: Path) -> None:
    rebuilt = tmp_path / f"{form_id}.docx"
    build_docx_template(load_form(form_id), rebuilt)
    assert template_field_tags(rebuilt) == template_field_tags(template_path(form_id))


def test_template_tags_are_exactly_the_field_ids_and_option_values() -> None:
    form = load_form("record")
    tags = template_field_tags(template_path("record"))
    assert list(tags) == [f.id for f in form.fields]
    assert tags["mode"] == ["入户走访", "电话", "视频(线上)", "邀请来校", "书面联系"]
    assert tags["address"] == []


def _record_yaml_variant(tmp_path: Path, change: str) -> Path:
    raw = yaml.safe_load((forms_dir() / "record.yaml").read_text(encoding="utf-8"))
    if change == "extra field":
        extra = {"id": "home_photo", "label": "家庭照片", "kind": "text", "box": [15, 250, 90, 10]}
        raw["pages"][1]["fields"].append(extra)
    else:
        mode = next(f for f in raw["pages"][0]["fields"] if f["id"] == "mode")
        mode["options"] = [*mode["options"], "微信"]
    path = tmp_path / "record.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_check_template_reports_a_field_the_template_lacks(tmp_path: Path) -> None:
    form = form_from_file(_record_yaml_variant(tmp_path, "extra field"))
    problems = check_template(form, template_path("record"))
    assert len(problems) == 1
    assert "home_photo" in problems[0] and "缺少" in problems[0]


def test_check_template_reports_an_option_set_that_differs(tmp_path: Path) -> None:
    form = form_from_file(_record_yaml_variant(tmp_path, "extra option"))
    problems = check_template(form, template_path("record"))
    assert len(problems) == 1
    assert "mode" in problems[0] and "微信" in problems[0]


def test_check_template_reports_a_template_of_another_form() -> None:
    problems = check_template(load_form("record"), template_path("memo"))
    assert any("visit_date" in p for p in problems)  # missing from the memo
    assert any("memo_date" in p and "多出" in p for p in problems)  # not a record field


def test_build_docx_templates_command_writes_checked_templates(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["forms", "build-docx-templates", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for form_id in form_ids():
        assert check_template(load_form(form_id), tmp_path / f"{form_id}.docx") == []


# --- rendered record ------------------------------------------------------------------------


def test_rendered_record_holds_the_prefilled_values_exactly(record_docx: Path) -> None:
    root = _root(record_docx)
    for field_id, value in RECORD_VALUES.items():
        assert _text(_field_control(root, field_id)) == value


def test_markup_characters_in_a_value_stay_literal(record_docx: Path) -> None:
    address = _text(_field_control(_root(record_docx), "address"))
    assert "A&B <x>" in address


def test_rendered_form_id_control_holds_the_id_and_is_locked(record_docx: Path) -> None:
    control = _field_control(_root(record_docx), "form_id")
    assert _text(control) == "R7K2M9QXA"
    assert control.xpath("w:sdtPr/w:lock/@w:val", namespaces=NS) == [FORM_ID_LOCK]


def test_rendered_choice_fields_are_unchecked_checkboxes_with_the_definitions_options(record_docx: Path) -> None:
    root = _root(record_docx)
    form = load_form("record")
    choice_fields = [f for f in form.fields if f.kind in CHOICE_KINDS]
    assert choice_fields
    for f in choice_fields:
        boxes = _field_control(root, f.id).xpath(".//w:sdt[w:sdtPr/w14:checkbox]", namespaces=NS)
        assert [b.xpath("string(w:sdtPr/w:alias/@w:val)", namespaces=NS) for b in boxes] == list(f.option_values)
        for box in boxes:
            assert box.xpath("string(w:sdtPr/w:tag/@w:val)", namespaces=NS) == f.id
            assert box.xpath("string(w:sdtPr/w14:checkbox/w14:checked/@w14:val)", namespaces=NS) == "0"
            checked_glyph = box.xpath("string(w:sdtPr/w14:checkbox/w14:checkedState/@w14:val)", namespaces=NS)
            assert checked_glyph == f"{ord(CHECKED):04X}"
            assert _text(box) == UNCHECKED


def test_empty_fillable_controls_show_placeholders(record_docx: Path) -> None:
    root = _root(record_docx)
    date = _field_control(root, "visit_date")
    assert date.xpath("w:sdtPr/w:showingPlcHdr", namespaces=NS)
    assert _text(date) == "____年__月__日"
    assert _text(_field_control(root, "teachers")) == load_form("record").field("teachers").hint
    assert _text(_field_control(root, "teacher_signature")) == "（签名）"
    narrative = _field_control(root, "family_situation")
    assert not narrative.xpath("w:sdtPr/w:text", namespaces=NS)  # rich text: several paragraphs allowed
    assert len(narrative.xpath("w:sdtContent/w:p", namespaces=NS)) >= 2


def test_every_field_control_sits_in_a_row_labelled_with_its_alias(record_docx: Path) -> None:
    root = _root(record_docx)
    for f in load_form("record").fields:
        cell = _field_control(root, f.id).xpath("ancestor::w:tc[1]", namespaces=NS)[0]
        label_cell = cell.xpath("preceding-sibling::w:tc[1]", namespaces=NS)[0]
        assert "".join(label_cell.xpath(".//w:t/text()", namespaces=NS)) == f.label
        assert _field_control(root, f.id).xpath("string(w:sdtPr/w:alias/@w:val)", namespaces=NS) == f.label


def test_header_qr_decodes_to_the_page_one_payload(record_docx: Path) -> None:
    with zipfile.ZipFile(record_docx) as zf:
        header_rels = zf.read("word/_rels/header1.xml.rels").decode()
        images = [n for n in zf.namelist() if n.startswith("word/media/")]
        assert len(images) == 1 and Path(images[0]).name in header_rels
        png = zf.read(images[0])
    pixels = np.array(Image.open(io.BytesIO(png)).convert("L"))
    decoded = [decode_payload(b.text) for b in zxingcpp.read_barcodes(pixels)]
    form = load_form("record")
    assert decoded == [PagePayload("MDSY", "R7K2M9QXA", 1, form.page_count, form.layout_hash)]


def test_missing_value_raises_render_error_from_strict_undefined(tmp_path: Path) -> None:
    values = {k: v for k, v in RECORD_VALUES.items() if k != "address"}
    out = tmp_path / "record.docx"
    with pytest.raises(RenderError, match="李𬱖") as excinfo:
        render_docx(_filled(values=values), out)
    assert isinstance(excinfo.value.__cause__, UndefinedError)
    assert "address" in str(excinfo.value)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_outline_docx_contains_the_section_headings_and_items(tmp_path: Path) -> None:
    outline = OutlineContent(
        categories=("留守",),
        sections=(
            OutlineSection("核心目标", ("了解孩子与外出父母的联系频率",)),
            OutlineSection("拟了解的问题", ("祖辈如何辅导作业", "周末在家做什么")),
        ),
    )
    values = {k: RECORD_VALUES[k] for k in ("class_name", "student_name", "guardian_name", "guardian_relation")}
    out = tmp_path / "outline.docx"
    render_docx(_filled("outline", values=values, outline=outline), out)
    paragraphs = ["".join(p.xpath(".//w:t/text()", namespaces=NS)) for p in _root(out).iter(f"{{{W}}}p")]
    assert "核心目标" in paragraphs and "拟了解的问题" in paragraphs
    assert "• 祖辈如何辅导作业" in paragraphs
    assert paragraphs.index("核心目标") < paragraphs.index("拟了解的问题")
    assert check_template(load_form("outline"), out) == []


def test_outline_without_outline_content_is_a_render_error(tmp_path: Path) -> None:
    values = {k: RECORD_VALUES[k] for k in ("class_name", "student_name", "guardian_name", "guardian_relation")}
    with pytest.raises(RenderError, match="outline"):
        render_docx(_filled("outline", values=values), tmp_path / "outline.docx")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_a_rendered_record(record_docx: Path, tmp_path: Path) -> None:
    source = tmp_path / "record.docx"
    shutil.copy(record_docx, source)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    with pdfplumber.open(tmp_path / "record.pdf") as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert RECORD_VALUES["student_name"] in text
    assert RECORD_VALUES["student_no"] in text
