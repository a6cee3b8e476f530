"""Every document of a term's plan into one folder: each class's 班级家访工作计划 (.docx and
PDF), the 家访安排表 (.xlsx, PDFs by week and by teacher), one .ics per teacher, and on
request the 家访记录表 of the visits not yet done, in schedule order with the planned teachers
pre-filled (the generate stage with an order, pipeline.generate)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.errors import PlanError
from pipeline.generate import GenerationReport, generate
from pipeline.generate.batch import safe_name
from pipeline.model.classes import class_sort_key, normalize_class
from pipeline.model.plan import VisitPlan
from pipeline.model.policy import VISIT_FORM
from pipeline.plan.ics import write_teacher_ics
from pipeline.plan.plan_doc import class_plan_doc
from pipeline.plan.plan_docx import write_plan_docx
from pipeline.plan.plan_pdf import write_plan_pdf
from pipeline.plan.run import term_calendar
from pipeline.plan.timetable import write_timetable
from pipeline.render.fonts import default_fonts
from pipeline.store import plans as plan_store
from pipeline.store import repo
from pipeline.store.workspace import Workspace

__all__ = ["PlanDocs", "write_plan_docs"]

CLASS_DIR, CALENDAR_DIR, FORMS_DIR = "班级计划", "日历", "记录表"


@dataclass(frozen=True)
class PlanDocs:
    plan: VisitPlan
    files: tuple[Path, ...]
    forms: GenerationReport | None


def write_plan_docs(ws: Workspace, term: str, out_dir: Path, *, class_name: str | None = None, forms: bool = False) -> PlanDocs:
    """Write the term's plan documents (of one class, when given) to ``out_dir``."""
    calendar, _ = term_calendar(ws, term)
    with ws.session() as session:
        plan = plan_store.current_plan(session, term)
        students = repo.list_students(session)
        teachers = repo.list_teachers(session)
    if plan is None:
        raise PlanError(f"学期 {term} 还没有家访计划：请先运行 jiafang plan make --term {term}")
    if class_name is not None:
        class_name = normalize_class(class_name)
        plan = replace(plan, visits=plan.of_class(class_name))
        if not plan.visits:
            raise PlanError(f"计划中没有班级“{class_name}”的家访：请核对班级名称，或先运行 jiafang plan make --class {class_name}")
    fonts = default_fonts()
    files: list[Path] = []
    for cls in sorted({v.class_name for v in plan.visits}, key=class_sort_key):
        doc = class_plan_doc(plan, cls, students, teachers, ws.policy, calendar)
        stem = out_dir / CLASS_DIR / safe_name(f"{cls}_班级家访工作计划")
        files += [write_plan_docx(doc, stem.with_suffix(".docx")), write_plan_pdf(doc, stem.with_suffix(".pdf"), fonts=fonts)]
    scope = class_name or "全校"
    files += write_timetable(plan, ws.policy, calendar, out_dir, stem=safe_name(f"家访安排表_{scope}"), scope=scope, fonts=fonts)
    names = {v.teacher_no: v.teacher_name for v in plan.visits} | {v.companion_no: v.companion_name for v in plan.visits if v.companion_no}
    for no in sorted(names):
        files.append(write_teacher_ics(plan, no, ws.policy, out_dir / CALENDAR_DIR / safe_name(f"{names[no]}_{no}.ics")))
    report = _record_forms(ws, plan, out_dir / FORMS_DIR, class_name) if forms else None
    return PlanDocs(plan, tuple(files), report)


def _record_forms(ws: Workspace, plan: VisitPlan, out_dir: Path, class_name: str | None) -> GenerationReport:
    """One 家访记录表 per visit not yet done, in schedule order, planned teachers written in."""
    order = [
        (v.student_no, {"teachers": "、".join(n for n in (v.teacher_name, v.companion_name) if n)})
        for v in plan.visits
        if not v.done
    ]
    return generate(ws, forms=[VISIT_FORM], formats=["pdf"], out_dir=out_dir, class_name=class_name, order=order)
