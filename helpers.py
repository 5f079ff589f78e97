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


def project_paths(corpus_dir: str | os.PathLike = "", out_dir: str | os.PathLike = "",
                  lexicon_dir: str | os.PathLike = "") -> Paths:
    """Resolve a notebook's parameters into paths.

    ``corpus_dir`` is a folder with the texts and a ``metadata.csv`` ("" = ``data/raw``).
    ``out_dir`` "" writes to the committed ``data/processed`` and ``figures``; any other
    folder receives ``processed/`` and ``figures/`` below it, leaving committed outputs alone.
    ``lexicon_dir`` is a folder with the same files as ``data/lexicon`` ("" = ``data/lexicon``):
    the lexicons, codebooks and settings a study of other texts adapts.
    Relative paths are taken from the project root, so a notebook's working folder does not matter.
    """
    raw = (ROOT / corpus_dir) if corpus_dir else RAW
    lexicon = (ROOT / lexicon_dir).resolve() if lexicon_dir else LEXICON
    if not lexicon.is_dir():
        raise FileNotFoundError(f"lexicon folder {lexicon} does not exist (parameter lexicon_dir)")
    if out_dir:
        out = ROOT / out_dir
        paths = Paths(raw=raw.resolve(), processed=(out / "processed").resolve(),
                      figures=(out / "figures").resolve(), lexicon=lexicon)
    else:
        paths = Paths(raw=raw.resolve(), processed=PROCESSED, figures=FIGURES, lexicon=lexicon)
    paths.processed.mkdir(parents=True, exist_ok=True)
    paths.figures.mkdir(parents=True, exist_ok=True)
    return paths


def _publish(tmp: str, path: Path) -> None:
    """Give a finished temporary file the usual permissions (mkstemp makes it 0600) and rename it."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a UTF-8 CSV atomically (temporary file, then rename): never a half-written table."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = df.to_csv(index=False, lineterminator="\n", float_format="%.6g")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        _publish(tmp, path)
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
# Cleaning turns each raw text into kept paragraphs (body / headline) and an audit of every
# action.  The rules (thresholds, patterns) are read from data/lexicon/cleaning_rules.csv.
# "Accounted for" (see account_for_characters): every non-whitespace character of a raw text is
# either in a kept paragraph (after undoing the logged normalisations) or in an audit row whose
# action drops text (drop, dedupe).  Whitespace is layout: it carries no words and is not counted.
CLEANING_RULES_FILE = "cleaning_rules.csv"
DROP_ACTIONS = ("drop", "dedupe")
PARAGRAPH_COLUMNS = ["doc_id", "year", "para_id", "kind", "line_start", "line_end", "text", "role"]
SENTENCE_COLUMNS = ["doc_id", "year", "para_id", "sent_id", "text"]
AUDIT_COLUMNS = ["doc_id", "line_start", "line_end", "action", "reason", "text", "result",
                 "para_id", "offset", "scope"]
PROTECTED_PUNCT = "！（），：；？～…"      # Chinese punctuation that NFKC would turn into ASCII: kept
HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_CJK_CONTEXT = re.compile(  # Chinese text: ideographs, CJK and full-width punctuation, curly quotes
    f"[{_CJK}\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65“”‘’—…·]")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_SENTENCE_PUNCT = re.compile(r"[。！？；!?;]")
_CLAUSE_COMMA = re.compile(r"[，,]")


@dataclass(frozen=True)
class CleaningRules:
    """Thresholds and patterns of the cleaning step (from ``cleaning_rules.csv``)."""

    thresholds: dict
    patterns: dict
    sentence_end: str
    closing_quotes: str

    def __getattr__(self, name: str) -> int:
        """Thresholds read as attributes: ``rules.max_headline_chars``."""
        if name.startswith("_") or name == "thresholds":
            raise AttributeError(name)
        try:
            return self.thresholds[name]
        except KeyError:
            raise AttributeError(name) from None

    def match(self, rule: str, text: str) -> re.Match | None:
        """First match of any pattern named ``rule`` (patterns with one name are alternatives)."""
        for pattern in self.patterns.get(rule, []):
            m = pattern.search(text)
            if m:
                return m
        return None


REQUIRED_THRESHOLDS = ["box_gap_lines", "max_headline_chars", "max_label_chars", "max_caption_chars",
                       "max_box_blocks", "min_list_lines", "min_duplicate_chars", "max_orphan_head_chars"]
REQUIRED_PATTERNS = ["byline", "photo_credit", "credits_line", "furniture", "outline_number", "bullet"]


def load_cleaning_rules(lexicon_dir: str | os.PathLike = LEXICON) -> CleaningRules:
    """Read and validate ``cleaning_rules.csv``; errors name the file and the rule."""
    path = Path(lexicon_dir) / CLEANING_RULES_FILE
    df = read_lexicon_csv(path, ["rule", "value", "kind"], term_column="value")
    thresholds, patterns, chars = {}, {}, {}
    for i, row in df.iterrows():
        where = f"{path} rule '{row['rule']}' (data row {i + 1})"
        if row["kind"] == "threshold":
            if not re.fullmatch(r"\d+", row["value"]):
                raise CorpusError(f"{where}: threshold '{row['value']}' is not a non-negative integer")
            thresholds[row["rule"]] = int(row["value"])
        elif row["kind"] == "regex":
            try:
                patterns.setdefault(row["rule"], []).append(re.compile(row["value"]))
            except re.error as err:
                raise CorpusError(f"{where}: bad regular expression ({err})") from None
        elif row["kind"] == "characters":
            chars[row["rule"]] = row["value"]
        else:
            raise CorpusError(f"{where}: kind '{row['kind']}' is not threshold, regex or characters")
    missing = [r for r in REQUIRED_THRESHOLDS if r not in thresholds]
    missing += [r for r in REQUIRED_PATTERNS if r not in patterns]
    missing += [r for r in ["sentence_end", "closing_quotes"] if r not in chars]
    if missing:
        raise CorpusError(f"{path}: missing rule(s) {', '.join(missing)}")
    return CleaningRules(thresholds, patterns, chars["sentence_end"], chars["closing_quotes"])


def nonspace(text: str) -> str:
    """``text`` without whitespace (the characters that conservation counts)."""
    return "".join(c for c in text if not c.isspace())


def raw_lines(text: str) -> list[str]:
    """Lines of a raw text as numbered in the audit (line breaks: \\n, \\r\\n or \\r)."""
    return re.split(r"\r\n|\r|\n", text)


def ends_open(text: str, rules: CleaningRules) -> bool:
    """True if ``text`` stops mid-sentence: its last character is no sentence end, once closing quotes
    and a final bracketed note after a sentence end (……。（完）) are set aside."""
    core = text.rstrip().rstrip(rules.closing_quotes)
    core = re.sub(r"(?<=[" + re.escape(rules.sentence_end + "!?;…") + r"])[（(][^（）()]*[）)]$", "", core)
    core = core.rstrip(rules.closing_quotes)
    return not core or core[-1] not in rules.sentence_end + "!?;…"


def split_sentences(text: str, rules: CleaningRules) -> list[str]:
    """Split a paragraph after each run of 。！？； (with the closing quotes that follow)."""
    end = re.compile(f"[{re.escape(rules.sentence_end)}]+[{re.escape(rules.closing_quotes)}]*")
    out, start = [], 0
    for m in end.finditer(text):
        out.append(text[start:m.end()])
        start = m.end()
    out.append(text[start:])
    return [s.strip() for s in out if s.strip()]


def headline_shaped(text: str, rules: CleaningRules) -> bool:
    """A short line with no sentence punctuation, not a salutation, with its quotes and brackets closed,
    and no clause comma unless it starts with outline numbering (（一）…，…)."""
    core = nonspace(text)
    if not core or len(core) > rules.max_headline_chars or _SENTENCE_PUNCT.search(core):
        return False
    if core[-1] in "：:，,、":
        return False
    if any(core.count(a) != core.count(b) for a, b in ["“”", "‘’", "《》", "（）", "()", "「」"]):
        return False      # a quote or bracket left open: the line is cut, not a head
    return not _CLAUSE_COMMA.search(core) or bool(rules.match("outline_number", core))


# ---- blocks: one per non-blank line ----
@dataclass
class Block:
    """A non-blank line of a raw text, with its layout context and its class."""

    line: int                 # 1-based line number in the raw text
    text: str                 # the line without leading/trailing whitespace
    gap: int                  # blank lines before it (-1 for the first block of the text)
    cls: str = "body"         # body, headline, list, furniture, credits, label, caption, credit
    byline: int = 0           # length of a byline at its start
    box: int = -1             # photo box id, or -1


def split_blocks(text: str) -> list[Block]:
    """Non-blank lines of ``text`` (see ``raw_lines``) with the number of blank lines before each."""
    blocks, blank = [], 0
    for i, line in enumerate(raw_lines(text), start=1):
        if not line.strip():
            blank += 1
            continue
        blocks.append(Block(line=i, text=line.strip(), gap=blank if blocks else -1))
        blank = 0
    return blocks


def classify_line(text: str, rules: CleaningRules) -> str:
    """Class of a line from its own text: furniture, credits, credit, caption, headline or body."""
    core = nonspace(text)
    if len(core) <= rules.max_headline_chars and rules.match("furniture", text):
        return "furniture"
    if len(core) <= rules.max_headline_chars and rules.match("credits_line", text):
        return "credits"
    m = rules.match("photo_credit", text)
    if m and not rules.match("byline", text):
        return "credit" if not text[:m.start()].strip() else "caption"
    if headline_shaped(text, rules):
        return "headline"
    return "body"


def _is_box_gap(block: Block, rules: CleaningRules) -> bool:
    """True if enough blank lines stand before ``block`` to open a layout box (photo frame)."""
    return block.gap >= rules.box_gap_lines


def _caption_like(block: Block, rules: CleaningRules) -> bool:
    """True if ``block`` could be caption text: body-like, no byline, at most ``max_caption_chars``."""
    return (block.cls in ("body", "caption") and not block.byline
            and len(nonspace(block.text)) <= rules.max_caption_chars)


def _orphan_head(text: str, rules: CleaningRules) -> int:
    """Length of a leading sentence short enough to be the cut tail of a sentence (0 if none)."""
    cut = _first_sentence_end(text, rules)
    short = cut and len(nonspace(text[:cut])) <= rules.max_orphan_head_chars
    return cut if short and nonspace(text[cut:]) else 0


def _two_part(text: str) -> bool:
    """True for a head made of phrases separated by spaces (党建引领 激发干事新活力)."""
    return len(text.split()) >= 2


def _mark_lists(blocks: list[Block], rules: CleaningRules) -> None:
    """Runs of ``min_list_lines`` or more headline-shaped lines with no blank line between: lists."""
    i = 0
    while i < len(blocks):
        j = i + 1
        while j < len(blocks) and blocks[j].gap == 0:
            j += 1
        if j - i >= rules.min_list_lines and all(b.cls == "headline" for b in blocks[i:j]):
            for b in blocks[i:j]:
                b.cls = "list"
        i = j


def _mark_credited_boxes(blocks: list[Block], rules: CleaningRules, box: int) -> int:
    """A credit (NAME 摄) closes a photo box: walk back over caption lines to the title or the box gap.

    The lines walked over join the box only if the walk ends at a title or a box gap; otherwise the
    box is the credit line alone (a credit never swallows the paragraph before it).  Returns the
    next free box id.
    """
    for i, b in enumerate(blocks):
        if b.cls not in ("credit", "caption") or b.box >= 0:
            continue
        members, k, closed = [], i, _is_box_gap(b, rules)
        while not closed and k > 0 and len(members) < rules.max_box_blocks:
            prev = blocks[k - 1]
            if prev.box >= 0:
                break
            if prev.cls == "headline" and len(nonspace(prev.text)) <= rules.max_label_chars:
                members.append((prev, "label"))
                closed = True
            elif _caption_like(prev, rules):
                members.append((prev, "caption"))
                closed = _is_box_gap(prev, rules)
            else:
                break
            k -= 1
        b.box = box
        if closed:
            for m, cls in members:
                m.cls, m.box = cls, box
        box += 1
    return box


def _mark_label_boxes(blocks: list[Block], rules: CleaningRules, box: int) -> int:
    """A short headline-shaped line after a box gap is a photo label, unless an article or section
    starts under it (a byline follows, or a two-part head stands over body text).  Short blocks under
    the label are its caption if a head, a box gap or furniture closes them and the first does not
    start with the cut tail of a sentence (running text goes on after a photo).  Returns the next box id.
    """
    for i, b in enumerate(blocks):
        if b.cls != "headline" or i == 0 or b.box >= 0 or not _is_box_gap(b, rules) \
                or len(nonspace(b.text)) > rules.max_label_chars:
            continue
        k = i + 1
        while k < len(blocks) and k - i <= 2 and blocks[k].cls == "headline" and not _is_box_gap(blocks[k], rules):
            k += 1
        nxt = blocks[k] if k < len(blocks) and not _is_box_gap(blocks[k], rules) else None
        if nxt is not None and nxt.cls == "body" and (nxt.byline or (k == i + 1 and _two_part(b.text))):
            continue
        b.cls, b.box = "label", box
        k = i + 1
        while (k < len(blocks) and not _is_box_gap(blocks[k], rules) and blocks[k].box < 0
               and _caption_like(blocks[k], rules) and k - i <= rules.max_box_blocks):
            k += 1
        closed = k < len(blocks) and (_is_box_gap(blocks[k], rules) or blocks[k].cls not in ("body", "caption"))
        if k > i + 1 and closed and not _orphan_head(blocks[i + 1].text, rules):
            for m in blocks[i + 1:k]:
                m.cls, m.box = "caption", box
        box += 1
    return box


def classify_blocks(blocks: list[Block], rules: CleaningRules) -> list[Block]:
    """Classify every block in its layout context; modifies and returns ``blocks``.

    Order: each line by its own text (``classify_line``) and its byline; lists; photo boxes closed by
    a credit; photo boxes opened by a label; any caption or credit left alone is a box of its own.
    """
    for b in blocks:
        b.cls = classify_line(b.text, rules)
        m = rules.match("byline", b.text)
        b.byline = m.end() if m else 0
        if b.byline and b.cls == "headline":
            b.cls = "body"
    _mark_lists(blocks, rules)
    box = _mark_credited_boxes(blocks, rules, 0)
    box = _mark_label_boxes(blocks, rules, box)
    for b in blocks:
        if b.cls in ("caption", "credit") and b.box < 0:
            b.box = box
            box += 1
    return blocks


# ---- normalisation with a log that can be undone ----
def _cluster_spans(text: str):
    """(start, end) of each character with the combining marks that follow it."""
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        yield i, j
        i = j


def _find_script(text: str) -> list[tuple[int, int, str]]:
    """TeX-style sub/superscripts after a letter or digit: PM_{2.5} -> PM2.5."""
    pat = re.compile(r"(?<=[A-Za-z0-9])[_^](?:\{([0-9A-Za-z.+\-]{1,10})\}|([0-9]{1,3}))")
    return [(m.start(), m.end(), m.group(1) or m.group(2)) for m in pat.finditer(text)]


def _find_nfkc(text: str) -> list[tuple[int, int, str]]:
    """Runs of characters that NFKC changes, Chinese punctuation excepted."""
    spans = []
    for s, e in _cluster_spans(text):
        chunk = text[s:e]
        if chunk in PROTECTED_PUNCT or unicodedata.normalize("NFKC", chunk) == chunk:
            continue
        if spans and spans[-1][1] == s:
            spans[-1] = (spans[-1][0], e)
        else:
            spans.append((s, e))
    return [(s, e, unicodedata.normalize("NFKC", text[s:e])) for s, e in spans]


def _find_fullwidth(text: str) -> list[tuple[int, int, str]]:
    """Half-width , ; : ! ? ( ) next to Chinese text -> full-width (not between two digits)."""
    def cjk(i: int) -> bool:
        return 0 <= i < len(text) and bool(_CJK_CONTEXT.match(text[i]))

    spans = {}
    for i, c in enumerate(text):
        if c in ",;:!?":
            between_digits = i > 0 and i + 1 < len(text) and text[i - 1].isdigit() and text[i + 1].isdigit()
            if (cjk(i - 1) or cjk(i + 1)) and not between_digits:
                spans[i] = HALF_TO_FULL[c]
    for m in re.finditer(r"\(([^()]*)\)", text):
        if _CJK_CHAR.search(m.group(1)) or cjk(m.start() - 1) or cjk(m.end()):
            spans[m.start()] = "（"
            spans[m.end() - 1] = "）"
    return [(i, i + 1, r) for i, r in sorted(spans.items())]


def _find_number_space(text: str) -> list[tuple[int, int, str]]:
    """Whitespace between a number (or a code with a digit, e.g. PM2.5) and Chinese text or %: removed."""
    token = set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.%+-")
    spans = []
    for m in re.finditer(r"\s+", text):
        s, e = m.start(), m.end()
        ls = s
        while ls > 0 and text[ls - 1] in token:
            ls -= 1
        re_ = e
        while re_ < len(text) and text[re_] in token:
            re_ += 1
        lnum = any(c.isdigit() for c in text[ls:s])
        rnum = any(c.isdigit() for c in text[e:re_])
        before, after = text[s - 1] if s else "", text[e] if e < len(text) else ""
        if (lnum and after and _CJK_CONTEXT.match(after)) or (rnum and before and _CJK_CONTEXT.match(before)) \
                or (before.isdigit() and after and after in "%‰"):
            spans.append((s, e, ""))
    return spans


def _find_whitespace(text: str) -> list[tuple[int, int, str]]:
    """Any other run of whitespace -> one space."""
    return [(m.start(), m.end(), " ") for m in re.finditer(r"\s+", text) if m.group() != " "]


NORMALISERS = [("script", _find_script), ("nfkc", _find_nfkc), ("fullwidth_punct", _find_fullwidth),
               ("number_space", _find_number_space), ("whitespace", _find_whitespace)]


def normalise(text: str) -> tuple[str, list[dict]]:
    """Apply the normalisation rules in order; return the text and one edit per changed span.

    Each edit: ``original`` (raw text), ``result`` (its replacement), ``offset`` (where ``result``
    starts in the returned text), ``orig_offset`` (where ``original`` starts in ``text``) and
    ``reason`` (rule names joined by '+').  Replacing every ``result`` by its ``original``
    (right to left) gives back ``text`` exactly: see ``denormalise``.
    """
    cells = [[c, c, ()] for c in text]          # [original, current, reasons]
    for reason, finder in NORMALISERS:
        cur = "".join(c[1] for c in cells)
        spans = finder(cur)
        if not spans:
            continue
        starts, pos = [], 0
        for c in cells:
            starts.append(pos)
            pos += len(c[1])
        out, ci = [], 0
        for s, e, r in spans:
            while ci < len(cells) and starts[ci] + len(cells[ci][1]) <= s:
                out.append(cells[ci])
                ci += 1
            first = ci
            while ci < len(cells) and starts[ci] < e:
                ci += 1
            merged = cells[first:ci]
            if not merged:
                continue
            head = cur[starts[first]:s]
            tail = cur[e:starts[ci - 1] + len(cells[ci - 1][1])]
            reasons = tuple(dict.fromkeys(sum((m[2] for m in merged), ()) + (reason,)))
            out.append(["".join(m[0] for m in merged), head + r + tail, reasons])
        out.extend(cells[ci:])
        cells = out
    edits, pos, opos = [], 0, 0
    for orig, new, reasons in cells:
        if orig != new:
            edits.append({"original": orig, "result": new, "offset": pos, "orig_offset": opos,
                          "reason": "+".join(reasons)})
        pos += len(new)
        opos += len(orig)
    return "".join(c[1] for c in cells), edits


def denormalise(text: str, edits: list[tuple[int, str, str]]) -> str:
    """Undo normalisations: ``edits`` are (offset, result, original); raises if one does not fit."""
    for offset, result, original in sorted(edits, reverse=True):
        if text[offset:offset + len(result)] != result:
            raise ValueError(f"normalisation log does not fit the text at offset {offset}: "
                             f"expected {result!r}, found {text[offset:offset + len(result)]!r}")
        text = text[:offset] + original + text[offset + len(result):]
    return text


# ---- one document ----
DROP_REASONS = {"label": "photo_label", "caption": "photo_caption", "credit": "photo_credit",
                "credits": "credits", "furniture": "furniture"}


def _first_sentence_end(text: str, rules: CleaningRules) -> int:
    m = re.search(f"[{re.escape(rules.sentence_end)}]+[{re.escape(rules.closing_quotes)}]*", text)
    return m.end() if m else 0


def _last_sentence_end(text: str, rules: CleaningRules) -> int:
    ends = list(re.finditer(f"[{re.escape(rules.sentence_end)}]+[{re.escape(rules.closing_quotes)}]*", text))
    return ends[-1].end() if ends else 0


def _body_paragraph(blocks: list[Block], i: int, rules: CleaningRules, consumed: set[int], log) -> dict:
    """Build the body paragraph that starts at block ``i``: byline or leading fragment cut, breaks
    re-joined (across a photo box too), unfinished last sentence cut.  ``log`` records audit rows;
    blocks joined in are added to ``consumed``."""
    b = blocks[i]
    para = {"kind": "body", "role": "body", "line_start": b.line, "line_end": b.line,
            "segs": [(0, b.line)], "dedupe": None}
    raw, orphan = b.text, False
    if b.byline:
        log("drop", "byline", b.line, b.line, raw[:b.byline], "prefix", para)
        raw = raw[b.byline:]
    elif i > 0 and blocks[i - 1].box >= 0:
        cut = _orphan_head(raw, rules)
        if cut:   # text resuming after a photo box with the cut tail of a sentence printed elsewhere
            log("drop", "fragment_start", b.line, b.line, raw[:cut], "prefix", para)
            raw, orphan = raw[cut:], True
    cur = i
    while ends_open(raw, rules) and not orphan:
        k = cur + 1
        while k < len(blocks) and blocks[k].box >= 0:
            k += 1
        if k >= len(blocks) or blocks[k].cls != "body" or blocks[k].byline or k in consumed:
            break
        nxt = blocks[k]
        reason = "photo_interruption" if k > cur + 1 else "column_break"
        log("join", reason, blocks[cur].line, nxt.line, f"{raw[-12:]} | {nxt.text[:12]}", "join", para,
            result=raw[-12:] + nxt.text[:12])
        para["segs"].append((len(raw), nxt.line))
        raw += nxt.text
        consumed.add(k)
        para["line_end"], cur = nxt.line, k
    if ends_open(raw, rules):
        cut = _last_sentence_end(raw, rules)
        if nonspace(raw[cut:]):
            line = [ln for off, ln in para["segs"] if off <= cut][-1]
            log("drop", "fragment_end", line, para["line_end"], raw[cut:], "suffix", para)
            raw = raw[:cut]
    para["raw"] = raw
    return para


def _mark_duplicates(paras: list[dict], rules: CleaningRules) -> None:
    """Set ``dedupe`` (the first copy) on a body paragraph printed again in the same text, and on a
    repeated headline right before it; a repeated headline over new text stays."""
    seen_body: dict[str, dict] = {}
    seen_head: dict[str, dict] = {}
    for j, p in enumerate(paras):
        key = nonspace(p["text"])
        if p["kind"] == "headline":
            seen_head.setdefault(key, p)
        elif len(key) >= rules.min_duplicate_chars and key not in seen_body:
            seen_body[key] = p
        elif len(key) >= rules.min_duplicate_chars:
            p["dedupe"] = seen_body[key]
            prev = paras[j - 1] if j else None
            if prev is not None and prev["role"] == "headline":
                first = seen_head.get(nonspace(prev["text"]))
                if first is not None and first is not prev:
                    prev["dedupe"] = first


def clean_document(text: str, rules: CleaningRules) -> tuple[list[dict], list[dict]]:
    """Clean one raw text; return (paragraphs, audit) as lists of dicts, in text order.

    Paragraph dicts: para_id, kind, role, line_start, line_end, text, raw (before normalisation).
    Audit dicts: the AUDIT_COLUMNS except doc_id.  Steps: classify every line in its layout context
    (``classify_blocks``); drop photo boxes, credits and furniture (a run of blocks dropped alike is
    one row); build body paragraphs (``_body_paragraph``); cut a list bullet from a headline;
    normalise (``normalise``); drop duplicates (``_mark_duplicates``); number what is kept.
    """
    blocks = classify_blocks(split_blocks(text), rules)
    audit: list[dict] = []
    paras: list[dict] = []

    def log(action, reason, line_start, line_end, txt, scope="lines", para=None, result=""):
        row = {"line_start": line_start, "line_end": line_end, "action": action, "reason": reason,
               "text": txt, "result": result, "para_id": None, "offset": None, "scope": scope, "_para": para}
        audit.append(row)
        return row

    consumed: set[int] = set()
    last_drop: tuple[int, dict] | None = None
    for i, b in enumerate(blocks):
        if i in consumed:
            continue
        if b.cls in DROP_REASONS:
            reason = DROP_REASONS[b.cls]
            if last_drop and last_drop[0] == i - 1 and last_drop[1]["reason"] == reason \
                    and blocks[i - 1].box == b.box:
                last_drop[1]["line_end"] = b.line
                last_drop[1]["text"] += "\n" + b.text
                last_drop = (i, last_drop[1])
            else:
                last_drop = (i, log("drop", reason, b.line, b.line, b.text))
        elif b.cls in ("headline", "list"):
            para = {"kind": "headline", "role": "headline" if b.cls == "headline" else "list_item",
                    "line_start": b.line, "line_end": b.line, "segs": [(0, b.line)], "dedupe": None,
                    "raw": b.text}
            m = rules.match("bullet", b.text)
            if m and m.end() and b.text[m.end():].strip():
                log("drop", "bullet", b.line, b.line, b.text[:m.end()], "prefix", para)
                para["raw"] = b.text[m.end():]
            paras.append(para)
        else:
            paras.append(_body_paragraph(blocks, i, rules, consumed, log))

    kept = [p for p in paras if nonspace(p["raw"])]
    for p in kept:
        p["text"], p["edits"] = normalise(p["raw"])
    _mark_duplicates(kept, rules)
    out = []
    for p in kept:
        if p["dedupe"] is not None:
            first = p["dedupe"]
            log("dedupe", "duplicate", p["line_start"], p["line_end"], p["raw"],
                result=f"same as lines {first['line_start']}-{first['line_end']}")
            for row in audit:
                if row["_para"] is p:
                    row["_para"] = None
            continue
        p["para_id"] = len(out) + 1
        out.append(p)
    for p in out:
        for e in p["edits"]:
            first_line = [ln for off, ln in p["segs"] if off <= e["orig_offset"]][-1]
            end = e["orig_offset"] + max(len(e["original"]) - 1, 0)
            last_line = [ln for off, ln in p["segs"] if off <= end][-1]
            row = log("normalise", e["reason"], first_line, last_line, e["original"], "inline", p, e["result"])
            row["offset"] = e["offset"]
    for row in audit:
        para = row.pop("_para")
        row["para_id"] = para.get("para_id") if para is not None else None
    audit.sort(key=lambda r: (r["line_start"], r["line_end"]))
    paragraphs = [{k: p[k] for k in ("para_id", "kind", "role", "line_start", "line_end", "text", "raw")}
                  for p in out]
    return paragraphs, audit


def clean_corpus(corpus: pd.DataFrame, rules: CleaningRules | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Clean every text of ``corpus`` (``load_corpus`` output); return (paragraphs, sentences, audit).

    paragraphs: PARAGRAPH_COLUMNS (kind body/headline; role body, headline or list_item).
    sentences: SENTENCE_COLUMNS, body paragraphs only; para_id and sent_id count from 1 per document.
    audit: AUDIT_COLUMNS, one row per action (drop, join, dedupe, normalise) with the original text.
    """
    rules = rules or load_cleaning_rules()
    missing = [c for c in ["doc_id", "year", "text"] if c not in corpus.columns]
    if missing:
        raise CorpusError(f"corpus table lacks column(s) {', '.join(missing)}")
    p_rows, s_rows, a_rows = [], [], []
    for _, doc in corpus.iterrows():
        paras, audit = clean_document(doc["text"], rules)
        sent_id = 0
        for p in paras:
            p_rows.append({"doc_id": doc["doc_id"], "year": doc["year"],
                           **{k: p[k] for k in PARAGRAPH_COLUMNS[2:]}})
            if p["kind"] != "body":
                continue
            for s in split_sentences(p["text"], rules):
                sent_id += 1
                s_rows.append({"doc_id": doc["doc_id"], "year": doc["year"], "para_id": p["para_id"],
                               "sent_id": sent_id, "text": s})
        a_rows += [{"doc_id": doc["doc_id"], **row} for row in audit]
    paragraphs = pd.DataFrame(p_rows, columns=PARAGRAPH_COLUMNS)
    sentences = pd.DataFrame(s_rows, columns=SENTENCE_COLUMNS)
    audit = pd.DataFrame(a_rows, columns=AUDIT_COLUMNS)
    audit["para_id"] = audit["para_id"].astype("Int64")
    audit["offset"] = audit["offset"].astype("Int64")
    return paragraphs, sentences, audit


