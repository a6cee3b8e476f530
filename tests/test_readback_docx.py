"""Word returns: safety checks, identity, reading by tag and by label, the LibreOffice round trip.

Every document here is a real .docx issued by `generate` for a class of one, filled with
`fill_docx` (as a teacher fills it in Word) or damaged on purpose.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from lxml import etree

from pipeline.defs import DOCX_FALLBACK_CONFIDENCE
from pipeline.errors import BlankFormError, ForeignDocumentError, UnknownFormError, UnreadableFileError, UnsafeFileError
from pipeline.generate import generate
from pipeline.model.prefill import prefill_values
from pipeline.identity import is_valid_form_id
from pipeline.model.form import CHOICE_KINDS, FormDef, load_form
from pipeline.readback import check_zip_document, docx_form_id, docx_identity, parse_xml, read_docx
from pipeline.readback.docx_text import parse_ticks
from pipeline.readback.safety import DOCUMENT_PART
from pipeline.render.docx_templates import NS
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.store import repo
from pipeline.store.workspace import Workspace, init_workspace
from pipeline.synth import FillValue, fill_docx
from word_support import in_control, with_ink, with_pictures

CLASS = "测试班"
RECORD_VALUES: dict[str, FillValue] = {
    "visit_date": "2025-11-03",
    "visit_time": "19:00—20:30",
    "place": "学生家中（幸福里12栋）",
    "mode": ("入户走访",),
    "student_present": ("是",),
    "teachers": "王芳、李明",
    "topics": ("学习情况", "心理健康", "安全教育(防溺水·交通·防诈)"),
    "family_situation": "父母在外务工，与爷爷奶奶同住。\n家庭经济一般，有低保。",
    "followup_measures": ("家庭教育指导", "心理健康辅导"),
    "followup_due": "2025年11月10日",
    "teacher_signature": True,
}


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One student in a class of their own, with every form issued as .docx."""
    root = tmp_path_factory.mktemp("issued")
    ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    with ws.session() as s:
        student = replace(repo.list_students(s)[0], class_name=CLASS)
        repo.upsert_students(s, [student])
    report = generate(ws, forms=["record", "outline", "memo"], formats=["docx"], out_dir=root / "out", class_name=CLASS)
    files = {e.form: (e.form_id, report.out_dir / e.file) for e in report.entries}
    ws.close()
    return {"ws": ws, "student": student, "files": files}


def _issued(issued: dict, form: str) -> tuple[str, Path]:
    return issued["files"][form]  # type: ignore[index, no-any-return]


def _expected(form: FormDef, issued: dict, filled: Mapping[str, FillValue]) -> dict[str, object]:
    """What a reader must give for every field: filled values, printed values, else empty."""
    ws: Workspace = issued["ws"]  # type: ignore[assignment]
    form_id, _ = _issued(issued, form.id)
    printed = prefill_values(form, issued["student"], school_name=ws.policy.school.name, form_id=form_id)
    empty = {"signature": False, **{k: () for k in CHOICE_KINDS}}
    out: dict[str, object] = {}
    for f in form.fields:
        value = filled.get(f.id, printed.get(f.id, empty.get(f.kind, "")))
        out[f.id] = bool(value) if f.kind == "signature" else value
    return out


