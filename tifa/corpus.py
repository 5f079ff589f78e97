"""The corpus: metadata and texts loaded and validated (notebook 00), and the facts about documents
that every later stage needs: body characters (the one denominator), years without a text, genres
and their spans, partial dates as day intervals, and the comparisons (whole corpus, within genre).
"""
from __future__ import annotations

import functools
import hashlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .config import LEXICON, RAW
from .files import CorpusError, read_lexicon_csv

METADATA_COLUMNS = ["doc_id", "file", "year", "date", "genre", "title", "sha256"]
# The optional ``layout`` column of metadata.csv names the cleaning profile of each text (notebook 01;
# the profiles' steps are data in data/lexicon/cleaning_profiles.csv).  Where the column is absent or the
# cell empty, the text is a printed page: the rules the project was built and tested on, so a corpus
# catalogued before layouts existed is cleaned exactly as before.
LAYOUTS = ("newspaper_page", "clean_text")
DEFAULT_LAYOUT = "newspaper_page"


# Script: a text in traditional characters is converted to simplified for segmentation and matching (notebook 01,
# logged per span in the audit); the raw text is never changed.  The rule is data: data/lexicon/script_settings.csv.
SCRIPT_SETTINGS_FILE = "script_settings.csv"
SCRIPTS = ("simplified", "traditional")
_CHINESE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


@dataclass(frozen=True)
class ScriptSettings:
    """How a text's script is detected and converted (from ``script_settings.csv``)."""

    converter: str = "t2s"              # OpenCC configuration, traditional -> simplified
    traditional_min_share: float = 0.1  # t2s_share at or above which a text is traditional
    min_chinese_chars: int = 20         # fewer Chinese characters: never traditional


def load_script_settings(lexicon_dir: str | os.PathLike = LEXICON) -> ScriptSettings:
    """Read and validate ``script_settings.csv`` (setting, value); errors name the file and the setting."""
    path = Path(lexicon_dir) / SCRIPT_SETTINGS_FILE
    df = read_lexicon_csv(path, ["setting", "value"], term_column="setting")
    values = dict(zip(df["setting"], df["value"].str.strip()))
    missing = [k for k in ("converter", "traditional_min_share", "min_chinese_chars") if k not in values]
    if missing:
        raise CorpusError(f"{path}: missing setting(s) {', '.join(missing)}")
    try:
        share = float(values["traditional_min_share"])
        min_chars = int(values["min_chinese_chars"])
    except ValueError as err:
        raise CorpusError(f"{path}: traditional_min_share must be a number and min_chinese_chars an integer ({err})") from None
    if not 0 < share <= 1 or min_chars < 0:
        raise CorpusError(f"{path}: traditional_min_share must be in (0, 1] and min_chinese_chars >= 0")
    try:
        to_simplified("經濟", values["converter"])
    except Exception as err:  # OpenCC raises its own error types for an unknown configuration
        raise CorpusError(f"{path}: converter '{values['converter']}' is not an OpenCC configuration ({err})") from None
    return ScriptSettings(values["converter"], share, min_chars)


@functools.lru_cache(maxsize=8)
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str, converter: str = "t2s") -> str:
    """``text`` converted by OpenCC's ``converter`` configuration (default t2s: traditional -> simplified)."""
    return _opencc(converter).convert(text)


def changed_characters(text: str, converted: str) -> int:
    """Characters of ``text`` that differ in ``converted`` (position by position if the lengths agree,
    else by a character diff)."""
    if len(text) == len(converted):
        return sum(a != b for a, b in zip(text, converted))
    import difflib

    ops = difflib.SequenceMatcher(None, text, converted, autojunk=False).get_opcodes()
    return sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag != "equal")


def detect_script(text: str, settings: ScriptSettings = ScriptSettings()) -> dict:
    """Script of a text: ``script`` (simplified / traditional), ``t2s_share`` (Chinese characters the
    converter changes / Chinese characters, rounded to 4 places) and ``converted`` (characters that will be
    converted: the changed ones if traditional, else 0)."""
    chinese = len(_CHINESE.findall(text))
    changed = changed_characters(text, to_simplified(text, settings.converter)) if chinese else 0
    share = changed / chinese if chinese else 0.0
    traditional = chinese >= settings.min_chinese_chars and share >= settings.traditional_min_share
    return {"script": SCRIPTS[traditional], "t2s_share": round(share, 4), "converted": changed if traditional else 0}


def _decode_text(data: bytes, name: str) -> tuple[str, str]:
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
    """Read and validate ``metadata.csv`` (columns, unique ids, integer years, known layouts).

    ``layout`` is the cleaning profile (one of ``LAYOUTS``; ``DEFAULT_LAYOUT`` where the column is absent
    or the cell empty) and ``layout_given`` says whether metadata.csv named it.
    """
    path = Path(corpus_dir) / "metadata.csv"
    if not path.exists():
        raise CorpusError(f"{path}: metadata.csv is missing")
    text, _ = _decode_text(path.read_bytes(), str(path))
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
    meta["layout_given"] = meta["layout"].str.strip().astype(bool) if "layout" in meta.columns else False
    meta["layout"] = meta["layout"].str.strip().replace("", DEFAULT_LAYOUT) if "layout" in meta.columns \
        else DEFAULT_LAYOUT
    for i, row in meta.iterrows():
        if row["layout"] not in LAYOUTS:
            raise CorpusError(f"{path} row {i + 2} (doc_id '{row['doc_id']}'): layout '{row['layout']}' is not one "
                              f"of {', '.join(LAYOUTS)} (leave it empty for {DEFAULT_LAYOUT})")
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


