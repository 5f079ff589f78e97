"""Speed and memory benchmark, measured in one run so that ratios hold on a noisy machine.

    make bench        # = .venv/bin/python benchmarks/bench.py

Writes benchmarks/results.csv (metric, value, unit, note) and benchmarks/machine.txt.
MB here means 10^6 bytes of UTF-8 text.  The text is the clean body sentences
(data/processed/sentences.csv) repeated until it reaches the stated size; each sentence is cut
separately, as the notebooks do.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
import run_notebooks  # noqa: E402
from tifa.config import project_paths  # noqa: E402
from tifa.files import read_table, write_csv  # noqa: E402
from tifa.segmentation import parallel_tokens, tokenizer  # noqa: E402

OUT = ROOT / "benchmarks"


def sentences() -> list[str]:
    """The clean body sentences of the project corpus."""
    return read_table(project_paths(), "sentences")["text"].tolist()


def stream(texts: list[str], megabytes: float):
    """Yield the texts over and over until about ``megabytes`` MB of UTF-8 have been yielded."""
    limit, done = megabytes * 1e6, 0
    sizes = [len(t.encode("utf-8")) for t in texts]
    while done < limit:
        for text, size in zip(texts, sizes):
            yield text
            done += size
            if done >= limit:
                return


def throughput(cut, texts: list[str], megabytes: float) -> tuple[float, float, int]:
    """(MB/s, seconds, tokens) of ``cut`` over the stream."""
    n_bytes = n_tokens = 0
    started = time.perf_counter()
    for text in stream(texts, megabytes):
        n_tokens += len(cut(text))
        n_bytes += len(text.encode("utf-8"))
    seconds = time.perf_counter() - started
    return n_bytes / 1e6 / seconds, seconds, n_tokens


def count_child(megabytes: float) -> None:
    """Child process: tokenize and count ~``megabytes`` MB streaming (a Counter, no token list kept)."""
    seg = tokenizer()
    counts: collections.Counter[str] = collections.Counter()
    started = time.perf_counter()
    n_bytes = 0
    for text in stream(sentences(), megabytes):
        counts.update(seg.cut(text))
        n_bytes += len(text.encode("utf-8"))
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_rss_mb": peak_kb / 1024, "seconds": seconds, "mb": n_bytes / 1e6,
                      "types": len(counts), "tokens": sum(counts.values())}))


def skeleton_of(nb_path: Path, target: Path) -> None:
    """The notebook with its parameters and import cells kept and every other code cell reduced to `pass`.

    Executing it costs what the collection pays before any analysis: a kernel, the imports of
    pandas, matplotlib and helpers, the style, and one round trip per code cell.
    """
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    kept = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "parameters" in cell.metadata.get("tags", []) or (kept == 0 and "import helpers" in cell.source):
            kept += "import helpers" in cell.source
            continue
        cell.source = "pass"
    nbformat.write(nb, target)


def notebook_timings(repeats: int) -> dict:
    """Seconds to execute every notebook, as many one-cell notebooks, and the skeletons, the same way.

    One untimed empty kernel first (the first kernel of a session starts cold); then the three
    sets in turn, ``repeats`` times.  Returns each set's times per round (``suite``, ``empty``,
    ``skeleton``), the figure-cell seconds of the fastest suite run (``figures``) and ``notebooks``.
    """
    import nbformat

    notebooks = run_notebooks.notebook_list()
    times = {"empty": [], "skeleton": [], "suite": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        params = {"corpus_dir": "", "out_dir": str(tmp / "out")}
        empty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
        empty.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        empty_path = tmp / "empty.ipynb"
        nbformat.write(empty, empty_path)
        skeletons = []
        for nb in notebooks:
            skeletons.append(tmp / f"skeleton_{nb.name}")
            skeleton_of(nb, skeletons[-1])
        run_notebooks.execute(empty_path, tmp / "warm_up.ipynb", {})
        figures = float("nan")
        for _ in range(repeats):
            for kind, paths, p in [("empty", [empty_path] * len(notebooks), {}),
                                   ("skeleton", skeletons, params), ("suite", notebooks, params)]:
                started = time.perf_counter()
                for i, nb in enumerate(paths):
                    run_notebooks.execute(nb, tmp / f"{kind}_{i}.ipynb", p)
                times[kind].append(time.perf_counter() - started)
                if kind == "suite" and times[kind][-1] == min(times[kind]):
                    figures = sum(figure_cell_seconds(tmp / f"suite_{i}.ipynb") for i in range(len(paths)))
    return {**times, "figures": figures, "notebooks": len(notebooks)}


def figure_cell_seconds(executed: Path) -> float:
    """Seconds papermill recorded for the cells of an executed notebook that make and save a figure."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    return sum(c.metadata.get("papermill", {}).get("duration") or 0.0
               for c in nb.cells if c.cell_type == "code" and "save_figure(" in c.source)


