"""Scan ingest on a Dask cluster gives the records of the local pool, whatever its workers do.

One stack of 2 scanned pages (one form) is read by the local process pool (the reference),
by a LocalCluster with pages sent as file-store references and as pixels, and by a real
`dask scheduler` with `dask worker` subprocesses on loopback, one of which is killed while
it reads a page. A scheduler lost mid-batch stops the batch with a clear message; workers that
cannot load the OCR engine, and an address nobody answers, are reported in Chinese before
anything is read.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import defs
from pipeline.cli import main
from pipeline.errors import ClusterError
from pipeline.ingest import ingest
from pipeline.ingest.cluster import WORKER_CONFIG, open_cluster
from pipeline.ingest.faults import error_log
from pipeline.ingest.scan_run import ScanFile, ingest_scan_files
from pipeline.store.workspace import Workspace, open_workspace
from pipeline.synth.returns import StackEvents
from tests.cluster_readers import SLOW_READ, slow_reader
from tests.cluster_support import dask_cluster, free_port, kill_a_reading_worker
from tests.test_ingest_scan import _rows, _stack
from tests.test_ingest_scan import _workspace as scan_workspace

MISSING_ENGINE = "no_such_ocr_module:engine"


NOTHING = {"records": [], "fields": [], "pages": []}


@dataclass(frozen=True)
class Returns:
    template: Path  # a closed workspace with the forms issued, nothing read
    folder: Path  # the scanned returns: one PDF of 2 pages, one form

    def workspace(self, root: Path) -> Workspace:
        shutil.copytree(self.template, root)
        return open_workspace(root)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Returns:
    root = tmp_path_factory.mktemp("cluster")
    scan_workspace(root / "template", students=1).close()
    folder, _ = _stack(open_workspace(root / "template"), root, events=StackEvents.none())
    return Returns(root / "template", folder)


@pytest.fixture(scope="module")
def pool_rows(stack: Returns, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    """Records, fields and pages after the local process pool read the stack."""
    ws = stack.workspace(tmp_path_factory.mktemp("pool") / "ws")
    report = ingest(ws, [stack.folder], workers=2)
    assert report.count("read") == 2 and report.count("new") == 1
    return _rows(ws)


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[str]:
    import dask
    from distributed import LocalCluster

    with dask.config.set(WORKER_CONFIG), LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.mark.slow
def test_a_local_cluster_reading_pages_from_the_shared_store_gives_the_records_of_the_process_pool(
    stack: Returns, pool_rows: dict[str, list[tuple]], local_cluster: str, tmp_path: Path
) -> None:
    ws = stack.workspace(tmp_path / "ws")
    with error_log(ws.root) as log_file:
        pages = open_cluster(local_cluster, ws.files, log_file)
        pages.close()
    assert pages.store == str(ws.files.root.resolve()), "workers on this machine see the store: pages go as references"
    report = ingest(ws, [stack.folder], cluster=local_cluster)
    assert not report.stopped and not report.notices
    assert _rows(ws) == pool_rows


@pytest.mark.slow
def test_a_local_cluster_sent_pixels_gives_the_records_of_the_process_pool(
    stack: Returns, pool_rows: dict[str, list[tuple]], local_cluster: str, tmp_path: Path
) -> None:
    ws = stack.workspace(tmp_path / "ws")
    [scan] = stack.folder.rglob("*.pdf")
    stored = ScanFile(scan, f"{ws.files.put_file(scan)}.pdf")
    with error_log(ws.root) as log_file:
        pages = open_cluster(local_cluster, ws.files, log_file, shared_store=False)
        try:
            assert pages.store is None
            ingest_scan_files(ws, [stored], batch_id="I-pixels", log_file=log_file, executor=pages)
        finally:
            pages.close()
    assert _rows(ws) == pool_rows


@pytest.mark.slow
def test_a_worker_killed_while_reading_loses_no_page_and_stores_none_twice(
    stack: Returns, pool_rows: dict[str, list[tuple]], tmp_path: Path
) -> None:
    ws = stack.workspace(tmp_path / "ws")
    killed: list[str] = []
    with dask_cluster(tmp_path / "logs", [None, None, MISSING_ENGINE]) as cluster:
        bad = list(cluster.workers)[2]
        killer = kill_a_reading_worker(cluster, killed)
        report = ingest(ws, [stack.folder], cluster=cluster.address)
        killer.join()
    assert killed and killed[0] != bad
    assert [n for n in report.notices if bad in n and "无法加载" in n], "the worker without its engine is named"
    assert report.count("read") == 2 and report.count("new") == 1 and not report.stopped
    assert _rows(ws) == pool_rows, "every page once, read as the pool reads it"


def test_a_scheduler_lost_mid_batch_stops_the_batch_with_its_address_and_stores_nothing_half(stack: Returns, tmp_path: Path) -> None:
    ws = stack.workspace(tmp_path / "ws")
    killed: list[str] = []
    with dask_cluster(tmp_path / "logs", [None]) as cluster:
        killer = kill_a_reading_worker(cluster, killed, scheduler=True)
        started = time.monotonic()
        report = ingest(ws, [stack.folder], cluster=cluster.address, page_reader=slow_reader)
        killer.join()
    assert killed == ["scheduler"] and time.monotonic() - started < SLOW_READ, "not waited out"
    assert report.stopped.startswith(f"与计算集群 {cluster.address} 的连接中断。已读完的页都已保存")
    assert _rows(ws) == NOTHING


def test_workers_that_cannot_load_the_engine_are_named_and_nothing_is_read(
    stack: Returns, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(defs, "CLUSTER_ENGINE_TIMEOUT", 20.0)
    ws = stack.workspace(tmp_path / "ws")
    with dask_cluster(tmp_path / "logs", [MISSING_ENGINE, "tests.hanging_engine:build"]) as cluster:
        missing, hanging = cluster.workers
        with pytest.raises(ClusterError) as caught:
            ingest(ws, [stack.folder], cluster=cluster.address)
    message = str(caught.value)
    assert f"计算节点 {missing} 无法加载识读引擎" in message and MISSING_ENGINE in message
    assert f"计算节点 {hanging} 20 秒内没有加载完识读引擎" in message
    assert _rows(ws) == NOTHING


def test_a_cluster_address_that_does_not_answer_is_named_with_what_to_check(
    stack: Returns, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(defs, "CLUSTER_CONNECT_TIMEOUT", 2.0)
    stack.workspace(tmp_path / "ws").close()
    address = f"tcp://127.0.0.1:{free_port()}"
    monkeypatch.setenv(defs.CLUSTER_ENV, address)
    result = CliRunner().invoke(main, ["ingest", "-w", str(tmp_path / "ws"), str(stack.folder)])
    assert result.exit_code == 1
    assert f"无法连接计算集群 {address}：2 秒内没有应答" in result.output and "Traceback" not in result.output
    assert _rows(open_workspace(tmp_path / "ws")) == NOTHING