def account_for_characters(corpus: pd.DataFrame, paragraphs: pd.DataFrame, audit: pd.DataFrame) -> pd.DataFrame:
    """Prove that cleaning lost nothing: one row per document, ``balanced`` True if all checks pass.

    A non-whitespace character of a raw text is *accounted for* if it is in a kept paragraph once
    the logged normalisations are undone (audit rows action=normalise give para_id, offset, result
    and the original text) or in the text of an audit row whose action drops text (drop, dedupe).
    Whitespace (blank lines, line breaks, spaces) is layout and is counted apart.  Three checks:
    ``unaccounted`` = characters missing or extra when the raw counts are compared with kept +
    dropped (must be 0); ``lines_uncovered`` = non-blank raw lines that no paragraph or dropping
    audit row spans (0); ``order_mismatches`` = kept paragraphs whose restored text is not their raw
    lines in order, less the dropped lines, prefixes and suffixes logged for them (0).
    Works on the tables in memory or as read back from CSV (empty strings read as missing).
    Columns: doc_id, raw_chars, whitespace, kept, dropped, dropped_<reason>..., the three checks, balanced.
    """
    from collections import Counter

    audit = audit.assign(text=audit["text"].fillna(""), result=audit["result"].fillna(""))
    drops = audit[audit["action"].isin(DROP_ACTIONS)]
    edits: dict[tuple, list] = {}
    for r in audit[audit["action"] == "normalise"].itertuples(index=False):
        edits.setdefault((r.doc_id, int(r.para_id)), []).append((int(r.offset), r.result, r.text))
    drops_by_doc = {d: g for d, g in drops.groupby("doc_id", sort=False)}
    paras_by_doc = {d: g for d, g in paragraphs.groupby("doc_id", sort=False)}
    empty_drops, empty_paras = drops.iloc[:0], paragraphs.iloc[:0]
    rows = []
    for doc_id, raw in zip(corpus["doc_id"], corpus["text"]):
        lines = raw_lines(raw)
        paras = paras_by_doc.get(doc_id, empty_paras)
        d_drops = drops_by_doc.get(doc_id, empty_drops)
        restored = {int(p.para_id): denormalise(p.text, edits.get((doc_id, int(p.para_id)), []))
                    for p in paras.itertuples(index=False)}
        kept = Counter(nonspace("".join(restored.values())))
        dropped = Counter(nonspace("".join(d_drops["text"])))
        want = Counter(nonspace(raw))
        unaccounted = sum(((kept + dropped) - want).values()) + sum((want - (kept + dropped)).values())
        covered = set()
        for a, b in list(zip(paras["line_start"], paras["line_end"])) + list(zip(d_drops["line_start"],
                                                                                 d_drops["line_end"])):
            covered.update(range(int(a), int(b) + 1))
        uncovered = [i for i, ln in enumerate(lines, 1) if ln.strip() and i not in covered]
        whole = [(int(a), int(b)) for a, b, sc in zip(d_drops["line_start"], d_drops["line_end"], d_drops["scope"])
                 if sc == "lines"]
        pieces: dict[int, list] = {}
        for r in d_drops.itertuples(index=False):
            if r.scope in ("prefix", "suffix") and pd.notna(r.para_id):
                pieces.setdefault(int(r.para_id), []).append((r.scope, nonspace(r.text)))
        mismatches = 0
        for p in paras.itertuples(index=False):
            a, b = int(p.line_start), int(p.line_end)
            inside = {i for s_, e_ in whole if a <= s_ and e_ <= b for i in range(s_, e_ + 1)}
            span = nonspace("".join(lines[i - 1] for i in range(a, b + 1) if i not in inside))
            mine = pieces.get(int(p.para_id), [])
            for piece in [t for sc, t in mine if sc == "prefix"]:
                span = span[len(piece):] if span.startswith(piece) else span + "\0"
            for piece in [t for sc, t in mine if sc == "suffix"][::-1]:
                span = span[:len(span) - len(piece)] if span.endswith(piece) else span + "\0"
            mismatches += span != nonspace(restored[int(p.para_id)])
        row = {"doc_id": doc_id, "raw_chars": len(raw), "whitespace": sum(c.isspace() for c in raw),
               "kept": sum(kept.values()), "dropped": sum(dropped.values())}
        for reason, grp in d_drops.groupby("reason", sort=True):
            row[f"dropped_{reason}"] = len(nonspace("".join(grp["text"])))
        row.update({"unaccounted": unaccounted, "lines_uncovered": len(uncovered),
                    "order_mismatches": mismatches})
        rows.append(row)
    out = pd.DataFrame(rows).fillna(0)
    first = ["doc_id", "raw_chars", "whitespace", "kept", "dropped"]
    reasons = sorted(c for c in out.columns if c.startswith("dropped_") and c != "dropped")
    checks = ["unaccounted", "lines_uncovered", "order_mismatches"]
    out = out[first + reasons + checks]
    out[reasons] = out[reasons].astype(int)
    out["balanced"] = (out[checks] == 0).all(axis=1) & (
        out["raw_chars"] == out["whitespace"] + out["kept"] + out["dropped"])
    return out
# CLEAN-SECTION-END


# ---------------------------------------------------------------------------
# Segment (notebook 02)
# ---------------------------------------------------------------------------
# SEGMENT-SECTION-START
# The tokenizer: one lexicon (data/lexicon/userdict.txt), loaded once per process into rjieba (fast
# cutting) and jieba (POS tags by one posseg pass aligned to rjieba's tokens; the reference in tests).
# SEGMENT_HMM is the choice that notebook 02 justifies with the gold standard (and asserts there).
SEGMENT_HMM = True
USERDICT_LINE = re.compile(r"^(?P<word>\S+) (?P<freq>[0-9]+) (?P<tag>[a-z]+)$")
JIEBA_TOKEN_CHARS = re.compile(r"^[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+$")  # what jieba can put in one token
CODEBOOK_FILES = ["formulae.csv", "mobilisation.csv", "ideology.csv", "priorities.csv",
                  "central_formulae.csv", "glossary.csv"]
STOPWORD_FILES = ["stopwords_general.txt", "stopwords_domain.txt"]


class LexiconError(CorpusError):
    """A malformed lexicon file; the message names the file and the line."""


def read_userdict(path: str | os.PathLike) -> list[tuple[str, int, str]]:
    """Read a jieba user dictionary with `#` comment lines; return (word, freq, tag) in file order.

    Every non-comment, non-blank line must be ``word freq tag`` separated by single spaces, with an
    integer frequency, a lower-case tag and a word made only of characters jieba can keep in one
    token.  Frequency 0 is jieba's "keep apart": the string is never returned as one token.
    A duplicate word is an error too (each addition shifts jieba's total frequency).  Errors raise
    LexiconError naming the file and the line number.
    """
    path = Path(path)
    entries: list[tuple[str, int, str]] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        where = f"{path} line {lineno}"
        m = USERDICT_LINE.match(line)
        if not m:
            raise LexiconError(f"{where}: expected 'word frequency tag' (single spaces, lower-case tag), got {line!r}")
        word, freq, tag = m["word"], int(m["freq"]), m["tag"]
        if m["freq"] != str(freq):
            raise LexiconError(f"{where}: frequency {m['freq']!r} has leading zeros")
        if not JIEBA_TOKEN_CHARS.match(word):
            raise LexiconError(f"{where}: {word!r} has characters jieba never keeps inside a token")
        if unicodedata.normalize("NFKC", word) != word:
            raise LexiconError(f"{where}: {word!r} is not NFKC-normalised")
        if word in seen:
            raise LexiconError(f"{where}: {word!r} already listed on line {seen[word]}")
        seen[word] = lineno
        entries.append((word, freq, tag))
    if not entries:
        raise LexiconError(f"{path}: no entries")
    return entries


def read_wordlist(path: str | os.PathLike) -> list[str]:
    """Read a one-word-per-line list with `#` comment lines (stopword files); error names file and line."""
    path = Path(path)
    words = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if line != line.strip() or " " in line:
            raise LexiconError(f"{path} line {lineno}: one word per line without spaces, got {line!r}")
        words.append(line)
    return words


def codebook_terms(lexicon_dir: str | os.PathLike = LEXICON) -> dict[str, set[str]]:
    """The ``term`` column of every codebook CSV that exists under ``lexicon_dir``, by file name.

    Glossary rows of kind ``keyword`` are left out: they only label keyness results (which are
    tokens by construction) and are not terms the project counts.
    """
    out = {}
    for name in CODEBOOK_FILES:
        path = Path(lexicon_dir) / name
        if path.exists():
            df = read_lexicon_csv(path, ["term"])
            if "kind" in df.columns:
                df = df[df["kind"].str.strip() != "keyword"]
            out[name] = set(df["term"])
    return out


def protected_terms(lexicon_dir: str | os.PathLike = LEXICON) -> set[str]:
    """Every term the project counts: userdict words plus all codebook terms (never stopwords)."""
    terms = {w for w, freq, _ in read_userdict(Path(lexicon_dir) / "userdict.txt") if freq > 0}
    for found in codebook_terms(lexicon_dir).values():
        terms |= found
    return terms


def token_pieces(term: str) -> list[str]:
    """The parts of a term that jieba can keep in one token (a term written with 、 or · has several)."""
    return [p for p in re.split(r"[^\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+", term) if p]


def read_split_exceptions(lexicon_dir: str | os.PathLike = LEXICON) -> pd.DataFrame:
    """Read ``split_exceptions.csv`` (term, context, reason); each context must contain its term."""
    path = Path(lexicon_dir) / "split_exceptions.csv"
    df = read_lexicon_csv(path, ["term", "context", "reason"])
    for i, row in df.iterrows():
        if row["term"] not in row["context"]:
            raise LexiconError(f"{path}: data row {i + 1}: context {row['context']!r} does not contain {row['term']!r}")
    return df


def lexicon_integrity(texts: list[str], tokens: list[list[str]], terms: set[str],
                      exceptions: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each term: occurrences in ``texts`` (minus documented exceptions) vs tokens containing it.

    A term is split when ``in_tokens < expected``.  Returns term, occurrences, excused, expected,
    in_tokens, ok; sorted by ok (problems first), then term.
    """
    sep = "\x00"  # in no term: joining with it adds no match across texts or tokens
    all_text = sep.join(texts)
    all_tokens = sep.join(tok for toks in tokens for tok in toks)
    excused: dict[str, int] = {}
    if exceptions is not None:
        for term, context in exceptions[["term", "context"]].itertuples(index=False):
            excused[term] = excused.get(term, 0) + all_text.count(context)
    rows = []
    for term in sorted(terms):
        occ = all_text.count(term)
        got = all_tokens.count(term)
        exp = occ - excused.get(term, 0)
        rows.append((term, occ, excused.get(term, 0), exp, got, got == exp))
    out = pd.DataFrame(rows, columns=["term", "occurrences", "excused", "expected", "in_tokens", "ok"])
    return out.sort_values(["ok", "term"], kind="stable").reset_index(drop=True)


def stopwords(lexicon_dir: str | os.PathLike = LEXICON) -> frozenset[str]:
    """Stopwords for counting: the general and domain lists, minus every protected term.

    The files themselves are curated to hold no protected term (a test checks it); subtracting
    here as well means a codebook that grows never has one of its terms dropped at counting time.
    """
    words: set[str] = set()
    for name in STOPWORD_FILES:
        words |= set(read_wordlist(Path(lexicon_dir) / name))
    return frozenset(words - protected_terms(lexicon_dir))


def _quiet_jieba():
    """Import jieba with its log lines silenced (they make notebook outputs differ between runs)."""
    import logging

    import jieba
    jieba.setLogLevel(logging.WARNING)
    return jieba


_JIEBA_BASE: dict[str, object] = {}


def _jieba_tokenizer(entries: list[tuple[str, int, str]] | None = None):
    """A fresh jieba Tokenizer with ``entries`` added in order.

    jieba's default dictionary is loaded once per process (its cache file in ``CACHE``, not in the
    shared temp folder); every Tokenizer made here starts from a copy of it.
    """
    jieba = _quiet_jieba()
    if "jt" not in _JIEBA_BASE:
        CACHE.mkdir(parents=True, exist_ok=True)
        base = jieba.Tokenizer()
        base.tmp_dir = str(CACHE)
        base.initialize()
        _JIEBA_BASE["jt"] = base
    base = _JIEBA_BASE["jt"]
    jt = jieba.Tokenizer()
    jt.tmp_dir = base.tmp_dir
    jt.FREQ, jt.total, jt.initialized = dict(base.FREQ), base.total, True
    for word, freq, tag in entries or []:
        jt.add_word(word, freq, tag)
    return jt


@dataclass
class Segmenter:
    """The project's segmenter: rjieba cuts, jieba supplies POS tags; same lexicon in both."""

    entries: list[tuple[str, int, str]]
    hmm: bool
    rjieba: object
    jieba: object
    posseg: object
    _tags: dict

    def cut(self, text: str) -> list[str]:
        """Tokens of ``text`` (they join back to ``text`` exactly)."""
        return self.rjieba.cut(text, hmm=self.hmm)

    def jieba_cut(self, text: str) -> list[str]:
        """The same cut done by jieba (slow): the reference the tests compare ``cut`` with."""
        return self.jieba.lcut(text, HMM=self.hmm)

    def tag_sentence(self, text: str, tokens: list[str]) -> list[str]:
        """One POS tag per token of ``text``, aligned with the cutter's tokens by character span.

        One posseg pass over the sentence; a token whose span posseg also produced gets posseg's
        tag (in context, HMM-tagged where posseg guessed).  Posseg cuts differently from lcut in a
        few places (its character class has no % or -: 7.5% is three tokens there), so any other
        token gets ``tag(token)``.  Tags can therefore never shift onto the wrong token.
        """
        spans, pos = {}, 0
        for pair in self.posseg.lcut(text, HMM=self.hmm):
            spans[(pos, pos + len(pair.word))] = pair.flag
            pos += len(pair.word)
        tags, pos = [], 0
        for token in tokens:
            tags.append(spans.get((pos, pos + len(token))) or self.tag(token))
            pos += len(token)
        return tags

    def tag(self, token: str) -> str:
        """POS tag of one token out of context (the fallback of ``tag_sentence``).

        Known words get their tag from the lexicon (user entries first, then jieba's dictionary,
        the table posseg itself uses); other tokens get the tag posseg gives the token alone;
        if posseg would split the token, the tag is 'm' for a number, 'eng' for Latin letters,
        else 'x'.
        """
        tag = self._tags.get(token)
        if tag is None:
            pieces = self.posseg.lcut(token, HMM=self.hmm)
            if len(pieces) == 1 and pieces[0].word == token:
                tag = pieces[0].flag
            elif re.fullmatch(r"[0-9.%+\-]+", token):
                tag = "m"
            elif re.fullmatch(r"[A-Za-z0-9.%+\-_&#]+", token):
                tag = "eng"
            else:
                tag = "x"
            self._tags[token] = tag
        return tag


def build_segmenter(userdict: str | os.PathLike, hmm: bool = SEGMENT_HMM) -> Segmenter:
    """Build a Segmenter from a userdict file (same entries, same order, into rjieba and jieba)."""
    import jieba.posseg
    import rjieba

    entries = read_userdict(userdict)
    jt = _jieba_tokenizer(entries)
    rj = rjieba.Jieba()
    for word, freq, tag in entries:
        rj.add_word(word, freq, tag)
    # POSTokenizer(jt) would read the tag table of jieba's dictionary file (about 0.5 s) for every
    # segmenter built; it is read from the file once per process and copied.  (Not taken from
    # jieba.posseg.dt, which jieba.add_word elsewhere in the process may have changed.)
    key = f"tags:{jt.dictionary}"  # None: jieba's own dictionary
    pt = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
    pt.tokenizer = jt
    if key not in _JIEBA_BASE:
        pt.load_word_tag(jt.get_dict_file())
        _JIEBA_BASE[key] = pt.word_tag_tab
    pt.word_tag_tab = dict(_JIEBA_BASE[key])
    pt.makesure_userdict_loaded()
    return Segmenter(entries=entries, hmm=hmm, rjieba=rj, jieba=jt, posseg=pt,
                     _tags=dict(pt.word_tag_tab))


_SEGMENTERS: dict[tuple[str, bool], Segmenter] = {}


