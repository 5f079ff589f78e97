"""tifa.pipeline: a per-document stage gives the same results, in the same order, in this process, in
local worker processes and on a Dask LocalCluster; an error names the document it failed on."""
from __future__ import annotations

import pytest

from tifa.pipeline import SCHEDULER_ENV, StageError, map_documents, resolve_scheduler


def square_of_length(item: dict) -> int:
    """A module-level stage (workers import it): fails on a document whose text is None."""
    return len(item["text"]) ** 2


DOCS = [{"doc_id": f"d{i:03d}", "text": "字" * (i % 7)} for i in range(40)]


def test_resolve_scheduler_defaults_by_size_and_reads_the_environment(monkeypatch):
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    assert resolve_scheduler("", 5) == "serial" and resolve_scheduler("", 10_000) == "processes"
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://10.0.0.1:8786")
    assert resolve_scheduler("", 5) == "tcp://10.0.0.1:8786"
    assert resolve_scheduler("serial", 5) == "serial"  # the argument wins over the environment
    with pytest.raises(ValueError, match="unknown scheduler 'threads'"):
        resolve_scheduler("threads")


@pytest.mark.parametrize("scheduler", ["serial", "processes"])
def test_local_schedulers_give_the_serial_results_in_order(scheduler):
    assert map_documents(square_of_length, DOCS, scheduler=scheduler, workers=2) == [len(d["text"]) ** 2 for d in DOCS]


def test_an_error_in_a_worker_names_the_document():
    bad = DOCS[:5] + [{"doc_id": "broken", "text": None}] + DOCS[5:10]
    for scheduler in ("serial", "processes"):
        with pytest.raises(TypeError) as info:
            map_documents(square_of_length, bad, scheduler=scheduler, workers=2, label=lambda d: d["doc_id"])
        assert any("while processing broken" in note for note in info.value.__notes__)


def test_dask_local_cluster_gives_the_same_results_and_errors():
    """A real dask.distributed LocalCluster (2 worker processes), started and closed by map_documents."""
    pytest.importorskip("dask.distributed")
    got = map_documents(square_of_length, DOCS, scheduler="local-dask", workers=2)
    assert got == [len(d["text"]) ** 2 for d in DOCS]
    with pytest.raises(TypeError) as info:
        map_documents(square_of_length, DOCS[:3] + [{"doc_id": "x", "text": None}], scheduler="local-dask",
                      workers=2, label=lambda d: d["doc_id"])
    assert any("while processing x" in note for note in info.value.__notes__)


class Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("cannot pickle")


def raise_unpicklable(item):
    raise Unpicklable(f"bad {item}")


def test_an_error_that_cannot_travel_back_is_a_stage_error_naming_the_item():
    with pytest.raises(StageError, match="item-2: Unpicklable: bad 2"):
        map_documents(raise_unpicklable, [2], scheduler="serial", label=lambda i: f"item-{i}")


def test_progress_is_quiet_on_a_small_corpus(capsys):
    map_documents(square_of_length, DOCS[:10], scheduler="serial")
    assert capsys.readouterr().err == ""