def _rewrite(
    src: Path, out: Path, edits: Mapping[str, Callable[[bytes], bytes] | None], extra: Mapping[str, bytes] | None = None
) -> Path:
    """Copy a .docx, editing (or dropping, for None) some parts and adding others."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in edits:
                edit = edits[info.filename]
                if edit is not None:
                    zout.writestr(info.filename, edit(zin.read(info)))
            else:
                zout.writestr(info, zin.read(info))
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return out


# --- reading intact controls --------------------------------------------------------------


def test_filled_record_reads_back_exactly_by_tag(issued: dict, tmp_path: Path) -> None:
    form_id, src = _issued(issued, "record")
    form = load_form("record")
    fill_docx(src, RECORD_VALUES, tmp_path / "filled.docx")
    reading = read_docx(tmp_path / "filled.docx", form, form_id=form_id)
    assert reading.reader == "docx" and reading.form_id == form_id and reading.notes == ()
    assert {k: v.raw for k, v in reading.values.items()} == _expected(form, issued, RECORD_VALUES)
    assert all(v.source == "docx" and v.confidence == 1.0 and v.doubt == "" for v in reading.values.values())


def test_an_unfilled_form_is_refused_as_blank_and_one_value_typed_reads_the_rest_as_printed(issued: dict, tmp_path: Path) -> None:
    for name in ("record", "outline", "memo"):
        form_id, src = _issued(issued, name)
        form = load_form(name)
        with pytest.raises(BlankFormError, match="没有填写任何内容"):
            read_docx(src, form, form_id=form_id)
        first = next(f for f in form.fields if f.fillable and f.kind in ("text", "multiline"))
        fill_docx(src, {first.id: "一"}, tmp_path / f"{name}.docx")
        reading = read_docx(tmp_path / f"{name}.docx", form, form_id=form_id)
        assert {k: v.raw for k, v in reading.values.items()} == _expected(form, issued, {first.id: "一"})
        assert reading.values["form_id"].raw == form_id


def test_memo_and_outline_fields_read_back(issued: dict, tmp_path: Path) -> None:
    cases: dict[str, dict[str, FillValue]] = {
        "memo": {"memo_date": "2025.11.3", "consensus": "每天阅读半小时。\n周末一起运动。", "home_actions": "家长每周检查作业",
                 "next_review": "12月1日", "teacher_signature": "王芳", "parent_signature": True},
        "outline": {"planned_date": "25/11/3", "planned_mode": ("电话", "视频(线上)"), "notes": "第一行\n第二行\n第三行"},
    }
    for name, values in cases.items():
        form_id, src = _issued(issued, name)
        form = load_form(name)
        fill_docx(src, values, tmp_path / f"{name}.docx")
        reading = read_docx(tmp_path / f"{name}.docx", form, form_id=form_id)
        assert {k: v.raw for k, v in reading.values.items()} == _expected(form, issued, values)


def test_fifty_differently_filled_records_read_back_exactly(issued: dict, tmp_path: Path) -> None:
    form_id, src = _issued(issued, "record")
    form = load_form("record")
    rng = random.Random(7)
    words = ["家长", "学习", "作业", "abc", "2025", "（注）", "A&B <x>", "心理", "  ", "、", "。"]
    for i in range(50):
        values: dict[str, FillValue] = {}
        for f in form.fields:
            if not f.fillable or rng.random() < 0.3:
                continue
            if f.kind in CHOICE_KINDS:
                values[f.id] = tuple(o for o in f.option_values if rng.random() < 0.4)
            elif f.kind == "signature":
                values[f.id] = rng.random() < 0.5
            else:
                lines = 1 + (rng.random() < 0.5 if f.kind == "multiline" else 0)
                values[f.id] = "\n".join("".join(rng.choices(words, k=4)).strip() or "空" for _ in range(lines))
        out = tmp_path / f"r{i}.docx"
        fill_docx(src, values, out)
        reading = read_docx(out, form, form_id=docx_form_id(out))
        assert {k: v.raw for k, v in reading.values.items()} == _expected(form, issued, values), i


def test_a_tick_typed_beside_the_checkboxes_is_doubted(issued: dict, tmp_path: Path) -> None:
    form_id, src = _issued(issued, "record")
    fill_docx(src, {"mode": ("电话",)}, tmp_path / "f.docx")

    def type_tick(xml: bytes) -> bytes:
        return xml.replace(" 入户走访".encode(), " 入户走访√".encode())

    _rewrite(tmp_path / "f.docx", tmp_path / "typed.docx", {DOCUMENT_PART: type_tick})
    value = read_docx(tmp_path / "typed.docx", load_form("record"), form_id=form_id).values["mode"]
    assert value.raw == ("电话",) and "家访方式" in value.doubt and value.confidence < 1.0


MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
VML = "urn:schemas-microsoft-com:vml"
NOTE = "另有补充：孩子近期情绪低落"


def _text_box(text: str) -> etree._Element:
    """A run holding a text box the way Word writes one: a DrawingML shape and its VML fallback,
    each with the text."""
    content = f'<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>'
    return etree.fromstring(
        f'<w:r xmlns:w="{NS["w"]}" xmlns:mc="{MC}" xmlns:wps="{WPS}" xmlns:v="{VML}"><mc:AlternateContent>'
        f'<mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx>{content}</wps:txbx></wps:wsp></w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><v:shape><v:textbox>{content}</v:textbox></v:shape></w:pict></mc:Fallback>'
        "</mc:AlternateContent></w:r>"
    )


def _with_text_box(src: Path, out: Path, paragraph: Callable[[etree._Element], etree._Element]) -> Path:
    """``src`` with a text box holding NOTE anchored at the end of the paragraph ``paragraph`` finds."""

    def add(xml: bytes) -> bytes:
        root = etree.fromstring(xml)
        paragraph(root).append(_text_box(NOTE))
        return etree.tostring(root)

    return _rewrite(src, out, {DOCUMENT_PART: add})


def _in_label_cell(label: str) -> Callable[[etree._Element], etree._Element]:
    return lambda root: root.xpath(f"//w:tc[normalize-space(.)='{label}']/w:p", namespaces=NS)[0]


@pytest.mark.parametrize("anchor", [in_control("family_situation"), _in_label_cell("家庭情况")], ids=["in-its-control", "in-its-label-cell"])
def test_a_text_box_in_a_field_is_read_once_after_its_text_and_doubted(issued: dict, tmp_path: Path, anchor: Callable) -> None:
    form_id, src = _issued(issued, "record")
    fill_docx(src, RECORD_VALUES, tmp_path / "filled.docx")
    boxed = _with_text_box(tmp_path / "filled.docx", tmp_path / "boxed.docx", anchor)
    reading = read_docx(boxed, load_form("record"), form_id=form_id)
    value = reading.values["family_situation"]
    assert value.raw == f"{RECORD_VALUES['family_situation']}\n{NOTE}"
    assert NOTE in value.doubt and value.confidence < 1.0
    assert [fid for fid, v in reading.values.items() if v.doubt] == ["family_situation"]


def test_a_text_box_outside_every_field_is_shown_on_the_next_field_to_fill_not_lost(issued: dict, tmp_path: Path) -> None:
    form_id, src = _issued(issued, "record")
    fill_docx(src, RECORD_VALUES, tmp_path / "filled.docx")
    before_the_form = _with_text_box(tmp_path / "filled.docx", tmp_path / "boxed.docx", lambda root: root.find("w:body/w:p", NS))
    values = read_docx(before_the_form, load_form("record"), form_id=form_id).values
    doubted = {fid: v for fid, v in values.items() if v.doubt}
    assert list(doubted) == ["visit_date"] and NOTE in doubted["visit_date"].doubt
    assert doubted["visit_date"].raw == RECORD_VALUES["visit_date"], "its text is not put into a field it may not belong to"


COMMENT = "学生在校住宿，本次未在家"
COMMENTS = f'<w:comments xmlns:w="{NS["w"]}"><w:comment w:id="7" w:author="王芳"><w:p><w:r><w:annotationRef/></w:r><w:r><w:t>{COMMENT}</w:t></w:r></w:p></w:comment></w:comments>'


def _with_comment(src: Path, out: Path, paragraph: Callable[[etree._Element], etree._Element]) -> Path:
    """``src`` with a comment on the paragraph ``paragraph`` finds, written the way Word writes
    one: a range in the document, a reference run after it, the text in word/comments.xml."""

    def add(xml: bytes) -> bytes:
        root = etree.fromstring(xml)
        p = paragraph(root)
        w = f"{{{NS['w']}}}"
        start, end = etree.Element(f"{w}commentRangeStart"), etree.Element(f"{w}commentRangeEnd")
        start.set(f"{w}id", "7"), end.set(f"{w}id", "7")
        p.insert(1, start), p.append(end)
        etree.SubElement(etree.SubElement(p, f"{w}r"), f"{w}commentReference").set(f"{w}id", "7")
        return etree.tostring(root)

    rel = b'<Relationship Id="rIdComments" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="comments.xml"/></Relationships>'
    kind = b'<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/></Types>'
    edits = {
        DOCUMENT_PART: add,
        "word/_rels/document.xml.rels": lambda x: x.replace(b"</Relationships>", rel),
        "[Content_Types].xml": lambda x: x.replace(b"</Types>", kind),
    }
    return _rewrite(src, out, edits, extra={"word/comments.xml": COMMENTS.encode()})


def test_a_comment_on_a_field_is_shown_on_it_and_one_outside_every_field_on_the_next_field(issued: dict, tmp_path: Path) -> None:
    form_id, src = _issued(issued, "record")
    fill_docx(src, RECORD_VALUES, tmp_path / "filled.docx")
    form = load_form("record")
    on_a_choice = _with_comment(tmp_path / "filled.docx", tmp_path / "c1.docx", in_control("student_present"))
    values = read_docx(on_a_choice, form, form_id=form_id).values
    assert [fid for fid, v in values.items() if v.doubt] == ["student_present"] and COMMENT in values["student_present"].doubt
    assert values["student_present"].raw == RECORD_VALUES["student_present"], "a comment is shown, not read into the field"
    before_the_form = _with_comment(tmp_path / "filled.docx", tmp_path / "c2.docx", lambda root: root.find("w:body/w:p", NS))
    values = read_docx(before_the_form, form, form_id=form_id).values
    assert [fid for fid, v in values.items() if v.doubt] == ["visit_date"] and COMMENT in values["visit_date"].doubt


def test_a_picture_in_a_signature_field_is_a_signature_to_check_and_one_elsewhere_is_named_not_lost(issued: dict, tmp_path: Path) -> None:
    """Before, a parent's signature pasted as a picture read as unsigned, confidence 1.0."""
    form_id, src = _issued(issued, "record")
    typed = {k: v for k, v in RECORD_VALUES.items() if k != "teacher_signature"}
    fill_docx(src, typed, tmp_path / "filled.docx")
    where = {f: in_control(f) for f in ("teacher_signature", "parent_signature", "family_situation")}
    pictured = with_pictures(tmp_path / "filled.docx", tmp_path / "pictured.docx", {**where, "end": lambda root: root})
    values = read_docx(pictured, load_form("record"), form_id=form_id).values
    assert sorted(fid for fid, v in values.items() if v.doubt) == sorted(where)
    for signature in ("teacher_signature", "parent_signature"):
        assert values[signature].raw is True and "图片" in values[signature].doubt
    assert values["family_situation"].raw == RECORD_VALUES["family_situation"] and "图片" in values["family_situation"].doubt


