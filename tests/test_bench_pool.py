"""The photo bench's precision bound is gathered over runs (issue 17): bench/ingest.py
--accumulate keeps each run's per-kind counts under its seeds and pools only runs of the same
pipeline code, with the one-sided 95 % Wilson lower bound of the pooled ``auto`` precision."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import pytest

from pipeline.synth.kinds import wilson_lower

BENCH = Path(__file__).resolve().parents[1] / "bench" / "ingest.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_ingest", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_ingest"] = module
    spec.loader.exec_module(module)
    return module


def _run(auto: int, wrong: int) -> dict:
    kind = {"fields": auto + 5, "accuracy": 1.0, "now": {"auto": auto, "auto_right": auto - wrong}}
    return {"evaluation": {"by_kind": {"kinds": {"date": kind}}}}


def _args(seed: int, history: int = 0) -> argparse.Namespace:
    return argparse.Namespace(seeds=[seed], forms=20, profile="office", history=history)


def test_runs_of_other_seeds_add_up_and_a_rerun_replaces_its_own_entry(bench, tmp_path: Path) -> None:
    pool = tmp_path / "pool.json"
    bench.accumulate(pool, _args(11), {"photo": _run(300, 1)})
    bench.accumulate(pool, _args(12), {"photo": _run(200, 0)})
    pooled = bench.accumulate(pool, _args(12), {"photo": _run(250, 0)})
    assert sorted(pooled["runs"]) == ["seeds 11, 20 forms, office", "seeds 12, 20 forms, office"]
    autos = sum(run["sides"]["photo"]["date"]["auto"] for run in pooled["runs"].values())
    assert autos == 550


def test_a_run_after_a_verified_earlier_round_is_kept_beside_the_same_seed_without_one(bench, tmp_path: Path) -> None:
    pool = tmp_path / "pool.json"
    bench.accumulate(pool, _args(12), {"photo": _run(200, 0)})
    pooled = bench.accumulate(pool, _args(12, history=12), {"photo": _run(210, 0)})
    assert sorted(pooled["runs"]) == ["seeds 12, 20 forms, office", "seeds 12, 20 forms, office, history 12"]


def test_the_pooled_table_leaves_out_runs_of_other_code_and_states_the_bound(bench, tmp_path: Path, capsys) -> None:
    pool = tmp_path / "pool.json"
    bench.accumulate(pool, _args(11), {"photo": _run(300, 1)})
    pooled = bench.accumulate(pool, _args(12), {"photo": _run(250, 0)})
    pooled["runs"]["seeds 13, 20 forms, office"] = {"code": "another", "sides": {"photo": {"date": {"fields": 9, "right": 9, "auto": 9, "auto_right": 0}}}}
    bench.print_pooled(pooled)
    out = capsys.readouterr().out
    assert "pooled over 2 run(s)" in out and "1 of other code left out" in out
    date = next(line for line in out.splitlines() if line.startswith("date"))
    assert date.split("│")[1].split()[2:4] == ["550", "1"]  # auto, wrong: seed 13's nine wrong values are not pooled
    assert f"{wilson_lower(549, 550):.2%}" in date
    assert bench._needed_for_bound() == 539 and wilson_lower(539, 539) >= 0.995 > wilson_lower(538, 538)