def tokenizer(hmm: bool = SEGMENT_HMM, userdict: str | os.PathLike | None = None) -> Segmenter:
    """The project's tokenizer, configured once per process (lexicon loaded once, then cached)."""
    key = (str(Path(userdict or LEXICON / "userdict.txt").resolve()), hmm)
    if key not in _SEGMENTERS:
        other = _SEGMENTERS.get((key[0], not hmm))
        if other is None:
            _SEGMENTERS[key] = build_segmenter(key[0], hmm)
        else:  # the same loaded lexicon, the other HMM setting: share the engines, not the tag cache
            _SEGMENTERS[key] = Segmenter(entries=other.entries, hmm=hmm, rjieba=other.rjieba, jieba=other.jieba,
                                         posseg=other.posseg, _tags=dict(other.posseg.word_tag_tab))
    return _SEGMENTERS[key]


def _cut_chunk(args: tuple[list[str], bool, str]) -> list[list[str]]:
    """Worker: cut a chunk of texts with this process's own tokenizer (built once per process)."""
    texts, hmm, userdict = args
    seg = tokenizer(hmm=hmm, userdict=userdict)
    return [seg.cut(t) for t in texts]


def _count_chunk(args: tuple[list[str], bool, str]) -> "collections.Counter[str]":
    """Worker: token frequencies of a chunk of texts (only the counts travel back, not the tokens)."""
    import collections

    texts, hmm, userdict = args
    seg = tokenizer(hmm=hmm, userdict=userdict)
    counts: collections.Counter[str] = collections.Counter()
    for t in texts:
        counts.update(seg.cut(t))
    return counts


def _chunks(texts, size: int, hmm: bool, userdict: str):
    """Group an iterable of texts into lists of ``size`` for the workers (keeps memory flat)."""
    chunk: list[str] = []
    for t in texts:
        chunk.append(t)
        if len(chunk) == size:
            yield chunk, hmm, userdict
            chunk = []
    if chunk:
        yield chunk, hmm, userdict


def parallel_tokens(texts, workers: int = 2, count: bool = False, chunk: int = 2000,
                    hmm: bool = SEGMENT_HMM, userdict: str | os.PathLike | None = None):
    """Cut many texts in ``workers`` processes, each loading the same lexicon file once.

    With ``count=False`` yields each text's tokens in input order (identical to ``tokenizer().cut``,
    which a test checks); with ``count=True`` returns one Counter of all tokens, streaming, so that
    no token list of the whole input is ever held.  For corpora far larger than this one.
    """
    import collections
    import multiprocessing as mp

    userdict = str(Path(userdict or LEXICON / "userdict.txt").resolve())
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    with mp.get_context(method).Pool(workers) as pool:
        jobs = _chunks(texts, chunk, hmm, userdict)
        if count:
            total: collections.Counter[str] = collections.Counter()
            for part in pool.imap_unordered(_count_chunk, jobs):
                total.update(part)
            return total
        return [tokens for part in pool.imap(_cut_chunk, jobs) for tokens in part]


_PLAIN: dict[str, object] = {}


def plain_jieba():
    """jieba with its default dictionary only (the baseline of notebook 02), cache in ``CACHE``."""
    if "jt" not in _PLAIN:
        _PLAIN["jt"] = _jieba_tokenizer()
    return _PLAIN["jt"]


def is_punct(token: str) -> bool:
    """True if every character is punctuation, a symbol or whitespace (Unicode P*, S*, Z*, Cc)."""
    return bool(token) and all(unicodedata.category(c)[0] in "PSZ" or c.isspace() for c in token)


def tokenize_sentences(sentences: pd.DataFrame, seg: Segmenter | None = None,
                       stop: frozenset[str] | None = None) -> pd.DataFrame:
    """One row per token of ``sentences`` (doc_id, year, para_id, sent_id, text), in text order.

    Columns: doc_id, year, para_id, sent_id, token_id (0, 1, ... in text order within a document),
    token, pos, is_punct, is_stop.  Nothing is dropped: the tokens of a sentence join to its text.
    """
    seg = seg or tokenizer()
    stop = stopwords() if stop is None else stop
    missing = [c for c in ["doc_id", "year", "para_id", "sent_id", "text"] if c not in sentences.columns]
    if missing:
        raise CorpusError(f"sentences table: missing column(s) {', '.join(missing)}")
    rows = []
    for doc_id, year, para_id, sent_id, text in sentences[["doc_id", "year", "para_id", "sent_id", "text"]].itertuples(index=False):
        tokens = seg.cut(text)
        for token, tag in zip(tokens, seg.tag_sentence(text, tokens), strict=True):
            rows.append((doc_id, year, para_id, sent_id, token, tag))
    out = pd.DataFrame(rows, columns=["doc_id", "year", "para_id", "sent_id", "token", "pos"])
    out.insert(4, "token_id", out.groupby("doc_id", sort=False).cumcount())
    out["is_punct"] = out["token"].map(is_punct)
    out["is_stop"] = out["token"].isin(stop)
    return out


# Gold standard and evaluation -------------------------------------------------------------------
def sample_gold_sentences(sentences: pd.DataFrame, n: int, seed: int = SEED) -> pd.DataFrame:
    """Stratified random sample of ``n`` sentences: each document gets a share proportional to its
    number of sentences (largest remainders, at least one each), drawn with ``seed``; text order."""
    counts = sentences.groupby("doc_id", sort=True).size()
    quota = counts / counts.sum() * n
    alloc = np.maximum(np.floor(quota).astype(int), 1)
    rest = n - int(alloc.sum())
    if rest > 0:
        order = (quota - np.floor(quota)).sort_values(ascending=False, kind="stable").index
        for doc in list(order)[:rest]:
            alloc[doc] += 1
    rng = np.random.default_rng(seed)
    picked = []
    for doc, k in alloc.items():
        rows = sentences[sentences["doc_id"] == doc]
        idx = rng.choice(len(rows), size=min(int(k), len(rows)), replace=False)
        picked.append(rows.iloc[np.sort(idx)])
    return pd.concat(picked).reset_index(drop=True)


def read_gold(path: str | os.PathLike) -> pd.DataFrame:
    """Read the gold standard: ``doc_id<TAB>sent_id<TAB>tokens separated by single spaces``, `#` header.

    Returns doc_id, sent_id, tokens (list), text (tokens joined).  Errors name file and line.
    """
    path = Path(path)
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not re.fullmatch(r"\d+", parts[1]) or not parts[2]:
            raise LexiconError(f"{path} line {lineno}: expected 'doc_id<TAB>sent_id<TAB>tokens'")
        tokens = parts[2].split(" ")
        if "" in tokens:
            raise LexiconError(f"{path} line {lineno}: tokens must be separated by single spaces")
        rows.append((parts[0], int(parts[1]), tokens, "".join(tokens)))
    return pd.DataFrame(rows, columns=["doc_id", "sent_id", "tokens", "text"])


def word_spans(tokens: list[str]) -> set[tuple[int, int]]:
    """Character spans (start, end) of the tokens, whitespace tokens left out."""
    spans, pos = set(), 0
    for tok in tokens:
        if tok.strip():
            spans.add((pos, pos + len(tok)))
        pos += len(tok)
    return spans


def _strip_ws(tokens: list[str]) -> list[str]:
    """Remove whitespace inside and between tokens (the gold format has no whitespace tokens)."""
    return [t for t in (re.sub(r"\s", "", tok) for tok in tokens) if t]


def segmentation_scores(gold: list[list[str]], pred: list[list[str]]) -> dict[str, float]:
    """Precision, recall and F1 of predicted word spans against gold spans, pooled over sentences.

    Whitespace is removed from both sides first (the gold has none); each pair must join to the
    same string.
    """
    n_gold = n_pred = n_ok = 0
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        g, p = _strip_ws(g), _strip_ws(p)
        if "".join(g) != "".join(p):
            raise ValueError(f"sentence {i}: gold and predicted tokens spell different texts")
        gs, ps = word_spans(g), word_spans(p)
        n_gold, n_pred, n_ok = n_gold + len(gs), n_pred + len(ps), n_ok + len(gs & ps)
    precision, recall = n_ok / n_pred, n_ok / n_gold
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1,
            "gold_words": n_gold, "predicted_words": n_pred, "correct": n_ok}


def segmentation_errors(gold: list[list[str]], pred: list[list[str]]) -> pd.DataFrame:
    """Every disagreement: the smallest stretch where gold and predicted boundaries differ.

    Columns: sentence (index), gold (tokens joined by '/'), predicted (same).
    """
    rows = []
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        g, p = _strip_ws(g), _strip_ws(p)
        gb = set(np.cumsum([len(t) for t in g]).tolist())
        pb = set(np.cumsum([len(t) for t in p]).tolist())
        common = sorted(gb & pb)
        start = 0
        for end in common:
            gs = [t for t, e in zip(g, np.cumsum([len(t) for t in g])) if start < e <= end]
            ps = [t for t, e in zip(p, np.cumsum([len(t) for t in p])) if start < e <= end]
            if gs != ps:
                rows.append((i, "/".join(gs), "/".join(ps)))
            start = end
    return pd.DataFrame(rows, columns=["sentence", "gold", "predicted"])
# SEGMENT-SECTION-END


# ---------------------------------------------------------------------------
# Count: rhetoric (notebook 03)
# ---------------------------------------------------------------------------
# COUNT-SECTION-START
# Rhetoric (notebook 03): numbered formulae, quoted slogans, lexicon devices (mobilisation, ideology),
# parallelism; rates, dispersion (DPnorm), KWIC, collocation (G2), word-cloud frequencies, glosses.
# Every threshold comes from data/lexicon/rhetoric_settings.csv (rhetoric_settings()); every term list
# from the codebook CSVs.  Counting runs on body paragraphs with whitespace removed (squeeze), the same
# text whose length h.body_chars() measures, so every rate has the same denominator.  Matches that
# are not uses (data/lexicon/false_matches.csv) travel with the settings and are left out by find_term.
RHETORIC_DEVICES = ["formula", "slogan", "mobilisation", "ideology", "parallelism"]
CJK_CHARS = "\u4e00-\u9fff"
QUOTE_PAIRS = {"double": ("“", "”"), "single": ("‘", "’")}


@dataclass(frozen=True)
class RhetoricSettings:
    """The thresholds of notebook 03 and notebook 05's coinage levels (one row each in ``rhetoric_settings.csv``)."""

    numerals: str               # characters that count as numerals in a formula (一二两三 … 双)
    counting_units: str         # '|'-separated units that make numeral+unit an ordinary count (届|次|年 …)
    ordinal_prefix: str         # characters that make a following numeral an ordinal (第)
    weak_numerals: str          # numerals that alone do not make a numbered formula (一: 一盘棋, 一站式)
    big_numerals: str           # numerals N of 'N大' formulae (三大攻坚战, 四大班子)
    formula_max_len: int        # longest numbered formula the pattern proposes (characters)
    slogan_max_len: int         # a quoted span longer than this is a quotation, not a slogan
    parallel_min_run: int       # members needed for a parallel run
    parallel_max_gap: int       # clauses allowed between two members of a clause-level run
    parallel_min_prefix: int    # shortest shared opening of a prefix frame (characters)
    template_min_len: int       # template frames: shortest clause (characters)
    template_max_len: int       # template frames: longest clause (characters)
    kwic_width: int             # characters of context on each side in KWIC
    colloc_window: int          # content tokens on each side of the node
    colloc_min_freq: int        # minimum co-occurrence frequency of a collocate
    top_n: int                  # how many terms the figures and tables show
    wordcloud_width: int
    wordcloud_height: int
    wordcloud_max_words: int
    wordcloud_max_font_size: int
    wordcloud_min_chars: int
    coined_levels: str          # '|'-separated formulae.csv levels read as the district's own coinage (notebook 05)
    # (term, context, reason) rows of false_matches.csv: an occurrence of term inside context is not counted
    false_matches: tuple[tuple[str, str, str], ...] = ()


def read_false_matches(path: str | os.PathLike = LEXICON / "false_matches.csv") -> pd.DataFrame:
    """Read ``false_matches.csv`` (``term,context,reason`` with a ``#`` header).

    Errors name the file and line: an empty term or context, a context that does not contain its
    term (it could never exclude anything), a (term, context) pair listed twice.
    """
    path = Path(path)
    df = read_lexicon_csv(path, ["term", "context", "reason"])
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), 0)
    seen: dict[tuple[str, str], int] = {}
    for i, (term, context) in enumerate(zip(df["term"], df["context"].str.strip())):
        line = header + i + 2
        if not context:
            raise CorpusError(f"{path} line {line}: empty context")
        if term not in context:
            raise CorpusError(f"{path} line {line}: context '{context}' does not contain term '{term}'")
        if (term, context) in seen:
            raise CorpusError(f"{path} line {line}: same term and context as line {seen[(term, context)]}")
        seen[(term, context)] = line
    df["context"] = df["context"].str.strip()
    return df


def rhetoric_settings(path: str | os.PathLike = LEXICON / "rhetoric_settings.csv",
                      false_matches: str | os.PathLike | None = None) -> RhetoricSettings:
    """Read the settings file (``name,value,note`` with a ``#`` header); errors name file and setting.

    The exclusions of ``false_matches.csv`` (``read_false_matches``) travel with the settings, so every
    count made with them (``find_term``, ``count_terms``, ``kwic``) honours them; the file is read from
    ``false_matches`` or, by default, from the folder of the settings file.
    """
    from dataclasses import fields

    df = read_lexicon_csv(path, ["name", "value", "note"], term_column="name")
    dup = df["name"][df["name"].duplicated()]
    if len(dup):
        raise CorpusError(f"{path}: setting(s) listed twice: {', '.join(sorted(set(dup)))}")
    raw = dict(zip(df["name"], df["value"]))
    values = {}
    for f in fields(RhetoricSettings):
        if f.name == "false_matches":
            continue
        if f.name not in raw:
            raise CorpusError(f"{path}: setting '{f.name}' is missing")
        value = raw[f.name].strip()
        if f.type in ("int", int):
            if not re.fullmatch(r"\d+", value):
                raise CorpusError(f"{path}: setting '{f.name}' must be a non-negative integer, got {value!r}")
            values[f.name] = int(value)
        else:
            if not value:
                raise CorpusError(f"{path}: setting '{f.name}' is empty")
            values[f.name] = value
    fm = read_false_matches(Path(path).parent / "false_matches.csv" if false_matches is None else false_matches)
    values["false_matches"] = tuple(zip(fm["term"], fm["context"], fm["reason"]))
    return RhetoricSettings(**values)


def squeeze(text: str) -> str:
    """The text every count runs on: all whitespace removed (as in ``body_chars``)."""
    return re.sub(r"\s+", "", text)


def body_paragraphs(paragraphs: pd.DataFrame) -> pd.DataFrame:
    """Body paragraphs (kind == body) with ``text`` squeezed and ``chars`` = its length, in text order."""
    missing = [c for c in ["doc_id", "year", "para_id", "kind", "text"] if c not in paragraphs.columns]
    if missing:
        raise CorpusError(f"paragraphs table: missing column(s) {', '.join(missing)}")
    body = paragraphs.loc[paragraphs["kind"] == "body", ["doc_id", "year", "para_id", "text"]].copy()
    body["text"] = body["text"].fillna("").astype(str).map(squeeze)
    body["chars"] = body["text"].str.len()
    return body.sort_values(["doc_id", "para_id"], kind="stable").reset_index(drop=True)


def per_10k(count, chars):
    """Rate per 10,000 characters of clean body text (numbers, arrays or Series)."""
    return count * 10_000 / chars


# Term occurrences -------------------------------------------------------------------------------
def term_regex(term: str, st: RhetoricSettings) -> re.Pattern:
    """Regex of one term's occurrences.

    A term that begins with a numeral is not matched where that numeral continues a longer number
    or an ordinal (三产 inside 第三产业, 六稳 inside 十六稳…): the character before must be neither
    a numeral, an ASCII digit nor an ordinal prefix.  Any other term is a plain substring.
    """
    if term[0] in st.numerals or term[0].isdigit():
        block = re.escape(st.numerals + st.ordinal_prefix) + "0-9"
        return re.compile(f"(?<![{block}]){re.escape(term)}")
    return re.compile(re.escape(term))


def _occurrences(text: str, s: str) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of ``s`` in ``text``, overlapping ones included."""
    return [(m.start(), m.start() + len(s)) for m in re.finditer(f"(?={re.escape(s)})", text)]


def split_false_matches(text: str, term: str, st: RhetoricSettings) -> tuple[list[tuple[int, int]], list[tuple]]:
    """The occurrences of ``term`` in ``text`` (``term_regex``), split by ``st.false_matches``.

    Returns (kept spans, excluded) where excluded holds (start, end, context, reason) for each
    occurrence that lies inside an occurrence of one of the term's listed contexts.
    """
    if term not in text:
        return [], []
    spans = [m.span() for m in term_regex(term, st).finditer(text)]
    rules = [(c, r) for t, c, r in st.false_matches if t == term and c in text]
    if not rules:
        return spans, []
    blocks = [(a, b, c, r) for c, r in rules for a, b in _occurrences(text, c)]
    kept, excluded = [], []
    for s, e in spans:
        hit = next(((c, r) for a, b, c, r in blocks if a <= s and e <= b), None)
        if hit is None:
            kept.append((s, e))
        else:
            excluded.append((s, e, *hit))
    return kept, excluded


def find_term(text: str, term: str, st: RhetoricSettings) -> list[tuple[int, int]]:
    """(start, end) of every non-overlapping occurrence of ``term`` in ``text`` (see ``term_regex``),
    except those inside a listed false-match context (``st.false_matches``, from false_matches.csv)."""
    return split_false_matches(text, term, st)[0]


def excluded_matches(body: pd.DataFrame, st: RhetoricSettings, terms: list[str] | None = None,
                     width: int | None = None) -> pd.DataFrame:
    """Every occurrence that ``find_term`` leaves out because of ``st.false_matches``, in text order.

    ``terms`` restricts the rows to these terms (default: every term of the file).  Columns: doc_id,
    year, para_id, term, context, reason, left, right (``width`` characters, default ``kwic_width``).
    """
    width = st.kwic_width if width is None else width
    listed = {t for t, _, _ in st.false_matches}
    wanted = sorted(listed if terms is None else listed & set(terms))
    rows = []
    for doc_id, year, para_id, text in body[["doc_id", "year", "para_id", "text"]].itertuples(index=False):
        for term in wanted:
            for a, b, context, reason in split_false_matches(text, term, st)[1]:
                rows.append((doc_id, year, para_id, term, context, reason,
                             text[max(0, a - width):a], text[b:b + width]))
    out = pd.DataFrame(rows, columns=["doc_id", "year", "para_id", "term", "context", "reason", "left", "right"])
    return out.sort_values(["doc_id", "para_id", "term"], kind="stable").reset_index(drop=True)


def count_terms(body: pd.DataFrame, terms: list[str], st: RhetoricSettings) -> pd.DataFrame:
    """Occurrences of each term in each body paragraph (rows only where count > 0).

    Occurrences are ``find_term``'s, so those inside a listed false-match context are not counted.
    Columns: doc_id, year, para_id, term, count, nested.  ``nested`` counts the occurrences that lie
    inside an occurrence of a longer term of the same list (两个维护 inside 做到两个维护, if both
    are listed): ``count`` is the term's own count (what a reader searching for it finds);
    ``count - nested`` is what a device total adds, so that no stretch of text is counted twice.
    """
    terms = sorted(set(terms), key=lambda t: (-len(t), t))
    rows = []
    for doc_id, year, para_id, text in body[["doc_id", "year", "para_id", "text"]].itertuples(index=False):
        spans = {t: find_term(text, t, st) for t in terms}
        spans = {t: s for t, s in spans.items() if s}
        for term, occ in spans.items():
            longer = [sp for t2, s2 in spans.items() if len(t2) > len(term) for sp in s2]
            nested = sum(any(a <= s and e <= b for a, b in longer) for s, e in occ)
            rows.append((doc_id, year, para_id, term, len(occ), nested))
    out = pd.DataFrame(rows, columns=["doc_id", "year", "para_id", "term", "count", "nested"])
    return out.sort_values(["doc_id", "para_id", "term"], kind="stable").reset_index(drop=True)


# Quoted spans (slogans) -------------------------------------------------------------------------
def quoted_spans(text: str) -> list[tuple[int, int, str, str]]:
    """Every innermost span inside “ ” and inside ‘ ’: (start, end, span, mark).

    Innermost means a span holds no quote mark of its own kind, so an unbalanced opening mark
    earlier in the text is skipped rather than swallowing the text up to the next closing mark.
    ``start``/``end`` are the span's own characters (marks excluded).
    """
    out = []
    for mark, (o, c) in QUOTE_PAIRS.items():
        for m in re.finditer(f"{o}([^{o}{c}]*){c}", text):
            if m.group(1).strip():
                out.append((m.start(1), m.end(1), m.group(1), mark))
    return sorted(out)


_HALF_TO_FULL = str.maketrans({",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"})


def normalise_span(span: str) -> str:
    """A quoted span as counted: NFKC (full-width letters/digits to ASCII), whitespace removed,
    then ASCII clause punctuation back to the full-width marks the other texts use (the 2021 page
    prints , ; ( ) half-width), so the same slogan is one type in every document."""
    return squeeze(unicodedata.normalize("NFKC", span)).translate(_HALF_TO_FULL)


def span_kind(span: str, formulae: set[str], st: RhetoricSettings) -> str:
    """'formula' if the normalised span is a numbered formula; 'quotation' if it is longer than
    ``slogan_max_len`` or ends like a sentence (reported speech, a cited line); else 'slogan'."""
    if span in formulae:
        return "formula"
    if len(span) > st.slogan_max_len or span[-1] in "。！？":
        return "quotation"
    return "slogan"


def extract_slogans(body: pd.DataFrame, formulae: set[str], st: RhetoricSettings) -> pd.DataFrame:
    """Every quoted span of the body paragraphs, one row per occurrence, in text order.

    Columns: doc_id, year, para_id, start, mark (double/single), raw, term (normalised), kind
    (formula/slogan/quotation, see ``span_kind``), has_formula (a formula occurs inside the span).
    """
    rows = []
    for doc_id, year, para_id, text in body[["doc_id", "year", "para_id", "text"]].itertuples(index=False):
        for start, _, raw, mark in quoted_spans(text):
            term = normalise_span(raw)
            if not term:
                continue
            has = any(f in term for f in formulae)
            rows.append((doc_id, year, para_id, start, mark, raw, term, span_kind(term, formulae, st), has))
    return pd.DataFrame(rows, columns=["doc_id", "year", "para_id", "start", "mark", "raw", "term", "kind",
                                       "has_formula"])


# Numbered formulae: the pattern ------------------------------------------------------------------
def is_counting_phrase(s: str, st: RhetoricSettings) -> bool:
    """True if a numeral in ``s`` is an ordinary count or an ordinal: a numeral run directly followed
    by a counting unit (一年来, 一批, 一步, 十届人大, 七次会议 …) or preceded by an
    ordinal prefix (第七届).  Units and prefixes come from the settings file."""
    units = "|".join(re.escape(u) for u in st.counting_units.split("|") if u)
    n = re.escape(st.numerals)
    if units and re.search(f"[{n}0-9]+(?:{units})", s):
        return True
    return bool(re.search(f"[{re.escape(st.ordinal_prefix)}][{n}0-9]", s))


def formula_shape(s: str, st: RhetoricSettings, loose_tail: bool = False) -> str | None:
    """Name of the numbered-formula shape that ``s`` has in running text, or None.

    Shapes (numeral N = a character of ``st.numerals``; X = a CJK character that is not a numeral):
    - 'digits+N': digits joined by + and ending in a letter (2+N, 12+9+N);
    - 'five-year plan': 十N五 (十三五, 十四五);
    - 'compound': two or more numeral-led units, N…X N…X (一府两院, 五位一体, 三去一降一补,
      两学一做), or N X(X) 合一 (五证合一); with ``loose_tail`` the last unit may have two
      characters (一区一主业; only used where token boundaries delimit the match).
    A compound must have 4 to ``formula_max_len`` characters and contain no counting phrase.
    """
    if re.fullmatch(r"\d+(?:\+\d+)*\+[A-Za-z]", s):
        return "digits+N"
    n = re.escape(st.numerals)
    if re.fullmatch(f"十[{re.escape('一二三四五六七八九')}]五", s):
        return "five-year plan"
    if not 4 <= len(s) <= st.formula_max_len or is_counting_phrase(s, st):
        return None
    x = f"(?:(?![{n}])[{CJK_CHARS}])"
    tail = "{1,2}" if loose_tail else ""
    if re.fullmatch(f"(?:[{n}]+{x})+[{n}]+{x}{tail}", s) or re.fullmatch(f"[{n}]+{x}{{1,2}}合一", s):
        return "compound"
    return None


def quoted_formula_shape(span: str, st: RhetoricSettings) -> str | None:
    """'quoted' if a normalised quoted span looks like a numbered formula, else None.

    The quotation marks are the text's own sign that the span is a fixed expression, so no shape
    is required (门前五包, 四个意识, 六稳, 十四五).  Required: 2 to ``formula_max_len`` characters of
    CJK, ASCII letters and +; a numeral other than a weak one (一), or a weak one twice (一府两院,
    一照一码; not 一盘棋, 一站式, 一线工作法, where 一 means 'whole' or 'front'); ASCII digits only in
    the digits+N shape (2+N; not 人民调解110); no counting phrase (一年来); not a festival date
    written month + 一 (五一, 六一, 七一, 八一, 十一).
    """
    if not 2 <= len(span) <= st.formula_max_len:
        return None
    if re.search(r"[0-9]", span):
        return "quoted" if formula_shape(span, st) == "digits+N" else None
    if not re.fullmatch(f"[{CJK_CHARS}A-Za-z+]+", span):
        return None
    strong = [c for c in span if c in st.numerals and c not in st.weak_numerals]
    weak = [c for c in span if c in st.weak_numerals]
    if not strong and len(weak) < 2:
        return None
    if is_counting_phrase(span, st) or re.fullmatch("(?:[二三四五六七八九]|十[一二]?)一", span):
        return None
    return "quoted"


def _blocked(text: str, not_formulae: list[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` covered by an occurrence of a listed non-formula (idiom, counting phrase)."""
    return [(m.start(), m.end()) for t in not_formulae if t in text for m in re.finditer(re.escape(t), text)]