def load_corpus(corpus_dir: str | os.PathLike = RAW, text_suffix: str = ".txt",
                lexicon_dir: str | os.PathLike = LEXICON) -> pd.DataFrame:
    """Load ``metadata.csv`` and every text it lists into one DataFrame, validated.

    Columns: the metadata columns plus ``layout`` and ``layout_given`` (see ``read_metadata``),
    ``text``, ``encoding`` (``utf-8``, ``utf-8-sig`` or ``gb18030``), ``chars``, and the script of each
    text (``detect_script`` with ``script_settings.csv`` of ``lexicon_dir``): ``script``, ``t2s_share``,
    ``converted``.  Raises
    CorpusError, naming the file or row, for: a listed file that is missing, a text file not
    listed, a duplicate doc_id, a non-integer year, an unknown layout, an empty or whitespace-only
    text, an undecodable file, or a sha256 that does not match.
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
        text, enc = _decode_text(data, str(path))
        if not text.strip():
            raise CorpusError(f"{path}: the text is empty or whitespace only")
        texts.append(text)
        encodings.append(enc)
    meta["text"] = texts
    meta["encoding"] = encodings
    meta["chars"] = [len(re.sub(r"\s", "", t)) for t in texts]
    settings = load_script_settings(lexicon_dir)
    scripts = pd.DataFrame([detect_script(t, settings) for t in texts], columns=["script", "t2s_share", "converted"])
    for col in scripts.columns:
        meta[col] = scripts[col].to_numpy()
    return meta.sort_values(["year", "date", "doc_id"], kind="stable").reset_index(drop=True)


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


ALL_GENRES = "all genres"        # label of the whole-corpus comparison


def comparison_groups(documents: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """The comparisons every result is shown for: the whole corpus, then each genre spanning >1 year.

    Returns (label, doc_ids): (ALL_GENRES, all documents), then ('<genre> only', its documents) for every
    genre of ``genre_spans`` with documents in more than one year.  A corpus of one genre gets no
    second comparison (the whole corpus already is within one genre).
    """
    groups = [(ALL_GENRES, sorted(documents["doc_id"]))]
    spans = genre_spans(documents)
    if len(spans) > 1:
        for genre in spans.loc[spans["spans_several_years"], "genre"]:
            groups.append((f"{genre} only", sorted(documents.loc[documents["genre"] == genre, "doc_id"])))
    return groups


def year_axis(documents: pd.DataFrame) -> list[int]:
    """Every year from the first to the last document year (missing years included, as gaps)."""
    return list(range(int(documents["year"].min()), int(documents["year"].max()) + 1))


def whole_months(start: pd.Timestamp, end: pd.Timestamp, rounding: str = "floor") -> int:
    """Whole calendar months from ``start`` to ``end`` (negative if ``end`` is earlier).

    ``floor``: the largest n with start + n months <= end; ``ceil``: the smallest n with
    start + n months >= end.  "start + n months" is pandas' DateOffset (a day past the month's end
    is clipped: 31 Jan + 1 month = 28/29 Feb).  2018-01-18 -> 2018-03-17 is 1 (floor) or 2 (ceil).
    """
    if rounding not in ("floor", "ceil"):
        raise ValueError(f"rounding must be 'floor' or 'ceil', got {rounding!r}")
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    n = (end.year - start.year) * 12 + end.month - start.month
    if rounding == "floor":
        while start + pd.DateOffset(months=n) > end:
            n -= 1
        while start + pd.DateOffset(months=n + 1) <= end:
            n += 1
    else:
        while start + pd.DateOffset(months=n) < end:
            n += 1
        while start + pd.DateOffset(months=n - 1) >= end:
            n -= 1
    return n


def document_date_bounds(documents: pd.DataFrame) -> pd.DataFrame:
    """doc_id, year, date, genre plus ``date_lo``/``date_hi`` (h.date_bounds), in date order.

    Sorted by (date_lo, date_hi, doc_id).  A date that is not YYYY, YYYY-MM or YYYY-MM-DD raises a
    CorpusError naming the doc_id.
    """
    missing = [c for c in ["doc_id", "year", "date"] if c not in documents.columns]
    if missing:
        raise CorpusError(f"documents table: missing column(s) {', '.join(missing)}")
    out = documents[[c for c in ["doc_id", "year", "date", "genre"] if c in documents.columns]].copy()
    out["date"] = out["date"].astype(str).str.strip()
    lo, hi = [], []
    for doc_id, date in zip(out["doc_id"], out["date"]):
        try:
            a, b = date_bounds(date)
        except ValueError as err:
            raise CorpusError(f"documents table, doc_id '{doc_id}': {err}") from None
        lo.append(a)
        hi.append(b)
    out["date_lo"], out["date_hi"] = lo, hi
    return out.sort_values(["date_lo", "date_hi", "doc_id"], kind="stable").reset_index(drop=True)