def test_ink_drawn_in_a_signature_field_signs_it_and_ink_outside_every_field_is_shown_on_the_next_field(issued: dict, tmp_path: Path) -> None:
    """Word's 绘图 tab: the teacher signs with a tablet's pen in the signature field, the parent
    signs below the table. Before, the first read as a picture and the second was dropped: the
    parent's signature `unsigned`, confidence 1.0 (a picture outside the fields is a photo of
    the visit and stays in the file; ink there is writing)."""
    form_id, src = _issued(issued, "record")
    typed = {k: v for k, v in RECORD_VALUES.items() if k != "teacher_signature"}
    fill_docx(src, typed, tmp_path / "filled.docx")
    where = {"teacher_signature": in_control("teacher_signature"), "end": lambda root: root}
    form = load_form("record")
    values = read_docx(with_ink(tmp_path / "filled.docx", tmp_path / "inked.docx", where), form, form_id=form_id).values
    last = [f.id for f in form.fields if f.fillable][-1]
    assert last == "parent_signature" and sorted(fid for fid, v in values.items() if v.doubt) == ["parent_signature", "teacher_signature"]
    assert values["teacher_signature"].raw is True and "笔迹" in values["teacher_signature"].doubt
    assert values[last].raw is False and "不在任何填写栏里的笔迹" in values[last].doubt and values[last].confidence < 1.0


def test_text_struck_through_or_hidden_in_word_is_left_out_of_the_value_and_named(issued: dict, tmp_path: Path) -> None:
    """A teacher takes back a sentence with 删除线 rather than deleting it, or hides a name.
    Before, the struck sentence and the hidden name were read into the values: `auto`,
    confidence 1.0. A run whose strike is set off (LibreOffice writes w:val="false") reads."""
    form_id, src = _issued(issued, "record")
    fill_docx(src, RECORD_VALUES, tmp_path / "filled.docx")
    document = docx.Document(str(tmp_path / "filled.docx"))
    narrative = docx.text.paragraph.Paragraph(in_control("family_situation")(document.element), document.part)
    narrative.add_run("孩子有自伤倾向。").font.strike = True
    narrative.add_run("（已核实）").font.strike = False
    hidden = etree.fromstring(f'<w:r xmlns:w="{NS["w"]}"><w:rPr><w:vanish/></w:rPr><w:t>、张强</w:t></w:r>')
    etree.XPath("//w:sdt[w:sdtPr/w:tag/@w:val='teachers']/w:sdtContent", namespaces=NS)(document.element)[0].append(hidden)
    document.save(str(tmp_path / "struck.docx"))
    values = read_docx(tmp_path / "struck.docx", load_form("record"), form_id=form_id).values
    assert sorted(fid for fid, v in values.items() if v.doubt) == ["family_situation", "teachers"]
    assert values["family_situation"].raw == RECORD_VALUES["family_situation"] + "（已核实）"
    assert "删除线" in values["family_situation"].doubt and "孩子有自伤倾向。" in values["family_situation"].doubt
    assert values["teachers"].raw == RECORD_VALUES["teachers"] and "隐藏" in values["teachers"].doubt and "张强" in values["teachers"].doubt