def _shaped_matches(text: str, st: RhetoricSettings, bounds: set[int] | None, free) -> list[dict]:
    """Unquoted ``formula_shape`` matches, left to right, longest first at each numeral that does not
    continue a number or an ordinal; with ``bounds`` a match starts and ends on a token boundary.
    ``free(a, b)`` says whether a span is still available (not blocked, not already found)."""
    n_re = re.compile(f"[{re.escape(st.numerals)}0-9]")
    prev_block = set(st.numerals + st.ordinal_prefix + "0123456789")
    out, i = [], 0
    while i < len(text):
        if not n_re.match(text[i]) or (i and text[i - 1] in prev_block) or (bounds is not None and i not in bounds):
            i += 1
            continue
        for j in range(min(len(text), i + max(st.formula_max_len, 12)), i + 1, -1):
            if bounds is not None and j not in bounds:
                continue
            shape = formula_shape(text[i:j], st, loose_tail=bounds is not None)
            if shape and free(i, j):
                out.append({"start": i, "end": j, "term": text[i:j], "shape": shape})
                i = j - 1
                break
        i += 1
    return out


def _big_n_matches(text: str, tokens: list[str], pos: list[str], st: RhetoricSettings, free) -> list[dict]:
    """'N大 + noun' formulae from tokens: a noun token N大X (四大班子), or the token N大 followed by a
    noun token of 2-3 characters (三大 + 攻坚战); N is one of ``st.big_numerals`` and does not
    continue a number."""
    offsets = np.cumsum([0] + [len(t) for t in tokens]).tolist()
    prev_block = set(st.numerals + st.ordinal_prefix + "0123456789")
    big = re.compile(f"[{re.escape(st.big_numerals)}]大")
    out = []
    for k, tok in enumerate(tokens):
        a = offsets[k]
        if (a and text[a - 1] in prev_block) or not big.match(tok):
            continue
        if len(tok) > 2:
            term = tok if pos[k].startswith("n") else ""
        else:
            nxt = tokens[k + 1] if k + 1 < len(tokens) else ""
            term = tok + nxt if nxt and pos[k + 1].startswith(("n", "vn")) and 2 <= len(nxt) <= 3 else ""
        if term and len(term) <= st.formula_max_len and not is_counting_phrase(term, st) and free(a, a + len(term)):
            out.append({"start": a, "end": a + len(term), "term": term, "shape": "N大+noun"})
    return out


def find_formula_candidates(text: str, st: RhetoricSettings, not_formulae: list[str] = (),
                            tokens: list[str] | None = None, pos: list[str] | None = None,
                            known: list[str] = ()) -> list[dict]:
    """Numbered formulae that the pattern finds in one text (a sentence or paragraph).

    Two routes, both general rules rather than lists:
    1. quoted spans that look like numbered formulae (``quoted_formula_shape``);
    2. unquoted shapes in running text (``formula_shape``): at each numeral or digit that does not
       continue a number or an ordinal, the longest shaped string is taken.  If ``tokens`` (the
       segmentation of ``text``) are given, a match must start and end on token boundaries (so
       一府两院 is not read as 一府两院工 in 一府两院工作) and may end in a two-character unit;
       with ``pos`` as well, two more rules apply: a single token that jieba's dictionary tags as an
       idiom (pos 'i') is never a formula, and 'N大 + one noun token of 2-3 characters' is a shape
       (三大攻坚战, 四大班子, 七大产业链; N is 二 to 十 and not part of a longer number: not 十九大).
    A candidate that overlaps an occurrence of a ``not_formulae`` term is dropped (千家万户,
    一步一个脚印).  Returns dicts: start, end, term, shape, known (sorted by start); ``known`` is
    the ``known`` term (the lexicon's formulae) whose occurrence overlaps the candidate, or "" — a
    candidate that only cuts a listed formula differently (十大助力 in 十大助力行动) is not new.
    """
    text_sq = squeeze(text)
    if tokens is not None:
        keep = [k for k, t in enumerate(tokens) if squeeze(t)]
        tokens = [squeeze(tokens[k]) for k in keep]
        pos = [pos[k] for k in keep] if pos is not None else None
    blocked = _blocked(text_sq, list(not_formulae))
    found: list[dict] = []

    def free(a: int, b: int) -> bool:
        return not any(a < e and s < b for s, e in blocked) and not any(
            a < f["end"] and f["start"] < b for f in found)

    for start, end, raw, _mark in quoted_spans(text_sq):
        span = normalise_span(raw)
        if quoted_formula_shape(span, st) and free(start, end) and span not in not_formulae:
            found.append({"start": start, "end": end, "term": span, "shape": "quoted"})

    bounds = None
    if tokens is not None:
        if "".join(tokens) != text_sq:
            raise ValueError("tokens do not join to the text")
        bounds = set(np.cumsum([0] + [len(t) for t in tokens]).tolist())
    for f in _shaped_matches(text_sq, st, bounds, free):
        found.append(f)
    if tokens is not None and pos is not None:
        for f in _big_n_matches(text_sq, tokens, pos, st, free):
            found.append(f)
        offsets = np.cumsum([0] + [len(t) for t in tokens]).tolist()
        idioms = {(offsets[k], offsets[k + 1]) for k, p in enumerate(pos) if p == "i"}
        found = [f for f in found if (f["start"], f["end"]) not in idioms]
    listed = [(a, b, t) for t in sorted(set(known), key=lambda t: (-len(t), t)) for a, b in find_term(text_sq, t, st)]
    for f in found:
        f["known"] = next((t for a, b, t in listed if a < f["end"] and f["start"] < b), "")
    return sorted(found, key=lambda f: f["start"])


# Parallelism (排比) -------------------------------------------------------------------------------
CLAUSE_MARKS = "，、；：,;:！？!?。"
_DROP_IN_CLAUSES = "“”‘’「」『』《》（）()"
NAME_TAGS = ("ns", "nr", "nt", "nrt", "nrfg")


@dataclass(frozen=True)
class Unit:
    """A clause or sentence compared for parallelism: its text, the offsets in it where a word
    boundary lies (None when no segmentation is given: every offset counts), and whether it is one
    proper name (a token tagged as a place, person or organisation)."""

    text: str
    bounds: frozenset | None = None
    is_name: bool = False


def split_units(text: str, tokens: list[str] | None = None, pos: list[str] | None = None,
                marks: str = CLAUSE_MARKS) -> list[Unit]:
    """Split ``text`` at the characters of ``marks`` into units, with quote marks, brackets and
    whitespace removed first (so “四个意识” and 四个意识 open a clause alike).

    With ``tokens`` (which must join to ``text``) each unit carries its word boundaries; with
    ``pos`` too, a unit that is exactly one token tagged in ``NAME_TAGS`` is marked as a name.
    """
    if tokens is None:
        tokens = list(text)
        bounded = False
    else:
        if "".join(tokens) != text:
            raise ValueError("tokens do not join to the text")
        bounded = True
    chars: list[tuple[str, bool, int]] = []   # (char, word starts here, token index)
    for k, tok in enumerate(tokens):
        for j, c in enumerate(tok):
            chars.append((c, j == 0, k))
    units, cur = [], []

    def close() -> None:
        if not cur:
            return
        s = "".join(c for c, _, _ in cur)
        b = frozenset([i for i, (_, start, _) in enumerate(cur) if start] + [len(cur)]) if bounded else None
        toks = {k for _, _, k in cur}
        name = (bounded and pos is not None and len(toks) == 1
                and pos[next(iter(toks))] in NAME_TAGS and tokens[next(iter(toks))].strip() == s)
        units.append(Unit(s, b, bool(name)))
        cur.clear()

    for c, start, k in chars:
        if c in marks:
            close()
        elif c in _DROP_IN_CLAUSES or c.isspace():
            continue
        else:
            cur.append((c, start or not cur, k))
    close()
    return units


def split_clauses(sentence: str) -> list[str]:
    """Clauses of a sentence (texts only; see ``split_units``)."""
    return [u.text for u in split_units(sentence)]


def _mask(s: str, st: RhetoricSettings) -> str:
    """Numerals replaced by '#', so 一是 / 二是 / 三是 share the opening '#是'."""
    return "".join("#" if c in st.numerals else c for c in s)


def prefix_runs(units: list[Unit], st: RhetoricSettings, max_gap: int) -> list[tuple[list[int], str]]:
    """Runs of ``parallel_min_run`` or more units that open with the same frame.

    A frame is a shared opening of at least ``parallel_min_prefix`` characters (numerals masked),
    ending on a word boundary of every member when the units carry boundaries (so 市政协… and
    市政府… share no frame), after which every member still has text of its own.  Members may be
    separated by up to ``max_gap`` other units.  Longer frames are taken first (五年大… before
    五年…), and a unit belongs to one run at most.  Returns (member indices, frame ending in '…';
    a masked numeral is written N: 'N是…' for 一是…二是…三是…).
    """
    masked = [_mask(u.text, st) for u in units]
    used: set[int] = set()
    runs = []
    longest = max((len(u.text) for u in units), default=0) - 1
    for k in range(longest, st.parallel_min_prefix - 1, -1):
        groups: dict[str, list[int]] = {}
        for i, m in enumerate(masked):
            if i not in used and len(m) > k and (units[i].bounds is None or k in units[i].bounds):
                groups.setdefault(m[:k], []).append(i)
        for key, idx in sorted(groups.items()):
            chain = [idx[0]]
            for i in idx[1:] + [None]:
                if i is not None and i - chain[-1] - 1 <= max_gap:
                    chain.append(i)
                    continue
                if len(chain) >= st.parallel_min_run:
                    runs.append((chain, (units[chain[0]].text[:k] if "#" not in key else key.replace("#", "N")) + "…"))
                    used.update(chain)
                if i is not None:
                    chain = [i]
    return sorted(runs)


def template_runs(units: list[Unit], st: RhetoricSettings, skip: set[int] = frozenset()) -> list[tuple[list[int], str]]:
    """Runs of ``parallel_min_run`` or more adjacent clauses of equal length (``template_min_len`` to
    ``template_max_len``) that agree on the characters at one or more of the same positions:
    幼有所育、学有所教、劳有所得 (frame …有所…), 厚植大生态、连通大管网、畅通大交通 (…大…),
    经济强区、宜居市区、和谐城区 (…区).  Clauses in ``skip`` (already in a prefix run) are left
    out, and so is a run whose members are mostly proper names (平顶山、张寨山、马棚山: a list)."""
    runs, i = [], 0
    texts = [u.text for u in units]
    while i < len(units):
        j = i
        while (i not in skip and j + 1 < len(units) and j + 1 not in skip
               and len(texts[j + 1]) == len(texts[i])
               and st.template_min_len <= len(texts[i]) <= st.template_max_len):
            j += 1
        names = sum(u.is_name for u in units[i:j + 1])
        if j - i + 1 >= st.parallel_min_run and 2 * names <= j - i + 1:
            cols = list(zip(*texts[i:j + 1]))
            same = [len(set(c)) == 1 for c in cols]
            if any(same) and not all(same):
                frame = "".join(c[0] if s else "…" for c, s in zip(cols, same))
                runs.append((list(range(i, j + 1)), re.sub("…+", "…", frame)))
                i = j + 1
                continue
        i += 1
    return runs


def parallel_runs(sentences: pd.DataFrame, st: RhetoricSettings, tokens: pd.DataFrame | None = None) -> pd.DataFrame:
    """Parallelism found by two general rules over ``sentences`` (doc_id, year, para_id, sent_id, text).

    - level 'clause': within one sentence, clauses opening with the same frame (``prefix_runs`` with
      gap ``parallel_max_gap``; rule 'prefix'), and, among the clauses left, adjacent equal-length
      clauses sharing characters in place (``template_runs``; rule 'template');
    - level 'sentence': within one paragraph, consecutive sentences opening with the same frame
      (开启新征程，必须… four times; rule 'prefix', no gap).
    With ``tokens`` (tokens.csv rows of the same sentences) frames end on word boundaries and lists
    of proper names are not runs.  One row per run: doc_id, year, para_id, sent_id (first member's),
    level, rule, frame, members (how many), example (the members joined by ' | ').
    """
    cols = ["doc_id", "year", "para_id", "sent_id", "level", "rule", "frame", "members", "example"]
    sents = sentences[["doc_id", "year", "para_id", "sent_id", "text"]].sort_values(
        ["doc_id", "para_id", "sent_id"], kind="stable")
    seg: dict = {}
    if tokens is not None:
        for (d, s), g in tokens.sort_values(["doc_id", "token_id"], kind="stable").groupby(["doc_id", "sent_id"], sort=False):
            seg[(d, s)] = (g["token"].astype(str).tolist(), g["pos"].astype(str).tolist())
    rows = []
    by_para: dict = {}
    for doc_id, year, para_id, sent_id, text in sents.itertuples(index=False):
        toks, pos = seg.get((doc_id, sent_id), (None, None))
        if toks is not None and "".join(toks) != text:
            toks = pos = None   # tokens of another version of the text: compare characters only
        clauses = split_units(text, toks, pos)
        pre = prefix_runs(clauses, st, st.parallel_max_gap)
        used = {i for idx, _ in pre for i in idx}
        for rule, found in [("prefix", pre), ("template", template_runs(clauses, st, used))]:
            for idx, frame in found:
                rows.append((doc_id, year, para_id, sent_id, "clause", rule, frame, len(idx),
                             " | ".join(clauses[i].text for i in idx)))
        whole = split_units(text, toks, pos, marks="")
        if whole:
            by_para.setdefault((doc_id, para_id), []).append((year, sent_id, whole[0], clauses[0].text if clauses else ""))
    for (doc_id, para_id), items in sorted(by_para.items()):
        for idx, frame in prefix_runs([u for _, _, u, _ in items], st, 0):
            year, sent_id = items[idx[0]][0], items[idx[0]][1]
            rows.append((doc_id, year, para_id, sent_id, "sentence", "prefix", frame, len(idx),
                         " | ".join(items[i][3] + "…" for i in idx)))
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["doc_id", "para_id", "sent_id", "level", "frame"], kind="stable").reset_index(drop=True)


# Dispersion ---------------------------------------------------------------------------------------
def dp_norm(freqs, sizes) -> float:
    """Gries' deviation of proportions, normalised (Gries 2008; Lijffijt & Gries 2012).

    With part sizes s_i (as shares of the corpus) and the term's frequencies v_i (as shares of its
    total), DP = ½ Σ |v_i − s_i| and DPnorm = DP / (1 − min s_i), which runs from 0 (spread exactly
    in proportion to part size) to 1 (all in the smallest part).  NaN if the term never occurs or
    there is a single part (nothing to disperse over).
    """
    f = np.asarray(freqs, dtype=float)
    s = np.asarray(sizes, dtype=float)
    if f.shape != s.shape or f.ndim != 1 or not len(f):
        raise ValueError("freqs and sizes must be 1-D and of the same, non-zero length")
    if (s <= 0).any() or (f < 0).any():
        raise ValueError("part sizes must be positive and frequencies non-negative")
    if f.sum() == 0 or len(f) == 1:
        return float("nan")
    s = s / s.sum()
    dp = 0.5 * np.abs(f / f.sum() - s).sum()
    return float(dp / (1 - s.min()))


# KWIC and collocation ---------------------------------------------------------------------------
def kwic(body: pd.DataFrame, term: str, st: RhetoricSettings, width: int | None = None) -> pd.DataFrame:
    """Keyword in context: one row per occurrence of ``term`` (found as ``find_term`` finds it, so
    the rows agree with the counts) in the body paragraphs, context cut at the paragraph.

    Columns: doc_id, year, para_id, left, term, right (``width`` characters each side).
    """
    width = st.kwic_width if width is None else width
    rows = []
    for doc_id, year, para_id, text in body[["doc_id", "year", "para_id", "text"]].itertuples(index=False):
        for a, b in find_term(text, term, st):
            rows.append((doc_id, year, para_id, text[max(0, a - width):a], term, text[b:b + width]))
    return pd.DataFrame(rows, columns=["doc_id", "year", "para_id", "left", "term", "right"])


def g2(o11: float, r1: float, c1: float, n: float) -> float:
    """Log-likelihood G² of a 2×2 table given O11 (node-window × collocate), R1 (window positions),
    C1 (collocate frequency) and N (all positions): G² = 2 Σ O ln(O/E), E = row × column / N, 0·ln0 = 0.
    The same four-cell G-test as ``g2_log_likelihood(..., form="four_cell")``, in collocation terms."""
    if min(o11, r1 - o11, c1 - o11, n - r1 - c1 + o11) < 0:
        raise ValueError(f"inconsistent table: O11={o11}, R1={r1}, C1={c1}, N={n}")
    return float(g2_log_likelihood(o11, c1 - o11, r1, n - r1, form="four_cell"))


def _merge_node(tokens: list[str], node: str) -> tuple[list[str], list[bool]]:
    """Tokens with every contiguous run that spells ``node`` merged into one token; flags mark them."""
    out, flags, i = [], [], 0
    while i < len(tokens):
        j, acc = i, ""
        while j < len(tokens) and len(acc) < len(node) and node.startswith(acc + tokens[j]):
            acc += tokens[j]
            j += 1
        if acc == node:
            out.append(node)
            flags.append(True)
            i = j
        else:
            out.append(tokens[i])
            flags.append(False)
            i += 1
    return out, flags


def collocates(tokens: pd.DataFrame, node: str, st: RhetoricSettings, window: int | None = None,
               min_freq: int | None = None) -> pd.DataFrame:
    """Collocates of ``node`` scored by log-likelihood G² (window-based, within a sentence).

    Tokens come from tokens.csv; a node split over several tokens is merged back first.  Stopwords
    and punctuation (is_stop, is_punct) are removed, then the window is ``window`` content tokens on
    each side of each node occurrence, inside its sentence.  Window positions are counted once even
    where windows overlap, and never include the node itself.  For a collocate c:
    O11 = its count in the window positions, R1 = number of window positions, C1 = its count among
    all content tokens that are not the node, N = number of those tokens.  Only collocates with
    O11 >= ``min_freq`` and O11 > E11 (attraction) are kept.  Columns: collocate, o11, expected,
    freq (C1), g2, p (χ², 1 df), sorted by g2 descending then collocate.
    """
    import math

    window = st.colloc_window if window is None else window
    min_freq = st.colloc_min_freq if min_freq is None else min_freq
    need = ["doc_id", "sent_id", "token_id", "token", "is_stop", "is_punct"]
    missing = [c for c in need if c not in tokens.columns]
    if missing:
        raise CorpusError(f"tokens table: missing column(s) {', '.join(missing)}")
    drop = set(tokens.loc[tokens["is_stop"].astype(bool) | tokens["is_punct"].astype(bool), "token"]) - {node}
    sents = []
    for _, g in tokens.sort_values(["doc_id", "token_id"], kind="stable").groupby(["doc_id", "sent_id"], sort=False):
        toks = [t for t in g["token"].astype(str) if t.strip()]
        merged, flags = _merge_node(toks, node)
        keep = [(t, f) for t, f in zip(merged, flags) if f or t not in drop]
        sents.append(keep)
    window_counts: dict[str, int] = {}
    freq: dict[str, int] = {}
    r1 = n = 0
    for sent in sents:
        nodes = [i for i, (_, f) in enumerate(sent) if f]
        positions = {j for i in nodes for j in range(max(0, i - window), min(len(sent), i + window + 1))} - set(nodes)
        for j in positions:
            window_counts[sent[j][0]] = window_counts.get(sent[j][0], 0) + 1
        r1 += len(positions)
        for t, f in sent:
            if not f:
                freq[t] = freq.get(t, 0) + 1
                n += 1
    rows = []
    for c, o11 in window_counts.items():
        e11 = r1 * freq[c] / n
        if o11 >= min_freq and o11 > e11:
            score = g2(o11, r1, freq[c], n)
            rows.append((c, o11, e11, freq[c], score, math.erfc(math.sqrt(score / 2))))
    out = pd.DataFrame(rows, columns=["collocate", "o11", "expected", "freq", "g2", "p"])
    return out.sort_values(["g2", "collocate"], ascending=[False, True], kind="stable").reset_index(drop=True)


