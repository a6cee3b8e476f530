"""The workspace's policy profile as a file a person edits (the console's 设置 page).

The text is checked by the same schema as every load (pipeline.model.policy.parse_policy)
before anything is written; the file is replaced atomically, the workspace then works by the
new profile, and the change is written to the audit log. The school code is printed in every
form's QR code, so it cannot change once forms have been issued: their pages would no longer
be recognised as this school's.
"""

from __future__ import annotations

from sqlalchemy import func, select

from pipeline.access import require_current
from pipeline.atomic import atomic_write_bytes
from pipeline.errors import PolicyError
from pipeline.model.audit import AuditEvent
from pipeline.model.policy import Policy, parse_policy
from pipeline.store.audit import log_event
from pipeline.store.schema import IssuedFormRow
from pipeline.store.workspace import POLICY_FILE, Workspace

__all__ = ["policy_text", "save_policy"]


def policy_text(ws: Workspace) -> str:
    """The profile file of ``ws`` as it is written (comments included)."""
    return (ws.root / POLICY_FILE).read_text(encoding="utf-8")


def save_policy(ws: Workspace, text: str, *, operator: str) -> Policy:
    """Validate ``text`` and make it ``ws``'s profile; PolicyError (nothing written) when the
    text is not a valid profile or changes the code of a school that has issued forms."""
    require_current("settings")
    text = text.replace("\r\n", "\n")  # a browser's text area posts CRLF line ends
    policy = parse_policy(text, POLICY_FILE)
    old = ws.policy
    if policy.school.code != old.school.code:
        with ws.session() as session:
            issued = session.scalar(select(func.count()).select_from(IssuedFormRow)) or 0
        if issued:
            raise PolicyError(
                f"{POLICY_FILE}: 学校代码不能从 {old.school.code} 改为 {policy.school.code}：已发出的 {issued} 份表单"
                "的二维码印着原代码，改后交回的扫描件将无法识别。请保留原学校代码。"
            )
    atomic_write_bytes(ws.root / POLICY_FILE, text.encode("utf-8"))
    with ws.session() as session:
        log_event(session, AuditEvent("policy", operator, "school", {"school": policy.school.name}, POLICY_FILE))
    ws.policy = policy
    return policy