def test_tracked_changes_nobody_accepted_are_read_as_accepted_and_shown(issued: dict, tmp_path: Path) -> None:
    """A head teacher edits the teacher's form with 修订 (track changes) on and it comes back
    unaccepted. Before, the suggested text was read as the teacher's, confidence 1.0, `auto`."""
    form_id, src = _issued(issued, "record")
    fill_docx(src, RECORD_VALUES, tmp_path / "filled.docx")
    document = docx.Document(str(tmp_path / "filled.docx"))
    w = NS["w"]
    edits = (
        f'<w:del xmlns:w="{w}" w:id="901" w:author="班主任" w:date="2025-11-05T10:00:00Z"><w:r><w:delText>家中有小狗。</w:delText></w:r></w:del>',
        f'<w:ins xmlns:w="{w}" w:id="902" w:author="班主任" w:date="2025-11-05T10:00:00Z"><w:r><w:t>孩子近视。</w:t></w:r></w:ins>',
    )
    paragraph = in_control("family_situation")(document.element)
    for edit in edits:
        paragraph.append(etree.fromstring(edit))
    document.save(str(tmp_path / "revised.docx"))
    values = read_docx(tmp_path / "revised.docx", load_form("record"), form_id=form_id).values
    assert [fid for fid, v in values.items() if v.doubt] == ["family_situation"]
    assert values["family_situation"].raw == RECORD_VALUES["family_situation"] + "孩子近视。"
    assert "未接受的修订（删去“家中有小狗。”；加入“孩子近视。”）" in values["family_situation"].doubt


def _in_value(document: docx.document.Document, field_id: str, *xml: str) -> None:
    """The field's control made to hold ``xml`` (runs or simple fields) and nothing else."""
    content = etree.XPath(f"//w:sdt[w:sdtPr/w:tag/@w:val='{field_id}']/w:sdtContent", namespaces=NS)(document.element)[0]
    for child in list(content):
        content.remove(child)
    for part in xml:
        content.append(etree.fromstring(f'<w:wrap xmlns:w="{NS["w"]}">{part}</w:wrap>')[0])


def test_a_date_word_inserted_as_an_updating_field_is_not_taken_as_the_visit_date(issued: dict, tmp_path: Path) -> None:
    """A teacher inserts 家访日期 with 插入 → 日期和时间 and 自动更新 ticked, and 参与教师 as the
    PC's user name. Word shows a DATE field's day as of the last time the file was opened or
    saved, so a form finished a week later carries that day. Before, both were read as typed:
    confidence 1.0, `auto`. A hyperlink is a field too, but its text is the teacher's."""
    form_id, src = _issued(issued, "record")
    fill_docx(src, RECORD_VALUES, tmp_path / "filled.docx")
    document = docx.Document(str(tmp_path / "filled.docx"))
    run = "<w:r><w:{}/></w:r>".format
    _in_value(
        document,
        "visit_date",
        run('fldChar w:fldCharType="begin"'),
        '<w:r><w:instrText xml:space="preserve"> DATE \\@ "yyyy年M月d日" </w:instrText></w:r>',
        run('fldChar w:fldCharType="separate"'),
        "<w:r><w:t>2025年11月20日</w:t></w:r>",
        run('fldChar w:fldCharType="end"'),
    )
    _in_value(document, "teachers", '<w:fldSimple w:instr=" USERNAME \\* MERGEFORMAT "><w:r><w:t>Administrator</w:t></w:r></w:fldSimple>')
    _in_value(document, "place", '<w:fldSimple w:instr=" HYPERLINK &quot;https://example.cn&quot; "><w:r><w:t>学生家中</w:t></w:r></w:fldSimple>')
    document.save(str(tmp_path / "fields.docx"))
    values = read_docx(tmp_path / "fields.docx", load_form("record"), form_id=form_id).values
    assert sorted(fid for fid, v in values.items() if v.doubt) == ["teachers", "visit_date"]
    assert values["visit_date"].raw == "2025年11月20日" and values["visit_date"].confidence < 1.0
    assert "自动更新日期（域 DATE）" in values["visit_date"].doubt
    assert values["teachers"].raw == "Administrator" and "自动生成的内容（域 USERNAME）" in values["teachers"].doubt
    assert values["place"].raw == "学生家中" and values["place"].confidence == 1.0


def test_pinyin_set_above_a_rare_character_is_not_read_into_the_value(issued: dict, tmp_path: Path) -> None:
    """A teacher puts 拼音指南 over a rare character of a name. Word shows the pinyin above the
    line; before, it was read into the text between the characters ("由奶奶 zhé 喆照顾")."""
    form_id, src = _issued(issued, "record")
    fill_docx(src, RECORD_VALUES, tmp_path / "filled.docx")
    document = docx.Document(str(tmp_path / "filled.docx"))
    ruby = "<w:r><w:ruby><w:rubyPr><w:rubyAlign w:val='center'/></w:rubyPr><w:rt><w:r><w:t>zhé</w:t></w:r></w:rt><w:rubyBase><w:r><w:t>喆</w:t></w:r></w:rubyBase></w:ruby></w:r>"
    _in_value(document, "family_situation", f"<w:p><w:r><w:t>由奶奶</w:t></w:r>{ruby}<w:r><w:t>照顾。</w:t></w:r></w:p>")
    document.save(str(tmp_path / "pinyin.docx"))
    value = read_docx(tmp_path / "pinyin.docx", load_form("record"), form_id=form_id).values["family_situation"]
    assert (value.raw, value.confidence, value.doubt) == ("由奶奶喆照顾。", 1.0, "")


def test_text_typed_beside_a_label_or_below_the_form_is_shown_on_a_field_not_lost(issued: dict, tmp_path: Path) -> None:
    """Before, both read as if never typed: every field `auto`, the text in no record."""
    form_id, src = _issued(issued, "record")
    fill_docx(src, RECORD_VALUES, tmp_path / "filled.docx")
    document = docx.Document(str(tmp_path / "filled.docx"))
    label = next(c for t in document.tables for row in t.rows for c in row.cells if c.text.strip() == "家访地点")
    label.paragraphs[0].add_run(" 外婆家")
    document.add_paragraph("补充：家长反映孩子在家玩手机到深夜")
    document.save(str(tmp_path / "typed.docx"))
    form = load_form("record")
    values = read_docx(tmp_path / "typed.docx", form, form_id=form_id).values
    last = [f.id for f in form.fields if f.fillable][-1]
    assert sorted(fid for fid, v in values.items() if v.doubt) == sorted(["place", last])
    assert "外婆家" in values["place"].doubt and values["place"].raw == RECORD_VALUES["place"]
    assert "玩手机到深夜" in values[last].doubt


