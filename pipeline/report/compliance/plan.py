"""The visit plan in the compliance to-do list: planned visits past their week (已逾期) or
due this week (本周待访) become items for the responsible teacher, and a note gives the
plan's counts (planned, done on time / early / late, overdue, due, not yet due).

Only when the semester holding ``as_of`` has a current plan; otherwise the list is as before.
"""

from __future__ import annotations

import dataclasses

from pipeline.model.plan import DUE, OVERDUE, STATE_WORDS
from pipeline.report.compliance.todo import ComplianceItem, ComplianceReport, item_order
from pipeline.store.workspace import Workspace

__all__ = ["with_plan_progress"]

LABELS = {"plan_overdue": "计划家访已逾期", "plan_due": "本周计划家访"}


def with_plan_progress(ws: Workspace, report: ComplianceReport) -> ComplianceReport:
    """``report`` with the plan's overdue and due visits and its counts (see the module note)."""
    from pipeline.plan.run import stored_progress  # the plan stage reads report.visits: imported late, no cycle

    found = stored_progress(ws, report.as_of)
    if found is None:
        return report
    _, progress = found
    items = [
        ComplianceItem(
            kind="plan_overdue" if t.state == OVERDUE else "plan_due",
            class_name=t.visit.class_name,
            responsible_no=t.visit.teacher_no,
            responsible=t.visit.teacher_name,
            student_no=t.visit.student_no,
            student_name=t.visit.student_name,
            detail=f"计划第 {t.visit.week} 周{t.visit.mode}（{t.visit.day}）" + (f"，与{t.visit.companion_name}同去" if t.visit.companion_no else ""),
            due=t.visit.day,
            overdue_days=max(0, (report.as_of - t.visit.day).days) if t.state == OVERDUE else 0,
        )
        for t in progress.tracked
        if t.state in (OVERDUE, DUE) and report.class_name in (None, t.visit.class_name)
    ]
    counts = progress.counts([t for t in progress.tracked if report.class_name in (None, t.visit.class_name)])
    note = f"家访计划（第 {progress.week} 周）：共 {sum(counts.values())} 次，" + "，".join(f"{word} {counts[s]}" for s, word in STATE_WORDS.items()) + "。"
    return dataclasses.replace(
        report,
        labels={**report.labels, **LABELS},
        items=tuple(sorted((*report.items, *items), key=item_order)),
        notes=(*report.notes, note),
    )
