"""The outward rules: what a dossier or packet that leaves the school shows.

Outward documents mask phone and ID numbers (pipeline.export.mask, through the export's own
record preparation) and, unless the operator asks for sensitive content, leave out the
fields declared ``outward: withheld`` in forms/*.yaml (家庭情况, 发现的问题, the 四措施 ticks),
the student's special-group labels, and any special-group term (policy names and aliases)
still standing in the remaining text. Which fields those are is the form's to say, never
this module's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from pipeline.export.mask import mask_number, mask_text
from pipeline.export.records import prepare_record
from pipeline.model.form import FormDef
from pipeline.model.people import Student
from pipeline.model.policy import Policy
from pipeline.model.record import FieldValue, Record

WITHHELD = "（对外材料不含此项）"
TERM_WITHHELD = "［已隐去］"
NOTE_OUTWARD = "本材料为对外材料：联系电话、身份证号已打码；学生类别标签、家庭情况与发现的问题等敏感内容未包含。"
NOTE_SENSITIVE = "本材料应操作员 {operator} 的要求包含敏感信息（已记入审计日志），请妥善保管，不得外传。"
NOTE_INTERNAL = "本材料为校内档案，含未打码的个人信息，请妥善保管。"


@dataclass(frozen=True)
class Privacy:
    outward: bool
    include_sensitive: bool
    group_terms: tuple[str, ...] = ()  # special-group names and aliases, longest first

    @classmethod
    def for_policy(cls, policy: Policy, *, outward: bool, include_sensitive: bool = False) -> Privacy:
        terms = {t for g in policy.special_groups for t in (g.name, *g.aliases) if t}
        return cls(outward, include_sensitive, tuple(sorted(terms, key=len, reverse=True)))

    @property
    def hides_sensitive(self) -> bool:
        return self.outward and not self.include_sensitive

    def note(self, operator: str) -> str:
        """The privacy line printed on covers and profile pages."""
        if not self.outward:
            return NOTE_INTERNAL
        return NOTE_SENSITIVE.format(operator=operator) if self.include_sensitive else NOTE_OUTWARD

    def withheld_fields(self, form: FormDef) -> frozenset[str]:
        """Ids of ``form``'s fields an outward document leaves out."""
        if not self.hides_sensitive:
            return frozenset()
        return frozenset(f.id for f in form.fields if f.withheld)

    def record(self, record: Record, form: FormDef) -> Record:
        """``record`` as the document shows it (unchanged unless outward)."""
        if not self.outward:
            return record
        prepared = prepare_record(record, outward=True, sensitive=self.include_sensitive)
        withheld = self.withheld_fields(form)
        fields = {fid: self._scrub_field(fv) for fid, fv in prepared.fields.items() if fid not in withheld}
        return replace(prepared, fields=fields)

    def student(self, student: Student) -> Student:
        """The roster entry as the document shows it: numbers masked, labels left out."""
        if not self.outward:
            return student
        return replace(
            student,
            student_no=mask_text(student.student_no),
            phone=mask_number(student.phone),
            address=self.text(student.address),
            groups=student.groups if self.include_sensitive else (),
            extra=tuple((k, self.text(v)) for k, v in student.extra),
        )

    def text(self, text: str) -> str:
        """Free text as the document shows it."""
        if not self.outward:
            return text
        return self._scrub(mask_text(text))

    def _scrub_field(self, fv: FieldValue) -> FieldValue:
        # A review message may quote the roster ("花名册为 152…").
        message = self.text(fv.message)
        if not self.hides_sensitive:
            return replace(fv, message=message)
        return replace(fv, value=self._scrub_value(fv.value), raw=self._scrub(fv.raw), message=message)

    def _scrub_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._scrub(value)
        if isinstance(value, list):
            return [self._scrub_value(v) for v in value]
        return value

    def _scrub(self, text: str) -> str:
        if not self.hides_sensitive or not self.group_terms or not text:
            return text
        return _terms_pattern(self.group_terms).sub(TERM_WITHHELD, text)


_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}


def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    if terms not in _PATTERNS:
        _PATTERNS[terms] = re.compile("|".join(re.escape(t) for t in terms))
    return _PATTERNS[terms]