# Word clouds and glosses ------------------------------------------------------------------------
def cloud_frequencies(tokens: pd.DataFrame, by: str = "year", min_chars: int = 1,
                      keep_terms: set[str] = frozenset()) -> dict:
    """Token frequencies per group for word clouds: stopwords, punctuation, whitespace and pure
    numbers (2018, 5.6, 12%) left out, and tokens shorter than ``min_chars`` unless they are in
    ``keep_terms`` (the codebook: 党 stays); tokens as the project's tokenizer cut them, so formulae
    in the lexicon stay whole.  Returns {group: {token: count}} with groups in sorted order."""
    keep = ~tokens["is_stop"].astype(bool) & ~tokens["is_punct"].astype(bool)
    t = tokens.loc[keep, [by, "token"]].copy()
    t["token"] = t["token"].astype(str)
    t = t[t["token"].str.strip().astype(bool) & ~t["token"].str.fullmatch(r"[0-9.%+\-]+")]
    t = t[(t["token"].str.len() >= min_chars) | t["token"].isin(keep_terms)]
    out = {}
    for group, g in t.groupby(by, sort=True):
        counts = g["token"].value_counts()
        counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
        out[group] = {k: int(v) for k, v in counts.items()}
    return out


def wordcloud_array(freqs: dict[str, int], st: RhetoricSettings, font_path: str | os.PathLike) -> np.ndarray:
    """A word cloud (RGB array) from frequencies only (never from joined text), seeded with SEED."""
    from wordcloud import WordCloud

    if not freqs:
        raise ValueError("no frequencies to draw")
    wc = WordCloud(font_path=str(font_path), width=st.wordcloud_width, height=st.wordcloud_height,
                   max_words=st.wordcloud_max_words, max_font_size=st.wordcloud_max_font_size,
                   background_color="white", random_state=SEED,
                   prefer_horizontal=1.0, colormap="viridis", collocations=False)
    return wc.generate_from_frequencies(freqs).to_array()


def gloss_map(glossary: pd.DataFrame | None, *lexicons: pd.DataFrame) -> dict[str, str]:
    """term -> English gloss: glossary.csv first, then the ``english`` column of the lexicons given."""
    out: dict[str, str] = {}
    for df in ([glossary] if glossary is not None else []) + list(lexicons):
        if df is None or "english" not in df.columns:
            continue
        for term, en in zip(df["term"], df["english"].fillna("")):
            if en.strip() and term not in out:
                out[term] = en.strip()
    return out


def gloss_label(term: str, glosses: dict[str, str], sep: str = "  ") -> str:
    """A figure label: the term, then its English gloss, or its pinyin (pypinyin) if none is listed."""
    if term in glosses:
        return f"{term}{sep}{glosses[term]}"
    from pypinyin import lazy_pinyin, Style

    return f"{term}{sep}{' '.join(lazy_pinyin(term, style=Style.TONE))}"


# Counts by document, year, genre ----------------------------------------------------------------
def rhetoric_rows(counts: pd.DataFrame, device: str, chars_by_doc: pd.Series,
                  subtypes: dict[str, str] | None = None) -> pd.DataFrame:
    """Paragraph counts (doc_id, year, para_id, term, count[, nested]) -> one row per (document,
    term) with count > 0: doc_id, year, device, subtype, term, count, nested, per_10k (per 10,000
    body characters of that document).  Zero counts get no row."""
    cols = ["doc_id", "year", "device", "subtype", "term", "count", "nested", "per_10k"]
    if counts.empty:
        return pd.DataFrame(columns=cols)
    c = counts.copy()
    if "nested" not in c.columns:
        c["nested"] = 0
    out = c.groupby(["doc_id", "year", "term"], as_index=False)[["count", "nested"]].sum()
    out = out[out["count"] > 0]
    out["device"] = device
    out["subtype"] = [(subtypes or {}).get(t, "") for t in out["term"]]
    out["per_10k"] = per_10k(out["count"], out["doc_id"].map(chars_by_doc).astype(float))
    return out[cols].sort_values(["doc_id", "device", "subtype", "term"], kind="stable").reset_index(drop=True)


def summarise_terms(rows: pd.DataFrame, para_counts: pd.DataFrame, body: pd.DataFrame,
                    documents: pd.DataFrame) -> pd.DataFrame:
    """Per term, for the whole corpus, each year and each genre: count, per_10k, docs_with_term,
    n_docs, body_chars and DPnorm across the paragraphs of that scope (zero-hit paragraphs included).

    ``rows`` are the sparse (doc, term) rows of ``rhetoric_rows`` (device, subtype, term, count …);
    the denominator of a scope is the body characters of every document in it, with or without hits,
    so a missing row counts as zero.  Columns: scope (corpus/year/genre), group, device, subtype, term,
    count, per_10k, docs_with_term, n_docs, body_chars, dp_norm.
    """
    cols = ["scope", "group", "device", "subtype", "term", "count", "per_10k", "docs_with_term", "n_docs",
            "body_chars", "dp_norm"]
    scopes = [("corpus", "all", list(documents["doc_id"]))]
    scopes += [("year", str(y), list(g["doc_id"])) for y, g in documents.groupby("year", sort=True)]
    scopes += [("genre", str(gn), list(g["doc_id"])) for gn, g in documents.groupby("genre", sort=True)]
    sizes = body.set_index(["doc_id", "para_id"])["chars"]
    sizes = sizes[sizes > 0]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    pc = (para_counts.groupby(["device", "term", "doc_id", "para_id"], as_index=False)["count"].sum()
          if len(para_counts) else pd.DataFrame(columns=["device", "term", "doc_id", "para_id", "count"]))
    out = []
    for scope, group, docs in scopes:
        r = rows[rows["doc_id"].isin(docs)]
        part = sizes[sizes.index.get_level_values(0).isin(docs)]
        if r.empty or part.empty:
            continue
        chars = float(part.sum())
        agg = r.groupby(["device", "subtype", "term"], as_index=False).agg(
            count=("count", "sum"), docs_with_term=("doc_id", "nunique"))
        # DPnorm for every term at once: sum_i |v_i - s_i| = sum over parts with hits + s of parts without
        share = (part / chars).rename("s")
        hit = pc[pc["doc_id"].isin(docs)].join(share, on=["doc_id", "para_id"])
        hit["v"] = hit["count"] / hit.groupby(["device", "term"])["count"].transform("sum")
        hit["dev"] = (hit["v"] - hit["s"]).abs()
        g = hit.groupby(["device", "term"]).agg(dev=("dev", "sum"), s_hit=("s", "sum"))
        dp = (0.5 * (g["dev"] + 1 - g["s_hit"]) / (1 - share.min())) if len(part) > 1 else g["dev"] * np.nan
        agg["dp_norm"] = [dp.get((d, t), np.nan) for d, t in zip(agg["device"], agg["term"])]
        for rec in agg.itertuples(index=False):
            out.append((scope, group, rec.device, rec.subtype, rec.term, int(rec.count),
                        per_10k(rec.count, chars), int(rec.docs_with_term), len(docs), int(chars), rec.dp_norm))
    res = pd.DataFrame(out, columns=cols)
    return res.sort_values(["scope", "group", "device", "count", "term"], ascending=[True, True, True, False, True],
                           kind="stable").reset_index(drop=True)

# COUNT-SECTION-END


# ---------------------------------------------------------------------------
# Compare: priorities, keyness, adoption (notebooks 04, 05)
# ---------------------------------------------------------------------------
# PRIORITIES-SECTION-START (notebook 04: codebook attention, bootstrap, keyness)
# The codebook (data/lexicon/priorities.csv) is read and validated here; terms are matched on whole
# tokens; attention is hits per 10,000 body characters (h.body_chars) and share of all coded hits;
# intervals come from a percentile bootstrap over paragraphs within each document; keyness is
# Dunning's G2 (two-term UCREL form by default) with Hardie's Log Ratio and a Bonferroni threshold.
PRIORITY_COLUMNS = ["category", "category_zh", "category_en", "term", "scope_note"]
ALL_GENRES = "all genres"        # label of the whole-corpus comparison
NUMBER_TOKEN = re.compile(r"^[0-9.,%+\-]+$")  # numerals left out of keyness (years, amounts)


def _lexicon_header_line(path: str | os.PathLike) -> int:
    """Line number (1-based) of the CSV header of a lexicon file, after its `#` comment lines."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    skip = 0
    while skip < len(lines) and (lines[skip].startswith("#") or not lines[skip].strip()):
        skip += 1
    return skip + 1


def read_priorities(path: str | os.PathLike) -> pd.DataFrame:
    """Read the priority codebook (category, category_zh, category_en, term, scope_note), validated.

    Raises CorpusError naming the file and line for: an empty term (``read_lexicon_csv``), an empty
    category or label, a category given two different Chinese or English labels, or a term listed
    twice (a term counts for one category only, so no hit is counted twice).
    """
    df = read_lexicon_csv(path, PRIORITY_COLUMNS)
    header = _lexicon_header_line(path)
    for col in ["category", "category_zh", "category_en"]:
        df[col] = df[col].str.strip()
        empty = np.flatnonzero(df[col].eq("").to_numpy())
        if len(empty):
            i = int(empty[0])
            raise CorpusError(f"{path} line {header + i + 1}: empty {col} (term '{df['term'][i]}')")
    labels = df.groupby("category", sort=False)[["category_zh", "category_en"]].nunique()
    bad = labels.index[(labels > 1).any(axis=1)]
    if len(bad):
        raise CorpusError(f"{path}: category '{bad[0]}' has more than one Chinese or English label")
    dup = np.flatnonzero(df["term"].duplicated().to_numpy())
    if len(dup):
        i = int(dup[0])
        j = int(np.flatnonzero(df["term"].eq(df["term"][i]).to_numpy())[0])
        raise CorpusError(f"{path} line {header + i + 1}: term '{df['term'][i]}' already listed on line "
                          f"{header + j + 1} (category '{df['category'][j]}'); a term belongs to one category")
    return df.reset_index(drop=True)


def codebook_categories(codebook: pd.DataFrame) -> pd.DataFrame:
    """One row per category, in codebook order: category, category_zh, category_en, label (Chinese and
    English, the English capitalised for figures), terms (number of terms)."""
    cats = codebook.groupby("category", sort=False).agg(
        category_zh=("category_zh", "first"), category_en=("category_en", "first"),
        terms=("term", "size")).reset_index()
    cats["label"] = cats["category_zh"] + " " + cats["category_en"].map(lambda e: e[:1].upper() + e[1:])
    return cats[["category", "category_zh", "category_en", "label", "terms"]]


def match_terms(tokens: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Every codebook hit in a token table, matched on whole tokens.

    A hit is a run of one or more consecutive tokens of one sentence whose concatenation equals a
    term exactly.  A term is therefore never found inside a longer token (党建 does not match the
    token 党建引领), across a token boundary (党/建设) or across a sentence boundary; a term the
    segmenter happened to split (营商/环境) is still found.  Where hits overlap, the leftmost wins, and at one position the
    longest; every token counts at most once.  Returns doc_id, year, para_id, sent_id, token_id (first
    token), n_tokens, term, category, in text order.
    """
    cols = ["doc_id", "year", "para_id", "sent_id", "token_id", "n_tokens", "term", "category"]
    term_cat = dict(zip(codebook["term"], codebook["category"]))
    if tokens.empty or not term_cat:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("doc_id", "term", "category") else int)
                             for c in cols})
    tok = tokens.sort_values(["doc_id", "token_id"], kind="stable").reset_index(drop=True)
    words = tok["token"].astype(str).to_numpy(dtype=object)
    sent = tok.groupby(["doc_id", "sent_id"], sort=False).ngroup().to_numpy()
    n, terms = len(words), list(term_cat)
    best = np.zeros(n, dtype=int)
    joined, valid = words.copy(), np.ones(n, dtype=bool)
    for k in range(1, max(len(t) for t in term_cat) + 1):   # a token has at least one character
        if k > 1:
            joined[: n - k + 1] = joined[: n - k + 1] + words[k - 1:]
            valid[n - k + 1:] = False
            valid[: n - k + 1] &= sent[k - 1:] == sent[: n - k + 1]
            if not valid.any():
                break
        best[valid & pd.Series(joined).isin(terms).to_numpy()] = k
    keep, until = [], -1
    for i in np.flatnonzero(best):
        if i >= until:
            keep.append(i)
            until = i + best[i]
    keep = np.array(keep, dtype=int)
    hit_terms = ["".join(words[i:i + best[i]]) for i in keep]
    out = tok.loc[keep, ["doc_id", "year", "para_id", "sent_id", "token_id"]].reset_index(drop=True)
    out["n_tokens"] = best[keep]
    out["term"] = hit_terms
    out["category"] = [term_cat[t] for t in hit_terms]
    return out[cols]


def term_audit(tokens: pd.DataFrame, sentences: pd.DataFrame, codebook: pd.DataFrame,
               hits: pd.DataFrame) -> pd.DataFrame:
    """Per term: whole-token hits against raw substring occurrences in the same sentences.

    ``substring`` counts occurrences in the sentence texts (what a naive count would find);
    ``in_other_terms`` those inside hits of a longer codebook term (疫情 inside 疫情防控, counted there);
    ``excluded`` = substring - hits - in_other_terms: occurrences that no term counts.
    ``inside_tokens`` lists the longer tokens that contain the term (with their counts), i.e. where
    token matching declined a substring match, so a reader can judge whether each exclusion is right.
    """
    text = "\n".join(sentences["text"].astype(str))
    counted = hits.groupby("term").size()
    vocab = tokens["token"].astype(str).value_counts()
    vocab = vocab.sort_index(kind="stable").sort_values(ascending=False, kind="stable")  # by count, ties by token
    words = list(vocab.items())
    rows = []
    for term, cat in zip(codebook["term"], codebook["category"]):
        hosts = [(t, c) for t, c in words if term in t and t != term]
        sub = text.count(term)
        got = int(counted.get(term, 0))
        nested = sum(int(n) * other.count(term) for other, n in counted.items() if other != term and term in other)
        rows.append((cat, term, got, sub, nested, sub - got - nested,
                     "; ".join(f"{t}×{c}" for t, c in hosts)))
    return pd.DataFrame(rows, columns=["category", "term", "hits", "substring", "in_other_terms", "excluded",
                                       "inside_tokens"])


def priority_counts(hits: pd.DataFrame, paragraphs: pd.DataFrame, categories: list[str]) -> pd.DataFrame:
    """Paragraph x category count matrix: one row per body paragraph, zeros kept.

    Columns: doc_id, year, para_id, chars (non-whitespace characters, as in ``body_chars``), then one
    column per category in ``categories`` order.  A hit in a paragraph that is not a body paragraph
    of ``paragraphs`` is an error (the token and paragraph tables disagree).
    """
    body = paragraphs[paragraphs["kind"] == "body"].sort_values(["doc_id", "para_id"], kind="stable")
    base = body[["doc_id", "year", "para_id"]].reset_index(drop=True)
    base["chars"] = [len(re.sub(r"\s", "", str(t))) for t in body["text"]]
    known = set(zip(base["doc_id"], base["para_id"]))
    stray = [(d, p) for d, p in zip(hits["doc_id"], hits["para_id"]) if (d, p) not in known]
    if stray:
        raise CorpusError(f"hits in paragraphs that are not body paragraphs: {stray[:3]} (doc_id, para_id)")
    unknown = sorted(set(hits["category"]) - set(categories))
    if unknown:
        raise CorpusError(f"hits of categories not in the codebook: {', '.join(unknown)}")
    table = pd.crosstab([hits["doc_id"], hits["para_id"]], hits["category"]) if len(hits) else None
    out = base.copy()
    for cat in categories:
        if table is not None and cat in table.columns:
            col = table[cat]
            out[cat] = [int(col.get((d, p), 0)) for d, p in zip(base["doc_id"], base["para_id"])]
        else:
            out[cat] = 0
    return out


def resample_paragraphs(counts: pd.DataFrame, categories: list[str], doc_ids: list[str],
                        n_resamples: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """Bootstrap replicates of each document: paragraphs drawn with replacement within the document.

    For a document of n body paragraphs, each replicate draws n paragraphs with replacement (a
    multinomial(n, 1/n, ..., 1/n) weight per paragraph, the same as drawing n integer indices) and
    sums their rows of the count matrix.  Returns doc_id -> array (n_resamples, K + 1): the K category
    hits, then body characters.  One numpy Generator seeded with ``seed``, documents in sorted order:
    the same seed gives identical replicates.  A document with no body paragraph gets zeros.
    """
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    rng = np.random.default_rng(seed)
    cols = list(categories) + ["chars"]
    ordered = counts.sort_values(["doc_id", "para_id"], kind="stable")
    out = {}
    for doc in sorted(set(doc_ids)):
        m = ordered.loc[ordered["doc_id"] == doc, cols].to_numpy(dtype=float)
        n = len(m)
        if n == 0:
            out[doc] = np.zeros((n_resamples, len(cols)))
            continue
        weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_resamples)
        out[doc] = weights @ m
    return out


