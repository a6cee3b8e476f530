"""Where the scan pages of a batch are read: in this process, in local worker processes (the
default), or on a Dask distributed cluster (pipeline.ingest.cluster).

Every executor satisfies :class:`PageExecutor`: it is handed the pages that need a reader and
gives back each one's outcome exactly once, in any order. Outcomes come back to the process
that called it, which alone writes the database, so an executor never stores anything and a
page read twice (a retry after a worker died) is still stored once.

The local pool: when a worker process dies or no page finishes within SCAN_PAGE_TIMEOUT, the
pool is replaced and the pages in flight are read again one at a time in a fresh process, so
only the page that crashes or hangs is quarantined.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from pipeline import defs
from pipeline.errors import StorageError
from pipeline.ingest.faults import program_error
from pipeline.ingest.scan_page import PageOutcome, ScanContext
from pipeline.scan.load import ScanPage

if TYPE_CHECKING:
    from pipeline.ingest.scan_run import PageReader, PageRef
    from pipeline.store.workspace import Workspace

__all__ = ["InProcess", "PageExecutor", "ProcessPool", "Readers", "local_executor", "page_executor", "CRASHED", "TIMED_OUT"]

CRASHED = "读取这一页时识读进程意外退出（程序错误），已隔离；请把该页交给维护人员"
TIMED_OUT = "读取这一页超过 {seconds:.0f} 秒仍未完成，已隔离；可人工指定或重新扫描"


@dataclass(frozen=True)
class Readers:
    """What reading one page needs, in the worker and in the main process alike."""

    ctx: ScanContext
    read: PageReader
    log_file: Path

    def guarded(self, ref: PageRef, page: ScanPage) -> PageOutcome:
        """Read in this process; an exception quarantines the page as a program error."""
        try:
            assert page.image is not None, "readers see decoded pages only (scan_run._local_outcome)"
            return self.read(page.image, page.reader_dpi, self.ctx)
        except StorageError:
            raise
        except Exception as exc:  # a reader bug must not stop the batch; the log keeps the trace
            return self.failed(ref, exc)

    def failed(self, ref: PageRef, exc: BaseException) -> PageOutcome:
        """The page whose reader raised ``exc``: quarantined as a program error, trace logged."""
        return PageOutcome("quarantined", program_error(ref.where, exc, self.log_file))


class PageExecutor(Protocol):
    """Reads pages somewhere; every page handed in comes back once with its outcome."""

    @property
    def notices(self) -> Sequence[str]:
        """Chinese, what the user should know about where pages were read."""
        ...

    def read_pages(self, pages: Iterable[tuple[PageRef, ScanPage]], readers: Readers) -> Iterator[tuple[PageRef, PageOutcome]]:
        """(page, outcome) for each of ``pages``, in any order; pages are taken as needed."""
        ...


@contextmanager
def page_executor(ws: Workspace, log_file: Path, *, workers: int | None, cluster: str | None) -> Iterator[PageExecutor]:
    """The executor a batch reads its pages with: the Dask cluster at ``cluster`` (default: the
    JIAFANG_CLUSTER environment variable), connected before anything is read and closed after;
    else the local one. Raises ClusterError when the cluster cannot be used."""
    address = cluster or os.environ.get(defs.CLUSTER_ENV, "").strip()
    if not address:
        yield local_executor(workers)
        return
    from pipeline.ingest.cluster import open_cluster  # distributed is an extra: imported only when asked for

    dask = open_cluster(address, ws.files, log_file)
    try:
        yield dask
    finally:
        dask.close()


def local_executor(workers: int | None) -> PageExecutor:
    """The default: ``workers`` local processes (all cores when None), one means this process."""
    count = workers or os.cpu_count() or 1
    return InProcess() if count <= 1 else ProcessPool(count)


class InProcess:
    """Every page read here, one after another."""

    notices: Sequence[str] = ()

    def read_pages(self, pages: Iterable[tuple[PageRef, ScanPage]], readers: Readers) -> Iterator[tuple[PageRef, PageOutcome]]:
        for ref, page in pages:
            yield ref, readers.guarded(ref, page)


class ProcessPool:
    """Local worker processes, each with its own OCR engine, at most SCAN_QUEUE_PER_WORKER pages
    in flight per worker so a long stack is never held in memory."""

    notices: Sequence[str] = ()

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def read_pages(self, pages: Iterable[tuple[PageRef, ScanPage]], readers: Readers) -> Iterator[tuple[PageRef, PageOutcome]]:
        pool = _Pool(self.workers, readers)
        in_flight: dict[Future[PageOutcome], tuple[PageRef, ScanPage]] = {}
        try:
            for ref, page in pages:
                try:
                    future = pool.submit(page)
                except BrokenProcessPool:  # a worker died while this page was being prepared
                    yield from _rescue(pool, in_flight)
                    future = pool.submit(page)
                in_flight[future] = (ref, page)
                if len(in_flight) >= self.workers * defs.SCAN_QUEUE_PER_WORKER:
                    yield from _settle(pool, in_flight)
            while in_flight:
                yield from _settle(pool, in_flight)
        finally:
            pool.kill()


def _settle(pool: _Pool, in_flight: dict[Future[PageOutcome], tuple[PageRef, ScanPage]]) -> Iterator[tuple[PageRef, PageOutcome]]:
    """Outcomes of the pages that finish next. When a worker died, or no page finished within
    SCAN_PAGE_TIMEOUT, the pool is replaced and the pages in flight are read one at a time."""
    done, _ = wait(in_flight, timeout=defs.SCAN_PAGE_TIMEOUT, return_when=FIRST_COMPLETED)
    broken = not done
    for future in done:
        ref, _page = in_flight[future]
        try:
            outcome = pool.outcome(ref, future)
        except BrokenProcessPool:
            broken = True
            break
        del in_flight[future]
        yield ref, outcome
    if broken:
        yield from _rescue(pool, in_flight)


def _rescue(pool: _Pool, in_flight: dict[Future[PageOutcome], tuple[PageRef, ScanPage]]) -> Iterator[tuple[PageRef, PageOutcome]]:
    """Replace a broken or hung pool: the pages in flight are read one at a time, each alone."""
    pool.kill()
    stranded = list(in_flight.values())
    in_flight.clear()
    for ref, page in stranded:
        yield ref, pool.alone(ref, page)


class _Pool:
    """The worker processes, replaced whole when one of them dies or hangs."""

    def __init__(self, workers: int, readers: Readers) -> None:
        self.workers, self.readers = workers, readers
        self.executor: ProcessPoolExecutor | None = None

    def submit(self, page: ScanPage) -> Future[PageOutcome]:
        if self.executor is None:
            self.executor = self._start(self.workers)
        assert page.image is not None, "readers see decoded pages only (scan_run._local_outcome)"
        return self.executor.submit(_worker_read, page.image, page.reader_dpi)

    def _start(self, workers: int) -> ProcessPoolExecutor:
        spawn = multiprocessing.get_context("spawn")  # safe with ONNX Runtime threads, and Windows' only way
        ctx, read = self.readers.ctx, self.readers.read
        executor = ProcessPoolExecutor(workers, mp_context=spawn, initializer=_init_worker, initargs=(ctx, read))
        # Workers start and import before any page is timed against SCAN_PAGE_TIMEOUT.
        for started in [executor.submit(os.getpid) for _ in range(workers)]:
            started.result()
        return executor

    def outcome(self, ref: PageRef, future: Future[PageOutcome], timeout: float | None = None) -> PageOutcome:
        """The page's outcome; an exception raised by its reader quarantines it. Raises
        BrokenProcessPool when a worker died, TimeoutError after ``timeout`` seconds."""
        try:
            return future.result(timeout)
        except (BrokenProcessPool, FutureTimeout):
            raise
        except Exception as exc:  # raised in the worker by a reader bug; its trace came along
            return self.readers.failed(ref, exc)

    def alone(self, ref: PageRef, page: ScanPage) -> PageOutcome:
        """Read one page in a process of its own: its crash or hang quarantines it alone."""
        self.executor = self._start(1)
        try:
            return self.outcome(ref, self.submit(page), defs.SCAN_PAGE_TIMEOUT)
        except BrokenProcessPool:
            return PageOutcome("quarantined", CRASHED)
        except FutureTimeout:
            return PageOutcome("quarantined", TIMED_OUT.format(seconds=defs.SCAN_PAGE_TIMEOUT))
        finally:
            self.kill()

    def kill(self) -> None:
        """Stop every worker now, hung ones included (shutdown alone would wait for them)."""
        if self.executor is None:
            return
        processes = list((getattr(self.executor, "_processes", None) or {}).values())  # no public handle before 3.14
        self.executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.kill()
            process.join()
        self.executor = None


_WORKER: tuple[ScanContext, PageReader] | None = None


def _init_worker(ctx: ScanContext, read: PageReader) -> None:
    global _WORKER
    _WORKER = (ctx, read)


def _worker_read(image: np.ndarray, dpi: float | None) -> PageOutcome:
    assert _WORKER is not None, "worker started without its context"
    ctx, read = _WORKER
    return read(image, dpi, ctx)
