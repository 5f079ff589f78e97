"""Running a per-document stage over many documents: in this process, in local worker processes, or on
a Dask cluster (``dask.distributed``), with the same results in the same order whichever runs it.

Cleaning and cutting are pure functions of one document, so a corpus of thousands of documents can be
processed a document at a time by workers, none of which ever holds the whole corpus.  Which engine
runs them is the *scheduler*:

- ``""`` (default): ``"serial"`` for a small corpus, local ``"processes"`` from ``PARALLEL_MIN_ITEMS``
  items on (a pool of worker processes on this machine, one per core);
- ``"serial"``: this process, one document after another;
- ``"processes"``: a local pool of worker processes;
- ``"local-dask"``: a ``dask.distributed.LocalCluster`` started for the run (processes, one per core);
- ``"tcp://host:8786"`` (any Dask scheduler address): the workers of that cluster.  Every worker must
  have the project's packages (``requirements.txt``) and this project folder importable (see README).

The scheduler comes from the argument or, when that is empty, from the environment variable
``TIFA_SCHEDULER`` (``make CORPUS=… OUT=… SCHEDULER=tcp://host:8786`` sets it for every notebook).
Results come back in input order; an error in a worker is raised here as the same exception (type and
message), with a note naming the item it failed on and the worker's traceback.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .config import ROOT

SCHEDULER_ENV = "TIFA_SCHEDULER"
PARALLEL_MIN_ITEMS = 200   # below this many documents, worker start-up costs more than it saves
PROGRESS_MIN_ITEMS = 200   # a progress bar from this many documents on (quiet on small corpora)
LOCAL_SCHEDULERS = ("serial", "processes", "local-dask")


class StageError(RuntimeError):
    """A per-document stage failed; the message names the document (item) and the original error."""


def resolve_scheduler(scheduler: str = "", n_items: int = 0) -> str:
    """The scheduler a run uses: the argument, else ``$TIFA_SCHEDULER``, else serial below
    ``PARALLEL_MIN_ITEMS`` items and local processes from there on.  An unknown name is an error."""
    name = (scheduler or os.environ.get(SCHEDULER_ENV, "")).strip()
    if not name:
        return "processes" if n_items >= PARALLEL_MIN_ITEMS else "serial"
    if name in LOCAL_SCHEDULERS or "://" in name:
        return name
    raise ValueError(f"unknown scheduler {name!r}: use '', 'serial', 'processes', 'local-dask' or a Dask "
                     f"scheduler address such as 'tcp://host:8786' (parameter scheduler or ${SCHEDULER_ENV})")


class _Failed:
    """What a worker returns instead of a result when the stage raised: the exception (when it can be
    pickled back from the worker) and its traceback as text."""

    def __init__(self, exc: BaseException, trace: str):
        import pickle

        try:
            pickle.loads(pickle.dumps(exc))
            self.exc = exc
        except Exception:  # an exception that cannot travel back is described, not lost
            self.exc = None
        self.error, self.trace = f"{type(exc).__name__}: {exc}", trace


class _Guarded:
    """Calls ``func(item)`` and returns a ``_Failed`` instead of raising (picklable, so that worker
    processes and Dask workers can run it; the caller names the failed item)."""

    def __init__(self, func: Callable):
        self.func = func

    def __call__(self, item):
        try:
            return self.func(item)
        except Exception as exc:
            import traceback

            return _Failed(exc, traceback.format_exc())


def _checked(results: list, items: list, label: Callable[[Any], str] | None) -> list:
    """The results, or the first failed item's exception raised again here (same type and message, with
    a note naming the item and the worker's traceback; a ``StageError`` if it could not be pickled)."""
    for item, result in zip(items, results):
        if isinstance(result, _Failed):
            name = label(item) if label else repr(item)[:80]
            exc = result.exc if result.exc is not None else StageError(f"{name}: {result.error}")
            exc.add_note(f"while processing {name}; in the worker:\n{result.trace}")
            raise exc
    return results


def _progress(total: int, desc: str, show: bool | None):
    """A tqdm progress bar for ``total`` items, or None (quiet) below ``PROGRESS_MIN_ITEMS``."""
    if show is False or (show is None and total < PROGRESS_MIN_ITEMS):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="doc", mininterval=1.0)


def _worker_env() -> None:
    """Let worker processes started from here import this project (Dask's nanny starts fresh interpreters)."""
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(ROOT) not in parts:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *parts])


def map_documents(func: Callable, items: Sequence | Iterable, scheduler: str = "", workers: int | None = None,
                  label: Callable[[Any], str] | None = None, progress: bool | None = None,
                  desc: str = "documents") -> list:
    """``[func(item) for item in items]``, run by the scheduler ``resolve_scheduler`` picks; results in
    input order.  ``func`` must be a module-level function (workers import it); ``label(item)`` names an
    item in error messages (e.g. its doc_id).  ``workers`` defaults to the machine's cores."""
    items = list(items)
    name = resolve_scheduler(scheduler, len(items))
    call = _Guarded(func)
    workers = workers or os.cpu_count() or 1
    bar = _progress(len(items), desc, progress)
    try:
        if name == "serial" or len(items) <= 1:
            out = []
            for item in items:
                out.append(call(item))
                if bar is not None:
                    bar.update(1)
            return _checked(out, items, label)
        if name == "processes":
            import multiprocessing as mp

            method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
            with mp.get_context(method).Pool(min(workers, len(items))) as pool:
                out = []
                for result in pool.imap(call, items, chunksize=max(1, len(items) // (workers * 8))):
                    out.append(result)
                    if bar is not None:
                        bar.update(1)
                return _checked(out, items, label)
        return _checked(_dask_map(call, items, name, workers, bar), items, label)
    finally:
        if bar is not None:
            bar.close()


def _dask_map(call: _Guarded, items: list, name: str, workers: int, bar) -> list:
    """Run on a Dask cluster: a LocalCluster started here (``local-dask``) or the scheduler at ``name``."""
    from dask.distributed import Client, LocalCluster, as_completed

    _worker_env()
    cluster = None
    if name == "local-dask":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        address = cluster.scheduler_address
    else:
        address = name
    try:
        with Client(address, set_as_default=False) as client:
            if str(ROOT) not in sys.path:
                sys.path.insert(0, str(ROOT))
            futures = client.map(call, items, pure=False)
            if bar is not None:
                for _ in as_completed(futures):
                    bar.update(1)
            return client.gather(futures)
    finally:
        if cluster is not None:
            cluster.close()


def project_on_path() -> Path:
    """The project root, put on ``sys.path`` (for scripts and workers that import ``tifa``)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return ROOT