def test_an_answer_typed_under_an_outline_question_is_shown_on_the_notes_and_the_questions_are_not(issued: dict, tmp_path: Path) -> None:
    """The outline's questions are generated per student; a teacher types an answer on a new line
    below one. Before, the answer was in no field and nothing said so."""
    form_id, src = _issued(issued, "outline")
    fill_docx(src, {"planned_date": "2025-11-03", "notes": "带好成绩单"}, tmp_path / "filled.docx")
    form = load_form("outline")
    assert not any(v.doubt for v in read_docx(tmp_path / "filled.docx", form, form_id=form_id).values.values())
    document = docx.Document(str(tmp_path / "filled.docx"))
    paragraphs = document.paragraphs
    question = next(i for i, p in enumerate(paragraphs) if p.text.startswith("•"))
    paragraphs[question + 1].insert_paragraph_before("答：奶奶说孩子周末常去河边玩")
    document.save(str(tmp_path / "answered.docx"))
    values = read_docx(tmp_path / "answered.docx", form, form_id=form_id).values
    assert [fid for fid, v in values.items() if v.doubt] == ["notes"]
    assert "常去河边玩" in values["notes"].doubt and values["notes"].raw == "带好成绩单"


def test_an_answer_typed_after_an_outline_question_on_its_line_is_shown_on_the_notes(issued: dict, tmp_path: Path) -> None:
    """Before, every line starting with the outline's bullet was taken for printed guidance: the
    answer typed after a question was in no field and every field said `auto`. Items printed
    glued together by outlines before 6b2bb7a ("。- ") still read as printed."""
    form_id, src = _issued(issued, "outline")
    fill_docx(src, {"planned_date": "2025-11-03", "notes": "带好成绩单"}, tmp_path / "filled.docx")
    document = docx.Document(str(tmp_path / "filled.docx"))
    items = [p for p in document.paragraphs if p.text.startswith("•")]
    items[-2].add_run(items[-1].text.replace("•", "- ", 1))  # two cautions glued, as printed before
    items[-1]._p.getparent().remove(items[-1]._p)
    document.save(str(tmp_path / "glued.docx"))
    form = load_form("outline")
    assert not any(v.doubt for v in read_docx(tmp_path / "glued.docx", form, form_id=form_id).values.values())
    question = next(p for p in document.paragraphs if p.text.rstrip().endswith("？"))
    question.add_run("答：奶奶说孩子周末常去河边玩")
    document.save(str(tmp_path / "answered.docx"))
    values = read_docx(tmp_path / "answered.docx", form, form_id=form_id).values
    assert [fid for fid, v in values.items() if v.doubt] == ["notes"]
    assert "常去河边玩" in values["notes"].doubt and values["notes"].raw == "带好成绩单"


ASIDES = Path(__file__).parent / "data" / "asides"


def test_text_boxes_and_a_comment_libreoffice_wrote_are_each_shown_once_on_their_field() -> None:
    saved = ASIDES / "record-asides.libreoffice-7.4.docx"
    values = read_docx(saved, load_form("record"), form_id=docx_identity(saved).form_id).values
    for fid, text in (("family_situation", NOTE), ("place", "外婆家（城东小区）")):
        assert values[fid].raw.count(text) == 1 and text in values[fid].doubt, fid
    assert "家长要求不写具体楼号" in values["place"].doubt and "家长要求不写具体楼号" not in values["place"].raw


def test_fill_docx_refuses_unknown_fields_and_options(issued: dict, tmp_path: Path) -> None:
    _, src = _issued(issued, "record")
    with pytest.raises(KeyError):
        fill_docx(src, {"no_such_field": "x"}, tmp_path / "x.docx")
    with pytest.raises(ValueError, match="飞鸽传书"):
        fill_docx(src, {"mode": ("飞鸽传书",)}, tmp_path / "x.docx")


# --- identity -----------------------------------------------------------------------------


def test_identity_comes_from_the_locked_control_with_school_from_the_qr(issued: dict) -> None:
    form_id, src = _issued(issued, "memo")
    ident = docx_identity(src)
    ws: Workspace = issued["ws"]  # type: ignore[assignment]
    assert (ident.form_id, ident.source, ident.form_kind) == (form_id, "control", "memo")
    assert ident.school_code == ws.policy.school.code
    assert ident.layout_hash == load_form("memo").layout_hash
    assert docx_form_id(src) == form_id


def _bad_check_symbol(form_id: str) -> str:
    bad = next(form_id[:8] + c for c in "0123456789ABCDEFGHJKMNPQRSTVWXYZ" if c != form_id[8])
    assert not is_valid_form_id(bad)
    return bad


def test_an_edited_form_id_is_recovered_from_the_core_properties(issued: dict, tmp_path: Path) -> None:
    form_id, src = _issued(issued, "record")
    bad = _bad_check_symbol(form_id)
    fill_docx(src, {"form_id": bad}, tmp_path / "edited.docx")
    ident = docx_identity(tmp_path / "edited.docx")
    assert (ident.form_id, ident.source) == (form_id, "core")
    assert any(bad in note for note in ident.notes)


def test_an_edited_form_id_is_recovered_from_the_qr_when_properties_are_gone(issued: dict, tmp_path: Path) -> None:
    form_id, src = _issued(issued, "record")
    fill_docx(src, {"form_id": _bad_check_symbol(form_id)}, tmp_path / "edited.docx")
    _rewrite(tmp_path / "edited.docx", tmp_path / "no-core.docx", {"docProps/core.xml": None})
    ident = docx_identity(tmp_path / "no-core.docx")
    assert (ident.form_id, ident.source) == (form_id, "qr")


def test_a_form_with_no_valid_id_anywhere_is_an_unknown_form(issued: dict, tmp_path: Path) -> None:
    form_id, src = _issued(issued, "record")
    bad = _bad_check_symbol(form_id)
    fill_docx(src, {"form_id": bad}, tmp_path / "edited.docx")
    header = b'<w:hdr xmlns:w="%s"><w:p/></w:hdr>' % NS["w"].encode()
    edits = {"docProps/core.xml": lambda xml: xml.replace(form_id.encode(), bad.encode()), "word/header1.xml": lambda _: header}
    _rewrite(tmp_path / "edited.docx", tmp_path / "unknown.docx", edits)
    with pytest.raises(UnknownFormError) as exc:
        docx_identity(tmp_path / "unknown.docx")
    assert "unknown.docx" in str(exc.value) and bad in str(exc.value)


