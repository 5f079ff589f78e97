"""The notebooks as a user runs them: committed clean, executed headless, outputs reproducible.

The two runs below (project corpus, tiny corpus) execute every notebook once per test session; a third runs
them on a corpus where no central formula occurs (notebook 05's edge case).  Unit tests of the package are in
tests/test_<module>.py (``save_figure`` in test_notebook.py, the figures in test_plots.py).
"""
from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from tifa.config import FIGURES, LEXICON, PROCESSED, RAW
from conftest import ROOT, write_corpus

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
RUNNER = ROOT / "tools" / "run_notebooks.py"


GUARD = """
import os, sys
_ro = [p for p in os.environ.get("READONLY_DIRS", "").split(os.pathsep) if p]
_unread = [p for p in os.environ.get("UNREAD_DIRS", "").split(os.pathsep) if p]
_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
def _under(path, dirs):
    return any(path.startswith(d.rstrip(os.sep) + os.sep) for d in dirs)
def _guard(event, args):
    if event == "open" and (_ro or _unread) and isinstance(args[0], (str, bytes, os.PathLike)):
        path, mode, flags = os.path.abspath(os.fsdecode(args[0])), args[1], args[2] or 0
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool(flags & _WRITE)
        if writes and _under(path, _ro):
            raise PermissionError(f"raw data opened for writing: {path}")
        if _under(path, _unread):
            raise PermissionError(f"opened a file of a folder this run must not use: {path}")
sys.addaudithook(_guard)
"""


