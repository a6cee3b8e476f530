"""Scan pages read on a Dask distributed cluster: ``jiafang ingest --cluster tcp://host:8786``.

A district's scanning centre runs one ``dask scheduler`` and ``dask worker`` processes on its
PCs (Windows or Linux, jiafang installed on each). This process stays the one that writes the
database: workers only read pages and send back each page's outcome.

- Before the first page, every worker loads the OCR engine (kept for the batch and after, one
  per worker process) and says whether it sees this workspace's file store at the same path.
  A worker that cannot load the engine, or does not answer within CLUSTER_ENGINE_TIMEOUT, is
  named in the report and given no page; with no worker left the batch does not start.
- Pages go out as file-store references (the stored scan file and the page number) when every
  worker sees the store, so no image passes through the scheduler; otherwise as pixels.
- A worker that dies mid-batch: the scheduler gives its pages to another worker (Dask retries
  a task whose worker was lost); each page's outcome still reaches this process once, so it is
  stored once. A page that kills worker after worker (Dask's KilledWorker) is quarantined.
- No page finished within SCAN_PAGE_TIMEOUT: the pages in flight are read again one at a time,
  so only a page that hangs is quarantined; with no worker left the batch stops (what was
  read is kept; a rerun skips it).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import CancelledError
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipeline import defs
from pipeline.errors import ClusterError, JiafangError
from pipeline.ingest.executors import TIMED_OUT, Readers
from pipeline.ingest.scan_page import PageOutcome, ScanContext
from pipeline.scan.load import ScanPage, scan_page_at
from pipeline.store.filestore import FileStore

# What distributed raises when a wait runs out: on Python 3.10 asyncio's and concurrent.futures'
# own TimeoutError, which Python 3.11 made the built-in one.
TIMEOUTS = (TimeoutError, asyncio.TimeoutError, concurrent.futures.TimeoutError)

if TYPE_CHECKING:
    from distributed import Client, Future

    from pipeline.ingest.scan_run import PageReader, PageRef

__all__ = ["DaskPages", "StoredPage", "WORKER_CONFIG", "open_cluster"]

# Dask configuration for the workers' PCs (README: a dask.yaml): dask's nanny starts workers
# with MALLOC_TRIM_THRESHOLD_=65536, under which every page image is a fresh mmap and reading
# a page costs 2-3 times the CPU (bench/district.py, measured December 2026); unset, glibc's
# own adaptive threshold keeps the page buffers.
WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}

log = logging.getLogger(__name__)

_RERUN = "已读完的页都已保存，重新运行同一命令会跳过它们"
NO_ANSWER = "无法连接计算集群 {address}：{seconds:.0f} 秒内没有应答。请确认调度器（dask scheduler）已在该地址启动、端口正确、防火墙放行；不用集群时去掉 --cluster 选项和 JIAFANG_CLUSTER 环境变量"
BAD_ADDRESS = "计算集群地址“{address}”无法识别：应写成 tcp://主机:端口，例如 tcp://192.168.1.20:8786"
NO_WORKERS = "计算集群 {address} 已连接，但 {seconds:.0f} 秒内没有计算节点（dask worker）加入；请在识读用的电脑上启动 dask worker {address}"
NO_READER = "计算集群 {address} 上没有能识读扫描页的节点：{reasons}"
ENGINE_FAILED = "计算节点 {worker} 无法加载识读引擎，本批不给它分页：{reason}"
ENGINE_HUNG = "计算节点 {worker} {seconds:.0f} 秒内没有加载完识读引擎，本批不给它分页；请检查该电脑"
NO_STORE = "计算节点 {worker} 看不到工作区的文件存储 {store}，本批不给它分页；请把工作区以同一路径共享给它"
SLOW_MEMORY = "计算节点 {worker} 以 MALLOC_TRIM_THRESHOLD_={value} 运行（dask worker 的默认设置），识读每页约多用一倍 CPU；请按 README“Ingest on a cluster”一节的 dask 配置重启该节点"
ENGINE_BUG = "加载识读引擎时出错（程序错误，详细信息已写入日志 {log_file}）"
ALL_GONE = "计算集群 {address} 上能识读的节点都已退出。" + _RERUN + "；请重启计算节点后重新运行"
LOST = "与计算集群 {address} 的连接中断。" + _RERUN + "；请检查调度器后重新运行"
KILLED = "读取这一页时识读节点一再意外退出（程序错误），已隔离；请把该页交给维护人员"


@dataclass(frozen=True)
class StoredPage:
    """A page as a worker finds it in the shared file store: page ``index`` of a stored scan."""

    store: str  # the file store's root, the same path on every worker
    stored_as: str  # file-store name of the scan file (digest + suffix)
    index: int

    def image(self) -> np.ndarray:
        digest, _, suffix = self.stored_as.partition(".")
        page = scan_page_at(FileStore(Path(self.store)).path_of(digest, suffix), self.index)
        assert page.image is not None, "a page the writer decoded decodes on the worker too"
        return page.image


@dataclass(frozen=True)
class WorkerCheck:
    """What a worker said before the batch: why the engine failed ("" when it loaded), and
    whether it sees the probe written to the file store."""

    engine_error: str  # Chinese, for the user
    program_error: str  # a failure that is our bug: its text goes to the log, not the user
    sees_store: bool
    malloc_trim: str = ""  # MALLOC_TRIM_THRESHOLD_ the worker runs with (dask's nanny sets 65536)

    @property
    def ok(self) -> bool:
        return not self.engine_error and not self.program_error


def open_cluster(address: str, store: FileStore, log_file: Path, *, shared_store: bool | None = None) -> DaskPages:
    """Connect to the scheduler at ``address`` and prepare its workers. ``shared_store`` None
    checks whether every worker sees ``store``; False always sends pixels. Raises ClusterError."""
    from distributed import Client

    try:
        client = Client(address, timeout=defs.CLUSTER_CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, *TIMEOUTS) as exc:
        raise ClusterError(NO_ANSWER.format(address=address, seconds=defs.CLUSTER_CONNECT_TIMEOUT)) from exc
    except (ValueError, TypeError) as exc:  # not an address at all
        raise ClusterError(BAD_ADDRESS.format(address=address)) from exc
    try:
        return _prepared(client, address, store, log_file, shared_store)
    except BaseException:
        client.close()
        raise


def _prepared(client: Client, address: str, store: FileStore, log_file: Path, shared_store: bool | None) -> DaskPages:
    try:
        client.wait_for_workers(1, timeout=defs.CLUSTER_WORKER_WAIT)
    except TIMEOUTS as exc:
        raise ClusterError(NO_WORKERS.format(address=address, seconds=defs.CLUSTER_WORKER_WAIT)) from exc
    pages = DaskPages(client, address, store, log_file)
    checks = pages.admit()
    if not pages.workers:
        raise ClusterError(NO_READER.format(address=address, reasons="；".join(pages.notices)))
    shared = all(checks[w].sees_store for w in pages.workers) if shared_store is None else shared_store  # type: ignore[union-attr]
    pages.store = str(store.root.resolve()) if shared else None
    return pages


def _check_workers(client: Client, workers: list[str], store: FileStore) -> dict[str, WorkerCheck | None]:
    """Each of ``workers`` loads the engine and looks for a probe just written to the store;
    None for a worker that did not answer within CLUSTER_ENGINE_TIMEOUT."""
    content = f"jiafang cluster probe {uuid.uuid4()}\n".encode()
    digest = store.put_bytes(content, ".probe")
    probe = store.path_of(digest, ".probe")
    futures = {w: client.submit(_prepare_worker, str(probe.resolve()), content, workers=[w], allow_other_workers=False, pure=False) for w in workers}
    try:
        _wait(client, list(futures.values()), defs.CLUSTER_ENGINE_TIMEOUT, "ALL_COMPLETED")
    except TIMEOUTS:
        pass  # the workers that did not answer are named by the caller
    finally:
        probe.unlink(missing_ok=True)
    checks = {w: f.result() if f.status == "finished" else None for w, f in futures.items()}
    client.cancel(list(futures.values()))
    return checks


def _wait(client: Client, futures: list[Future], timeout: float, return_when: str) -> tuple[set[Future], set[Future]]:
    """distributed.wait on this batch's own client (it is not made the process's default, so
    two batches in one process, e.g. background jobs, keep to their own clusters)."""
    from distributed import wait

    with client.as_current():
        return wait(futures, timeout=timeout, return_when=return_when)


def _prepare_worker(probe: str, content: bytes) -> WorkerCheck:
    """On the worker: load its OCR engine (kept in the process for every later page) and look
    for the probe."""
    from pipeline.recognize.engine import default_engine

    try:
        sees_store = Path(probe).read_bytes() == content
    except OSError:
        sees_store = False
    try:
        default_engine()
    except JiafangError as exc:  # e.g. JIAFANG_OCR_ENGINE names a module this PC does not have
        return WorkerCheck(str(exc), "", sees_store)
    except Exception as exc:  # the model files or the runtime fail: the text is for a maintainer
        return WorkerCheck("", repr(exc), sees_store)
    return WorkerCheck("", "", sees_store, os.environ.get("MALLOC_TRIM_THRESHOLD_", ""))


def _context(ctx: ScanContext) -> ScanContext:
    """On a worker: the batch's context, kept there for the pages read after it."""
    return ctx


