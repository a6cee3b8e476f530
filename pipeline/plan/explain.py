"""Each planned visit in one sentence a teacher reads: who, why, who goes, when.

"王堃：留守儿童，本学期须入户一次；班主任林春燕，第 6 周周三（10月15日）18:30 入户走访，与刘洋同去（学校领导家访任务）"
"""

from __future__ import annotations

from pipeline.model.plan import PlannedVisit

__all__ = ["WEEKDAYS", "explain", "weekday_word"]

WEEKDAYS = "一二三四五六日"


def weekday_word(visit: PlannedVisit) -> str:
    return f"周{WEEKDAYS[visit.day.weekday()]}"


def explain(visit: PlannedVisit) -> str:
    """The sentence for ``visit`` (see the module note)."""
    why = "；".join(visit.reasons)
    when = f"第 {visit.week} 周{weekday_word(visit)}（{visit.day.month}月{visit.day.day}日）{visit.time} {visit.mode}"
    text = f"{visit.student_name}：{why}；{visit.teacher_role}{visit.teacher_name}，{when}"
    if visit.companion_no:
        text += f"，与{visit.companion_name}同去（{visit.companion_why}）"
    if visit.stage:
        text += f"；{visit.stage}"
    return text
