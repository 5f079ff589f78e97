"""Shared functions for the Weidong District political-language notebooks.

Grouped in pipeline order: paths -> load -> clean -> segment -> count -> compare -> plot.
Functions are pure (they take data and return data) except the ones whose names say
they write (``write_csv``, ``save_figure``) and the two that configure process-wide
state on purpose, once: ``tokenizer()`` (the jieba lexicon) and ``setup_style()``
(matplotlib fonts).  Research decisions (lexicons, codebook, stopwords, gold standard)
are files under ``data/``, not lists in this module.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

# ---------------------------------------------------------------------------
# Paths (one place; notebooks override them through their `parameters` cell)
# ---------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parent
RAW = ROOT / "data" / "raw"
PROCESSED = ROOT / "data" / "processed"
FIGURES = ROOT / "figures"
LEXICON = ROOT / "data" / "lexicon"
GOLD = ROOT / "data" / "gold"
CACHE = ROOT / ".cache"

SEED = 20180118  # every random draw in the project starts from this seed
METADATA_COLUMNS = ["doc_id", "file", "year", "date", "genre", "title", "sha256"]


@dataclass(frozen=True)
class Paths:
    """Where one run reads its corpus and writes its tables and figures."""

    raw: Path
    processed: Path
    figures: Path
    lexicon: Path = LEXICON
    gold: Path = GOLD


def project_paths(corpus_dir: str | os.PathLike = "", out_dir: str | os.PathLike = "") -> Paths:
    """Resolve a notebook's parameters into paths.

    ``corpus_dir`` is a folder with the texts and a ``metadata.csv`` ("" = ``data/raw``).
    ``out_dir`` "" writes to the committed ``data/processed`` and ``figures``; any other
    folder receives ``processed/`` and ``figures/`` below it, leaving committed outputs alone.
    Relative paths are taken from the project root, so a notebook's working folder does not matter.
    """
    raw = (ROOT / corpus_dir) if corpus_dir else RAW
    if out_dir:
        out = ROOT / out_dir
        paths = Paths(raw=raw.resolve(), processed=(out / "processed").resolve(),
                      figures=(out / "figures").resolve())
    else:
        paths = Paths(raw=raw.resolve(), processed=PROCESSED, figures=FIGURES)
    paths.processed.mkdir(parents=True, exist_ok=True)
    paths.figures.mkdir(parents=True, exist_ok=True)
    return paths


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a UTF-8 CSV atomically (temporary file, then rename): never a half-written table."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = df.to_csv(index=False, lineterminator="\n", float_format="%.6g")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_table(paths: Paths, name: str) -> pd.DataFrame:
    """Read a table an earlier notebook wrote (``processed/<name>.csv``), with a clear error if absent."""
    path = paths.processed / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run the notebook that writes '{name}.csv' first")
    return pd.read_csv(path, encoding="utf-8", keep_default_na=False, na_values=[""])


# ---------------------------------------------------------------------------
# Load: metadata + texts, validated
# ---------------------------------------------------------------------------
class CorpusError(ValueError):
    """Bad corpus input; the message names the file or metadata row."""


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM allowed), else GB18030; return (text, encoding used).

    GB18030 is a superset of GBK and GB2312.  Bytes that are neither raise a CorpusError
    naming the file: a text is never read as mojibake.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as err:
            raise CorpusError(f"{name}: starts with a UTF-8 BOM but is not valid UTF-8 ({err})") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as err:
        raise CorpusError(f"{name}: neither UTF-8 nor GB18030/GBK; cannot decode ({err})") from None
    if not re.search(r"[\u4e00-\u9fff]", text):
        raise CorpusError(f"{name}: not UTF-8, and as GB18030 it holds no Chinese characters; cannot decode")
    return text, "gb18030"


def read_metadata(corpus_dir: Path) -> pd.DataFrame:
    """Read and validate ``metadata.csv`` (columns, unique ids, integer years)."""
    path = Path(corpus_dir) / "metadata.csv"
    if not path.exists():
        raise CorpusError(f"{path}: metadata.csv is missing")
    text, _ = decode_text(path.read_bytes(), str(path))
    meta = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    missing = [c for c in METADATA_COLUMNS if c not in meta.columns]
    if missing:
        raise CorpusError(f"{path}: missing column(s) {', '.join(missing)}")
    for i, row in meta.iterrows():
        where = f"{path} row {i + 2} (doc_id '{row['doc_id']}')"
        for col in ["doc_id", "file", "year"]:
            if not row[col].strip():
                raise CorpusError(f"{where}: empty {col}")
        if not re.fullmatch(r"-?\d{1,4}", row["year"].strip()):
            raise CorpusError(f"{where}: year '{row['year']}' is not an integer")
    dup = meta["doc_id"][meta["doc_id"].duplicated()]
    if len(dup):
        raise CorpusError(f"{path}: duplicate doc_id {', '.join(sorted(set(dup)))}")
    dupf = meta["file"][meta["file"].duplicated()]
    if len(dupf):
        raise CorpusError(f"{path}: file listed twice: {', '.join(sorted(set(dupf)))}")
    meta["year"] = meta["year"].str.strip().astype(int)
    if not meta["date"].str.strip().astype(bool).all():
        meta.loc[~meta["date"].str.strip().astype(bool), "date"] = meta["year"].astype(str)
    return meta


def load_corpus(corpus_dir: str | os.PathLike = RAW, text_suffix: str = ".txt") -> pd.DataFrame:
    """Load ``metadata.csv`` and every text it lists into one DataFrame, validated.

    Columns: the metadata columns plus ``text``, ``encoding`` (``utf-8``, ``utf-8-sig`` or
    ``gb18030``) and ``chars``.  Raises CorpusError, naming the file or row, for: a listed
    file that is missing, a text file not listed, a duplicate doc_id, a non-integer year, an
    empty or whitespace-only text, an undecodable file, or a sha256 that does not match.
    Files are opened read-only; nothing is written.
    """
    corpus_dir = Path(corpus_dir)
    meta = read_metadata(corpus_dir)
    listed = set(meta["file"])
    unlisted = sorted(p.name for p in corpus_dir.glob(f"*{text_suffix}") if p.name not in listed)
    if unlisted:
        raise CorpusError(f"{corpus_dir}: file(s) not listed in metadata.csv: {', '.join(unlisted)}")
    texts, encodings = [], []
    for i, row in meta.iterrows():
        path = corpus_dir / row["file"]
        where = f"metadata.csv row {i + 2} (doc_id '{row['doc_id']}')"
        if not path.is_file():
            raise CorpusError(f"{where}: file {path} is missing")
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if row["sha256"].strip() and row["sha256"].strip().lower() != digest:
            raise CorpusError(f"{path}: sha256 {digest} does not match metadata.csv "
                              f"({row['sha256'].strip()}); the file changed since it was catalogued")
        text, enc = decode_text(data, str(path))
        if not text.strip():
            raise CorpusError(f"{path}: the text is empty or whitespace only")
        texts.append(text)
        encodings.append(enc)
    meta["text"] = texts
    meta["encoding"] = encodings
    meta["chars"] = [len(re.sub(r"\s", "", t)) for t in texts]
    return meta.sort_values(["year", "date", "doc_id"], kind="stable").reset_index(drop=True)


def read_lexicon_csv(path: str | os.PathLike, required: list[str], term_column: str = "term") -> pd.DataFrame:
    """Read a research-decision CSV under ``data/`` whose header lines start with ``#``.

    Validates that the ``required`` columns exist and that no ``term_column`` cell is empty;
    errors name the file and the line number.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: lexicon file is missing")
    lines = path.read_text(encoding="utf-8").splitlines()
    skip = 0
    while skip < len(lines) and (lines[skip].startswith("#") or not lines[skip].strip()):
        skip += 1
    body = "\n".join(lines[skip:])
    try:
        df = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)
    except pd.errors.ParserError as err:
        raise CorpusError(f"{path}: malformed CSV after line {skip} ({err})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise CorpusError(f"{path}: missing column(s) {', '.join(missing)}")
    if term_column in df.columns:
        for i, term in enumerate(df[term_column]):
            if not term.strip():
                raise CorpusError(f"{path} line {skip + i + 2}: empty {term_column}")
        df[term_column] = df[term_column].str.strip()
    return df


def body_chars(paragraphs: pd.DataFrame, by: str | list[str] = "doc_id") -> pd.Series:
    """The denominator of every rate: non-whitespace characters of clean body paragraphs, per group."""
    body = paragraphs[paragraphs["kind"] == "body"]
    n = body["text"].map(lambda t: len(re.sub(r"\s", "", t)))
    return n.groupby([body[c] for c in ([by] if isinstance(by, str) else by)]).sum()


def missing_years(years: pd.Series | list[int]) -> list[int]:
    """Years between the first and last year of the corpus that have no document (shown as gaps)."""
    years = sorted(set(int(y) for y in years))
    return [y for y in range(years[0], years[-1] + 1) if y not in years] if years else []


def genre_spans(documents: pd.DataFrame) -> pd.DataFrame:
    """Per genre: number of documents, years covered, and whether a year comparison within it is possible."""
    g = documents.groupby("genre", sort=True)["year"]
    out = pd.DataFrame({"documents": g.size(), "first_year": g.min(), "last_year": g.max(),
                        "years": g.nunique()}).reset_index()
    out["spans_several_years"] = out["years"] > 1
    return out


def date_bounds(date: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Earliest and latest day a partial ISO date can mean: '2019' -> (2019-01-01, 2019-12-31)."""
    date = str(date).strip()
    parts = date.split("-")
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date):
        raise ValueError(f"date '{date}' is not YYYY, YYYY-MM or YYYY-MM-DD")
    if len(parts) == 1:
        return pd.Timestamp(f"{date}-01-01"), pd.Timestamp(f"{date}-12-31")
    if len(parts) == 2:
        start = pd.Timestamp(f"{date}-01")
        return start, start + pd.offsets.MonthEnd(0)
    return pd.Timestamp(date), pd.Timestamp(date)


# ---------------------------------------------------------------------------
# Clean (notebook 01)
# ---------------------------------------------------------------------------
# CLEAN-SECTION-START
# CLEAN-SECTION-END


# ---------------------------------------------------------------------------
# Segment (notebook 02)
# ---------------------------------------------------------------------------
# SEGMENT-SECTION-START
# SEGMENT-SECTION-END


# ---------------------------------------------------------------------------
# Count: rhetoric (notebook 03)
# ---------------------------------------------------------------------------
# COUNT-SECTION-START
# COUNT-SECTION-END


# ---------------------------------------------------------------------------
# Compare: priorities, keyness, adoption (notebooks 04, 05)
# ---------------------------------------------------------------------------
# COMPARE-SECTION-START
# COMPARE-SECTION-END


# ---------------------------------------------------------------------------
# Plot: one style, one way to save a figure
# ---------------------------------------------------------------------------
FONT_NAME = "Noto Sans CJK SC"


def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font (SIL OFL 1.1) shipped by the pip package ``mplfonts``."""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: reinstall requirements.txt (package mplfonts)")
    return path


def setup_style() -> None:
    """Register the CJK font with matplotlib and set the project's figure style.

    Call once at the top of a notebook.  Fallback only works between entries of
    ``font.family``, so Noto comes first and DejaVu Sans second.  A missing glyph
    becomes an error, not a silent box.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(cjk_font_path()))
    mpl.rcParams.update({
        "font.family": [FONT_NAME, "DejaVu Sans"],
        "axes.unicode_minus": False,   # the CJK font has no U+2212; use '-'
        "pdf.fonttype": 3,             # Type 42 mislabels this CFF font (see README)
        "svg.hashsalt": "weidong",
        "figure.dpi": 100,
        "savefig.dpi": 300,
        "savefig.bbox": "tight",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "legend.fontsize": 9,
        "legend.frameon": False,
    })
    warnings.filterwarnings("error", message=r".*[Gg]lyph.*missing from.*")


def save_figure(fig, name: str, paths: Paths) -> list[Path]:
    """Save ``fig`` as ``<figures>/<name>.png`` (300 dpi) and ``.pdf`` (fonts embedded), byte-stable.

    ``name`` starts with the notebook number, e.g. ``"00_length_by_year"``.  Each file is written
    to a temporary name and renamed.  PDF metadata carries no creation date, so re-runs are
    byte-identical.
    """
    if not re.fullmatch(r"\d\d_[a-z0-9_]+", name):
        raise ValueError(f"figure name '{name}' should look like 'NN_what_it_shows'")
    written = []
    for ext, meta in [("png", {"Software": None}), ("pdf", {"CreationDate": None, "Producer": None})]:
        path = paths.figures / f"{name}.{ext}"
        fd, tmp = tempfile.mkstemp(dir=paths.figures, prefix=f".{name}.", suffix=f".{ext}")
        os.close(fd)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("error", message=r".*[Gg]lyph.*missing from.*")
                fig.savefig(tmp, format=ext, metadata=meta)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(path)
    return written


def colophon() -> pd.DataFrame:
    """Package versions and the git commit, for the closing cell of every notebook."""
    import subprocess
    from importlib.metadata import version

    rows = [("python", ".".join(map(str, __import__("sys").version_info[:3])))]
    for pkg in ["pandas", "numpy", "matplotlib", "jieba", "rjieba", "wordcloud", "mplfonts"]:
        try:
            rows.append((pkg, version(pkg)))
        except Exception:  # a package not installed is reported, not fatal
            rows.append((pkg, "not installed"))
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except Exception:
        commit = "unknown (not a git checkout)"
    rows.append(("git commit", commit))
    return pd.DataFrame(rows, columns=["component", "version"])
