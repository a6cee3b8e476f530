"""Workspaces and filled returns shared by the ingest tests (real roster, real Word files)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.store import repo
from pipeline.store.workspace import Workspace, init_workspace
from pipeline.synth.docx_fill import fill_docx

CLASS = "测试班"
VALUES = {
    "visit_date": "2025年11月3日",
    "visit_time": "19:00-20:10",
    "place": "学生家中",
    "mode": ("入户走访",),
    "visit_type": ("普访",),
    "student_present": ("是",),
    "topics": ("学习情况", "安全教育(防溺水·交通·防诈)"),
    "family_situation": "父母在外务工，由祖母照看。\n作业由姐姐辅导。",
    "followup_measures": ("家庭教育指导",),
    "followup_due": "2025-11-10",
    "teacher_signature": True,
}


def make_workspace(root: Path, *, school_code: str | None = None) -> Workspace:
    policy = samples_dir() / "policy.yaml"
    if school_code:
        data = yaml.safe_load(policy.read_text(encoding="utf-8"))
        data["school"]["code"] = school_code
        policy = root.parent / f"{root.name}-policy.yaml"
        policy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    ws = init_workspace(root, policy_path=policy)
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    with ws.session() as s:
        first = repo.list_students(s)[:2]
        repo.upsert_students(s, [replace(st, class_name=CLASS) for st in first])
    return ws


def filled_docx(src: Path, out: Path, values: dict | None = None) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    values = dict(VALUES if values is None else values)
    teacher = class_teacher_name()
    values.setdefault("teachers", teacher)
    fill_docx(src, values, out)
    return out


def class_teacher_name() -> str:
    from pipeline.roster.reader import read_roster

    teachers = next(s for s in read_roster(samples_dir() / "roster.xlsx") if s.kind == "teachers")
    return next(r.values["姓名"] for r in teachers.rows if r.values.get("职务") == "班主任")