def _percentiles(reps: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column, ignoring undefined (NaN) replicates; NaN if none is defined."""
    lo_q, hi_q = 100 * (1 - ci) / 2, 100 * (1 + ci) / 2
    lo = np.full(reps.shape[1], np.nan)
    hi = np.full(reps.shape[1], np.nan)
    ok = ~np.isnan(reps).all(axis=0)
    if ok.any():
        lo[ok], hi[ok] = np.nanpercentile(reps[:, ok], [lo_q, hi_q], axis=0)
    return lo, hi


def _shares(hits: np.ndarray) -> np.ndarray:
    """Share of each category in the coded hits of each row; NaN where a row has no coded hit."""
    total = hits.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, hits / np.where(total > 0, total, 1), np.nan)


def attention(counts: pd.DataFrame, categories: list[str], units: pd.Series,
              draws: dict[str, np.ndarray], ci: float = 0.95) -> pd.DataFrame:
    """Attention per unit and category, with percentile-bootstrap intervals.

    ``units`` maps doc_id (index) -> unit (the doc_id itself for documents, the year for years).  A
    unit's counts, and each of its replicates, are sums over its documents (paragraphs are resampled
    within each document, so a unit keeps its documents).  Columns: unit, category, hits, chars,
    coded_hits, per_10k (hits per 10,000 body characters), share (hits / coded_hits), ci_low, ci_high
    (share), per_10k_ci_low, per_10k_ci_high.  A unit with no coded hit has share 0 for every
    category (and interval 0-0); replicates without any coded hit are left out of the share interval.
    """
    k = len(categories)
    rows = []
    for unit, docs in units.groupby(units, sort=True):
        doc_list = sorted(docs.index)
        obs = counts.loc[counts["doc_id"].isin(doc_list), list(categories) + ["chars"]].to_numpy(float).sum(axis=0)
        rep = sum(draws[d] for d in doc_list)
        hits, chars = obs[:k], obs[k]
        total = hits.sum()
        share = hits / total if total else np.zeros(k)
        share_lo, share_hi = _percentiles(_shares(rep[:, :k]), ci) if total else (np.zeros(k), np.zeros(k))
        with np.errstate(invalid="ignore", divide="ignore"):
            per_10k = hits / chars * 1e4 if chars else np.full(k, np.nan)
            rate_lo, rate_hi = _percentiles(rep[:, :k] / rep[:, k:] * 1e4, ci)
        for j, cat in enumerate(categories):
            rows.append((unit, cat, int(hits[j]), int(chars), int(total), per_10k[j], share[j],
                         share_lo[j], share_hi[j], rate_lo[j], rate_hi[j]))
    return pd.DataFrame(rows, columns=["unit", "category", "hits", "chars", "coded_hits", "per_10k", "share",
                                       "ci_low", "ci_high", "per_10k_ci_low", "per_10k_ci_high"])


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


def priorities_by_doc(counts: pd.DataFrame, codebook: pd.DataFrame, documents: pd.DataFrame,
                      draws: dict[str, np.ndarray], ci: float = 0.95) -> pd.DataFrame:
    """priorities.csv: one row per document x category (every category, zeros included), with metadata."""
    cats = codebook_categories(codebook)
    units = pd.Series(documents["doc_id"].to_numpy(), index=documents["doc_id"].to_numpy())
    att = attention(counts, list(cats["category"]), units, draws, ci).rename(columns={"unit": "doc_id"})
    out = att.merge(documents[["doc_id", "year", "genre"]], on="doc_id").merge(
        cats[["category", "category_zh", "category_en"]], on="category")
    order = {c: i for i, c in enumerate(cats["category"])}
    out = out.assign(_c=out["category"].map(order)).sort_values(["year", "doc_id", "_c"], kind="stable")
    first = ["doc_id", "year", "genre", "category", "category_zh", "category_en"]
    return out[first + [c for c in att.columns if c not in first]].reset_index(drop=True)


def priorities_by_year(counts: pd.DataFrame, codebook: pd.DataFrame, documents: pd.DataFrame,
                       draws: dict[str, np.ndarray], ci: float = 0.95) -> pd.DataFrame:
    """priorities_by_year.csv: per comparison (whole corpus, each multi-year genre), year and category.

    Columns: comparison, year, genres (of that year's documents), documents (count), category labels
    and the columns of ``attention``.  Years without documents have no rows (gaps, never filled).
    """
    cats = codebook_categories(codebook)
    frames = []
    for label, doc_ids in comparison_groups(documents):
        docs = documents[documents["doc_id"].isin(doc_ids)]
        units = pd.Series(docs["year"].to_numpy(), index=docs["doc_id"].to_numpy())
        att = attention(counts, list(cats["category"]), units, draws, ci).rename(columns={"unit": "year"})
        meta = docs.groupby("year").agg(genres=("genre", lambda g: "; ".join(sorted(set(g)))),
                                        documents=("doc_id", "size")).reset_index()
        frames.append(att.merge(meta, on="year").assign(comparison=label))
    out = pd.concat(frames, ignore_index=True).merge(cats[["category", "category_zh", "category_en"]], on="category")
    order = {c: i for i, c in enumerate(cats["category"])}
    comp = {label: i for i, (label, _) in enumerate(comparison_groups(documents))}
    out = out.assign(_c=out["category"].map(order), _g=out["comparison"].map(comp)).sort_values(
        ["_g", "year", "_c"], kind="stable")
    first = ["comparison", "year", "genres", "documents", "category", "category_zh", "category_en"]
    return out[first + [c for c in out.columns if c not in first and not c.startswith("_")]].reset_index(drop=True)


def _end_points(counts: pd.DataFrame, cats: list[str], ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Observed share and per-10k rate of each category over the documents ``ids`` (share NaN if no coded hit)."""
    obs = counts.loc[counts["doc_id"].isin(ids), cats + ["chars"]].to_numpy(float).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _shares(obs[:len(cats)]), obs[:len(cats)] / obs[len(cats)] * 1e4


def comparison_ends(documents: pd.DataFrame) -> list[tuple[str, tuple[int, list[str]], tuple[int, list[str]]]]:
    """For every comparison of ``comparison_groups`` with two or more years: (label, (first year, its
    sorted doc ids), (last year, its sorted doc ids)) - the two ends a first->last change compares."""
    out = []
    for label, doc_ids in comparison_groups(documents):
        docs = documents[documents["doc_id"].isin(doc_ids)]
        years = sorted(docs["year"].unique())
        if len(years) >= 2:
            out.append((label, *((y, sorted(docs.loc[docs["year"] == y, "doc_id"])) for y in (years[0], years[-1]))))
    return out


def attention_change(counts: pd.DataFrame, codebook: pd.DataFrame, documents: pd.DataFrame,
                     draws: dict[str, np.ndarray], ci: float = 0.95) -> pd.DataFrame:
    """Change from the first to the last year of each comparison, per category, with bootstrap intervals.

    For every comparison of ``comparison_groups``: share and per-10k of the first and last year, their
    difference (last - first), and the percentile interval of the difference over the replicates
    (documents are resampled independently, so the replicate differences are paired by index).
    ``direction`` is 'up', 'down' or 'none' (equal), from the point estimate of the share change, and
    'n/a' if either year has no coded hit at all (a share of nothing is undefined here, and so is its
    change); ``ci_excludes_zero`` says whether the share interval lies wholly on one side of 0;
    ``first_doc_ids`` / ``last_doc_ids`` list the documents of the two end years (';'-joined), so two
    comparisons that share an end point can be recognised.
    """
    cats = list(codebook_categories(codebook)["category"])
    k, rows = len(cats), []
    for label, (first_year, first_ids), (last_year, last_ids) in comparison_ends(documents):
        ends = []
        for ids in (first_ids, last_ids):
            rep = sum(draws[d] for d in ids)
            with np.errstate(invalid="ignore", divide="ignore"):
                ends.append((*_end_points(counts, cats, ids), _shares(rep[:, :k]), rep[:, :k] / rep[:, k:] * 1e4,
                             ";".join(ids)))
        f, l = ends
        s_lo, s_hi = _percentiles(l[2] - f[2], ci)
        r_lo, r_hi = _percentiles(l[3] - f[3], ci)
        for j, cat in enumerate(cats):
            d = l[0][j] - f[0][j]
            rows.append((label, first_year, last_year, cat, f[0][j], l[0][j], d, s_lo[j], s_hi[j],
                         f[1][j], l[1][j], l[1][j] - f[1][j], r_lo[j], r_hi[j],
                         _direction(d),
                         bool(s_lo[j] > 0 or s_hi[j] < 0), f[4], l[4]))
    return pd.DataFrame(rows, columns=[
        "comparison", "first_year", "last_year", "category", "share_first", "share_last", "share_change",
        "share_change_ci_low", "share_change_ci_high", "per_10k_first", "per_10k_last", "per_10k_change",
        "per_10k_change_ci_low", "per_10k_change_ci_high", "direction", "ci_excludes_zero",
        "first_doc_ids", "last_doc_ids"])


def _direction(change: float) -> str:
    """'up', 'down', 'none' (exactly equal) or 'n/a' (undefined) for a change."""
    return "n/a" if pd.isna(change) else "up" if change > 0 else "down" if change < 0 else "none"


def direction_survival(changes: pd.DataFrame) -> pd.DataFrame:
    """Does each category's whole-corpus change go the same direction within each genre?

    One row per category x within-genre comparison (``attention_change`` output): the whole-corpus
    and within-genre directions of the share and of the per-10k rate; ``share_same_direction`` /
    ``per_10k_same_direction`` are True when both are 'up' or both 'down'; ``same_direction`` when
    both measures agree.  Same direction is a statement about signs only: the within-genre change,
    its interval (``within_change``, ``within_ci_low``, ``within_ci_high``) and whether that interval
    excludes 0 are given beside it.  ``same_first`` / ``same_last`` say whether the two comparisons
    start / end with the same documents: a shared end point builds part of the agreement in.
    Empty when there is no within-genre comparison.
    """
    cols = ["category", "comparison", "whole_years", "within_years", "share_whole", "share_within",
            "share_same_direction", "per_10k_whole", "per_10k_within", "per_10k_same_direction",
            "within_change", "within_ci_low", "within_ci_high", "within_ci_excludes_zero", "same_first",
            "same_last"]
    whole = changes[changes["comparison"] == ALL_GENRES].set_index("category")
    rows = []
    for (label, cat), w in changes[changes["comparison"] != ALL_GENRES].groupby(["comparison", "category"], sort=False):
        a, b = whole.loc[cat], w.iloc[0]
        s = (_direction(a["share_change"]), _direction(b["share_change"]))
        r = (_direction(a["per_10k_change"]), _direction(b["per_10k_change"]))
        rows.append((cat, label, f"{a['first_year']}-{a['last_year']}", f"{b['first_year']}-{b['last_year']}",
                     *s, s[0] == s[1] and s[0] in ("up", "down"), *r, r[0] == r[1] and r[0] in ("up", "down"),
                     b["share_change"], b["share_change_ci_low"], b["share_change_ci_high"],
                     bool(b["ci_excludes_zero"]), a["first_doc_ids"] == b["first_doc_ids"],
                     a["last_doc_ids"] == b["last_doc_ids"]))
    out = pd.DataFrame(rows, columns=cols)
    out.insert(10, "same_direction", out["share_same_direction"] & out["per_10k_same_direction"])
    return out


def direction_leave_one_out(counts: pd.DataFrame, codebook: pd.DataFrame, documents: pd.DataFrame,
                            within_only: bool = True) -> pd.DataFrame:
    """Does the direction of each category's first->last share change survive dropping any one document?

    For every comparison of ``comparison_groups`` (only the within-genre ones if ``within_only``) and
    every document in it: the first->last change of the share (point estimate) without that document.
    Dropping a document of a middle year cannot change a first->last change unless its year is an
    end year; dropping the only document of an end year moves that end to the next year with a text.
    One row per comparison x category: ``direction`` (all documents), ``drops`` (documents tried),
    ``drops_moving_an_end`` (drops that changed the end years or their documents), ``drops_left_one_year``
    (drops after which fewer than two years remain: no change, not counted as a flip), ``flips``
    (';'-joined doc ids whose removal gives another direction) and ``survives`` (no flip, and the
    direction is 'up' or 'down').
    """
    cats = list(codebook_categories(codebook)["category"])
    rows = []
    for label, doc_ids in comparison_groups(documents):
        if within_only and label == ALL_GENRES:
            continue
        docs = documents[documents["doc_id"].isin(doc_ids)]
        if docs["year"].nunique() < 2:
            continue

        def change(sub: pd.DataFrame) -> tuple[np.ndarray, tuple] | None:
            years = sorted(sub["year"].unique())
            if len(years) < 2:
                return None
            ids = [sorted(sub.loc[sub["year"] == y, "doc_id"]) for y in (years[0], years[-1])]
            return _end_points(counts, cats, ids[1])[0] - _end_points(counts, cats, ids[0])[0], tuple(map(tuple, ids))

        full, full_ends = change(docs)
        tried = []
        for d in sorted(docs["doc_id"]):
            res = change(docs[docs["doc_id"] != d])
            tried.append((d, None, None) if res is None else (d, *res))
        for j, cat in enumerate(cats):
            base = _direction(full[j])
            flips = [d for d, ch, _ in tried if ch is not None and _direction(ch[j]) != base]
            rows.append((label, cat, base, len(tried),
                         sum(ch is not None and ends != full_ends for _, ch, ends in tried),
                         sum(ch is None for _, ch, _ in tried), ";".join(flips),
                         not flips and base in ("up", "down")))
    return pd.DataFrame(rows, columns=["comparison", "category", "direction", "drops", "drops_moving_an_end",
                                       "drops_left_one_year", "flips", "survives"])


def change_without_terms(counts: pd.DataFrame, hits: pd.DataFrame, codebook: pd.DataFrame,
                         documents: pd.DataFrame) -> pd.DataFrame:
    """Does a category's first->last share change rest on single terms?  Leave one term out.

    For every comparison of ``comparison_groups`` and every category: each of the category's own terms
    with a hit in the comparison's first or last year is removed in turn (its hits taken off the
    category's counts in ``counts`` of ``priority_counts``) and the change of the category's share is
    recomputed (point estimate; removing a term also shrinks the denominator, all coded hits).
    One row per comparison x category: ``share_change`` (all terms), ``terms_tried``, ``top_term`` (the
    term whose removal moves the change most; ties broken by term), its hits in the first and last
    year, ``share_change_without_top``, ``direction`` and ``direction_without_top``, and ``flips``
    (';'-joined terms whose removal alone gives another direction).
    """
    cats = list(codebook_categories(codebook)["category"])
    rows = []
    for label, (first_year, first_ids), (last_year, last_ids) in comparison_ends(documents):
        ends = [first_ids, last_ids]
        obs = [counts.loc[counts["doc_id"].isin(ids), cats].to_numpy(float).sum(axis=0) for ids in ends]

        def share_change(j: int, n_first: int = 0, n_last: int = 0) -> float:
            first, last = obs[0].copy(), obs[1].copy()
            first[j] -= n_first
            last[j] -= n_last
            with np.errstate(invalid="ignore", divide="ignore"):
                return float(_shares(last)[j] - _shares(first)[j])

        at_ends = hits[hits["doc_id"].isin(ends[0] + ends[1])]
        for j, cat in enumerate(cats):
            full, tried = share_change(j), []
            for term, th in at_ends[at_ends["category"] == cat].groupby("term", sort=True):
                n = [int(th["doc_id"].isin(ids).sum()) for ids in ends]
                tried.append((term, *n, share_change(j, *n)))
            base = _direction(full)
            top = (min(tried, key=lambda t: (-abs(np.nan_to_num(t[3] - full, nan=np.inf)), t[0]))
                   if tried else ("", 0, 0, full))
            rows.append((label, first_year, last_year, cat, full, len(tried), *top, base, _direction(top[3]),
                         ";".join(t[0] for t in tried if _direction(t[3]) != base)))
    return pd.DataFrame(rows, columns=["comparison", "first_year", "last_year", "category", "share_change",
                                       "terms_tried", "top_term", "top_term_hits_first", "top_term_hits_last",
                                       "share_change_without_top", "direction", "direction_without_top", "flips"])


def leading_categories(by_year: pd.DataFrame, draws: dict[str, np.ndarray], documents: pd.DataFrame,
                       categories: list[str], comparison: str = ALL_GENRES) -> pd.DataFrame:
    """Per year of ``comparison``: the two categories with the largest share and how firm their order is.

    Columns: year, first, second (categories; ties broken by codebook order), share_first, first_ci_low,
    first_ci_high, share_second, second_ci_low, second_ci_high, ``overlap`` (the two percentile
    intervals overlap) and ``p_first_leads`` (fraction of bootstrap replicates with a coded hit in which
    the first category's share is strictly larger than every other category's).  A year with no coded
    hit gets NaN categories; a year with one coded category has no second.
    """
    d = by_year[by_year["comparison"] == comparison]
    order = {c: i for i, c in enumerate(categories)}
    ids_of = dict(comparison_groups(documents))[comparison]
    docs = documents[documents["doc_id"].isin(ids_of)]
    rows = []
    for y, g in d.groupby("year", sort=True):
        g = g.assign(_o=g["category"].map(order)).sort_values(["share", "_o"], ascending=[False, True], kind="stable")
        g = g[g["hits"] > 0]
        if g.empty:
            rows.append((y, np.nan, np.nan, *[np.nan] * 7, np.nan))
            continue
        a = g.iloc[0]
        b = g.iloc[1] if len(g) > 1 else None
        rep = sum(draws[i] for i in sorted(docs.loc[docs["year"] == y, "doc_id"]))[:, :len(categories)]
        coded = rep.sum(axis=1) > 0
        j = order[a["category"]]
        others = np.delete(rep, j, axis=1)
        leads = rep[coded, j] > (others[coded].max(axis=1) if others.shape[1] else -1)
        second = (b["category"], b["share"], b["ci_low"], b["ci_high"]) if b is not None else (np.nan,) * 4
        overlap = bool(b is not None and b["ci_high"] >= a["ci_low"])
        rows.append((y, a["category"], second[0], a["share"], a["ci_low"], a["ci_high"], *second[1:], overlap,
                     float(leads.mean()) if coded.any() else np.nan))
    return pd.DataFrame(rows, columns=["year", "first", "second", "share_first", "first_ci_low", "first_ci_high",
                                       "share_second", "second_ci_low", "second_ci_high", "overlap",
                                       "p_first_leads"])


# Keyness ------------------------------------------------------------------------------------------
def g2_log_likelihood(a, b, c, d, form: str = "two_term") -> np.ndarray:
    """Dunning's log-likelihood G2 (unsigned) for a term seen ``a`` times in a target of ``c`` tokens
    and ``b`` times in a reference of ``d`` tokens.

    ``two_term`` (Rayson & Garside 2000; the UCREL log-likelihood calculator):
    G2 = 2 (a ln(a/E1) + b ln(b/E2)), E1 = c(a+b)/(c+d), E2 = d(a+b)/(c+d).
    ``four_cell``: the G-test of the 2x2 table [[a, b], [c-a, d-b]], which adds the two cells of all
    other tokens.  0 ln 0 = 0.
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))

    def part(obs, exp):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(obs > 0, obs * np.log(np.where(obs > 0, obs, 1) / exp), 0.0)

    n = c + d
    g = part(a, c * (a + b) / n) + part(b, d * (a + b) / n)
    if form == "four_cell":
        g = g + part(c - a, c * (n - a - b) / n) + part(d - b, d * (n - a - b) / n)
    elif form != "two_term":
        raise ValueError(f"form must be 'two_term' or 'four_cell', got {form!r}")
    return 2 * g


def log_ratio(a, b, c, d) -> np.ndarray:
    """Hardie's (2014) Log Ratio effect size: log2((a/c) / (b/d)); a zero count is replaced by 0.5."""
    a, b = (np.where(np.asarray(x, dtype=float) == 0, 0.5, np.asarray(x, dtype=float)) for x in (a, b))
    return np.log2((a / np.asarray(c, dtype=float)) / (b / np.asarray(d, dtype=float)))


def chi2_sf_1df(x) -> np.ndarray:
    """P(X >= x) for a chi-squared variable with 1 degree of freedom: erfc(sqrt(x / 2))."""
    import math
    return np.array([math.erfc(math.sqrt(max(v, 0.0) / 2)) for v in np.atleast_1d(np.asarray(x, float))])


def _as_bool(s: pd.Series) -> pd.Series:
    """A True/False column as bool, whether pandas read it as bool or as text."""
    if s.dtype == bool:
        return s
    return s.astype(str).str.strip().str.lower().map({"true": True, "false": False, "1": True, "0": False}).astype(bool)


def keyness_tokens(tokens: pd.DataFrame, drop_numbers: bool = True) -> pd.DataFrame:
    """Tokens that keyness counts: stopwords (is_stop), punctuation/whitespace (is_punct) and, if
    ``drop_numbers``, bare numerals (years, amounts: ``NUMBER_TOKEN``) left out."""
    keep = ~_as_bool(tokens["is_stop"]) & ~_as_bool(tokens["is_punct"])
    keep &= tokens["token"].astype(str).str.strip().ne("")
    if drop_numbers:
        keep &= ~tokens["token"].astype(str).str.match(NUMBER_TOKEN)
    return tokens[keep]


def keyness(tokens: pd.DataFrame, target, reference=None, min_freq: int = 5, alpha: float = 0.05,
            form: str = "two_term", drop_numbers: bool = True) -> pd.DataFrame:
    """Keywords of a target against a reference: G2, Log Ratio, p and a Bonferroni-corrected verdict.

    ``target``: doc ids, or a boolean mask over ``tokens``; ``reference``: doc ids (None = every token
    not in the target).  Counts use ``keyness_tokens`` (no stopwords, punctuation or bare numerals).
    Terms with count_target + count_reference >= ``min_freq`` are tested; m = their number; a term is
    significant if p < alpha / m.  ``g2`` carries the sign of use: + more frequent in the target
    (overuse), - less (underuse); p = P(chi2_1 >= |g2|).  Sorted by g2 descending, ties by term.
    """
    if isinstance(target, (pd.Series, np.ndarray)) and np.asarray(target).dtype == bool:
        in_target = pd.Series(np.asarray(target), index=tokens.index)
    else:
        in_target = tokens["doc_id"].isin(set(target))
    if reference is None:
        in_ref = ~in_target
    else:
        in_ref = tokens["doc_id"].isin(set(reference))
        if (in_ref & in_target).any():
            raise ValueError("target and reference share documents")
    kept = keyness_tokens(tokens, drop_numbers)
    tgt = kept.loc[in_target[kept.index], "token"].value_counts()
    ref = kept.loc[in_ref[kept.index], "token"].value_counts()
    cols = ["term", "count_target", "count_reference", "total_target", "total_reference", "g2",
            "log_ratio", "p", "significant", "direction", "n_tested", "p_threshold"]
    if tgt.empty or ref.empty:
        raise ValueError("target or reference has no countable tokens")
    freq = pd.concat([tgt.rename("a"), ref.rename("b")], axis=1).fillna(0).astype(int)
    freq = freq[freq["a"] + freq["b"] >= min_freq]
    c, d = int(tgt.sum()), int(ref.sum())
    m = len(freq)
    if m == 0:
        return pd.DataFrame({col: [] for col in cols})
    a, b = freq["a"].to_numpy(), freq["b"].to_numpy()
    g = g2_log_likelihood(a, b, c, d, form)
    over = a / c > b / d
    out = pd.DataFrame({"term": freq.index.astype(str), "count_target": a, "count_reference": b,
                        "total_target": c, "total_reference": d, "g2": np.where(over, g, -g),
                        "log_ratio": log_ratio(a, b, c, d), "p": chi2_sf_1df(g)})
    out["significant"] = out["p"] < alpha / m
    out["direction"] = np.where(over, "overuse", np.where(a / c < b / d, "underuse", "none"))
    out["n_tested"], out["p_threshold"] = m, alpha / m
    out = out.sort_values("term", kind="stable").sort_values("g2", ascending=False, kind="stable")
    return out[cols].reset_index(drop=True)


def keyness_by_year(tokens: pd.DataFrame, documents: pd.DataFrame, min_freq: int = 5, alpha: float = 0.05,
                    form: str = "two_term", drop_numbers: bool = True) -> pd.DataFrame:
    """Each year against all other years, for every comparison of ``comparison_groups``.

    A comparison with documents in fewer than two years is skipped (nothing to compare).  The
    Bonferroni m is counted per (comparison, year) test.  Sorted by comparison (in
    ``comparison_groups`` order), year, g2 descending, term.
    """
    frames = []
    for i, (label, doc_ids) in enumerate(comparison_groups(documents)):
        docs = documents[documents["doc_id"].isin(doc_ids)]
        years = sorted(docs["year"].unique())
        if len(years) < 2:
            continue
        for y in years:
            target = sorted(docs.loc[docs["year"] == y, "doc_id"])
            reference = sorted(docs.loc[docs["year"] != y, "doc_id"])
            kw = keyness(tokens, target, reference, min_freq, alpha, form, drop_numbers)
            frames.append(kw.assign(comparison=label, year=y, _g=i))
    cols = ["comparison", "year", "term", "count_target", "count_reference", "total_target", "total_reference",
            "g2", "log_ratio", "p", "significant", "direction", "n_tested", "p_threshold"]
    if not frames:
        return pd.DataFrame({c: [] for c in cols})
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values("term", kind="stable").sort_values("g2", ascending=False, kind="stable")
    out = out.sort_values(["_g", "year"], kind="stable")
    return out[cols].reset_index(drop=True)


def keyness_survival(kw: pd.DataFrame) -> pd.DataFrame:
    """For each significant whole-corpus keyword: does it stay key within each multi-year genre?

    One row per (whole-corpus significant keyword, within-genre comparison that contains its year):
    the within-genre g2 and log_ratio (0 counts if the term was not tested there), ``same_direction``
    (sign of g2 agrees) and ``significant_within``.  Keywords of a year outside every within-genre
    comparison get one row with comparison '' and ``tested_within`` False: they cannot be told apart
    from genre.
    """
    whole = kw[(kw["comparison"] == ALL_GENRES) & kw["significant"].astype(bool)]
    within = kw[kw["comparison"] != ALL_GENRES]
    cols = ["year", "term", "g2", "log_ratio", "comparison", "tested_within", "g2_within",
            "log_ratio_within", "significant_within", "same_direction"]
    rows = []
    years_of = within.groupby("comparison")["year"].agg(lambda s: set(s.astype(int)))
    for _, r in whole.iterrows():
        hit = False
        for label, years in years_of.items():
            if int(r["year"]) not in years:
                continue
            hit = True
            m = within[(within["comparison"] == label) & (within["year"] == r["year"]) & (within["term"] == r["term"])]
            if len(m):
                w = m.iloc[0]
                rows.append((r["year"], r["term"], r["g2"], r["log_ratio"], label, True, w["g2"], w["log_ratio"],
                             bool(w["significant"]), bool(np.sign(w["g2"]) == np.sign(r["g2"]))))
            else:
                rows.append((r["year"], r["term"], r["g2"], r["log_ratio"], label, False, np.nan, np.nan,
                             False, False))
        if not hit:
            rows.append((r["year"], r["term"], r["g2"], r["log_ratio"], "", False, np.nan, np.nan, False, False))
    return pd.DataFrame(rows, columns=cols)


def hit_contexts(hits: pd.DataFrame, sentences: pd.DataFrame, per_category: int = 2, seed: int = SEED,
                 width: int = 16) -> pd.DataFrame:
    """A seeded random sample of hits per category, each shown in its sentence (term in 【】), for
    reading whether the codebook's terms mean what the category says (a validity spot check)."""
    rng = np.random.default_rng(seed)
    text = sentences.set_index(["doc_id", "sent_id"])["text"]
    rows = []
    for cat, g in hits.groupby("category", sort=True):
        pick = g.iloc[np.sort(rng.choice(len(g), size=min(per_category, len(g)), replace=False))]
        for _, r in pick.iterrows():
            sent = str(text.get((r["doc_id"], r["sent_id"]), ""))
            i = sent.find(r["term"])
            left, right = sent[max(0, i - width):max(i, 0)], sent[i + len(r["term"]):i + len(r["term"]) + width]
            rows.append((cat, r["term"], r["doc_id"], r["year"],
                         ("…" if i > width else "") + left + f"【{r['term']}】" + right
                         + ("…" if i + len(r["term"]) + width < len(sent) else "")))
    return pd.DataFrame(rows, columns=["category", "term", "doc_id", "year", "context"])


# Figures of notebook 04 ---------------------------------------------------------------------------
def _wrap(text: str, width: int = 14) -> str:
    """Wrap a label onto lines of at most ``width`` characters (at spaces)."""
    import textwrap
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def mark_missing_years(ax, gaps: list[int], label: str | None = "top") -> None:
    """Shade every year without a text (``missing_years``) as a grey band on a year axis, labelled
    'no text 无文本' at the ``"top"`` or ``"bottom"`` of the axes, or not labelled (``None``)."""
    if label not in ("top", "bottom", None):
        raise ValueError(f"label should be 'top', 'bottom' or None, not {label!r}")
    for y in gaps:
        ax.axvspan(y - 0.4, y + 0.4, color="0.93", lw=0, zorder=0)
        if label:
            ax.text(y, 0.97 if label == "top" else 0.01, "no text\n无文本", ha="center",
                    va="top" if label == "top" else "bottom", fontsize=7, color="0.4",
                    transform=ax.get_xaxis_transform())


def year_axis(documents: pd.DataFrame) -> list[int]:
    """Every year from the first to the last document year (missing years included, as gaps)."""
    return list(range(int(documents["year"].min()), int(documents["year"].max()) + 1))


def plot_attention_heatmap(by_year: pd.DataFrame, codebook: pd.DataFrame, years: list[int],
                           comparison: str = ALL_GENRES, value: str = "per_10k"):
    """Heatmap categories (rows, bilingual) x years (columns, with their genres); a year without a
    document is a hatched grey column marked 'no text'.  Cells are annotated with their value."""
    import matplotlib.pyplot as plt

    cats = codebook_categories(codebook)
    d = by_year[by_year["comparison"] == comparison]
    grid = d.pivot(index="category", columns="year", values=value).reindex(index=cats["category"], columns=years)
    genres = d.groupby("year")["genres"].first().reindex(years)
    fig, ax = plt.subplots(figsize=(2.2 + 1.05 * len(years), 1.3 + 0.42 * len(cats)))
    data = np.ma.masked_invalid(grid.to_numpy(float))
    im = ax.imshow(data, aspect="auto", cmap="YlOrRd", vmin=0)
    vmax = np.nanmax(grid.to_numpy(float)) if np.isfinite(grid.to_numpy(float)).any() else 1
    for j, y in enumerate(years):
        if pd.isna(genres[y]):
            ax.add_patch(plt.Rectangle((j - 0.5, -0.5), 1, len(cats), facecolor="0.93", hatch="//",
                                       edgecolor="0.75", linewidth=0))
            ax.text(j, (len(cats) - 1) / 2, "no text\n无文本", ha="center", va="center", fontsize=8,
                    color="0.35", rotation=90)
            continue
        for i in range(len(cats)):
            v = grid.iat[i, j]
            ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=7.5,
                    color="white" if v > 0.6 * vmax else "0.15")
    ax.set_xticks(range(len(years)), [f"{y}\n{_wrap(g) if pd.notna(g) else ''}" for y, g in genres.items()],
                  fontsize=8)
    ax.set_yticks(range(len(cats)), cats["label"])
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    label = "hits per 10,000 characters 每万字频次" if value == "per_10k" else value
    fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02).set_label(label)
    ax.set_title(f"Attention to priority categories by year ({comparison})\n各年份重点领域关注度", loc="left")
    return fig


