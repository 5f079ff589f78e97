"""Scale (issue 17): the per-document stages run on a dask.distributed cluster give exactly the tables of
the default run.  The test starts a real LocalCluster (2 worker processes) itself, points the runner at
its scheduler address (``--scheduler``, as ``make … SCHEDULER=tcp://host:8786`` does), and compares every
processed table byte for byte with a run of the same corpus by the default scheduler."""
from __future__ import annotations

import filecmp
import os
import subprocess
import sys

import pytest

from tifa.config import ROOT
from test_notebooks import TINY
from conftest import write_corpus

RUNNER = ROOT / "tools" / "run_notebooks.py"


def run(corpus, out, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUNNER), "--corpus", str(corpus), "--out", str(out), "--no-html", *extra],
                          capture_output=True, text=True, cwd=ROOT, env=None if env is None else {**os.environ, **env})


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """The tiny corpus run by the default scheduler, every table CSV (the comparison of both tests)."""
    base = tmp_path_factory.mktemp("scale")
    corpus = write_corpus(base / "corpus", TINY, encoding={"t_news_a": "gbk"})
    done = run(corpus, base / "default")
    assert done.returncode == 0, done.stderr[-3000:]
    return corpus, base / "default"


def test_a_dask_cluster_makes_the_same_tables_as_the_default_run(tmp_path, default_run):
    distributed = pytest.importorskip("dask.distributed")
    from tifa.pipeline import _worker_env

    corpus, default_out = default_run
    _worker_env()  # the cluster's worker processes must import tifa
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        on_dask = run(corpus, tmp_path / "dask", "--scheduler", cluster.scheduler_address)
        assert on_dask.returncode == 0, on_dask.stderr[-3000:]
        with distributed.Client(cluster.scheduler_address) as client:  # the cluster really ran the stages
            prefixes = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
        assert any("Guarded" in p for p in prefixes), prefixes
    made = sorted(p.name for p in (default_out / "processed").iterdir())
    assert made == sorted(p.name for p in (tmp_path / "dask" / "processed").iterdir())
    _, mismatch, errors = filecmp.cmpfiles(default_out / "processed", tmp_path / "dask" / "processed",
                                           made, shallow=False)
    assert not mismatch and not errors, f"tables differ between the Dask and the default run: {mismatch + errors}"


def test_large_tables_as_parquet_give_the_same_results(tmp_path, default_run):
    """With the Parquet threshold lowered to one row, so that the tables that grow with a corpus (tokens,
    sentences, paragraphs; keyness, empty here, stays CSV) are written as Parquet and read back from it
    by the later notebooks, every
    other table and every figure's data is byte-identical, and each Parquet table holds exactly the
    rows of its CSV (the same bytes once written as CSV)."""
    from tifa.config import project_paths
    from tifa.files import csv_bytes, read_table

    corpus, default_out = default_run
    done = run(corpus, tmp_path / "parquet", env={"TIFA_PARQUET_MIN_ROWS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    made = {p.name for p in (default_out / "processed").iterdir()}
    got = {p.name for p in (tmp_path / "parquet" / "processed").iterdir()}
    as_parquet = sorted(n.removesuffix(".parquet") for n in got if n.endswith(".parquet"))
    assert {"tokens", "sentences", "paragraphs"} <= set(as_parquet)
    assert got == (made - {f"{n}.csv" for n in as_parquet}) | {f"{n}.parquet" for n in as_parquet}
    for name in as_parquet:
        table = read_table(project_paths(out_dir=str(tmp_path / "parquet")), name)
        assert csv_bytes(table) == (default_out / "processed" / f"{name}.csv").read_bytes(), name
    same = sorted(made & got)
    _, mismatch, errors = filecmp.cmpfiles(default_out / "processed", tmp_path / "parquet" / "processed", same,
                                           shallow=False)
    assert not mismatch and not errors, f"tables differ when the large ones are Parquet: {mismatch + errors}"
    data = sorted(p.name for p in (default_out / "figures").glob("*.csv"))
    _, mismatch, errors = filecmp.cmpfiles(default_out / "figures", tmp_path / "parquet" / "figures", data,
                                           shallow=False)
    assert data and not mismatch and not errors, f"figure data differ: {mismatch + errors}"


def test_all_notebooks_run_on_a_generated_corpus_of_a_few_megabytes(tmp_path):
    """The issue's generated corpus (benchmarks/make_corpus.py: project paragraphs mixed with text sampled
    from jieba's dictionary), 3 MB in 210 documents over 30 years: enough documents for the worker
    processes of the per-document stages and the shared keyness draws (200), and, with the Parquet
    threshold at 100,000 rows, tokens and keyness written as Parquet and read back by the later notebooks.
    For correctness, not timing."""
    import importlib.util

    from tifa.config import project_paths
    from tifa.files import read_table

    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "benchmarks" / "make_corpus.py")
    make_corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_corpus)
    meta = make_corpus.build(tmp_path / "corpus", 3, seed=5, docs_per_mb=70)
    assert len(meta) == 210 and meta["year"].nunique() == 30
    done = run(tmp_path / "corpus", tmp_path / "out", env={"TIFA_PARQUET_MIN_ROWS": "100000"})
    assert done.returncode == 0, done.stderr[-3000:]
    processed = tmp_path / "out" / "processed"
    assert (processed / "tokens.parquet").is_dir() and (processed / "keyness.parquet").is_dir()
    assert (processed / "sentences.csv").exists() and not (processed / "tokens.csv").exists()
    paths = project_paths(out_dir=str(tmp_path / "out"))
    tokens = read_table(paths, "tokens", columns=["doc_id", "sent_id", "token"])
    sentences = read_table(paths, "sentences")
    assert len(tokens) >= 100_000 and set(tokens["doc_id"]) == set(meta["doc_id"])
    rejoined = tokens.groupby(["doc_id", "sent_id"], sort=False)["token"].agg("".join)
    texts = sentences.set_index(["doc_id", "sent_id"])["text"].str.replace(r"\s+", "", regex=True)
    assert rejoined.str.replace(r"\s+", "", regex=True).reindex(texts.index).eq(texts).all()
    keyness = read_table(paths, "keyness")
    assert len(keyness) >= 100_000 and keyness["year"].nunique() == 30
    # 210 documents (>= intervals_significant_only_min_documents): an interval for every significant test only
    spread = keyness["log_ratio_ci_low"].notna()
    assert spread.sum() > 0 and spread.eq(keyness["significant"].astype(bool)).all()
    sig = keyness[spread]
    assert ((sig["log_ratio_ci_low"] <= sig["log_ratio"]) & (sig["log_ratio"] <= sig["log_ratio_ci_high"])).mean() > 0.9
