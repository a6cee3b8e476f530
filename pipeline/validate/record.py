"""Turn a reader's :class:`Reading` into a validated :class:`Record` (pure: no database).

Per field: normalise the raw value by kind, compare pre-filled fields with the roster, run
the form's rules, and accept the value (``auto``) only when nothing is in doubt; otherwise
``review`` with a Chinese message saying what to check.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pipeline import defs
from pipeline.model.calibration import AutoThresholds
from pipeline.model.prefill import prefill_values
from pipeline.model.form import FieldDef, FormDef
from pipeline.model.issuance import IssuedForm
from pipeline.model.policy import Period
from pipeline.model.record import FieldValue, RawValue, Reading, Record
from pipeline.validate.context import ValidationContext
from pipeline.validate.dates import canonical_text
from pipeline.validate.normalise import Normalised, normalise, raw_text
from pipeline.validate.rules import check_field, check_form_rules

NOT_READ = "未读到此字段，请核对原件"


@dataclass(frozen=True)
class _Read:
    """One field after normalisation, before the rules."""

    field: FieldDef
    raw: RawValue | None
    normalised: Normalised
    problems: tuple[str, ...]  # from the reader, normalisation and the roster comparison
    confidence: float
    trusted: bool  # an unchanged pre-filled value: right whatever the reader's confidence


def to_record(
    reading: Reading, *, form: FormDef, issued: IssuedForm, context: ValidationContext, source_file: str
) -> Record:
    """Normalise and validate every field of ``form`` as read in ``reading``."""
    if reading.form_id != issued.form_id:
        raise ValueError(f"reading of {reading.form_id} validated against issued form {issued.form_id}")
    check_form_rules(form)
    expected = prefill_values(form, context.student, school_name=context.policy.school.name, form_id=issued.form_id)
    year = context.policy.school_year
    raws = {f.id: _judged(reading.values.get(f.id), f, context.thresholds) for f in form.fields}
    reads = [_read(f, raws[f.id], expected.get(f.id), year) for f in form.fields]
    values = {r.field.id: r.normalised.value for r in reads}
    source = _reading_source(reading)
    fields = {r.field.id: _field_value(r, values, form, context, source) for r in reads}
    return Record(
        form_id=issued.form_id,
        form=form.id,
        student_no=issued.student_no,
        class_name=issued.class_name,
        layout_hash=issued.layout_hash,
        fields=fields,
        source_file=source_file,
        reader=reading.reader,
        notes=reading.notes,
    )


def _judged(raw: RawValue | None, field: FieldDef, thresholds: AutoThresholds) -> RawValue | None:
    """``raw`` without the recognizer's own doubt about its confidence when the workspace has
    a calibrated threshold for it: that threshold then decides alone (see _field_value)."""
    if raw is None or not raw.doubt or thresholds.calibrated_for(raw.source, field.kind) is None:
        return raw
    # imported here: only a calibrated OCR value needs the recognizers' (heavy) modules
    from pipeline.recognize.combs import DOUBT_UNSURE
    from pipeline.recognize.fields import DOUBT_UNCONFIRMED

    return replace(raw, doubt="") if raw.doubt in (DOUBT_UNSURE, DOUBT_UNCONFIRMED) else raw


def _read(field: FieldDef, raw: RawValue | None, expected: str | None, year: Period) -> _Read:
    doubt = [raw.doubt] if raw is not None and raw.doubt else []
    if expected is not None:
        return _read_prefilled(field, raw, expected, doubt, year)
    if raw is None or raw.raw is None:
        confidence = 0.0 if raw is None else raw.confidence
        return _Read(field, raw, Normalised(None), (*doubt, NOT_READ), confidence, trusted=False)
    n = normalise(field, raw.raw, school_year=year)
    return _Read(field, raw, n, (*doubt, *_problem(n)), raw.confidence, trusted=False)


def _read_prefilled(field: FieldDef, raw: RawValue | None, expected: str, doubt: list[str], year: Period) -> _Read:
    """A pre-filled field: the roster value when it came back unchanged or was not read back
    at all; a changed value is kept (a teacher corrected it) and goes to review."""
    roster = normalise(field, expected, school_year=year)
    if raw is None or not raw_text(raw.raw).strip():
        return _Read(field, raw, roster, tuple(doubt), 1.0, trusted=True)
    n = normalise(field, raw.raw, school_year=year)
    if _same(n.value, roster.value):
        return _Read(field, raw, n, tuple(doubt), raw.confidence, trusted=True)
    changed = f"与花名册不同：花名册为 {expected or '（空）'}"
    return _Read(field, raw, n, (*doubt, *_problem(n), changed), raw.confidence, trusted=False)


def _problem(n: Normalised) -> tuple[str, ...]:
    return (n.problem,) if n.problem else ()


def _same(read: Any, roster: Any) -> bool:
    if isinstance(read, str) and isinstance(roster, str):
        return canonical_text(read) == canonical_text(roster)
    return bool(read == roster)


def _field_value(
    r: _Read, values: dict[str, Any], form: FormDef, context: ValidationContext, source: str
) -> FieldValue:
    findings = check_field(r.field, values, form, context, flagged=bool(r.problems))
    messages = [*r.problems, *(f.message for f in findings if f.message)]
    # A narrative read line by line has said which of its lines need a look (its doubt).
    if (
        not r.trusted
        and r.raw is not None
        and r.raw.raw is not None
        and not r.raw.lines
        and r.confidence < _gate(r, context.thresholds)
    ):
        messages.append(f"识别把握不足（置信度 {r.confidence:.2f}），请核对")
    return FieldValue(
        value=r.normalised.value,
        raw=raw_text(r.raw.raw) if r.raw is not None else "",
        confidence=r.confidence,
        source=r.raw.source if r.raw is not None else source,
        status="review" if messages else "auto",
        message="；".join(messages),
        crop=r.raw.crop if r.raw is not None else None,
        refs=tuple(ref for f in findings for ref in f.refs),
        lines=r.raw.lines if r.raw is not None else (),
    )


def _gate(r: _Read, thresholds: AutoThresholds) -> float:
    """The confidence a read value needs: the workspace's calibrated threshold for its reader
    and kind, else the shipped one."""
    assert r.raw is not None
    calibrated = thresholds.calibrated_for(r.raw.source, r.field.kind)
    return defs.AUTO_MIN_CONFIDENCE if calibrated is None else calibrated


def _reading_source(reading: Reading) -> str:
    """Source for fields the reader did not return: the one its other values came from."""
    return next((v.source for v in reading.values.values()), reading.reader)
