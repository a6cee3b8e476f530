"""What each kind of job does: a library call with the job's parameters and progress.

Each is resumable, as the runner needs: ``ingest`` skips every file and page an interrupted
run stored (by content hash); ``print`` writes its whole folder again; ``watch`` looks at its
folder again, where a file read but not yet moved is "already read" and moved then.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import defs
from pipeline.atomic import atomic_path
from pipeline.errors import JobError, StorageError
from pipeline.jobs.context import JobContext
from pipeline.jobs.watch import watch_folder
from pipeline.store import repo

__all__ = ["KINDS", "PRINT_ZIP", "QUEUED_KINDS", "WATCH_KINDS", "check_params", "job_folder"]

PRINT_ZIP = "全部表单.zip"
PRINT_DIR = "打印"  # inside the workspace: one folder per print job


@dataclass(frozen=True)
class Kind:
    label: str  # what people see in job lists
    run: Callable[[JobContext], Mapping[str, Any]]
    required: tuple[str, ...]  # parameters it cannot do without
    action: str  # what the submitting operator must be allowed (pipeline.access.ACTIONS)


def run_ingest(ctx: JobContext) -> Mapping[str, Any]:
    """Read the job's files like ``jiafang ingest``; the outcome table is in the intake rows."""
    from pipeline.ingest import ingest
    from pipeline.model.intake import FILE_OUTCOMES

    paths = [Path(p) for p in ctx.job.params["paths"]]
    report = ingest(ctx.ws, paths, progress=ctx.progress)
    if report.stopped:
        raise StorageError(report.stopped)
    if ctx.job.params.get("upload"):  # every file is in the file store now; the upload's copy goes
        shutil.rmtree(paths[0], ignore_errors=True)
    counts = {o: len(report.files_with(o)) for o in FILE_OUTCOMES}
    told = "，".join(f"{label} {counts[o]}" for o, label in FILE_OUTCOMES.items() if counts[o])
    return {"batch": report.batch_id, "counts": counts, "message": f"{len(report.files)} 个文件：{told or '没有文件'}"}


def run_print(ctx: JobContext) -> Mapping[str, Any]:
    """Issue and render the chosen forms for the chosen classes (all when none), then one ZIP."""
    from pipeline.generate import generate

    params = ctx.job.params
    out = job_folder(ctx, PRINT_DIR, f"任务{ctx.job.id}")
    classes: list[str | None] = list(params.get("classes") or []) or [None]
    with ctx.ws.session() as session:
        sizes = [len(repo.list_students(session, class_name=c)) * len(params["forms"]) for c in classes]
    offset, problems, forms = 0, [], 0
    for cls, size in zip(classes, sizes):
        report = generate(
            ctx.ws, forms=params["forms"], formats=params["formats"], out_dir=out, class_name=cls,
            duplex=bool(params.get("duplex", True)),
            progress=lambda done, _total, label: ctx.progress(offset + done, sum(sizes), label),  # noqa: B023 - called before generate returns
            operator=ctx.job.operator,
        )
        offset += size
        problems += report.problems
        forms += report.forms_issued
    files = _zip_folder(out, out / PRINT_ZIP)
    message = f"已生成 {forms} 份表单，{len(files)} 个文件" + (f"；{len(problems)} 份未能生成" if problems else "")
    return {"files": files, "zip": PRINT_ZIP, "problems": problems, "forms": forms, "message": message}


def run_reprint(ctx: JobContext) -> Mapping[str, Any]:
    """Print one issued form again, same form id, marked as a reprint."""
    from pipeline.generate.reprint import reprint

    form_id = str(ctx.job.params["form_id"])
    out = job_folder(ctx, PRINT_DIR, f"补打{ctx.job.id}")
    ctx.progress(0, 1, form_id)
    report = reprint(ctx.ws, form_id, out_dir=out, formats=tuple(ctx.job.params.get("formats") or ("pdf",)))
    files = [p.relative_to(out).as_posix() for p in report.files]
    return {"files": files, "forms": 1, "message": f"已补打表单 {form_id}（表单编号不变，标题注明“补打”）"}


def run_watch(ctx: JobContext) -> Mapping[str, Any]:
    """Watch a folder until asked to stop (the runner's shutdown leaves it to be resumed)."""
    folder = Path(ctx.job.params["folder"])
    settle = float(ctx.job.params.get("settle", defs.WATCH_SETTLE_SECONDS))
    taken = watch_folder(ctx.ws, folder, should_stop=ctx.should_stop, progress=ctx.progress, settle=settle)
    ctx.check_halt()
    return {"message": f"已停止监视 {folder}（本次读入 {taken} 个文件）"}


def job_folder(ctx: JobContext, *parts: str) -> Path:
    """The job's output folder in the workspace, remembered in its result at once."""
    out = ctx.ws.root.joinpath(*parts)
    out.mkdir(parents=True, exist_ok=True)
    ctx.remember(out=str(out))
    return out


def _zip_folder(folder: Path, zip_path: Path) -> list[str]:
    """Every file under ``folder`` (but the ZIP) into ``zip_path``; returns their relative paths."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix not in (".zip", ".partial"))
    names = [p.relative_to(folder).as_posix() for p in files]
    with atomic_path(zip_path) as partial, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, name in zip(files, names):
            zf.write(path, name)
    return names


KINDS: dict[str, Kind] = {
    "ingest": Kind("读入交回的表单", run_ingest, ("paths",), "ingest"),
    "print": Kind("打印表单", run_print, ("forms", "formats"), "print"),
    "reprint": Kind("补打一份表单", run_reprint, ("form_id",), "print"),
    "watch": Kind("监视扫描文件夹", run_watch, ("folder",), "ingest"),
}
WATCH_KINDS = ("watch",)
QUEUED_KINDS = tuple(k for k in KINDS if k not in WATCH_KINDS)


def check_params(kind: str, params: Mapping[str, Any]) -> None:
    """Raise JobError for an unknown kind or a missing parameter, before anything is queued."""
    if kind not in KINDS:
        raise JobError(f"没有“{kind}”这种任务。可用：{'、'.join(KINDS)}")
    missing = [p for p in KINDS[kind].required if not params.get(p)]
    if missing:
        raise JobError(f"任务“{KINDS[kind].label}”缺少参数：{'、'.join(missing)}")
