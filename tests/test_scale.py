"""Scale (issue 17): the per-document stages run on a dask.distributed cluster give exactly the tables of
the default run.  The test starts a real LocalCluster (2 worker processes) itself, points the runner at
its scheduler address (``--scheduler``, as ``make … SCHEDULER=tcp://host:8786`` does), and compares every
processed table byte for byte with a run of the same corpus by the default scheduler."""
from __future__ import annotations

import filecmp
import subprocess
import sys

import pytest

from tifa.config import ROOT
from test_notebooks import TINY
from conftest import write_corpus

RUNNER = ROOT / "tools" / "run_notebooks.py"


def run(corpus, out, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUNNER), "--corpus", str(corpus), "--out", str(out), "--no-html", *extra],
                          capture_output=True, text=True, cwd=ROOT)


def test_a_dask_cluster_makes_the_same_tables_as_the_default_run(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    from tifa.pipeline import _worker_env

    corpus = write_corpus(tmp_path / "corpus", TINY, encoding={"t_news_a": "gbk"})
    _worker_env()  # the cluster's worker processes must import tifa
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        on_dask = run(corpus, tmp_path / "dask", "--scheduler", cluster.scheduler_address)
        assert on_dask.returncode == 0, on_dask.stderr[-3000:]
        with distributed.Client(cluster.scheduler_address) as client:  # the cluster really ran the stages
            prefixes = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
        assert any("Guarded" in p for p in prefixes), prefixes
    default = run(corpus, tmp_path / "default")
    assert default.returncode == 0, default.stderr[-3000:]
    made = sorted(p.name for p in (tmp_path / "default" / "processed").iterdir())
    assert made == sorted(p.name for p in (tmp_path / "dask" / "processed").iterdir())
    _, mismatch, errors = filecmp.cmpfiles(tmp_path / "default" / "processed", tmp_path / "dask" / "processed",
                                           made, shallow=False)
    assert not mismatch and not errors, f"tables differ between the Dask and the default run: {mismatch + errors}"