def test_a_foreign_word_document_is_refused(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("家访心得：本学期共走访学生 12 户。")
    document.add_table(rows=1, cols=2).rows[0].cells[0].text = "学生姓名"
    document.save(str(tmp_path / "心得.docx"))
    with pytest.raises(ForeignDocumentError) as exc:
        docx_identity(tmp_path / "心得.docx")
    assert "心得.docx" in str(exc.value)
    with pytest.raises(ForeignDocumentError):
        read_docx(tmp_path / "心得.docx", load_form("record"), form_id="R0000000X")


# --- controls lost: reading by alias and label --------------------------------------------


def _strip_tags(xml: bytes) -> bytes:
    """What a round trip through another editor can do: every w:tag and checkbox alias gone."""
    root = etree.fromstring(xml)
    for tag in root.iter(f"{{{NS['w']}}}tag"):
        tag.getparent().remove(tag)
    for box in root.xpath("//w:sdt[w:sdtPr/w14:checkbox]/w:sdtPr/w:alias", namespaces=NS):
        box.getparent().remove(box)
    return etree.tostring(root)


def test_a_record_without_tags_is_read_by_alias_and_label(issued: dict, tmp_path: Path) -> None:
    form_id, src = _issued(issued, "record")
    form = load_form("record")
    fill_docx(src, RECORD_VALUES, tmp_path / "filled.docx")
    _rewrite(tmp_path / "filled.docx", tmp_path / "untagged.docx", {DOCUMENT_PART: _strip_tags})
    reading = read_docx(tmp_path / "untagged.docx", form, form_id=form_id)
    assert reading.reader == "docx-labels" and reading.notes
    assert {k: v.raw for k, v in reading.values.items()} == _expected(form, issued, RECORD_VALUES)
    assert all(v.confidence == 0.85 and v.doubt == "" for v in reading.values.values())


def test_a_deleted_control_is_read_from_its_cell_and_a_missing_row_is_reported(issued: dict, tmp_path: Path) -> None:
    form_id, src = _issued(issued, "record")
    fill_docx(src, {"place": "学校会议室", "interviewee": "母亲"}, tmp_path / "filled.docx")

    def unwrap_place_and_drop_interviewee(xml: bytes) -> bytes:
        root = etree.fromstring(xml)
        place = root.xpath("//w:sdt[w:sdtPr/w:tag/@w:val='place']", namespaces=NS)[0]
        place.getparent().replace(place, place.find("w:sdtContent/w:r", NS))
        interviewee = root.xpath("//w:sdt[w:sdtPr/w:tag/@w:val='interviewee']", namespaces=NS)[0]
        label_cell = next(interviewee.iterancestors(f"{{{NS['w']}}}tc")).getprevious()
        label_cell.getparent().remove(label_cell.getnext())
        label_cell.getparent().remove(label_cell)
        return etree.tostring(root)

    _rewrite(tmp_path / "filled.docx", tmp_path / "edited.docx", {DOCUMENT_PART: unwrap_place_and_drop_interviewee})
    values = read_docx(tmp_path / "edited.docx", load_form("record"), form_id=form_id).values
    assert (values["place"].raw, values["place"].confidence, values["place"].doubt) == ("学校会议室", 0.85, "")
    assert values["interviewee"].raw is None and values["interviewee"].confidence == 0
    assert "找不到" in values["interviewee"].doubt
    assert values["teachers"].confidence == 1.0, "fields whose controls survive are still read by tag"


def test_ticks_are_read_from_the_glyph_before_each_option_label() -> None:
    options = ("入户走访", "电话", "视频(线上)")
    assert parse_ticks("☒ 入户走访　☐ 电话\n☑ 视频( 线上)", options).ticked == ("入户走访", "视频(线上)")
    assert parse_ticks("□入户走访 √电话 □视频(线上)", options).ticked == ("电话",)
    clean = parse_ticks("☐ 入户走访　■ 电话　☐ 视频(线上)", options)
    assert clean.ticked == ("电话",) and clean.problems == ()
    for doubtful in ("√☐ 入户走访　☐ 电话　☐ 视频(线上)", "☐ 入户走访　☐ 电话 √　☐ 视频(线上)", "☐ 入户走访　☐ 电话", "☒ 入户 ☐ 电话 ☐ 视频(线上)"):
        assert parse_ticks(doubtful, options).problems, doubtful


# --- LibreOffice round trip ---------------------------------------------------------------


@pytest.fixture(scope="session")
def lo_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    return tmp_path_factory.mktemp("lo-profile")


def _through_libreoffice(src: Path, out_dir: Path, profile: Path) -> Path:
    """Open and save ``src`` as Word 2007 XML in LibreOffice, as a teacher editing in it does."""
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out_dir), str(src)],
        check=True, capture_output=True, timeout=180,
    )
    return out_dir / src.name


def _right_or_doubted(reading: object, expected: dict[str, object]) -> list[str]:
    wrong = []
    for fid, want in expected.items():
        got = reading.values[fid]  # type: ignore[attr-defined]
        if got.raw != want and not got.doubt:
            wrong.append(f"{fid}: {got.raw!r} != {want!r} without a doubt")
    return wrong


@pytest.mark.slow
def test_libreoffice_round_trip_keeps_the_id_and_reads_every_field_or_doubts_it(
    issued: dict, tmp_path: Path, lo_profile: Path
) -> None:
    form_id, src = _issued(issued, "record")
    form = load_form("record")
    fill_docx(src, RECORD_VALUES, tmp_path / "filled.docx")
    (tmp_path / "lo").mkdir()
    once = _through_libreoffice(tmp_path / "filled.docx", tmp_path / "lo", lo_profile)
    assert docx_form_id(once) == form_id
    reading = read_docx(once, form, form_id=form_id)
    expected = _expected(form, issued, RECORD_VALUES)
    assert reading.reader == "docx-labels"
    assert _right_or_doubted(reading, expected) == []
    right = [fid for fid, v in reading.values.items() if v.raw == expected[fid] and not v.doubt]
    assert len(right) >= len(form.fields) - 2, "LibreOffice's split controls are put back together"
    (tmp_path / "lo2").mkdir()
    twice = _through_libreoffice(once, tmp_path / "lo2", lo_profile)
    assert docx_form_id(twice) == form_id
    assert _right_or_doubted(read_docx(twice, form, form_id=form_id), expected) == []