def _spread(values: np.ndarray, gap: float) -> np.ndarray:
    """Label positions at or above ``values``, at least ``gap`` apart, order kept (end-of-line labels)."""
    values = np.nan_to_num(np.asarray(values, float))
    order = np.argsort(values, kind="stable")
    pos = values[order].copy()
    for i in range(1, len(pos)):
        pos[i] = max(pos[i], pos[i - 1] + gap)
    out = np.empty_like(pos)
    out[order] = pos
    return out


def plot_slope(by_year: pd.DataFrame, codebook: pd.DataFrame, value: str = "per_10k"):
    """Slope chart: each category's value in the first and the last year of each comparison (one panel
    per comparison with more than one year); rising lines red, falling blue; bilingual labels at the
    right.  The intervals of these values are in ``plot_trends`` and of their changes in ``plot_change``."""
    import matplotlib.pyplot as plt

    cats = codebook_categories(codebook)
    comps = [c for c in dict.fromkeys(by_year["comparison"])
             if by_year.loc[by_year["comparison"] == c, "year"].nunique() > 1]
    scale = 1 if value == "per_10k" else 100
    n = max(len(comps), 1)
    fig, axes = plt.subplots(1, n, figsize=(5.6 * n, 1.5 + 0.3 * len(cats)), squeeze=False)
    colours = {"up": "#b2182b", "down": "#2166ac", "none": "0.55", "n/a": "0.55"}
    for ax, comp in zip(axes[0], comps):
        d = by_year[by_year["comparison"] == comp]
        first, last = int(d["year"].min()), int(d["year"].max())
        a = d[d["year"] == first].set_index("category").reindex(cats["category"])
        b = d[d["year"] == last].set_index("category").reindex(cats["category"])
        va, vb = a[value].to_numpy(float) * scale, b[value].to_numpy(float) * scale
        top = max(np.nanmax(np.r_[va, vb, 0]), 1e-9) * 1.08
        ys = _spread(vb, top * 0.055)
        top = max(top, ys.max() + top * 0.03)
        for i, cat in enumerate(cats["category"]):
            c = colours[_direction(vb[i] - va[i])]
            ax.plot([0, 1], [va[i], vb[i]], color=c, lw=1.4, marker="o", ms=3.5, zorder=3)
            ax.plot([1.0, 1.12], [vb[i], ys[i]], color=c, lw=0.5, alpha=0.6)
            ax.text(1.14, ys[i], cats.at[i, "label"], fontsize=7.5, va="center", color=c)
        ax.set_xticks([0, 1], [f"{first}\n{_wrap(a['genres'].iloc[0])}", f"{last}\n{_wrap(b['genres'].iloc[0])}"])
        ax.set_xlim(-0.12, 2.75)
        ax.set_ylim(0, top)
        ax.set_title(comp, loc="left")
        ax.spines["bottom"].set_visible(False)
        ax.tick_params(axis="x", length=0)
        ax.set_ylabel("hits per 10,000 characters 每万字频次" if value == "per_10k" else "share of coded hits 占比 (%)")
    if not comps:
        axes[0][0].text(0.5, 0.5, "only one year: nothing to compare\n仅一个年份，无从比较", ha="center",
                        va="center", transform=axes[0][0].transAxes)
    fig.suptitle("First vs last year (red: rises, blue: falls); intervals in 04_category_trends and "
                 "04_change_by_genre\n首末年份对比（红：上升，蓝：下降）", x=0.01, ha="left", fontsize=10)
    fig.tight_layout()
    return fig


def _year_list(years) -> str:
    """'2019, 2020, 2021, 2023' with runs of consecutive years joined: '2019–2021, 2023'."""
    years, parts = sorted(int(y) for y in years), []
    for y in years:
        if parts and y == parts[-1][1] + 1:
            parts[-1][1] = y
        else:
            parts.append([y, y])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in parts)


def plot_change(changes: pd.DataFrame, codebook: pd.DataFrame, ci: float = 0.95):
    """Forest plot of the change in share (percentage points) from first to last year, per category,
    with its bootstrap interval (level ``ci``): one marker per comparison (whole corpus and each multi-year
    genre), so whether a change goes the same direction within genre, and how sure it is, can be read off.
    A degenerate interval (lower = upper bound, e.g. no hit of the category in either end year, so every
    replicate is 0) is drawn as an open marker with a note: zero observed, not zero with certainty."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    cats = codebook_categories(codebook)
    comps = list(dict.fromkeys(changes["comparison"]))
    fig, ax = plt.subplots(figsize=(7.6, 1.9 + 0.42 * len(cats)))
    styles = [("0.15", "o"), ("#d95f02", "s"), ("#1b9e77", "^"), ("#7570b3", "D")]
    offsets = np.linspace(-0.18, 0.18, len(comps)) if len(comps) > 1 else [0.0]
    notes: dict[int, tuple[float, str]] = {}
    for (comp, off), (colour, marker) in zip(zip(comps, offsets), styles):
        d = changes[changes["comparison"] == comp].set_index("category").reindex(cats["category"])
        y = np.arange(len(cats)) + off
        x = d["share_change"].to_numpy(float) * 100
        lo, hi = d["share_change_ci_low"].to_numpy(float) * 100, d["share_change_ci_high"].to_numpy(float) * 100
        flat = np.isfinite(lo) & (lo == hi)
        ax.hlines(y[~flat], lo[~flat], hi[~flat], color=colour, lw=1.3)
        label = f"{comp}: {d['first_year'].iloc[0]} → {d['last_year'].iloc[0]}"
        ax.plot(x[~flat], y[~flat], marker, color=colour, ms=5, label=label, ls="none")
        ax.plot(x[flat], y[flat], marker, color=colour, mfc="white", ms=5, ls="none")
        zero = (d["per_10k_first"].to_numpy(float) == 0) & (d["per_10k_last"].to_numpy(float) == 0)
        for i in np.flatnonzero(flat):
            text = "no hit in either end year: interval 0–0" if zero[i] else "degenerate interval"
            notes[i] = (max(notes.get(i, (x[i], ""))[0], x[i]), text)
    for i, (xi, text) in notes.items():
        ax.annotate(text, (xi, i), xytext=(8, 0), textcoords="offset points", va="center", fontsize=7,
                    color="0.35")
    ax.axvline(0, color="0.5", lw=0.8, zorder=0)
    ax.set_yticks(range(len(cats)), cats["label"])
    ax.set_ylim(len(cats) - 0.5, -0.5)
    ax.set_xlabel("change in share of coded hits, percentage points (last − first year)\n占比变化（百分点）")
    handles, labels = ax.get_legend_handles_labels()
    if notes:
        handles.append(Line2D([], [], marker="o", ls="none", mfc="white", mec="0.15", color="0.15"))
        labels.append("open marker: degenerate interval — zero observed, not zero with certainty")
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.0, -0.16), fontsize=8, ncol=1,
                  frameon=False)
    fig.suptitle(f"Change in share from first to last year, {ci:.0%} bootstrap intervals\n"
                 f"首末年份占比变化及{ci:.0%}区间", x=0.01, ha="left", fontsize=10.5)
    if not comps:
        ax.text(0.5, 0.5, "only one year: nothing to compare\n仅一个年份，无从比较", ha="center", va="center",
                transform=ax.transAxes)
    fig.tight_layout()
    return fig


def plot_trends(by_year: pd.DataFrame, codebook: pd.DataFrame, years: list[int], ncols: int = 4,
                ci: float = 0.95):
    """Small multiples: each category's share of coded hits by year with its bootstrap interval; lines
    join consecutive years only, so a year without a document is a gap (shaded), never interpolated.

    The whole corpus is always drawn.  A within-genre series is drawn only at years where its documents
    differ from the whole corpus's: where they are the same documents the two values are identical, and
    the legend says in which years that is so.  A year with no hit of a category has a degenerate
    interval (0-0): its marker is open (zero observed, not zero with certainty).
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    cats = codebook_categories(codebook)
    comps = list(dict.fromkeys(by_year["comparison"]))
    nrows = int(np.ceil(len(cats) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols, 2.1 * nrows + 1.6), sharex=True, sharey=True,
                             squeeze=False)
    gaps = [y for y in years if y not in set(by_year["year"])]
    whole = by_year[by_year["comparison"] == ALL_GENRES].groupby("year").agg(
        documents=("documents", "first"), genres=("genres", "first"))
    styles = [("0.2", "o"), ("#d95f02", "s"), ("#1b9e77", "^"), ("#7570b3", "D")]
    same_years: dict[str, list[int]] = {}
    own_years: dict[str, list[int]] = {}
    for comp in comps:
        n = by_year[by_year["comparison"] == comp].groupby("year")["documents"].first()
        own_years[comp] = [int(y) for y in n.index]
        same_years[comp] = [int(y) for y in n.index if whole["documents"].get(y) == n[y]]
    drawn = [c for c in comps if c == ALL_GENRES or len(same_years[c]) < len(own_years[c])]
    spread = np.linspace(-0.12, 0.12, len(drawn)) if len(drawn) > 1 else [0.0]
    offsets = [dict(zip(drawn, spread)).get(c, 0.0) for c in comps]
    any_zero = False
    for ax, (_, cat) in zip(axes.flat, cats.iterrows()):
        mark_missing_years(ax, gaps, label=None)
        for (comp, off), (colour, marker) in zip(zip(comps, offsets), styles):
            d = by_year[(by_year["comparison"] == comp) & (by_year["category"] == cat["category"])]
            d = d.set_index("year").reindex(years)
            if comp != ALL_GENRES:
                d.loc[d.index.isin(same_years[comp])] = np.nan
            x = np.array(years) + off
            ok = d["share"].notna().to_numpy()
            zero = ok & (d["hits"].to_numpy(float) == 0)
            any_zero |= bool(zero.any())
            ax.plot(x, d["share"] * 100, color=colour, lw=1)
            ax.plot(x[ok & ~zero], d["share"][ok & ~zero] * 100, marker, color=colour, ms=3.5, ls="none")
            ax.plot(x[zero], d["share"][zero] * 100, marker, color=colour, mfc="white", ms=3.5, ls="none")
            ax.vlines(x[ok], d["ci_low"][ok] * 100, d["ci_high"][ok] * 100, color=colour, lw=0.9, alpha=0.7)
        ax.set_title(_wrap(cat["label"], 26), fontsize=8.5, loc="left")
        ax.tick_params(labelsize=7.5)
    for ax in axes.flat[len(cats):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xticks(years, [str(y) for y in years], rotation=90 if len(years) > 8 else 0)
    for ax in axes[:, 0]:
        ax.set_ylabel("share 占比 (%)", fontsize=8)
    handles, labels = [], []
    for comp, (colour, marker) in zip(comps, styles):
        handles.append(Line2D([], [], color=colour if comp in drawn else "none", marker=marker, ms=3.5, lw=1))
        if comp == ALL_GENRES:
            labels.append(comp)
        else:
            differ = [y for y in own_years[comp] if y not in same_years[comp]]
            if not differ:
                labels.append(f"{comp}: not drawn — in every year it covers ({_year_list(own_years[comp])}) its "
                              f"documents are those of {ALL_GENRES}, so its values are identical")
            else:
                labels.append(f"{comp}: drawn where its documents differ from {ALL_GENRES} ({_year_list(differ)})"
                              + (f"; identical to {ALL_GENRES} in {_year_list(same_years[comp])}, not drawn there"
                                 if same_years[comp] else ""))
    if any_zero:
        handles.append(Line2D([], [], marker="o", ls="none", mfc="white", mec="0.2", color="0.2", ms=3.5))
        labels.append("open marker: no hit that year — interval degenerate (0–0): zero observed, "
                      "not zero with certainty")
    genres = whole["genres"].groupby(whole["genres"], sort=False).apply(lambda s: _year_list(s.index))
    fig.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.01, 0.0), ncol=1, fontsize=7.5,
               frameon=False)
    note = f"; shaded = no text 无文本 ({_year_list(gaps)})" if gaps else ""
    fig.suptitle(f"Share of coded attention by year, {ci:.0%} percentile-bootstrap intervals" + note +
                 "\nGenre of the texts: " + "; ".join(f"{g} {ys}" for g, ys in genres.items()) +
                 f"\n各领域关注占比及{ci:.0%}区间", x=0.01, y=0.995, ha="left", va="top", fontsize=10)
    fig.tight_layout(rect=(0, (0.17 * len(handles) + 0.3) / (2.1 * nrows + 1.6), 1, 1))
    return fig


def plot_keyness(kw: pd.DataFrame, years: list[int], comparison_years: dict[str, set[int]],
                 glossary: dict[str, str] | None = None, top_n: int = 8):
    """Keyness bars: for each year (rows) and comparison (columns), the ``top_n`` significant overused
    terms by G2, bar length = Log Ratio, G2 printed at the bar; labels 'term english' where glossed,
    'term pinyin' otherwise (``gloss_label``).

    ``comparison_years`` maps each comparison label to the years of its documents.  A year without
    any document gets a thin 'no text' row; a year with no document in a comparison gets no panel
    there; a year with no term tested and a year without a significant keyword each get a note
    instead of bars.
    """
    import matplotlib.pyplot as plt

    glossary = glossary or {}
    comparisons = list(comparison_years)
    present = set().union(*comparison_years.values()) if comparison_years else set()
    ratios = [1.0 if y in present else 0.25 for y in years]
    ncols = max(len(comparisons), 1)
    fig, axes = plt.subplots(len(years), ncols, squeeze=False,
                             figsize=(4.6 * ncols, sum(ratios) * (0.2 * top_n + 0.6) + 0.5),
                             gridspec_kw={"height_ratios": ratios})
    sig = kw[kw["significant"].astype(bool)] if len(kw) else kw
    xmax = max(sig["log_ratio"].max() if len(sig) else 1, 1) * 1.35
    for i, y in enumerate(years):
        for j, comp in enumerate(comparisons or [""]):
            ax = axes[i][j]
            if y not in present:
                ax.axis("off")
                ax.text(0.5, 0.5, f"{y}: no text 无文本", ha="center", va="center", color="0.4",
                        transform=ax.transAxes, fontsize=8.5)
                continue
            if y not in comparison_years.get(comp, set()):
                ax.axis("off")   # no document of this comparison in this year: no panel
                continue
            d = kw[(kw["comparison"] == comp) & (kw["year"] == y)]
            top = d[d["significant"].astype(bool) & (d["g2"] > 0)].head(top_n)
            ax.set_title(f"{y} · {comp}", loc="left", fontsize=9)
            if top.empty:
                msg = ("no term reaches the minimum frequency\n无达到最低频次的词" if d.empty
                       else "no significant keyword after Bonferroni\n校正后无显著关键词")
                ax.text(0.5, 0.5, msg, ha="center", va="center", transform=ax.transAxes, fontsize=8, color="0.4")
                ax.set_xticks([])
                ax.set_yticks([])
                continue
            labels = [gloss_label(t, glossary, sep=" ") for t in top["term"]]
            ax.barh(range(len(top)), top["log_ratio"], color="#4c72b0", height=0.7)
            for k, (lr, g) in enumerate(zip(top["log_ratio"], top["g2"])):
                ax.text(lr + xmax * 0.02, k, f"G²={g:.0f}", va="center", fontsize=6.5, color="0.3")
            ax.set_yticks(range(len(top)), [_wrap(s, 36) for s in labels], fontsize=7.5)
            ax.set_ylim(top_n - 0.5, -0.5)
            ax.set_xlim(0, xmax)
            ax.tick_params(axis="x", labelsize=7)
    for j in range(ncols):
        shown = [axes[i][j] for i in range(len(years)) if axes[i][j].axison]
        if shown:
            shown[-1].set_xlabel("Log Ratio (log2 of relative-frequency ratio)", fontsize=8)
    fig.suptitle("Keywords of each year against all other years (top terms by G², significant after "
                 "Bonferroni)\nLabels: term and English gloss (glossary.csv), or its pinyin where no gloss "
                 "is listed\n各年份关键词（对数似然比显著，条长为Log Ratio）", x=0.01, y=0.998, ha="left",
                 va="top", fontsize=10)
    fig.tight_layout()
    return fig
# PRIORITIES-SECTION-END

# ADOPTION-SECTION-START (notebook 05: central formulae, lags)
# When does a central formula reach the district?  Every date in the corpus is an interval
# (h.date_bounds), and one text per year only brackets the first local use: the first use lies
# after the last text without the term and no later than the first text with it.  Lags are whole
# months, rounded outwards (lower bound down, upper bound up), so [lag_months_min, lag_months_max]
# always contains every lag the dates allow.
ADOPTION_STATUS = {
    "adopted": "in a text after its introduction; a text without it, possibly dated after the "
               "introduction, precedes the first text with it (first use bounded on both sides, the "
               "lower bound resting on reading that text's silence as 'not yet in use')",
    "present in first text": "in the first text that may postdate its introduction (for a local formula: "
                             "in the first text of the corpus); the lower bound is the introduction "
                             "(or unknown): left-censored, only an upper bound on the lag is known",
    "absent": "not found in any text dated after its introduction (at least one text certainly is); "
              "with a few sampled texts this is not evidence that the district skipped it",
    "introduced after last text": "every text is dated before its introduction: cannot be observed",
    "undetermined": "in no text; no text is certainly dated after its introduction (dates overlap)",
    "dating conflict": "in a text dated entirely before its introduction: no lag is computed",
}
QUOTES = "“”‘’\"'「」『』《》"


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


def normalise_formula(term: str) -> str:
    """The form in which formulae are compared: notebook 03's normalise_span without quote marks
    (NFKC, no whitespace, ASCII clause punctuation as full-width): '“四个意识”' -> '四个意识'."""
    return normalise_span(str(term).translate({ord(q): None for q in QUOTES}))


def read_central_formulae(path: str | os.PathLike) -> pd.DataFrame:
    """Read ``central_formulae.csv`` (``#`` header) and validate it for notebook 05.

    Requires term and introduced; every ``introduced`` must be YYYY, YYYY-MM or YYYY-MM-DD and every
    term unique after normalise_formula.  An optional ``variants`` column lists other spellings
    separated by ``;`` or ``|``; they become a list column ``variant_list``.  Errors name the file and line.
    """
    path = Path(path)
    df = read_lexicon_csv(path, ["term", "introduced"])
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.strip() and not line.startswith("#"))
    seen: dict[str, int] = {}
    variants = []
    for i, row in df.iterrows():
        where = f"{path} line {header + i + 2} ({row['term']})"
        try:
            date_bounds(row["introduced"])
        except ValueError as err:
            raise CorpusError(f"{where}: introduced: {err}") from None
        key = normalise_formula(row["term"])
        if key in seen:
            raise CorpusError(f"{where}: same formula as line {seen[key]}")
        seen[key] = header + i + 2
        raw = row["variants"] if "variants" in df.columns else ""
        variants.append([v.strip() for v in re.split(r"[;|；]", raw) if v.strip()])
    df["introduced"] = df["introduced"].str.strip()
    df["variant_list"] = variants
    return df


