"""Schools of a workspace, each with its policy profile, and the scope a report is made for.

A scope is a school code, or None for the whole store (the district). A single-school
workspace has one school, the one its ``policy.yaml`` names, and every command works as it
did without ``--school``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from pipeline.scope.access import check_scope
from pipeline.errors import SchoolError
from pipeline.model.policy import Policy, load_policy
from pipeline.model.record import Record
from pipeline.store.records import list_records
from pipeline.store import repo
from pipeline.store import schools as school_store
from pipeline.store.schools import School
from pipeline.store.workspace import POLICY_FILE, Workspace

POLICIES_DIR = "policies"  # a registered school's profile: policies/<code>.yaml in the workspace


def register_school(ws: Workspace, policy_path: Path) -> tuple[School, bool]:
    """Register (or update) the school ``policy_path`` names, keeping a copy of its profile in the
    workspace; returns the school and whether it is new. The workspace's own school keeps
    ``policy.yaml``."""
    policy = load_policy(policy_path)  # validate before anything is stored
    code = policy.school.code
    relative = "" if code == ws.policy.school.code else f"{POLICIES_DIR}/{code}.yaml"
    if relative:
        (ws.root / POLICIES_DIR).mkdir(exist_ok=True)
        shutil.copyfile(policy_path, ws.root / relative)
    with ws.session() as session:
        new = school_store.save_school(session, code, policy.school.name, relative)
        school = school_store.get_school(session, code)
    assert school is not None
    return school, new


def own_school(session: Session, ws: Workspace) -> School:
    """The workspace's own school, the one its policy.yaml names (registered when a new profile
    given to ``jiafang init`` named another school than the store began with)."""
    code = ws.policy.school.code
    if school_store.get_school(session, code) is None:
        school_store.save_school(session, code, ws.policy.school.name, "")
    return require_school(session, code)


def scoped_school(session: Session, ws: Workspace, school: str | None) -> School:
    """The school ``school`` names, the workspace's own when None."""
    return require_school(session, school) if school else own_school(session, ws)


def require_school(session: Session, code: str) -> School:
    """The registered school ``code``; SchoolError naming the registered ones otherwise."""
    school = school_store.get_school(session, code)
    if school is None:
        known = "、".join(s.label for s in school_store.list_schools(session)) or "（无）"
        raise SchoolError(
            f"学校代码“{code}”未在本工作区登记（已登记：{known}）。"
            "请核对代码，或先运行 jiafang school add 该校政策配置.yaml 登记该校。"
        )
    return school


def school_policy(ws: Workspace, school: School) -> Policy:
    """The policy profile of ``school`` (its quotas, groups and dates)."""
    if not school.policy_file:
        return load_policy(ws.root / POLICY_FILE)
    return load_policy(ws.root / school.policy_file)


def student_policy(session: Session, ws: Workspace, student_no: str) -> Policy:
    """The profile a form of ``student_no`` is read by: their school's (its name is printed on
    the form), the workspace's own for its own school's students."""
    code = repo.student_school(session, student_no)
    school = school_store.get_school(session, code) if code and code != ws.policy.school.code else None
    if school is None or not school.policy_file:
        return ws.policy
    path = ws.root / school.policy_file
    return _profile(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _profile(path: Path, _mtime_ns: int) -> Policy:
    # read once per batch, not per returned file; a profile replaced by `school add` is read anew
    return load_policy(path)


@dataclass(frozen=True)
class Scope:
    """What a report, export or archive is made of: one school, or every school of the store."""

    school: str | None  # a school code; None: every school (the district)
    policy: Policy  # the profile it is counted by


def open_scope(session: Session, ws: Workspace, school: str | None, operator: str, *, one_school: bool = False) -> Scope:
    """The scope ``school`` names (checked, with that school's profile), or, when None, the whole
    store with the workspace's profile (a store of one school is that school); AccessError
    unless ``operator`` may see it (pipeline.scope.access). ``one_school``: what is asked
    for bears one school's name (a 统计表, a packet), so a store of several needs ``school``."""
    if school is None:
        only = school_store.list_schools(session)
        if one_school and len(only) > 1:
            raise SchoolError(
                f"工作区中有 {len(only)} 所学校（{'、'.join(s.label for s in only)}）：请用 --school 指定学校；"
                "全区的统计表请用 jiafang report district。"
            )
        scope = Scope(only[0].code if len(only) == 1 else None, ws.policy)
    else:
        scope = Scope(school, school_policy(ws, require_school(session, school)))
    check_scope(session, operator, scope.school)
    return scope


def printing_scope(session: Session, ws: Workspace, school: str | None) -> Scope:
    """The school forms are printed for: ``school`` with its profile, or, in a store of one
    school, the workspace's own; SchoolError when several schools leave it open."""
    if school is not None:
        return Scope(school, school_policy(ws, require_school(session, school)))
    schools = school_store.list_schools(session)
    if len(schools) > 1:
        raise SchoolError(
            f"工作区中有 {len(schools)} 所学校（{'、'.join(s.label for s in schools)}）："
            "表单上印有学校代码和名称，请用 --school 指定为哪所学校打印。"
        )
    return Scope(None, ws.policy)


def records_in_scope(
    ws: Workspace,
    *,
    school: str | None,
    operator: str,
    class_name: str | None = None,
    status: str | None = None,
    form: str | None = None,
) -> list[Record]:
    """Current record versions of ``school`` (None: every school the store holds) that
    ``operator`` may see, filtered as pipeline.store.records.list_records filters them."""
    with ws.session() as session:
        scope = open_scope(session, ws, school, operator)
        return list_records(session, class_name=class_name, status=status, form=form, school=scope.school)