@pytest.mark.slow
def test_libreoffice_round_trip_of_memo_and_outline(issued: dict, tmp_path: Path, lo_profile: Path) -> None:
    cases: dict[str, dict[str, FillValue]] = {
        "memo": {"memo_date": "2025年11月3日", "consensus": "每天阅读30分钟。\nWeekend 一起运动。", "teacher_signature": "王芳"},
        "outline": {"planned_date": "2025-11-03", "planned_mode": ("电话",), "notes": "第一行\n第二行"},
    }
    for name, values in cases.items():
        form_id, src = _issued(issued, name)
        form = load_form(name)
        fill_docx(src, values, tmp_path / f"{name}.docx")
        (tmp_path / name).mkdir()
        back = _through_libreoffice(tmp_path / f"{name}.docx", tmp_path / name, lo_profile)
        assert docx_identity(back).form_id == form_id
        assert _right_or_doubted(read_docx(back, form, form_id=form_id), _expected(form, issued, values)) == []


SAVED_BY_LIBREOFFICE_25 = Path(__file__).parent / "data" / "libreoffice-25"


@pytest.mark.parametrize("name", ["memo-odd", "memo-even", "outline-odd", "record-odd"])
def test_a_form_saved_by_libreoffice_25_reads_as_filled_or_doubts_the_field(name: str) -> None:
    filled = SAVED_BY_LIBREOFFICE_25 / f"{name}.docx"
    saved = SAVED_BY_LIBREOFFICE_25 / f"{name}.libreoffice-25.2.docx"
    form = load_form(name.split("-")[0])
    form_id = docx_identity(filled).form_id
    assert docx_identity(saved).form_id == form_id
    before = read_docx(filled, form, form_id=form_id).values
    after = read_docx(saved, form, form_id=form_id).values
    assert [f"{fid}: {v.raw!r}" for fid, v in after.items() if v.raw != before[fid].raw and not v.doubt] == []


def test_an_empty_paragraph_control_libreoffice_25_moved_into_the_next_label_is_read_beside_its_own_label() -> None:
    saved = SAVED_BY_LIBREOFFICE_25 / "memo-odd.libreoffice-25.2.docx"
    reading = read_docx(saved, load_form("memo"), form_id=docx_identity(saved).form_id)
    moved = reading.values["school_actions"]
    assert (moved.raw, moved.confidence, moved.doubt) == ("", DOCX_FALLBACK_CONFIDENCE, "")
    assert reading.reader == "docx-labels" and any("不在原来的单元格" in n for n in reading.notes)
    assert reading.values["home_actions"].raw != "" and not reading.values["home_actions"].doubt


def test_a_memo_typed_into_in_libreoffice_25_reads_what_was_typed_beside_each_label() -> None:
    saved = SAVED_BY_LIBREOFFICE_25 / "memo-typed.libreoffice-25.2.docx"
    values = read_docx(saved, load_form("memo"), form_id=docx_identity(saved).form_id).values
    typed = {fid: (values[fid].raw, values[fid].doubt) for fid in ("consensus", "school_actions", "home_actions")}
    assert typed == {"consensus": ("每天阅读三十分钟", ""), "school_actions": ("每周反馈一次作业情况", ""), "home_actions": ("控制手机时间", "")}


def test_a_moved_control_that_holds_more_than_a_label_leaves_its_field_in_doubt(tmp_path: Path) -> None:
    saved = tmp_path / "typed-into-the-label.docx"
    with zipfile.ZipFile(SAVED_BY_LIBREOFFICE_25 / "memo-odd.libreoffice-25.2.docx") as src, zipfile.ZipFile(saved, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == DOCUMENT_PART:
                data = data.replace("三、家庭（家长）将要做的</w:t>".encode(), "三、家庭（家长）将要做的督促作业</w:t>".encode(), 1)
            dst.writestr(item, data)
    moved = read_docx(saved, load_form("memo"), form_id=docx_identity(saved).form_id).values["school_actions"]
    assert moved.raw == "" and "移出" in moved.doubt


def test_a_record_typed_into_in_libreoffice_25_reads_what_was_typed_and_ticked() -> None:
    saved = SAVED_BY_LIBREOFFICE_25 / "record-typed.libreoffice-25.2.docx"
    values = read_docx(saved, load_form("record"), form_id=docx_identity(saved).form_id).values
    typed = {fid: values[fid].raw for fid in ("visit_date", "place", "teachers", "followup_due")}
    assert typed == {"visit_date": "手填家访日期", "place": "手填家访地点", "teachers": "手填参与教师", "followup_due": "手填跟进期限"}
    assert (values["mode"].raw, values["student_present"].raw) == (("入户走访",), ("是",))
    assert values["teacher_signature"].raw is True and values["parent_signature"].raw is True


def test_text_in_a_control_still_flagged_as_its_placeholder_is_read_and_doubted_not_dropped() -> None:
    saved = SAVED_BY_LIBREOFFICE_25 / "record-typed-placeholder-flag-kept.libreoffice-25.2.docx"
    values = read_docx(saved, load_form("record"), form_id=docx_identity(saved).form_id).values
    for fid, typed in (("visit_date", "手填家访日期"), ("interviewee", "手填受访人"), ("followup_due", "手填跟进期限")):
        assert values[fid].raw == typed and "占位文字" in values[fid].doubt
    assert values["mode"].doubt and values["teacher_signature"].doubt


# --- bad inputs ---------------------------------------------------------------------------


def _refused(path: Path, error: type[Exception], *words: str) -> None:
    with pytest.raises(error) as exc:
        check_zip_document(path)
    message = str(exc.value)
    assert path.name in message and all(w in message for w in words), message
    assert exc.value.path == path  # type: ignore[attr-defined]


def test_an_empty_file_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "空.docx").write_bytes(b"")
    _refused(tmp_path / "空.docx", UnreadableFileError, "0 字节")