def _cluster_read(source: np.ndarray | StoredPage, dpi: float | None, ctx: ScanContext, read: PageReader) -> PageOutcome:
    """On the worker: one page read with the worker's engine."""
    image = source.image() if isinstance(source, StoredPage) else source
    return read(image, dpi, ctx)


class DaskPages:
    """Pages read on the checked workers of a Dask cluster; see the module docstring."""

    def __init__(self, client: Client, address: str, files: FileStore, log_file: Path) -> None:
        self.client, self.address, self.files, self.log_file = client, address, files, log_file
        self.store: str | None = None  # the shared store's root; None when pages go out as pixels
        self.workers: list[str] = []  # addresses of the workers that read pages
        self.checked: set[str] = set()
        self.notices: list[str] = []

    @property
    def threads(self) -> int:
        nthreads = self.client.nthreads()
        return sum(nthreads.get(w, 0) for w in self.workers) or 1

    def admit(self) -> dict[str, WorkerCheck | None]:
        """Check the workers not seen before (at the start, and any that joined since: a worker
        its nanny restarted comes back under a new address); those that can read are used."""
        new = sorted(set(self.client.nthreads()) - self.checked)
        if not new:
            return {}
        checks = _check_workers(self.client, new, self.files)
        self.checked.update(new)
        for worker, check in checks.items():
            if check is None:
                self.notices.append(ENGINE_HUNG.format(worker=worker, seconds=defs.CLUSTER_ENGINE_TIMEOUT))
            elif check.program_error:
                log.error("%s: %s", worker, check.program_error)
                self.notices.append(ENGINE_FAILED.format(worker=worker, reason=ENGINE_BUG.format(log_file=self.log_file)))
            elif check.engine_error:
                self.notices.append(ENGINE_FAILED.format(worker=worker, reason=check.engine_error))
            elif self.store and not check.sees_store:
                self.notices.append(NO_STORE.format(worker=worker, store=self.store))
            else:
                self.workers.append(worker)
                if check.malloc_trim:
                    self.notices.append(SLOW_MEMORY.format(worker=worker, value=check.malloc_trim))
        return checks

    def read_pages(self, pages: Iterable[tuple[PageRef, ScanPage]], readers: Readers) -> Iterator[tuple[PageRef, PageOutcome]]:
        # A task rather than scattered data: the scheduler holds the recipe, so the context is
        # made again on another worker should the ones holding it die.
        ctx = self.client.submit(_context, readers.ctx, workers=self.workers, pure=False)
        in_flight: dict[Future, tuple[PageRef, ScanPage]] = {}
        threads = self.threads
        try:
            for ref, page in pages:
                in_flight[self._submit(ref, page, ctx, readers.read)] = (ref, page)
                if len(in_flight) >= threads * defs.SCAN_QUEUE_PER_WORKER:
                    yield from self._settle(in_flight, ctx, readers)
                    self.admit()
                    threads = self.threads
            while in_flight:
                yield from self._settle(in_flight, ctx, readers)
        except (CancelledError, OSError) as exc:  # the scheduler went away and took the batch's tasks
            raise ClusterError(LOST.format(address=self.address)) from exc
        finally:
            with suppress(CancelledError, OSError):  # nothing is left to cancel on a lost scheduler
                self.client.cancel([*in_flight, ctx])

    def close(self) -> None:
        self.client.close()

    def _submit(self, ref: PageRef, page: ScanPage, ctx: Future, read: PageReader) -> Future:
        source = StoredPage(self.store, ref.file.stored_as, ref.index) if self.store else page.image
        return self.client.submit(_cluster_read, source, page.reader_dpi, ctx, read, workers=self.workers, allow_other_workers=False, pure=False)

    def _settle(self, in_flight: dict[Future, tuple[PageRef, ScanPage]], ctx: Future, readers: Readers) -> Iterator[tuple[PageRef, PageOutcome]]:
        """Outcomes of the pages that finish next; after SCAN_PAGE_TIMEOUT with none finished,
        the pages in flight are read one at a time."""
        try:
            done, _ = _wait(self.client, list(in_flight), defs.SCAN_PAGE_TIMEOUT, "FIRST_COMPLETED")
        except TIMEOUTS:
            yield from self._one_by_one(in_flight, ctx, readers)
            return
        for future in done:
            ref, _page = in_flight.pop(future)
            yield ref, self._outcome(ref, future, readers)

    def _outcome(self, ref: PageRef, future: Future, readers: Readers, timeout: float | None = None) -> PageOutcome:
        from distributed import KilledWorker

        try:
            return future.result(timeout)
        except KilledWorker:
            return PageOutcome("quarantined", KILLED)
        except (CancelledError, *TIMEOUTS):  # the scheduler went away (read_pages says so); a hang
            raise
        except Exception as exc:  # raised on the worker by a reader bug; its trace came along
            return readers.failed(ref, exc)

    def _one_by_one(self, in_flight: dict[Future, tuple[PageRef, ScanPage]], ctx: Future, readers: Readers) -> Iterator[tuple[PageRef, PageOutcome]]:
        self.admit()
        if not set(self.client.nthreads()) & set(self.workers):
            raise ClusterError(ALL_GONE.format(address=self.address))
        stranded = list(in_flight.values())
        self.client.cancel(list(in_flight))
        in_flight.clear()
        for ref, page in stranded:
            future = self._submit(ref, page, ctx, readers.read)
            try:
                yield ref, self._outcome(ref, future, readers, defs.SCAN_PAGE_TIMEOUT)
            except TIMEOUTS:
                future.cancel()
                yield ref, PageOutcome("quarantined", TIMED_OUT.format(seconds=defs.SCAN_PAGE_TIMEOUT))