def count_formulae(body: pd.DataFrame, terms: list[str], st: RhetoricSettings,
                   variants: dict[str, str] | None = None) -> pd.DataFrame:
    """Occurrences of each formula per document: doc_id, term, count, nested (rows where count > 0).

    Counting is notebook 03's (``count_terms`` on ``body_paragraphs``): non-overlapping occurrences
    of each term, a term opening with a numeral not matched after a numeral or ordinal (三产 in
    第三产业); ``count`` is the term's own count, ``nested`` the occurrences inside a longer listed
    term (``count - nested`` is what a total adds so no stretch of text counts twice).  ``variants``
    maps another spelling to its term; a variant that contains its own term is left out (the term
    is found anyway, and counting both would count one occurrence twice).
    """
    variants = {v: t for v, t in (variants or {}).items() if t not in v and v not in terms}
    forms = sorted(set(terms) | set(variants))
    c = count_terms(body, forms, st) if forms and len(body) else pd.DataFrame(columns=["doc_id", "term", "count", "nested"])
    c = c.assign(term=c["term"].map(lambda f: variants.get(f, f)))
    out = c.groupby(["doc_id", "term"], as_index=False)[["count", "nested"]].sum()
    out = out.astype({"doc_id": str, "term": str, "count": int, "nested": int})
    return out.sort_values(["doc_id", "term"], kind="stable").reset_index(drop=True)


def first_use_interval(bounds: pd.DataFrame, present: set[str] | list[str], introduced: str = "") -> dict:
    """Bracket the first local use of one formula by the corpus' dated texts.

    ``bounds`` is document_date_bounds(documents); ``present`` the doc_ids of texts containing the
    formula; ``introduced`` its central introduction date ("" for a local formula).  Rules:

    - first text with it = the one whose latest possible date is earliest (ties: date_lo, doc_id);
      the first use is no later than that date (``first_use_latest``).
    - last text without it = among texts without it that are certainly earlier than the first text
      with it (date_hi < its date_lo) and may postdate the introduction (date_hi >= introduced's
      earliest day), the latest (by date_lo, date_hi, doc_id).  Absence there is read as "not yet
      in use", so the first use came after that text was written; since the text may have been
      written on its earliest possible day, ``first_use_earliest`` = its date_lo + 1 day (not its
      date_hi + 1: that would assume the latest possible date and could exclude the true first use).
      It is never before the introduction: max(introduction's earliest day, date_lo + 1 day).
    - if there is no such text, the first use is bounded below only by the introduction: status
      "present in first text", ``left_censored`` True, lag_months_min 0.
    - lag_months_min = whole months, floor, from the introduction's latest day to first_use_earliest
      (0 if that is earlier); lag_months_max = whole months, ceil, from the introduction's earliest
      day to first_use_latest.  Partial dates thus widen the interval; they never narrow it.
    - a formula in a text dated entirely before its introduction: status "dating conflict", no lag.
    Statuses are the keys of ADOPTION_STATUS.  Dates are returned as ISO strings ("" if none).
    """
    present = set(present)
    docs = sorted(bounds[["doc_id", "date", "date_lo", "date_hi"]].itertuples(index=False),
                  key=lambda d: (d.date_lo, d.date_hi, d.doc_id))
    unknown = present - {d.doc_id for d in docs}
    if unknown:
        raise ValueError(f"doc_id(s) not in the documents table: {', '.join(sorted(unknown))}")
    iso = lambda t: "" if t is None else pd.Timestamp(t).strftime("%Y-%m-%d")  # noqa: E731
    intro_lo, intro_hi = date_bounds(introduced) if str(introduced).strip() else (None, None)
    rec = {"first_seen_doc": "", "first_seen_date": "", "last_absent_doc": "", "last_absent_date": "",
           "first_use_earliest": "", "first_use_latest": "", "lag_months_min": None,
           "lag_months_max": None, "left_censored": False,
           "texts_after_introduction": sum(d.date_lo >= intro_hi for d in docs) if intro_hi is not None
           else None}
    with_it = [d for d in docs if d.doc_id in present]
    if not with_it:
        if intro_lo is None or rec["texts_after_introduction"]:
            rec["status"] = "absent"
        elif all(d.date_hi < intro_lo for d in docs):
            rec["status"] = "introduced after last text"
        else:
            rec["status"] = "undetermined"
        return rec
    first = min(with_it, key=lambda d: (d.date_hi, d.date_lo, d.doc_id))
    rec.update(first_seen_doc=first.doc_id, first_seen_date=first.date, first_use_latest=iso(first.date_hi))
    before = [d for d in docs if d.doc_id not in present and d.date_hi < first.date_lo
              and (intro_lo is None or d.date_hi >= intro_lo)]
    earliest = None
    if before:
        last = before[-1]  # docs are sorted by date_lo, date_hi, doc_id
        rec.update(last_absent_doc=last.doc_id, last_absent_date=last.date)
        earliest = last.date_lo + pd.Timedelta(days=1)
    if intro_lo is not None and first.date_hi < intro_lo:
        rec.update(status="dating conflict", first_use_earliest=iso(earliest))
        return rec
    if intro_lo is not None:
        rec["left_censored"] = earliest is None or earliest <= intro_lo
        earliest = intro_lo if rec["left_censored"] else earliest
        rec["lag_months_min"] = max(0, whole_months(intro_hi, earliest, "floor"))
        rec["lag_months_max"] = max(0, whole_months(intro_lo, first.date_hi, "ceil"))
    else:
        rec["left_censored"] = earliest is None
    rec["first_use_earliest"] = iso(earliest)
    rec["status"] = "present in first text" if rec["left_censored"] else "adopted"
    return rec


def adoption_table(counts: pd.DataFrame, documents: pd.DataFrame, formulae: pd.DataFrame) -> pd.DataFrame:
    """One row per formula: when it was introduced, first seen, how long it took, how often it occurs.

    ``counts``: doc_id, term, count (count_formulae); ``documents``: doc_id, year, date (+ genre);
    ``formulae``: term, origin ("central" or "local"), introduced ("" for local), optional english,
    level, kind.  Columns: term, origin, english, level, kind, introduced, status, first_seen_doc,
    first_seen_date, last_absent_doc, last_absent_date, first_use_earliest, first_use_latest,
    lag_months_min, lag_months_max, left_censored, texts_after_introduction, occurrences, nested (of
    them, inside a longer listed formula; 0 if ``counts`` has no ``nested``), n_docs,
    years_present (";"-joined), n_years_present, n_years_observed (years with a text from the
    first-seen year on) and last_seen_date.  Sorted by origin, introduced, term.
    """
    bounds = document_date_bounds(documents)
    bad = sorted(set(counts["doc_id"]) - set(bounds["doc_id"]))
    if bad:
        raise CorpusError(f"counts name doc_id(s) absent from the documents table: {', '.join(bad)}")
    bad_origin = sorted(set(formulae["origin"]) - {"central", "local"})
    if bad_origin:
        raise ValueError(f"origin must be 'central' or 'local', got {', '.join(map(str, bad_origin))}")
    year_of = dict(zip(bounds["doc_id"], bounds["year"].astype(int)))
    all_years = set(year_of.values())
    order = {d: i for i, d in enumerate(bounds["doc_id"])}
    pos = counts[counts["count"] > 0]
    docs_of = pos.groupby("term")["doc_id"].agg(set).to_dict()
    total_of = pos.groupby("term")["count"].sum().to_dict()
    nested_of = pos.groupby("term")["nested"].sum().to_dict() if "nested" in pos.columns else {}
    rows = []
    for f in formulae.itertuples(index=False):
        present = docs_of.get(f.term, set())
        intro = str(getattr(f, "introduced", "") or "").strip() if f.origin == "central" else ""
        rec = {"term": f.term, "origin": f.origin, "english": getattr(f, "english", ""),
               "level": getattr(f, "level", ""), "kind": getattr(f, "kind", ""), "introduced": intro}
        rec.update(first_use_interval(bounds, present, intro))
        present_years = sorted({year_of[d] for d in present})
        last_seen = max(present, key=order.get) if present else None
        rec.update(occurrences=int(total_of.get(f.term, 0)), nested=int(nested_of.get(f.term, 0)),
                   n_docs=len(present),
                   years_present=";".join(map(str, present_years)), n_years_present=len(present_years),
                   n_years_observed=sum(y >= present_years[0] for y in all_years) if present_years else 0,
                   last_seen_date=bounds["date"].iloc[order[last_seen]] if last_seen else "")
        rows.append(rec)
    cols = ["term", "origin", "english", "level", "kind", "introduced", "status", "first_seen_doc", "first_seen_date",
            "last_absent_doc", "last_absent_date", "first_use_earliest", "first_use_latest",
            "lag_months_min", "lag_months_max", "left_censored", "texts_after_introduction", "occurrences",
            "nested", "n_docs", "years_present", "n_years_present", "n_years_observed", "last_seen_date"]
    out = pd.DataFrame(rows, columns=cols)
    for c in ["lag_months_min", "lag_months_max", "texts_after_introduction"]:
        out[c] = out[c].astype("Int64")
    out["_intro"] = out["introduced"].map(lambda d: date_bounds(d)[0] if d else pd.Timestamp.max)
    out = out.sort_values(["origin", "_intro", "term"], kind="stable").drop(columns="_intro")
    return out.reset_index(drop=True)


def adoption_by_year(counts: pd.DataFrame, documents: pd.DataFrame, formulae: pd.DataFrame,
                     chars_by_year: pd.Series) -> pd.DataFrame:
    """Long table term x year (years that have a text only; missing years stay missing).

    Columns: term, origin, year, n_texts, occurrences (0 if absent that year), nested (of those, inside
    a longer listed formula; 0 if ``counts`` has no ``nested``), per_10k (occurrences per 10,000 body
    characters of that year, ``chars_by_year`` = h.body_chars(paragraphs, "year")).
    """
    years = sorted(int(y) for y in documents["year"].unique())
    missing = [y for y in years if y not in chars_by_year.index or not chars_by_year.get(y)]
    if missing:
        raise ValueError(f"no body characters for year(s) {missing}: cannot compute rates")
    doc_year = documents.set_index("doc_id")["year"].astype(int)
    counts = counts if "nested" in counts.columns else counts.assign(nested=0)
    c = counts.assign(year=counts["doc_id"].map(doc_year)).groupby(["term", "year"])[["count", "nested"]].sum()
    n_texts = documents.groupby("year")["doc_id"].nunique()
    rows = [(f.term, f.origin, y, int(n_texts[y]), *(int(v) for v in (c.loc[(f.term, y)] if (f.term, y) in c.index
                                                                     else (0, 0))))
            for f in formulae.itertuples(index=False) for y in years]
    out = pd.DataFrame(rows, columns=["term", "origin", "year", "n_texts", "occurrences", "nested"])
    out["per_10k"] = out["occurrences"] / out["year"].map(chars_by_year).astype(float) * 1e4
    return out.sort_values(["origin", "term", "year"], kind="stable").reset_index(drop=True)


def density_by_origin(by_year: pd.DataFrame, chars_by_year: pd.Series) -> pd.DataFrame:
    """Per year and origin: formula occurrences, body characters and occurrences per 10,000 characters.

    An occurrence nested in a longer listed formula is left out (``occurrences - nested``), so each
    stretch of text counts once, for the longest formula covering it.
    """
    g = by_year.assign(occurrences=by_year["occurrences"] - by_year["nested"])
    g = g.groupby(["year", "origin"], as_index=False)["occurrences"].sum()
    g["body_chars"] = g["year"].map(chars_by_year).astype(int)
    g["per_10k"] = g["occurrences"] / g["body_chars"] * 1e4
    return g.sort_values(["year", "origin"], kind="stable").reset_index(drop=True)


ADOPTION_COLORS = {"adopted": "#1f77b4", "present in first text": "#9ecae1", "dating conflict": "#d62728",
                   "central": "#1f77b4", "local": "#ff7f0e"}


def plot_adoption_timeline(table: pd.DataFrame, bounds: pd.DataFrame):
    """Timeline of the central formulae of an adoption_table: one row each, in order of introduction.

    A diamond marks the introduction (a line if its date is a month or a year); a bar spans the
    interval of possible first local use (first_use_earliest .. first_use_latest), hatched and pale
    when left-censored; a dotted line joins the introduction to it.  Formulae never seen carry their
    status as text.  Grey bands are the possible dates of each text, coloured by genre.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    central = table[table["origin"] == "central"].reset_index(drop=True)
    n = len(central)
    fig, ax = plt.subplots(figsize=(7.5, max(2.6, 0.2 * n + 1.6)))
    genres = sorted(bounds["genre"].unique()) if "genre" in bounds.columns else [""]
    gcol = dict(zip(genres, ["0.55", "#8c6d31", "#7b4173", "#637939"]))
    day = pd.Timedelta(days=1)
    for b in bounds.itertuples(index=False):
        g = getattr(b, "genre", "")
        ax.axvspan(b.date_lo, b.date_hi + day, color=gcol.get(g, "0.55"), alpha=0.18, lw=0)
        ax.axvline(b.date_lo + (b.date_hi + day - b.date_lo) / 2, color=gcol.get(g, "0.55"), lw=0.4, alpha=0.6)
        ax.text(b.date_lo + (b.date_hi + day - b.date_lo) / 2, 1.0, str(b.year), rotation=90, fontsize=7,
                ha="center", va="bottom", color="0.3", transform=ax.get_xaxis_transform())
    notes = {"absent": "not found 未见", "introduced after last text": "after last text 晚于末篇",
             "undetermined": "undetermined 无法判断"}
    for i, f in central.iterrows():
        y = n - 1 - i
        lo, hi = date_bounds(f["introduced"])
        ax.plot([lo, hi + day], [y, y], color="black", lw=2.5, solid_capstyle="butt")
        ax.plot([lo], [y], marker="D", color="black", ms=4)
        if f["status"] in ("adopted", "present in first text"):
            start, end = pd.Timestamp(f["first_use_earliest"]), pd.Timestamp(f["first_use_latest"]) + day
            if start > hi + day:
                ax.plot([hi + day, start], [y, y], color="0.4", lw=0.8, ls=":")
            censored = f["status"] == "present in first text"
            ax.barh(y, end - start, left=start, height=0.55, color=ADOPTION_COLORS[f["status"]],
                    hatch="////" if censored else None, edgecolor="#3182bd" if censored else "none", lw=0.5)
            label = (f"≤{f['lag_months_max']} mo" if censored
                     else f"{f['lag_months_min']}–{f['lag_months_max']} mo")
            ax.text(end + 20 * day, y, label, va="center", fontsize=7)
        elif f["status"] == "dating conflict":
            x = pd.Timestamp(f["first_use_latest"])
            ax.plot([x], [y], marker="x", color=ADOPTION_COLORS["dating conflict"], ms=6, mew=1.5)
            ax.text(max(x, hi) + 40 * day, y, "in a text dated before introduction", va="center", fontsize=7,
                    color=ADOPTION_COLORS["dating conflict"])
        elif f["status"] == "introduced after last text":  # the marker is the rightmost point: note to its left
            ax.text(lo - 40 * day, y, notes[f["status"]], va="center", ha="right", fontsize=7, color="0.35")
        else:
            ax.text(hi + 40 * day, y, notes[f["status"]], va="center", fontsize=7, color="0.35")
    labels = [f"{t}  {e}" if isinstance(e, str) and e and len(e) <= 60 else t
              for t, e in zip(central["term"], central.get("english", pd.Series([""] * n)))]
    ax.set_yticks(range(n - 1, -1, -1), labels)
    ax.set_ylim(-0.8, max(n, 1) - 0.2)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    dates = list(bounds["date_lo"]) + list(bounds["date_hi"]) + [date_bounds(d)[0] for d in central["introduced"]]
    if dates:
        ax.set_xlim(min(dates) - pd.Timedelta(days=120), max(dates) + pd.Timedelta(days=540))
    ax.tick_params(axis="x", labelrotation=90)
    ax.set_xlabel("Date 日期")
    handles = [Line2D([], [], color="black", marker="D", ms=4, lw=2.5, label="introduced 提出"),
               Patch(color=ADOPTION_COLORS["adopted"],
                     label="possible first local use 首次使用区间;\n'A–B mo': lower and upper bound on the lag"),
               Patch(facecolor=ADOPTION_COLORS["present in first text"], edgecolor="#3182bd", hatch="////",
                     label="…left-censored (in first text after introduction) 左删失;\n"
                           "'≤B mo': upper bound only, no lower bound")]
    handles += [Patch(color=gcol.get(g, "0.55"), alpha=0.3, label=f"text: {g}") for g in genres]
    if n == 0:
        ax.text(0.5, 0.5, "no central formula listed 无中央提法", transform=ax.transAxes, ha="center", color="0.4")
    # Centre title and legend on everything drawn so far (long labels on the left shift the axes right).
    drawn = ax.get_tightbbox(fig.canvas.get_renderer())
    centre = ((drawn.x0 + drawn.x1) / 2 - ax.bbox.x0) / ax.bbox.width
    ax.set_title("Central formulae: introduction and first local use 中央提法：提出与首次在区级文本出现", pad=22,
                 x=centre)
    sub = fig.subplotpars  # below the rotated year labels and the axis label (about 0.8 inch)
    below = -0.8 / (fig.get_figheight() * (sub.top - sub.bottom))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(centre, below), ncol=2, fontsize=7)
    return fig


def plot_formula_density(density: pd.DataFrame, documents: pd.DataFrame):
    """Bars per year: occurrences per 10,000 body characters of the listed central formulae (numbered
    or not: 新时代, 获得感 …) and of the locally detected numbered formulae (notebook 03's formulae not
    in the central list).  Not notebook 03's formula density, which counts numbered formulae only.

    ``density`` is density_by_origin(); years without a text are gaps labelled "no text", and each
    year's tick names the genre(s) of its text(s).
    """
    import textwrap

    import matplotlib.pyplot as plt

    years = sorted(documents["year"].astype(int).unique())
    span = list(range(years[0], years[-1] + 1))
    genre = documents.groupby(documents["year"].astype(int))["genre"].agg(
        lambda g: "\n".join(textwrap.fill(x, 11) for x in sorted(set(g))))
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    origins = ["central", "local"]
    for k, origin in enumerate(origins):
        d = density[density["origin"] == origin].set_index("year")["per_10k"].reindex(years, fill_value=0.0)
        xs = years  # a year with a text but no formula of this origin is a zero bar, not a gap
        bars = ax.bar([y - 0.2 + 0.4 * k for y in xs], [d[y] for y in xs], width=0.38, color=ADOPTION_COLORS[origin],
                      label={"central": "listed central formulae (numbered or not) 中央提法清单",
                             "local": "locally detected numbered formulae 本地检出的数字提法"}[origin])
        ax.bar_label(bars, fmt="%.1f", fontsize=7, padding=1)
    mark_missing_years(ax, missing_years(years), label="bottom")
    chars = density.groupby("year")["body_chars"].first()
    ax.set_xticks(span, [f"{y}\n{genre[y]}\n{chars[y]:,} chars" if y in chars.index else
                         (f"{y}\n{genre[y]}" if y in genre.index else str(y)) for y in span], fontsize=7)
    ax.set_ylim(0, max(1.0, float(density["per_10k"].max() if len(density) else 0) * 1.1))
    ax.set_ylabel("Occurrences per 10,000 characters\n每万字出现次数")
    drawn = ax.get_tightbbox(fig.canvas.get_renderer())  # centre title and legend on axes + labels
    centre = ((drawn.x0 + drawn.x1) / 2 - ax.bbox.x0) / ax.bbox.width
    ax.set_title("Listed central formulae vs locally detected numbered formulae, by year\n"
                 "中央提法清单与本地检出数字提法：每万字出现次数", pad=44, fontsize=10, x=centre)
    ax.legend(loc="lower center", bbox_to_anchor=(centre, 1.0), ncol=1, fontsize=8)
    return fig
# ADOPTION-SECTION-END


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


GLYPH_MISSING = r".*[Gg]lyph.*missing from.*"  # matplotlib's warning, turned into an error
PNG_DPI, DISPLAY_REDUCTION = 300, 2           # saved PNG resolution; shown in notebooks at 1/2 of it


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
        "savefig.dpi": PNG_DPI,
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
    warnings.filterwarnings("error", message=GLYPH_MISSING)


def save_figure(fig, name: str, paths: Paths):
    """Save ``fig`` as ``<figures>/<name>.png`` (300 dpi) and ``.pdf`` (fonts embedded), byte-stable;
    close it and return its PNG at half resolution for the notebook to display.

    ``name`` starts with the notebook number, e.g. ``"00_length_by_year"``.  Each file is written
    to a temporary name and renamed (the PNG first, then the PDF); PDF metadata carries no creation
    date, so re-runs are byte-identical.  The figure is laid out once for the tight bounding box,
    drawn once by Agg at 300 dpi and once as PDF; the notebook shows those same pixels (150 dpi, at
    the size the inline backend would use) instead of drawing the figure again.  The PNG is encoded
    (RGB when the figure is opaque) in a thread while the PDF is drawn.  The figure is closed even
    when saving fails (a missing glyph, a full disk): no file of that name is then written.
    """
    if not re.fullmatch(r"\d\d_[a-z0-9_]+", name):
        raise ValueError(f"figure name '{name}' should look like 'NN_what_it_shows'")
    from concurrent.futures import ThreadPoolExecutor

    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from IPython.display import Image as DisplayImage
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    def encode_png(pixels: np.ndarray, tmp: str) -> bytes:
        image = Image.fromarray(pixels, "RGBA")
        if image.getextrema()[3][0] == 255:  # opaque: the alpha channel carries nothing
            image = image.convert("RGB")
        image.save(tmp, format="png", dpi=(PNG_DPI, PNG_DPI), compress_level=3)
        shown = io.BytesIO()
        image.reduce(DISPLAY_REDUCTION).save(shown, format="png", compress_level=3)
        return shown.getvalue()

    tmps = {ext: tempfile.mkstemp(dir=paths.figures, prefix=f".{name}.", suffix=f".{ext}") for ext in ("png", "pdf")}
    for fd, _ in tmps.values():
        os.close(fd)
    try:
        with warnings.catch_warnings(), ThreadPoolExecutor(max_workers=1) as pool:
            warnings.filterwarnings("error", message=GLYPH_MISSING)
            canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
            if fig.get_layout_engine() is not None:  # constrained/tight layout must run before measuring
                fig.draw_without_rendering()
            bbox = fig.get_tightbbox(canvas.get_renderer()).padded(mpl.rcParams["savefig.pad_inches"])
            fig.savefig(io.BytesIO(), format="rgba", dpi=PNG_DPI, bbox_inches=bbox)
            pixels = np.array(canvas.buffer_rgba())  # what was just printed, with its exact pixel size
            png = pool.submit(encode_png, pixels, tmps["png"][1])
            fig.savefig(tmps["pdf"][1], format="pdf", metadata={"CreationDate": None, "Producer": None},
                        bbox_inches=bbox)
            shown = png.result()
        for ext, (_, tmp) in tmps.items():
            _publish(tmp, paths.figures / f"{name}.{ext}")
    except BaseException:
        for _, tmp in tmps.values():
            Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
    width = pixels.shape[1]
    return DisplayImage(data=shown, format="png", width=round(width * mpl.rcParams["figure.dpi"] / PNG_DPI))


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