def test_a_text_file_renamed_docx_is_not_a_word_document(tmp_path: Path) -> None:
    (tmp_path / "notes.docx").write_text("家访记录：已完成", encoding="utf-8")
    _refused(tmp_path / "notes.docx", UnreadableFileError, "另存为")


def test_an_ole_file_is_reported_as_encrypted_or_legacy_word(tmp_path: Path) -> None:
    magic = bytes.fromhex("D0CF11E0A1B11AE1")
    (tmp_path / "junk.docx").write_bytes(magic + bytes(range(256)) * 8)
    _refused(tmp_path / "junk.docx", UnreadableFileError, "密码", ".doc")
    (tmp_path / "locked.docx").write_bytes(magic + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le"))
    _refused(tmp_path / "locked.docx", UnreadableFileError, "取消密码")
    (tmp_path / "old.docx").write_bytes(magic + b"\0" * 504 + "WordDocument".encode("utf-16-le"))
    _refused(tmp_path / "old.docx", UnreadableFileError, "97-2003")


def test_a_word_file_saved_as_strict_open_xml_is_refused_saying_how_to_save_it(issued: dict, tmp_path: Path) -> None:
    """Word's "Strict Open XML 文档" names the same parts under other namespaces. Before, such a
    return, known by its header QR code, was refused as blank ("没有填写任何内容": no control of
    ours was found), and the teacher told they had written nothing."""
    _, src = _issued(issued, "record")
    fill_docx(src, RECORD_VALUES, tmp_path / "filled.docx")
    strict = lambda xml: xml.replace(NS["w"].encode(), b"http://purl.oclc.org/ooxml/wordprocessingml/main")  # noqa: E731
    _rewrite(tmp_path / "filled.docx", tmp_path / "严格.docx", {DOCUMENT_PART: strict})
    with pytest.raises(UnreadableFileError) as refused:
        docx_identity(tmp_path / "严格.docx")
    assert "严格.docx" in str(refused.value) and "Strict Open XML" in str(refused.value) and "Word 文档 (*.docx)" in str(refused.value)


@pytest.mark.parametrize(
    "workbook, kind",
    [("rosters/花名册-libreoffice-7.4.xls", "Excel 97-2003 工作簿（.xls）"), ("../../samples/roster.xlsx", "Excel 工作簿")],
    ids=["xls", "xlsx"],
)
def test_a_roster_workbook_among_the_returns_is_named_as_one_with_where_to_import_it(tmp_path: Path, workbook: str, kind: str) -> None:
    dropped = tmp_path / Path(workbook).name
    shutil.copy(Path(__file__).parent / "data" / workbook, dropped)
    _refused(dropped, UnreadableFileError, f"这是{kind}，不是 Word 文档", "jiafang roster import")


def test_macro_documents_are_refused(issued: dict, tmp_path: Path) -> None:
    _, src = _issued(issued, "record")
    shutil.copy(src, tmp_path / "宏.docm")
    _refused(tmp_path / "宏.docm", UnsafeFileError, "宏")

    def macro_type(xml: bytes) -> bytes:
        return xml.replace(
            b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            b"application/vnd.ms-word.document.macroEnabled.main+xml",
        )

    _rewrite(src, tmp_path / "disguised.docx", {"[Content_Types].xml": macro_type})
    _refused(tmp_path / "disguised.docx", UnsafeFileError, "宏")
    _rewrite(src, tmp_path / "vba.docx", {}, extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 not really vba"})
    _refused(tmp_path / "vba.docx", UnsafeFileError, "宏")


@pytest.mark.parametrize("megabytes, why", [(200, "解压后共 200 MB"), (30, "压缩比")])
def test_a_zip_bomb_is_refused_without_being_expanded(issued: dict, tmp_path: Path, megabytes: int, why: str) -> None:
    _, src = _issued(issued, "record")
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != DOCUMENT_PART:
                zout.writestr(info, zin.read(info))
        with zout.open(DOCUMENT_PART, "w", force_zip64=True) as fh:
            zeros = bytes(2**20)
            for _ in range(megabytes):
                fh.write(zeros)
    assert bomb.stat().st_size < 2**20 * megabytes / 500
    _refused(bomb, UnsafeFileError, "压缩炸弹", why)


def test_an_xxe_document_is_refused_and_the_entity_never_resolved(issued: dict, tmp_path: Path) -> None:
    form_id, src = _issued(issued, "record")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-4711", encoding="utf-8")

    def inject(xml: bytes) -> bytes:
        head, _, body = xml.partition(b"?>")
        doctype = f'<!DOCTYPE x [<!ENTITY e SYSTEM "{secret.as_uri()}">]>'.encode()
        return head + b"?>" + doctype + body.replace(form_id.encode(), b"&e;", 1)

    _rewrite(src, tmp_path / "xxe.docx", {DOCUMENT_PART: inject})
    check_zip_document(tmp_path / "xxe.docx")  # the container itself is fine
    for read in (lambda p: docx_identity(p), lambda p: read_docx(p, load_form("record"), form_id=form_id)):
        with pytest.raises(UnsafeFileError) as exc:
            read(tmp_path / "xxe.docx")
        assert "xxe.docx" in str(exc.value) and "TOPSECRET" not in str(exc.value)


def test_parse_xml_refuses_dtds_in_any_encoding(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-4711", encoding="utf-8")
    xml = f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e SYSTEM "{secret.as_uri()}">]><x>&e;</x>'
    laughs = b'<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>'
    for data in (xml.encode("utf-16"), laughs):
        with pytest.raises(UnsafeFileError) as exc:
            parse_xml(data, part=DOCUMENT_PART, path=tmp_path / "x.docx")
        assert "TOPSECRET" not in str(exc.value) and "x.docx" in str(exc.value)


def test_an_excel_file_renamed_docx_says_what_it_is(tmp_path: Path) -> None:
    import openpyxl

    openpyxl.Workbook().save(tmp_path / "名单.docx")
    _refused(tmp_path / "名单.docx", UnreadableFileError, "Excel")
