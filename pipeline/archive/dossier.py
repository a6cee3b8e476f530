"""一生一档: one student's home-visit dossier as a PDF.

A profile page with the timeline of every visit across school years, then each record as a
readable page followed by its original scan; one bookmark per visit. Every build is written
to the audit log.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import replace
from pathlib import Path

from reportlab.platypus import Flowable, PageBreak

from pipeline.access import require_current
from pipeline.archive.pdfjoin import Bookmark, join_parts
from pipeline.archive.privacy import WITHHELD, Privacy
from pipeline.archive.record_pages import (
    RecordPage,
    convert_scans,
    date_of,
    load_record_page,
    record_story,
    value_text,
)
from pipeline.archive.story import grid, para, styles, write_part
from pipeline.scope.schools import open_scope
from pipeline.errors import ArchiveError
from pipeline.export.records import STATUS_LABELS
from pipeline.model.audit import AuditEvent, default_operator
from pipeline.model.people import Student
from pipeline.store import repo
from pipeline.store.audit import file_sha256, log_event
from pipeline.store.records import list_records
from pipeline.store.workspace import Workspace

TIMELINE_HEADERS = ["日期", "表单", "方式", "类型", "参与教师", "状态", "版本"]
UNDATED = "日期不详"


def build_dossier(
    ws: Workspace,
    student_no: str,
    out: Path,
    *,
    outward: bool = False,
    include_sensitive: bool = False,
    operator: str | None = None,
) -> Path:
    """Write the dossier of ``student_no`` to ``out`` and log it; ArchiveError for an unknown 学籍号."""
    who = operator or default_operator()
    with ws.session() as session:
        student = repo.get_student(session, student_no)
        if student is None:
            raise ArchiveError(
                f"学籍号 {student_no} 不在花名册中：请检查学籍号，或先用 jiafang roster import 导入花名册。"
            )
        # the student's own school: who may see it, and whose name and profile the dossier bears
        ws = replace(ws, policy=open_scope(session, ws, repo.student_school(session, student_no), who).policy)
        privacy = Privacy.for_policy(ws.policy, outward=outward, include_sensitive=include_sensitive)
        require_current("dossier", student.class_name)
        records = list_records(session, student_no=student_no)
        pages = sorted((load_record_page(ws, session, r, privacy) for r in records), key=_order)
    shown = privacy.student(student)
    title = f"一生一档　{student.name}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(f"无法建立输出文件夹 {out.parent}（{exc.strerror}）：请换一个输出位置。") from exc
    with tempfile.TemporaryDirectory(prefix="jiafang-dossier-") as tmp:
        scratch = Path(tmp)
        story = _profile_story(shown, pages, privacy, ws.policy.school.name, who)
        scans = convert_scans(pages, scratch)
        for page in pages:
            story += [PageBreak(), *record_story(page, scans[page.record.form_id], mark=page.record.form_id)]
        footer = f"{ws.policy.school.name}　一生一档　{student.name}" + ("　对外材料" if outward else "")
        part = write_part(story, scratch / "dossier.pdf", footer=footer, title=title)
        visits = [Bookmark(_visit_title(p), part.marks[p.record.form_id]) for p in pages]
        bookmarks = [Bookmark("档案概况与家访时间线", 0)]
        if visits:
            bookmarks.append(Bookmark(f"家访记录（{len(visits)} 次）", visits[0].page, visits))
        join_parts([part.path], bookmarks, out, title=title)
    options = {"outward": outward, "include_sensitive": include_sensitive, "records": len(pages)}
    with ws.session() as session:
        log_event(
            session,
            AuditEvent("dossier", who, f"student {student_no}", options, str(out), file_sha256(out)),
        )
    return out


def _order(page: RecordPage) -> tuple[str, str]:
    return date_of(page.record, page.form) or "9999", page.record.form_id


def _visit_title(page: RecordPage) -> str:
    mode = _role_text(page, "visit_mode")
    parts = [date_of(page.record, page.form) or UNDATED, page.form.title, "" if mode == "—" else mode]
    return "　".join(p for p in parts if p)


def _profile_story(student: Student, pages: list[RecordPage], privacy: Privacy, school: str, operator: str) -> list[Flowable]:
    s = styles()
    generated = f"生成日期：{dt.date.today():%Y-%m-%d}　操作员：{operator}"
    return [
        para("一生一档　家访档案", s.title),
        para(f"{school}　{student.class_name}　{student.name}", s.heading),
        para(generated, s.small),
        para(privacy.note(operator), s.small),
        para("学生信息", s.heading),
        grid(_profile_rows(student, privacy), (30, 145), head=False),
        para(f"家访时间线（共 {len(pages)} 份记录）", s.heading),
        grid([TIMELINE_HEADERS, *(_timeline_row(p) for p in pages)], (25, 25, 22, 13, 48, 22, 20))
        if pages
        else para("尚无交回的家访记录。", s.body),
    ]


def _profile_rows(student: Student, privacy: Privacy) -> list[list[str]]:
    guardian = f"{student.guardian_name}（{student.guardian_relation}）" if student.guardian_relation else student.guardian_name
    if privacy.hides_sensitive:
        groups = WITHHELD
    else:
        groups = "、".join(student.groups) or "无"
    rows = [
        ["姓名", student.name],
        ["性别", student.gender or "—"],
        ["班级", student.class_name],
        ["学籍号", student.student_no],
        ["监护人", guardian or "—"],
        ["联系电话", student.phone or "—"],
        ["家庭住址", student.address or "—"],
        ["主要看护人", student.caregiver or "—"],
        ["特殊群体", groups],
    ]
    return rows + [[k, v or "—"] for k, v in student.extra]


def _timeline_row(page: RecordPage) -> list[str]:
    r = page.record
    return [
        date_of(r, page.form) or UNDATED,
        page.form.title,
        _role_text(page, "visit_mode"),
        _role_text(page, "visit_type"),
        _role_text(page, "teachers"),
        STATUS_LABELS[r.status],
        f"第 {r.version} 版",
    ]


def _role_text(page: RecordPage, role: str) -> str:
    """The value of the record's field with ``role`` as the timeline shows it; "—" when the
    form has no such field or the record no value."""
    field = page.form.with_role(role)
    fv = page.record.fields.get(field.id) if field else None
    return value_text(field, fv.value, ticks=False) if field and fv is not None else "—"