def machine() -> str:
    """A plain description of the machine the numbers come from."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines()
                          if l.startswith("MemTotal")).split()[1])
        mem = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        mem = "unknown"
    return (f"platform: {platform.platform()}\ncpu: {cpu}\ncores (os.cpu_count): {os.cpu_count()}\n"
            f"memory: {mem}\npython: {platform.python_version()}\n"
            f"date: {time.strftime('%Y-%m-%d', time.gmtime())}\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--big-mb", type=float, default=100, help="size of the repeated corpus for the fast tokenizer")
    ap.add_argument("--slow-mb", type=float, default=10, help="slice for plain jieba.lcut")
    ap.add_argument("--pos-mb", type=float, default=10, help="slice for cutting + POS tags")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="worker processes for tokenize_mb_per_s")
    ap.add_argument("--count-child", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--skip-suite", action="store_true", help="leave out the notebook timings")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each notebook set (the fastest counts)")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    if args.count_child:
        count_child(args.count_child)
        return 0

    texts = sentences()
    seg = tokenizer()
    rows = []
    started = time.perf_counter()
    counts = parallel_tokens(stream(texts, args.big_mb), workers=args.workers, count=True)
    par_s = time.perf_counter() - started
    par_mb = sum(len(t.encode("utf-8")) for t in stream(texts, args.big_mb)) / 1e6
    rows.append(("tokenize_mb_per_s", par_mb / par_s, "MB/s",
                 f"project tokenizer (rjieba, HMM={seg.hmm}, project lexicon) in {args.workers} worker processes "
                 f"(h.parallel_tokens), tokens counted, no POS; {par_mb:.0f} MB in {par_s:.1f} s, "
                 f"{sum(counts.values())} tokens"))
    fast, fast_s, fast_tokens = throughput(seg.cut, texts, args.big_mb)
    rows.append(("tokenize_serial_mb_per_s", fast, "MB/s",
                 f"the same tokenizer in this one process, tokens only; {args.big_mb:g} MB in {fast_s:.1f} s, "
                 f"{fast_tokens} tokens"))
    slow, slow_s, _ = throughput(seg.jieba_cut, texts, args.slow_mb)
    rows.append(("jieba_lcut_mb_per_s", slow, "MB/s",
                 f"plain jieba.lcut, same lexicon and HMM={seg.hmm}, {args.slow_mb:g} MB in {slow_s:.1f} s"))
    rows.append(("speedup_vs_jieba", par_mb / par_s / slow, "ratio", "tokenize_mb_per_s / jieba_lcut_mb_per_s"))
    rows.append(("speedup_serial_vs_jieba", fast / slow, "ratio", "tokenize_serial_mb_per_s / jieba_lcut_mb_per_s"))
    sample = list(stream(texts, args.slow_mb / 10))
    same = all(seg.cut(t) == seg.jieba_cut(t) for t in sample)
    rows.append(("tokens_identical_to_jieba", float(same), "bool",
                 f"on {len(sample)} sentences ({args.slow_mb / 10:g} MB); tests/test_segmentation.py checks the whole corpus"))

    def cut_and_tag(text: str) -> list[tuple[str, str]]:
        return [(t, seg.tag(t)) for t in seg.cut(text)]

    pos, pos_s, _ = throughput(cut_and_tag, texts, args.pos_mb)
    rows.append(("pos_mb_per_s", pos, "MB/s",
                 f"cut + POS tag per token (jieba's tag table, posseg for unknown tokens), {args.pos_mb:g} MB in {pos_s:.1f} s"))

    child = subprocess.run([sys.executable, __file__, "--count-child", str(args.big_mb)],
                           capture_output=True, text=True, check=True)
    res = json.loads(child.stdout.strip().splitlines()[-1])
    rows.append(("peak_rss_mb_100mb", res["peak_rss_mb"], "MB",
                 f"peak RSS of a process that tokenizes and counts {res['mb']:.0f} MB streaming "
                 f"in one process ({res['tokens']} tokens, {res['types']} types, {res['seconds']:.1f} s), lexicon "
                 "included; each worker of tokenize_mb_per_s holds the same: a lexicon and a Counter"))

    if not args.skip_suite:
        t = notebook_timings(args.repeats)
        n, suite, empty, skeleton = t["notebooks"], min(t["suite"]), min(t["empty"]), min(t["skeleton"])
        best = f"fastest of {args.repeats} runs, after one untimed warm-up kernel"

        def spread(kind: str) -> str:
            return "; every run: " + ", ".join(f"{x:.1f}" for x in t[kind]) + " s"

        rows.append(("suite_seconds", suite, "s", f"papermill-executing the {n} notebooks, no HTML; {best}{spread('suite')}"))
        rows.append(("empty_kernels_seconds", empty, "s",
                     f"papermill-executing {n} one-cell notebooks the same way; {best}{spread('empty')}"))
        rows.append(("suite_over_empty", suite / empty, "ratio", "target <= 3; fastest suite run / fastest empty run"))
        rows.append(("skeleton_seconds", skeleton, "s",
                     f"the {n} notebooks with only their parameters and import cells (pandas, matplotlib, helpers, "
                     f"style) and every other code cell reduced to `pass`: the floor before any analysis; {best}"
                     f"{spread('skeleton')}"))
        rows.append(("skeleton_over_empty", skeleton / empty, "ratio",
                     "the part of the 3x budget that kernels importing the stack use up before any work"))
        rows.append(("figure_cells_seconds", t["figures"], "s",
                     "of suite_seconds, the cells that make a figure, as papermill timed them in the fastest "
                     "suite run: drawing and saving (PNG 300 dpi + PDF) plus what those cells compute first "
                     "(the word-cloud layouts, the tables a figure is built from)"))
    results = pd.DataFrame(rows, columns=["metric", "value", "unit", "note"])
    write_csv(results, OUT / "results.csv")
    (OUT / "machine.txt").write_text(machine(), encoding="utf-8")
    with pd.option_context("display.max_colwidth", 90, "display.width", 200):
        print(results.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