def run_all(*args: str, readonly: tuple[Path, ...] = (), unread: tuple[Path, ...] = ()) -> subprocess.CompletedProcess:
    """Run tools/run_notebooks.py; every process it starts (kernels included) may not write ``readonly``
    and may not open any file under ``unread``.

    The guard is a sitecustomize.py on PYTHONPATH that installs an audit hook: opening a file under a
    read-only folder for writing, or under an unread folder at all, raises PermissionError (root
    ignores file permissions, so chmod can't prove this).
    """
    env = dict(os.environ)
    if readonly or unread:
        guard_dir = Path(tempfile.mkdtemp(prefix="readonly_guard_"))
        (guard_dir / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
        env["PYTHONPATH"] = os.pathsep.join([str(guard_dir), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        env["READONLY_DIRS"] = os.pathsep.join(str(Path(p).resolve()) for p in readonly)
        env["UNREAD_DIRS"] = os.pathsep.join(str(Path(p).resolve()) for p in unread)
    return subprocess.run([sys.executable, str(RUNNER), *args], capture_output=True, text=True, cwd=ROOT, env=env)


def test_readonly_guard_catches_a_write(tmp_path):
    """The guard used by the runs below really stops a write (so its silence means something)."""
    env = dict(os.environ, READONLY_DIRS=str(tmp_path), PYTHONPATH=str(tmp_path / "g"))
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    code = f"open({str(tmp_path / 'x.txt')!r}, 'w')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode != 0 and "raw data opened for writing" in proc.stderr
    read = subprocess.run([sys.executable, "-c", f"open({str(tmp_path / 'g' / 'sitecustomize.py')!r}).read()"],
                          capture_output=True, text=True, env=env)
    assert read.returncode == 0, read.stderr
    (tmp_path / "lex").mkdir()
    (tmp_path / "lex" / "a.txt").write_text("x", encoding="utf-8")
    env["UNREAD_DIRS"] = str(tmp_path / "lex")
    unread = subprocess.run([sys.executable, "-c", f"open({str(tmp_path / 'lex' / 'a.txt')!r}).read()"],
                            capture_output=True, text=True, env=env)
    assert unread.returncode != 0 and "must not use" in unread.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean_and_parameterised(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert not any(c.get("outputs") or c.get("execution_count") for c in code), f"{path.name} has outputs"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: needs exactly one cell tagged 'parameters'"
    assert all(p in "".join(tagged[0]["source"]) for p in ("corpus_dir", "out_dir", "lexicon_dir"))
    first = "".join(nb["cells"][0]["source"])
    assert first.startswith("# ") and "**Question:**" in first and "**Inputs:**" in first and "**Outputs:**" in first
    assert "h.colophon()" in "".join(code[-1]["source"]), f"{path.name}: last cell should be the colophon"


@pytest.fixture(scope="session")
def project_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("project_run")
    proc = run_all("--out", str(out), readonly=(RAW,))
    return out, proc


def test_every_notebook_runs_headless_without_error_or_missing_glyph(project_run):
    out, proc = project_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    for nb in NOTEBOOKS:
        assert (out / "html" / nb.with_suffix(".html").name).exists()
    index = (out / "html" / "index.html").read_text(encoding="utf-8")
    assert all(nb.with_suffix(".html").name in index for nb in NOTEBOOKS)


def test_committed_outputs_are_exactly_what_the_notebooks_make(project_run):
    """A stale committed table or figure fails here: a fresh run must reproduce every byte."""
    out, proc = project_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    for made, committed in [(out / "processed", PROCESSED), (out / "figures", FIGURES)]:
        made_files = sorted(p.name for p in made.iterdir())
        committed_files = sorted(p.name for p in committed.iterdir() if not p.name.startswith("."))
        assert made_files == committed_files, f"files differ in {committed.name}/"
        _, mismatch, errors = filecmp.cmpfiles(made, committed, made_files, shallow=False)
        assert not mismatch and not errors, f"not reproduced byte for byte: {mismatch + errors}"


TINY = [
    {"doc_id": "t_report", "year": 2009, "date": "2009-03", "genre": "work report",
     "text": "政府工作报告\n\n各位代表：\n\n过去一年，我们坚持稳中求进工作总基调，全面推进“四个全面”，扎实做好“六稳”工作。"
             "我们加强党的建设，推进产业转型，加快项目建设，改善民生。\n\n二、今年工作安排\n\n"
             "坚持以人民为中心，着力保障就业、教育、养老，持续推进生态环境保护，深化改革开放。\n"},
    {"doc_id": "t_news_a", "year": 2011, "date": "2011-06", "genre": "newspaper",
     "text": "深化改革 推动发展\n\n本报讯（记者张三）6月1日，某区召开会议，部署“创文”工作。\n\n"
             "会议要求，聚焦项目建设、聚焦招商引资、聚焦营商环境，确保各项任务落实。\n\n李四 摄\n\n"
             "会议强调，要落实“门前五包”责任制，推进乡村振兴。\n"},
    {"doc_id": "t_news_b", "year": 2011, "date": "2011-09", "genre": "newspaper",
     "text": "关爱老人\n\n本报讯（记者王五）近日，某街道开展敬老活动，为老人义诊。\n\n"
             "社区坚持党建引领，加强疫情防控，做好安全生产，推动“三区建设”，实施七彩工程。\n"},
]


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """All notebooks on the tiny corpus, with a copy of data/lexicon that knows one more formula (七彩工程);
    no process may open a file of the committed data/lexicon."""
    corpus = write_corpus(tmp_path_factory.mktemp("tiny_corpus"), TINY, encoding={"t_news_a": "gbk"})
    lexicon = tmp_path_factory.mktemp("tiny_lexicon") / "lexicon"
    shutil.copytree(LEXICON, lexicon)
    with open(lexicon / "userdict.txt", "a", encoding="utf-8") as fh:
        fh.write("七彩工程 20000 nz\n")
    with open(lexicon / "formulae.csv", "a", encoding="utf-8") as fh:
        fh.write("七彩工程,工程,七,policy,Seven Colours Project (test entry),added by the test,N+head,district,test\n")
    out = tmp_path_factory.mktemp("tiny_out")
    committed = {p: p.read_bytes() for d in (PROCESSED, FIGURES) for p in d.iterdir()}
    proc = run_all("--corpus", str(corpus), "--lexicon", str(lexicon), "--out", str(out),
                   readonly=(corpus, lexicon), unread=(LEXICON,))
    return corpus, out, proc, committed


def test_all_notebooks_run_on_another_corpus(tiny_run):
    """Three short documents, two genres, two in one year, years outside 2018-2023, one file GBK."""
    corpus, out, proc, committed = tiny_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    docs = pd.read_csv(out / "processed" / "documents.csv")
    assert sorted(docs["doc_id"]) == sorted(d["doc_id"] for d in TINY)
    assert docs.set_index("doc_id").loc["t_news_a", "encoding"] == "gb18030"
    for table in (out / "processed").glob("*.csv"):
        df = pd.read_csv(table)
        if "year" in df.columns and len(df):
            assert set(df["year"].dropna().astype(int)) <= {2009, 2011}, table.name
    assert any((out / "figures").glob("*.png"))
    assert (out / "html" / "index.html").exists()


def test_another_lexicon_is_used_instead_of_the_committed_one(tiny_run):
    """The run used the lexicon copy (the guard let no process open data/lexicon): its extra formula is one
    token and is counted as a listed formula."""
    _, out, proc, _ = tiny_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    tokens = pd.read_csv(out / "processed" / "tokens.csv")
    assert "七彩工程" in set(tokens["token"])
    rhetoric = pd.read_csv(out / "processed" / "rhetoric.csv")
    row = rhetoric[(rhetoric["device"] == "formula") & (rhetoric["term"] == "七彩工程")]
    assert len(row) == 1 and bool(row["in_lexicon"].iloc[0])


def test_another_corpus_leaves_committed_outputs_untouched(tiny_run):
    _, _, proc, committed = tiny_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    now = {p: p.read_bytes() for d in (PROCESSED, FIGURES) for p in d.iterdir()}
    assert now == committed


def test_another_corpus_without_out_is_refused(tmp_path):
    corpus = write_corpus(tmp_path / "c", TINY[:1])
    proc = run_all("--corpus", str(corpus))
    assert proc.returncode != 0 and "OUT" in proc.stderr
    proc = run_all("--lexicon", str(tmp_path))
    assert proc.returncode != 0 and "OUT" in proc.stderr


# --- notebook 05 on a corpus where no central formula occurs ----------------------------------
PLAIN = [
    {"doc_id": "p_a", "year": 2009, "date": "2009-03", "genre": "work report",
     "text": "工作报告\n\n各位代表：\n\n过去一年，全区经济平稳运行，城乡居民收入继续增长。我们修建道路，整治河道，改善学校条件。\n"},
    {"doc_id": "p_b", "year": 2011, "date": "2011-06", "genre": "newspaper",
     "text": "社区新闻\n\n本报讯（记者张三）6月1日，某社区举办文艺演出，居民踊跃参加。\n\n演出结束后，志愿者为老人测量血压。\n"},
]


def test_notebook_05_runs_when_no_central_formula_occurs(tmp_path):
    needed = [f"{n:02d}_" for n in range(6)]
    have = {p.name[:3] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    if not all(n in have for n in needed):
        pytest.skip("notebooks 00-05 are not all present yet")
    corpus = write_corpus(tmp_path / "corpus", PLAIN)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "run_notebooks.py"), "--corpus", str(corpus),
                           "--out", str(out), "--only", "0[0-5]_*.ipynb", "--no-html"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    t = pd.read_csv(out / "processed" / "adoption.csv", keep_default_na=False)
    central = t[t["origin"] == "central"]
    assert len(central) > 0 and (central["occurrences"] == 0).all()
    assert set(central["status"]) <= {"absent", "introduced after last text", "undetermined"}
    assert (central["first_seen_doc"] == "").all() and (central["lag_months_min"] == "").all()
    by = pd.read_csv(out / "processed" / "adoption_by_year.csv")
    assert set(by["year"]) <= {2009, 2011}
    for name in ["05_adoption_timeline", "05_formula_density_by_year"]:
        assert (out / "figures" / f"{name}.png").exists()


# --- every notebook on a corpus shaped like real ones (issue 13; tests/realistic_corpus.py) ---------------
@pytest.fixture(scope="session")
def realistic_run(tmp_path_factory):
    """All notebooks (with HTML) on the generated realistic corpus: 73 documents, 25 years (2005 missing), both
    layouts, a traditional-character report, a GBK file, CRLF files, a 200,000-character paragraph.  The corpus
    folder is read-only for every process.  Returns (corpus folder, out folder, process, seconds)."""
    import time
    from realistic_corpus import write_realistic_corpus

    corpus = write_realistic_corpus(tmp_path_factory.mktemp("realistic_corpus"))
    out = tmp_path_factory.mktemp("realistic_out")
    start = time.perf_counter()
    proc = run_all("--corpus", str(corpus), "--out", str(out), readonly=(corpus,))
    return corpus, out, proc, time.perf_counter() - start


def test_every_notebook_runs_on_a_corpus_shaped_like_real_ones(realistic_run):
    from realistic_corpus import GAP_YEAR, YEARS, realistic_documents

    corpus, out, proc, seconds = realistic_run
    print(f"realistic corpus: all notebooks in {seconds:.0f} s")      # reported, not asserted (shared machines)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for nb in NOTEBOOKS:
        assert f"ran {nb.name}" in proc.stdout + proc.stderr
        assert (out / "html" / nb.with_suffix(".html").name).exists()
    docs = pd.read_csv(out / "processed" / "documents.csv")
    assert sorted(docs["doc_id"]) == sorted(d["doc_id"] for d in realistic_documents())
    assert sorted(docs["year"].unique()) == YEARS and GAP_YEAR not in set(docs["year"])
    assert set(docs["layout"]) == {"newspaper_page", "clean_text"}


def test_cleaning_is_accounted_for_in_every_document_of_the_realistic_corpus(realistic_run):
    """The tables as written balance for every document, and clean_text reports lost nothing but front matter."""
    from tifa.cleaning import account_for_characters
    from tifa.corpus import load_corpus

    corpus_dir, out, proc, _ = realistic_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    corpus = load_corpus(corpus_dir)
    paragraphs = pd.read_csv(out / "processed" / "paragraphs.csv", keep_default_na=False)
    audit = pd.read_csv(out / "processed" / "cleaning_audit.csv", keep_default_na=False, na_values=[""],
                        dtype={"text": str, "result": str})
    check = account_for_characters(corpus, paragraphs, audit)
    assert len(check) == len(corpus) and check["balanced"].all(), check[~check["balanced"]].T
    reports = set(corpus.loc[corpus["layout"] == "clean_text", "doc_id"])
    acted = audit[audit["doc_id"].isin(reports) & (audit["action"] != "normalise")]
    assert set(acted["reason"]) <= {"furniture", "dateline", "page_number", "bullet"}
    assert (acted["reason"] == "furniture").sum() >= len(reports) - 1     # 各位代表： in every report but the long one


def test_the_traditional_report_of_the_realistic_corpus_is_converted_and_recorded(realistic_run):
    from realistic_corpus import TRADITIONAL_DOC
    from tifa.corpus import load_corpus, to_simplified

    corpus_dir, out, proc, _ = realistic_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    docs = pd.read_csv(out / "processed" / "documents.csv").set_index("doc_id")
    assert docs.loc[TRADITIONAL_DOC, "script"] == "traditional" and docs.loc[TRADITIONAL_DOC, "converted"] > 100
    assert (docs.drop(TRADITIONAL_DOC)["script"] == "simplified").all() and (docs.drop(TRADITIONAL_DOC)["converted"] == 0).all()
    audit = pd.read_csv(out / "processed" / "cleaning_audit.csv", keep_default_na=False)
    conv = audit[audit["reason"] == "traditional_to_simplified"]
    assert set(conv["doc_id"]) == {TRADITIONAL_DOC} and set(conv["action"]) == {"normalise"}
    paragraphs = pd.read_csv(out / "processed" / "paragraphs.csv", keep_default_na=False)
    mine = paragraphs.loc[paragraphs["doc_id"] == TRADITIONAL_DOC, "text"]
    assert len(mine) and all(to_simplified(t) == t for t in mine)            # nothing traditional left to cut
    raw = load_corpus(corpus_dir).set_index("doc_id").loc[TRADITIONAL_DOC, "text"]
    assert raw != to_simplified(raw)                                          # the original is kept as it was
    tokens = pd.read_csv(out / "processed" / "tokens.csv", keep_default_na=False)
    assert "政府工作报告" in "".join(mine) and "报告" in set(tokens.loc[tokens["doc_id"] == TRADITIONAL_DOC, "token"])


def test_no_tokenizer_disagreement_on_the_realistic_corpus_goes_unreported(realistic_run):
    """Every sentence whose tokens differ from jieba's cut (whole corpus, not only notebook 02's sample) is
    listed in segmentation_checks.csv; and the corpus does hold the ASCII runs rjieba alone cuts otherwise."""
    from tifa.segmentation import SEGMENT_HMM, tokenizer

    _, out, proc, _ = realistic_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    sentences = pd.read_csv(out / "processed" / "sentences.csv", keep_default_na=False)
    tokens = pd.read_csv(out / "processed" / "tokens.csv", keep_default_na=False, dtype={"token": str})
    checks = pd.read_csv(out / "processed" / "segmentation_checks.csv", keep_default_na=False)
    reported = set(zip(checks.loc[checks["check"] == "tokenizer agreement", "doc_id"],
                       checks.loc[checks["check"] == "tokenizer agreement", "sent_id"].astype(int)))
    seg = tokenizer(hmm=SEGMENT_HMM)
    made = tokens.groupby(["doc_id", "sent_id"], sort=False)["token"].agg(list).to_dict()
    differ, mended = set(), 0
    for doc_id, sent_id, text in sentences[["doc_id", "sent_id", "text"]].itertuples(index=False):
        ours = [t for t in made.get((doc_id, sent_id), []) if t.strip()]
        if ours != [t for t in seg.jieba_cut(text) if t.strip()]:
            differ.add((doc_id, sent_id))
        mended += seg.rjieba_cut(text) != seg.cut(text)
    assert differ <= reported, sorted(differ - reported)[:10]
    assert mended > 0
