"""How well did ingest read a synthetic stack? Records compared with ``truth.json``.

Per kind group: accuracy of all values, the share accepted as ``auto`` (straight-through) and the
precision of those ``auto`` values — the figure the thresholds are set by. Free text is scored by
character accuracy (1 − edit distance / length), since handwritten Chinese is a draft.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.model.form import FieldDef, load_form
from pipeline.model.record import Record
from pipeline.recognize.lexicon import edit_distance

GROUPS = {
    "single_choice": "checkbox",
    "multi_choice": "checkbox",
    "date": "digits",
    "time_range": "digits",
    "phone": "digits",
    "digits": "digits",
    "text": "short text",
    "signature": "signature",
    "multiline": "free text",
}


@dataclass
class Score:
    fields: int = 0
    correct: float = 0.0  # free text adds its character accuracy, others 0 or 1
    auto: int = 0
    auto_correct: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.fields if self.fields else 1.0

    @property
    def straight_through(self) -> float:
        return self.auto / self.fields if self.fields else 0.0

    @property
    def auto_precision(self) -> float:
        return self.auto_correct / self.auto if self.auto else 1.0


@dataclass
class Evaluation:
    groups: dict[str, Score] = field(default_factory=dict)
    checkbox_options: Score = field(default_factory=Score)  # every option box judged on its own
    forms_expected: int = 0
    forms_read: int = 0

    def rows(self) -> list[tuple[str, int, float, float, float]]:
        """(group, fields, accuracy, straight-through, auto precision) for a table."""
        out = [(g, s.fields, s.accuracy, s.straight_through, s.auto_precision) for g, s in sorted(self.groups.items())]
        o = self.checkbox_options
        return out + [("checkbox options", o.fields, o.accuracy, o.straight_through, o.auto_precision)]


def evaluate(records: Sequence[Record], truth: Mapping[str, Any]) -> Evaluation:
    """Score ``records`` against the forms of ``truth`` (the dict in truth.json)."""
    result = Evaluation(forms_expected=len(truth["forms"]))
    by_id = {r.form_id: r for r in records}
    for form_id, expected in truth["forms"].items():
        record = by_id.get(form_id)
        if record is None:
            continue
        result.forms_read += 1
        form = load_form(expected["form"])
        for fid, want in expected["values"].items():
            f = form.field(fid)
            got = record.fields.get(fid)
            if got is None or f.prefill is not None:
                continue
            score = result.groups.setdefault(GROUPS[f.kind], Score())
            _add(score, f, want, got.value, got.status)
            if f.options:
                _add_options(result.checkbox_options, f, want, got.value, got.status)
    return result


def _add(score: Score, f: FieldDef, want: Any, got: Any, status: str) -> None:
    credit = _credit(f, want, got)
    score.fields += 1
    score.correct += credit
    if status == "auto":
        score.auto += 1
        score.auto_correct += credit == 1.0


def _credit(f: FieldDef, want: Any, got: Any) -> float:
    if f.kind == "multiline":
        a, b = _squash(want), _squash(got)
        return 1.0 if a == b else max(0.0, 1 - edit_distance(a, b) / max(len(a), 1))
    if f.kind == "signature":
        return float(bool(want) == bool(got))
    if f.kind == "multi_choice":
        return float(sorted(want or []) == sorted(got or []))
    if f.kind == "text":  # "父亲 李建国" and "父亲李建国" say the same
        return float(_squash(want) == _squash(got))
    return float((want or None) == (got or None))


def _add_options(score: Score, f: FieldDef, want: Any, got: Any, status: str) -> None:
    chosen = set(want if isinstance(want, list) else [want] if want else [])
    read = set(got if isinstance(got, list) else [got] if got else [])
    for option in f.option_values:
        score.fields += 1
        right = (option in chosen) == (option in read)
        score.correct += right
        if status == "auto":
            score.auto += 1
            score.auto_correct += right


def _squash(text: Any) -> str:
    return "".join(str(text or "").split())
