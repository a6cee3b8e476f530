"""A real Dask cluster for the cluster-ingest tests: `dask scheduler` and `dask worker`
processes on loopback, as a scanning centre starts them (one worker thread each, no nanny so a
killed worker stays dead)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from distributed import Client

from pipeline import defs

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT = 120.0  # s for the scheduler and workers to start on a loaded 2-core machine
READING_FOR = 0.3  # s a worker reads its page before it is killed (a page takes 1.5 s of CPU or more)


@dataclass
class Cluster:
    address: str
    client: Client  # the test's own view of the scheduler (who is processing what)
    workers: dict[str, subprocess.Popen[bytes]]  # worker address → its process
    scheduler: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def dask_cluster(logs: Path, engines: Sequence[str | None]) -> Iterator[Cluster]:
    """A scheduler and one worker per entry of ``engines``: the worker's JIAFANG_OCR_ENGINE, or
    None for the default engine. Every process is killed at the end."""
    logs.mkdir(parents=True, exist_ok=True)
    address = f"tcp://127.0.0.1:{free_port()}"
    processes = [_start(logs / "scheduler.log", ["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"], None)]
    workers = {}
    try:
        for n, engine in enumerate(engines):
            port = free_port()
            args = ["distributed.cli.dask_worker", address, "--host", "127.0.0.1", "--worker-port", str(port)]
            workers[f"tcp://127.0.0.1:{port}"] = _start(logs / f"worker{n}.log", [*args, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--death-timeout", "60"], engine)
        processes += workers.values()
        client = Client(address, timeout=START_TIMEOUT, set_as_default=False)
        try:
            client.wait_for_workers(len(engines), timeout=START_TIMEOUT)
            yield Cluster(address, client, workers, processes[0])
        finally:
            client.close()
    finally:
        for process in processes:
            process.kill()
            process.wait()


def _start(log: Path, args: list[str], engine: str | None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != defs.OCR_ENGINE_ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    if engine is not None:
        env[defs.OCR_ENGINE_ENV] = engine
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", *args], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)


def kill_a_reading_worker(cluster: Cluster, killed: list[str], *, scheduler: bool = False) -> threading.Thread:
    """A thread that kills the first worker seen reading a page (or, with ``scheduler``, the
    scheduler), a moment into the page (a page takes seconds), and adds what it killed to
    ``killed``."""

    def watch() -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            reading = [w for w, keys in cluster.client.processing().items() if w in cluster.workers and any("_cluster_read" in str(k) for k in keys)]
            if reading:
                time.sleep(READING_FOR)
                victim = "scheduler" if scheduler else reading[0]
                process = cluster.scheduler if scheduler else cluster.workers[victim]
                process.kill()
                process.wait()
                killed.append(victim)
                return
            time.sleep(0.02)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread
