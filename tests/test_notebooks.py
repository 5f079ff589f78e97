"""The notebooks as a user runs them: committed clean, executed headless, outputs reproducible.

The two runs below (project corpus, tiny corpus) execute every notebook once per test session.
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

from tifa.config import FIGURES, LEXICON, Paths, PROCESSED, RAW
from tifa.style import DISPLAY_REDUCTION, PNG_DPI, setup_style
from tifa.notebook import save_figure
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


def test_missing_glyph_is_an_error(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    setup_style()
    paths = Paths(raw=tmp_path, processed=tmp_path, figures=tmp_path)
    fig, ax = plt.subplots()
    ax.set_title("卫东区 \U0001D11E")  # musical G clef: in neither Noto Sans CJK nor DejaVu Sans
    with pytest.raises(UserWarning, match="missing"):
        save_figure(fig, "99_glyph_test", paths)
    assert not list(tmp_path.glob("99_glyph_test*")) and not list(tmp_path.glob(".99_glyph_test*"))
    assert not plt.fignum_exists(fig.number)  # closed even though saving failed
    fig, ax = plt.subplots()
    ax.set_title("卫东区 Weidong 2+N 12+9+N “四个意识” −")
    save_figure(fig, "99_glyph_test", paths)
    assert (tmp_path / "99_glyph_test.png").exists() and (tmp_path / "99_glyph_test.pdf").exists()


def test_save_figure_writes_files_and_shows_the_same_pixels(tmp_path):
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    setup_style()
    paths = Paths(raw=tmp_path, processed=tmp_path, figures=tmp_path)
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([2018, 2023], [1, 2])
    ax.set_title("卫东区 Weidong")
    fig.legend(["line"], loc="lower center", bbox_to_anchor=(0.5, -0.2))  # outside the figure: tight bbox grows
    shown = save_figure(fig, "99_pixels", paths)
    assert not plt.fignum_exists(fig.number)  # closed: the inline backend will not draw it again
    png = Image.open(tmp_path / "99_pixels.png")
    assert png.mode == "RGB" and round(png.info["dpi"][0]) == PNG_DPI
    assert png.size[1] > 3 * PNG_DPI  # taller than the 3-inch figure: the legend below is inside
    small = Image.open(io.BytesIO(shown.data))
    assert small.size == png.reduce(DISPLAY_REDUCTION).size
    assert small.tobytes() == png.reduce(DISPLAY_REDUCTION).tobytes()
    assert (tmp_path / "99_pixels.pdf").read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob(".99_pixels*"))  # no temporary files left


def test_save_figure_matches_matplotlib_with_a_layout_engine(tmp_path):
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    setup_style()
    paths = Paths(raw=tmp_path, processed=tmp_path, figures=tmp_path)

    def make():
        fig, ax = plt.subplots(figsize=(4.5, 2.4), layout="constrained")
        ax.plot(range(5))
        ax.set_xlabel("年份 a long x label that reaches the right edge of the figure")
        return fig

    save_figure(make(), "99_constrained", paths)
    ours = Image.open(tmp_path / "99_constrained.png")
    fig = make()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI, bbox_inches="tight")
    plt.close(fig)
    theirs = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    assert ours.size == theirs.size and ours.tobytes() == theirs.tobytes()
