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
# CLEAN-SECTION-END


# ---------------------------------------------------------------------------
# Segment (notebook 02)
# ---------------------------------------------------------------------------
# SEGMENT-SECTION-START
# The tokenizer: one lexicon (data/lexicon/userdict.txt), loaded once per process into rjieba (fast
# cutting) and jieba (its dictionary's POS tags, posseg for unknown tokens, the reference in tests).
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

    Every non-comment, non-blank line must be ``word freq tag`` separated by single spaces, with a
    positive integer frequency, a lower-case tag and a word made only of characters jieba can keep
    in one token.  A duplicate word is an error too (each addition shifts jieba's total frequency).
    Errors raise LexiconError naming the file and the line number.
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
        if freq <= 0:
            raise LexiconError(f"{where}: frequency must be positive, got {freq} for {word!r}")
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
    """The ``term`` column of every codebook CSV that exists under ``lexicon_dir``, by file name."""
    out = {}
    for name in CODEBOOK_FILES:
        path = Path(lexicon_dir) / name
        if path.exists():
            out[name] = set(read_lexicon_csv(path, ["term"])["term"])
    return out


def protected_terms(lexicon_dir: str | os.PathLike = LEXICON) -> set[str]:
    """Every term the project counts: userdict words plus all codebook terms (never stopwords)."""
    terms = {w for w, _, _ in read_userdict(Path(lexicon_dir) / "userdict.txt")}
    for found in codebook_terms(lexicon_dir).values():
        terms |= found
    return terms


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


def _jieba_tokenizer(entries: list[tuple[str, int, str]] | None = None):
    """A fresh jieba Tokenizer whose cache file lives in ``CACHE``, with ``entries`` added in order."""
    jieba = _quiet_jieba()
    CACHE.mkdir(parents=True, exist_ok=True)
    jt = jieba.Tokenizer()
    jt.tmp_dir = str(CACHE)
    jt.initialize()
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

    def tag(self, token: str) -> str:
        """POS tag of one token, aligned with the cutter's tokens by construction.

        Known words get their tag from the lexicon (user entries first, then jieba's dictionary,
        the table posseg itself uses); other tokens get the tag posseg gives the token alone;
        if posseg would split the token (its character class is narrower than lcut's: no % or -),
        the tag is 'm' for a number, 'eng' for Latin letters, else 'x'.
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
    pt = jieba.posseg.POSTokenizer(jt)
    pt.makesure_userdict_loaded()
    return Segmenter(entries=entries, hmm=hmm, rjieba=rj, jieba=jt, posseg=pt,
                     _tags=dict(pt.word_tag_tab))


_SEGMENTERS: dict[tuple[str, bool], Segmenter] = {}


def tokenizer(hmm: bool = SEGMENT_HMM, userdict: str | os.PathLike | None = None) -> Segmenter:
    """The project's tokenizer, configured once per process (lexicon loaded once, then cached)."""
    key = (str(Path(userdict or LEXICON / "userdict.txt").resolve()), hmm)
    if key not in _SEGMENTERS:
        _SEGMENTERS[key] = build_segmenter(key[0], hmm)
    return _SEGMENTERS[key]


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
        for token in seg.cut(text):
            rows.append((doc_id, year, para_id, sent_id, token))
    out = pd.DataFrame(rows, columns=["doc_id", "year", "para_id", "sent_id", "token"])
    out.insert(4, "token_id", out.groupby("doc_id", sort=False).cumcount())
    tags = {t: seg.tag(t) for t in out["token"].unique()}
    out["pos"] = out["token"].map(tags)
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
# COUNT-SECTION-END


# ---------------------------------------------------------------------------
# Compare: priorities, keyness, adoption (notebooks 04, 05)
# ---------------------------------------------------------------------------
# PRIORITIES-SECTION-START (notebook 04: codebook attention, bootstrap, keyness)
# PRIORITIES-SECTION-END

# ADOPTION-SECTION-START (notebook 05: central formulae, lags)
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
            _publish(tmp, path)
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
