"""Segmentation (notebook 02): one lexicon (``data/lexicon/userdict.txt``), loaded once per process
into rjieba (fast cutting) and jieba (POS tags by one posseg pass aligned to the cutter's tokens; the
reference in tests); stopwords flagged, never deleted; lexicon integrity; the gold standard and its
scores.  ``SEGMENT_HMM`` is the choice notebook 02 justifies with the gold standard.

The tokenizer contract: ``Segmenter.cut(text) == jieba.lcut(text)`` with the same lexicon, on any
text.  rjieba alone breaks it on ASCII runs and rare ideographs (see ``Segmenter.cut``), so its
output is mended there with jieba's own cut; every count is therefore jieba's, whichever engine ran.
The checks notebook 02 makes on a corpus (``check_*``) return a :class:`CheckReport` instead of
stopping the run; only a defect that would make later tables wrong raises, naming the sentence.
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .config import CACHE, LEXICON, SEED
from .files import CorpusError, LexiconError, read_lexicon_csv

# The tokenizer: one lexicon (data/lexicon/userdict.txt), loaded once per process into rjieba (fast
# cutting) and jieba (POS tags by one posseg pass aligned to rjieba's tokens; the reference in tests).
# SEGMENT_HMM is the choice that notebook 02 justifies with the gold standard (and asserts there).
SEGMENT_HMM = True
USERDICT_LINE = re.compile(r"^(?P<word>\S+) (?P<freq>[0-9]+) (?P<tag>[a-z]+)$")
JIEBA_TOKEN_CHARS = re.compile(r"^[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+$")  # what jieba can put in one token
# Where rjieba (HMM on) and jieba can cut differently, measured over every code point (a test checks it
# again): ideographs outside jieba's U+4E00-9FD5, and '-', '.', '_' in ASCII runs.
# - jieba treats the rare ideographs (CJK extension A, B-F, compatibility, U+9FD6-9FFF) as punctuation:
#   each one token, and a boundary that the words around it are cut apart from; rjieba takes them into
#   its blocks (its HMM glues 㐀㐀, and a neighbouring word can change: 国建 before 鿖).
# - jieba splits an unknown ASCII run with finalseg's pattern ``[a-zA-Z0-9]+(?:\.\d+)?%?`` (1-2 -> 1/-/2,
#   v1.2.3 -> v1.2/./3); rjieba glues letters and digits across - . _ (1-2, www.in-paku.go.jp).
RARE_IDEOGRAPHS = "\u3400-\u4DBF\u9FD6-\u9FFF\uF900-\uFAFF\U00020000-\U0002FA1F"
_RARE_IDEOGRAPH = re.compile(f"[{RARE_IDEOGRAPHS}]")
_RARE_SPLIT = re.compile(f"([{RARE_IDEOGRAPHS}])")
_RUN_CHARS = "a-zA-Z0-9+#&%\\-._"  # the non-Han characters jieba can keep in one token
# A maximal ASCII run holding - . or _ that is not one of jieba's finalseg pieces (7.5%, 2.5 and 3.5% are
# such pieces and are cut alike): only texts with one need mending.
_DIVERGENT_CHAR = re.compile(r"[\-._]")  # the cheap first test (most sentences have none)
_DIVERGENT_RUN = re.compile(rf"(?<![{_RUN_CHARS}])(?![a-zA-Z0-9]+(?:\.\d+)?%?(?![{_RUN_CHARS}]))"
                            rf"[{_RUN_CHARS}]*[\-._]")
_HAN = re.compile(r"[\u4E00-\u9FD5]")  # jieba's Han range (finalseg's re_han)
_SEPARATOR = re.compile(r"[^a-zA-Z0-9+#&._%\-\u4E00-\u9FD5]+")  # outside jieba's token class
_FINALSEG_PIECE = re.compile(r"[a-zA-Z0-9]+(?:\.\d+)?%?")  # jieba.finalseg.re_skip
CODEBOOK_FILES = ["formulae.csv", "mobilisation.csv", "ideology.csv", "priorities.csv",
                  "central_formulae.csv", "glossary.csv"]
STOPWORD_FILES = ["stopwords_general.txt", "stopwords_domain.txt"]


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
    userdict: str = ""  # the lexicon file it was built from (workers rebuild the same segmenter from it)

    def cut(self, text: str) -> list[str]:
        """Tokens of ``text``, exactly as ``jieba.lcut(text)`` with the same lexicon (they join to ``text``).

        rjieba cuts.  A text with a rare ideograph (``RARE_IDEOGRAPHS``) is cut in pieces between them, each
        ideograph one token, as jieba does.  Where an ASCII run holds ``-``, ``.`` or ``_`` and is not a
        plain number such as 7.5%, the tokens are mended by ``agree_with_jieba``.  Other texts (nearly
        all sentences of official prose) cost one or two regex searches on top of rjieba.
        """
        if _RARE_IDEOGRAPH.search(text) is not None:  # jieba's block boundaries: cut the pieces apart
            return [tok for piece in _RARE_SPLIT.split(text) if piece
                    for tok in ([piece] if _RARE_IDEOGRAPH.fullmatch(piece) else self._cut_block(piece))]
        return self._cut_block(text)

    def _cut_block(self, text: str) -> list[str]:
        """``cut`` for a text without rare ideographs: rjieba, mended on ASCII runs where needed."""
        tokens = self.rjieba.cut(text, hmm=self.hmm)
        if _DIVERGENT_CHAR.search(text) is None or _DIVERGENT_RUN.search(text) is None:
            return tokens
        return self.agree_with_jieba(tokens)

    def agree_with_jieba(self, tokens: list[str]) -> list[str]:
        """Re-cut with jieba each maximal stretch of tokens without a Han character that holds a token
        jieba could cut otherwise (longer than one character, not a finalseg piece like 7.5%).

        Faithful, not a lookalike: jieba and rjieba share the dictionary route and cut Han runs alike,
        so both ends of a stretch without Han characters are boundaries for jieba too, and jieba's cut of
        the stretch alone is its cut of the stretch in the sentence (the route through a boundary does
        not depend on what lies beyond it).  A test compares with ``jieba.lcut`` on generated text.
        """
        out: list[str] = []
        run: list[str] = []
        suspect = False
        for tok in tokens:
            if _HAN.search(tok) or _SEPARATOR.fullmatch(tok):  # a boundary for jieba too (a Han token, or
                # characters outside its token class such as spaces, '@', '，': jieba's block separators)
                if run:
                    out.extend(self.jieba.lcut("".join(run), HMM=self.hmm) if suspect else run)
                    run, suspect = [], False
                out.append(tok)
            else:
                run.append(tok)
                suspect = suspect or (len(tok) > 1 and _FINALSEG_PIECE.fullmatch(tok) is None)
        if run:
            out.extend(self.jieba.lcut("".join(run), HMM=self.hmm) if suspect else run)
        return out

    def rjieba_cut(self, text: str) -> list[str]:
        """rjieba's own cut, unmended (kept to measure and test what ``cut`` mends)."""
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
            _SEGMENTERS[key].userdict = key[0]
        else:  # the same loaded lexicon, the other HMM setting: share the engines, not the tag cache
            _SEGMENTERS[key] = Segmenter(entries=other.entries, hmm=hmm, rjieba=other.rjieba, jieba=other.jieba,
                                         posseg=other.posseg, _tags=dict(other.posseg.word_tag_tab),
                                         userdict=key[0])
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


def _token_rows(sentences: list[tuple], seg: Segmenter) -> list[tuple]:
    """(doc_id, year, para_id, sent_id, token, pos) for every token of the given sentence tuples."""
    rows = []
    for doc_id, year, para_id, sent_id, text in sentences:
        tokens = seg.cut(text)
        for token, tag in zip(tokens, seg.tag_sentence(text, tokens), strict=True):
            rows.append((doc_id, year, para_id, sent_id, token, tag))
    return rows


class _TokenizeWith:
    """Cut and tag one document's sentences with the segmenter of a lexicon file, built once per worker
    process (picklable: only the file name and the HMM setting travel)."""

    def __init__(self, userdict: str, hmm: bool):
        self.userdict, self.hmm = userdict, hmm

    def __call__(self, doc_sentences: list[tuple]) -> list[tuple]:
        return _token_rows(doc_sentences, tokenizer(hmm=self.hmm, userdict=self.userdict))


def tokenize_sentences(sentences: pd.DataFrame, seg: Segmenter | None = None,
                       stop: frozenset[str] | None = None, scheduler: str = "") -> pd.DataFrame:
    """One row per token of ``sentences`` (doc_id, year, para_id, sent_id, text), in text order.

    Columns: doc_id, year, para_id, sent_id, token_id (0, 1, ... in text order within a document),
    token, pos, is_punct, is_stop.  Nothing is dropped: the tokens of a sentence join to its text.
    Documents are cut one at a time by ``tifa.pipeline.map_documents`` (``scheduler``: '' = in this
    process for a small corpus, local worker processes for a large one, or a Dask cluster); every worker
    builds the same segmenter from ``seg.userdict``, so the table is the same whichever runs it.
    """
    from .pipeline import map_documents, resolve_scheduler

    seg = seg or tokenizer()
    stop = stopwords() if stop is None else stop
    missing = [c for c in ["doc_id", "year", "para_id", "sent_id", "text"] if c not in sentences.columns]
    if missing:
        raise CorpusError(f"sentences table: missing column(s) {', '.join(missing)}")
    records = list(sentences[["doc_id", "year", "para_id", "sent_id", "text"]].itertuples(index=False, name=None))
    by_doc: dict = {}
    for rec in records:
        by_doc.setdefault(rec[0], []).append(rec)
    if resolve_scheduler(scheduler, len(by_doc)) == "serial" or not seg.userdict:
        rows = _token_rows(records, seg)
    else:
        parts = map_documents(_TokenizeWith(seg.userdict, seg.hmm), list(by_doc.values()), scheduler=scheduler,
                              label=lambda d: f"doc_id '{d[0][0]}'", desc="cutting")
        rows = [r for part in parts for r in part]
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


# Checks that describe a corpus: they report, they do not stop the run --------------------------------
AGREEMENT_SAMPLE = 2000  # sentences the tokenizer-agreement check cuts with jieba too (all, if fewer)
CHECK_DISPLAY_ROWS = 20  # offending rows a notebook shows per check; the CSV has them all
CHECK_COLUMNS = ["check", "doc_id", "sent_id", "text", "detail"]


@dataclass
class CheckReport:
    """What one check of a corpus found: what was checked, on how many units, and every offending row.

    ``problems`` has the columns ``CHECK_COLUMNS`` (check, doc_id, sent_id, text, detail), one row per
    offending sentence (or gold line, or setting).  A report never stops a run; ``note`` says how to read it.
    """

    check: str
    unit: str
    population: int
    checked: int
    problems: pd.DataFrame
    note: str = ""

    @property
    def n_problems(self) -> int:
        """Number of offending rows."""
        return len(self.problems)

    def summary(self) -> dict[str, object]:
        """One row of the summary table: check, unit, checked, of, problems, note."""
        return {"check": self.check, "unit": self.unit, "checked": self.checked, "of": self.population,
                "problems": self.n_problems, "note": self.note}

    def line(self) -> str:
        """The report in one sentence (what a notebook prints)."""
        where = (f"{self.checked:,} {self.unit}" if self.checked == self.population else
                 f"a seeded random sample of {self.checked:,} of the {self.population:,} {self.unit}")
        return (f"{self.check}: {self.n_problems:,} problem(s) in {where}."
                + (f" {self.note}" if self.note else ""))

    def shown(self, cap: int = CHECK_DISPLAY_ROWS) -> pd.DataFrame:
        """The first ``cap`` offending rows, for display (all of them go to the CSV)."""
        return self.problems.head(cap)


def _problems(check: str, rows: list[tuple]) -> pd.DataFrame:
    """A problems table of ``CHECK_COLUMNS`` from (doc_id, sent_id, text, detail) tuples."""
    return pd.DataFrame([(check, *r) for r in rows], columns=CHECK_COLUMNS)


def checks_summary(reports: list[CheckReport]) -> pd.DataFrame:
    """One row per check: check, unit, checked, of, problems, note."""
    return pd.DataFrame([r.summary() for r in reports], columns=["check", "unit", "checked", "of", "problems", "note"])


def checks_details(reports: list[CheckReport]) -> pd.DataFrame:
    """Every offending row of every check (``CHECK_COLUMNS``), in check order: the CSV notebook 02 writes."""
    frames = [r.problems for r in reports if len(r.problems)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CHECK_COLUMNS)


def sample_rows(n: int, size: int, seed: int = SEED) -> np.ndarray:
    """Row positions of a seeded simple random sample of ``size`` out of ``n`` (all if ``n <= size``), sorted."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def differing_stretches(reference: list[str], other: list[str]) -> str:
    """The stretches where two cuts of one text differ, as ``ref a/b · other ab`` joined by '; '."""
    err = segmentation_errors([reference], [other])
    return "; ".join(f"{g} -> {p}" for g, p in zip(err["gold"], err["predicted"]))


def check_tokenizer_agreement(sentences: pd.DataFrame, segmenters: list[Segmenter],
                              sample: int = AGREEMENT_SAMPLE, seed: int = SEED) -> CheckReport:
    """Do the project's cuts equal ``jieba.lcut`` with the same lexicon, on a seeded sample of sentences?

    ``sentences`` has doc_id, sent_id, text; each segmenter (one per HMM setting) cuts every sampled
    sentence and jieba cuts it too.  A problem row names the sentence and the stretches that differ
    (``jieba cut -> project cut``).  The note says how many sampled sentences rjieba alone would have cut
    otherwise (the ASCII runs and rare ideographs ``Segmenter.cut`` mends).  jieba runs at about 1 MB/s,
    hence the sample (its size is stated in the report).
    """
    rows = sample_rows(len(sentences), sample, seed)
    picked = sentences.iloc[rows]
    problems, mended = [], {}
    for seg in segmenters:
        label = f"HMM {'on' if seg.hmm else 'off'}"
        mended[label] = 0
        for doc_id, sent_id, text in picked[["doc_id", "sent_id", "text"]].itertuples(index=False):
            ours, ref = seg.cut(text), seg.jieba_cut(text)
            mended[label] += seg.rjieba_cut(text) != ours
            if ours != ref:
                problems.append((doc_id, sent_id, text, f"{label}: {differing_stretches(ref, ours)}"))
    note = ("rjieba alone would have cut " + ", ".join(f"{n} ({k})" for k, n in mended.items())
            + " of them otherwise; those were mended to jieba's cut.")
    return CheckReport("tokenizer agrees with jieba", "sentences", len(sentences), len(picked),
                       _problems("tokenizer agreement", problems), note)


def gold_mapping(gold: pd.DataFrame, sentences: pd.DataFrame) -> pd.DataFrame:
    """For each gold line: does it map back to this corpus's sentence (doc_id, sent_id, same text
    without whitespace)?  Returns doc_id, sent_id, mapped, input (the sentence as it stands in
    ``sentences`` when mapped, else the gold text), reason (empty when mapped)."""
    source = sentences.set_index(["doc_id", "sent_id"])["text"]
    rows = []
    for r in gold.itertuples():
        key = (r.doc_id, r.sent_id)
        if key not in source.index:
            rows.append((r.doc_id, r.sent_id, False, r.text, "no sentence with this doc_id and sent_id in the corpus"))
        elif "".join(source[key].split()) != r.text:
            rows.append((r.doc_id, r.sent_id, False, r.text, "the corpus sentence with this doc_id and sent_id has another text"))
        else:
            rows.append((r.doc_id, r.sent_id, True, source[key], ""))
    return pd.DataFrame(rows, columns=["doc_id", "sent_id", "mapped", "input", "reason"])


def check_gold_coverage(mapping: pd.DataFrame) -> CheckReport:
    """How many gold lines come from this corpus (``gold_mapping``)?

    When some map back and others do not, the others are problems (listed with the reason): a gold
    standard made for this corpus no longer matches its sentences.  When none maps back, the gold
    standard is another corpus's (the project's, on a user's texts): no problem rows, and the note says
    that the scores then describe the tokenizer on the gold texts, not this corpus.
    """
    miss = mapping[~mapping["mapped"]]
    if len(miss) == len(mapping):
        return CheckReport("gold sentences from this corpus", "gold sentences", len(mapping), len(mapping),
                           _problems("gold coverage", []),
                           f"None of the {len(mapping)} gold lines comes from this corpus: the scores describe the "
                           "tokenizer and lexicon on the gold texts, not this corpus.")
    rows = list(miss[["doc_id", "sent_id", "input", "reason"]].itertuples(index=False))
    note = "Unmapped lines are scored on the gold text itself." if rows else ""
    return CheckReport("gold sentences from this corpus", "gold sentences", len(mapping), len(mapping),
                       _problems("gold coverage", rows), note)


def check_lexicon_integrity(sentences: pd.DataFrame, cut: list[list[str]], integrity: pd.DataFrame,
                            exceptions: pd.DataFrame | None = None) -> CheckReport:
    """Which sentences hold a split counted term (``lexicon_integrity`` rows with ``ok`` False)?

    A problem row names a sentence where a split term occurs more often (less the documented
    exceptions of ``split_exceptions.csv`` found in that sentence) than the tokens containing it, and
    shows the cut of the stretch.  Such a term is undercounted in notebooks 03-05: add a user word or a
    split exception after reading the sentences.
    """
    split = integrity.loc[~integrity["ok"], "term"].tolist()
    contexts = [] if exceptions is None else list(exceptions[["term", "context"]].itertuples(index=False))
    problems = []
    for (doc_id, sent_id, text), tokens in zip(sentences[["doc_id", "sent_id", "text"]].itertuples(index=False),
                                               cut, strict=True):
        for term in split:
            occ = text.count(term)
            if not occ:
                continue
            expected = occ - sum(text.count(c) for t, c in contexts if t == term)
            got = sum(tok.count(term) for tok in tokens)
            if got < expected:
                problems.append((doc_id, sent_id, text, f"{term}: {expected} occurrence(s), {got} in tokens; cut "
                                 + ", ".join(_stretch_cut(tokens, text, term))))
    note = f"{len(split)} term(s) split." if split else ""
    return CheckReport("no counted term is split", "sentences", len(sentences), len(sentences),
                       _problems("lexicon integrity", problems), note)


def _stretch_cut(tokens: list[str], text: str, term: str) -> list[str]:
    """How each occurrence of ``term`` in ``text`` that no single token holds is cut ('居民/生活')."""
    ends, pos = [], 0
    for tok in tokens:
        pos += len(tok)
        ends.append(pos)
    out, i = [], text.find(term)
    while i >= 0:
        first = next(k for k, e in enumerate(ends) if e > i)
        last = next(k for k, e in enumerate(ends) if e >= i + len(term))
        if first != last:
            out.append("/".join(tokens[first:last + 1]))
        i = text.find(term, i + 1)
    return out


def check_hmm_choice(scores: pd.DataFrame, hmm: bool = SEGMENT_HMM) -> CheckReport:
    """Does the gold standard still prefer ``hmm`` (higher F1 with the project lexicon)?

    ``scores`` has dictionary, HMM ('on'/'off') and f1 rows.  If the other setting scores higher (a new
    lexicon can do that), one problem row says so; the run goes on with ``SEGMENT_HMM``, a decision
    recorded in tifa/segmentation.py (change it there, and re-run, if the other setting should win).
    """
    project = scores[scores["dictionary"] == "project lexicon"].set_index("HMM")["f1"]
    best = project.idxmax()
    rows = []
    if (best == "on") != hmm:
        rows.append(("", "", "", f"F1 with HMM on {project['on']:.4f}, off {project['off']:.4f}: the gold standard "
                     f"prefers HMM {best}, but SEGMENT_HMM = {hmm} (kept; change it in tifa/segmentation.py)"))
    return CheckReport("the HMM setting is the one the gold standard prefers", "settings", 1, 1,
                       _problems("HMM choice", rows))


def require_tokens_rejoin(tokens: pd.DataFrame, sentences: pd.DataFrame) -> None:
    """Stop the run if the tokens of a sentence do not join back to its text (later counts would be wrong).

    The error names the first such sentence (doc_id, sent_id, its text and what the tokens spell) and
    what to do: it is a defect of the tokenizer, not of the corpus.
    """
    joined = tokens.groupby(["doc_id", "sent_id"], sort=False)["token"].agg("".join)
    text = sentences.set_index(["doc_id", "sent_id"])["text"]
    missing = text.index.difference(joined.index)
    if len(missing) and (text.loc[missing] != "").any():
        doc_id, sent_id = next(k for k in missing if text.loc[k] != "")
        raise CorpusError(f"sentence doc_id={doc_id} sent_id={sent_id} has no tokens: {text.loc[(doc_id, sent_id)]!r}. "
                          "This is a tokenizer defect: report it with this sentence.")
    common = text.index.intersection(joined.index)
    bad = [k for k in common if joined.loc[k] != text.loc[k]]
    if bad:
        doc_id, sent_id = bad[0]
        raise CorpusError(f"{len(bad)} sentence(s) whose tokens do not spell their text, first doc_id={doc_id} "
                          f"sent_id={sent_id}: text {text.loc[bad[0]]!r}, tokens spell {joined.loc[bad[0]]!r}. "
                          "This is a tokenizer defect: report it with this sentence.")


# The held-out gold test and the score table (issue 15) -------------------------------------------------
GOLD_TEST_SEED = SEED + 1  # the held-out draw's seed: derived from SEED, so it is not the dev draw
GOLD_TEST_SIZE = 60  # sentences in data/gold/segmentation_gold_test.txt
SCORE_COLUMNS = ["split", "configuration", "precision", "recall", "f1", "f1_no_punct", "recall_lexicon_words",
                 "recall_other_words", "n_sentences", "n_gold_tokens"]


def gold_test_sample(sentences: pd.DataFrame, dev_gold: pd.DataFrame, n: int = GOLD_TEST_SIZE,
                     seed: int = GOLD_TEST_SEED) -> pd.DataFrame:
    """The held-out draw: ``sample_gold_sentences`` over the sentences whose (doc_id, sent_id) is not
    in ``dev_gold``, with ``seed`` (stratified by document, text order).  Returns doc_id, sent_id, text."""
    dev = set(zip(dev_gold["doc_id"], dev_gold["sent_id"]))
    keep = [(d, s) not in dev for d, s in zip(sentences["doc_id"], sentences["sent_id"])]
    rest = sentences[keep]
    return sample_gold_sentences(rest, n, seed)[["doc_id", "sent_id", "text"]].reset_index(drop=True)


def read_gold_sample(path: str | os.PathLike) -> pd.DataFrame:
    """Read the committed draw of a gold test (``doc_id<TAB>sent_id<TAB>text`` with a header row, `#` lines)."""
    path = Path(path)
    df = pd.read_csv(path, sep="\t", comment="#", dtype={"doc_id": str, "text": str}, keep_default_na=False)
    missing = [c for c in ["doc_id", "sent_id", "text"] if c not in df.columns]
    if missing:
        raise LexiconError(f"{path}: missing column(s) {', '.join(missing)}")
    return df


def check_gold_test_draw(test_gold: pd.DataFrame, committed: pd.DataFrame, drawn: pd.DataFrame) -> CheckReport:
    """Is the held-out gold exactly the seeded draw?  ``committed`` is the sample file written before
    annotating, ``drawn`` the draw repeated on this corpus (``gold_test_sample``).

    A problem row names each sentence that is in one of the three and not in the others.  When no
    committed sentence is in this corpus's draw, the gold test is another corpus's: no problem rows,
    and the note says so.
    """
    keys = {name: list(zip(df["doc_id"], df["sent_id"])) for name, df in
            [("gold test", test_gold), ("committed draw", committed), ("draw repeated", drawn)]}
    if not set(keys["committed draw"]) & set(keys["draw repeated"]):
        return CheckReport("held-out gold is the seeded draw", "gold test sentences", len(test_gold), len(test_gold),
                           _problems("gold test draw", []),
                           "The committed draw does not come from this corpus: the test scores describe the "
                           "tokenizer on the project's gold texts.")
    text = dict(zip(keys["committed draw"], committed["text"]))
    rows = []
    for key in sorted(set().union(*map(set, keys.values()))):
        absent = [name for name, k in keys.items() if key not in set(k)]
        if absent:
            rows.append((key[0], key[1], text.get(key, ""), "not in the " + " nor the ".join(absent)))
    return CheckReport("held-out gold is the seeded draw", "gold test sentences", len(test_gold), len(test_gold),
                       _problems("gold test draw", rows))


def _span_counts(gold: list[str], pred: list[str], keep_gold, keep_pred) -> tuple[int, int, int]:
    """(gold spans, predicted spans, shared spans) over the tokens each ``keep_*`` predicate keeps."""
    def spans(tokens, keep):
        out, pos = set(), 0
        for tok in tokens:
            if keep(tok):
                out.add((pos, pos + len(tok)))
            pos += len(tok)
        return out
    gs, ps = spans(gold, keep_gold), spans(pred, keep_pred)
    return len(gs), len(ps), len(gs & ps)


def _f1(precision: float, recall: float) -> float:
    """Harmonic mean of precision and recall (0 when both are 0)."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _ratio(a: int, b: int) -> float:
    """a / b, NaN when b is 0 (a recall over no tokens is undefined, not 0)."""
    return a / b if b else float("nan")


def segmentation_score_row(gold: list[list[str]], pred: list[list[str]], lexicon_words: set[str]) -> dict[str, float]:
    """The scores of one configuration on one gold set, pooled over sentences (the columns of ``SCORE_COLUMNS``
    after split and configuration).

    precision, recall, f1: word spans, as ``segmentation_scores``.  f1_no_punct: the same with every
    punctuation token (``is_punct``) left out on both sides.  recall_lexicon_words / recall_other_words:
    recall on the gold word tokens (punctuation left out) that are / are not in ``lexicon_words``
    (the entries of userdict.txt).  n_sentences, n_gold_tokens (punctuation included).
    """
    base = segmentation_scores(gold, pred)
    totals = {"np": [0, 0, 0], "lex": [0, 0], "other": [0, 0]}
    def word(tok: str) -> bool:
        return bool(tok.strip()) and not is_punct(tok)

    def any_token(tok: str) -> bool:
        return True

    def lexicon_word(tok: str) -> bool:
        return word(tok) and tok in lexicon_words

    def other_word(tok: str) -> bool:
        return word(tok) and tok not in lexicon_words

    for g, p in zip(gold, pred, strict=True):
        g, p = _strip_ws(g), _strip_ws(p)
        for i, n in enumerate(_span_counts(g, p, word, word)):
            totals["np"][i] += n
        for key, keep in [("lex", lexicon_word), ("other", other_word)]:
            n_g, _, n_ok = _span_counts(g, p, keep, any_token)
            totals[key][0] += n_g
            totals[key][1] += n_ok
    n_gold, n_pred, n_ok = totals["np"]
    return {"precision": base["precision"], "recall": base["recall"], "f1": base["f1"],
            "f1_no_punct": _f1(_ratio(n_ok, n_pred), _ratio(n_ok, n_gold)),
            "recall_lexicon_words": _ratio(totals["lex"][1], totals["lex"][0]),
            "recall_other_words": _ratio(totals["other"][1], totals["other"][0]),
            "n_sentences": len(gold), "n_gold_tokens": base["gold_words"]}


def segmentation_score_table(golds: dict[str, list[list[str]]], predictions: dict[tuple[str, str], list[list[str]]],
                             lexicon_words: set[str]) -> pd.DataFrame:
    """``segmentation_scores.csv``: one row per (split, configuration) key of ``predictions``, in its order;
    ``golds`` maps each split to its gold tokens.  Columns ``SCORE_COLUMNS``."""
    rows = [{"split": split, "configuration": config, **segmentation_score_row(golds[split], pred, lexicon_words)}
            for (split, config), pred in predictions.items()]
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def annotator_agreement(gold_a: pd.DataFrame, gold_b: pd.DataFrame) -> dict[str, float]:
    """Agreement of two annotations (``read_gold`` tables) on the sentences both hold, by (doc_id, sent_id).

    word_f1: F1 of word spans of b against a (symmetric: swapping a and b swaps precision and recall);
    boundary_f1: F1 of the internal cut points (a boundary between two characters, the sentence ends
    left out); identical_share: the share of shared sentences segmented identically.  n_sentences counts
    the shared sentences, only_a / only_b those held by one file only.  A shared sentence whose texts
    differ raises ValueError naming it.
    """
    a = {(d, s): t for d, s, t in gold_a[["doc_id", "sent_id", "tokens"]].itertuples(index=False)}
    b = {(d, s): t for d, s, t in gold_b[["doc_id", "sent_id", "tokens"]].itertuples(index=False)}
    shared = [k for k in a if k in b]
    if not shared:
        raise ValueError("the two gold files share no sentence (doc_id, sent_id)")
    span = [0, 0, 0]
    cuts = [0, 0, 0]
    same = 0
    for key in shared:
        ta, tb = _strip_ws(a[key]), _strip_ws(b[key])
        if "".join(ta) != "".join(tb):
            raise ValueError(f"sentence doc_id={key[0]} sent_id={key[1]}: the two annotations spell different texts")
        sa, sb = word_spans(ta), word_spans(tb)
        span = [span[0] + len(sa), span[1] + len(sb), span[2] + len(sa & sb)]
        ca = set(np.cumsum([len(t) for t in ta])[:-1].tolist())
        cb = set(np.cumsum([len(t) for t in tb])[:-1].tolist())
        cuts = [cuts[0] + len(ca), cuts[1] + len(cb), cuts[2] + len(ca & cb)]
        same += ta == tb
    word_f1 = _f1(_ratio(span[2], span[1]), _ratio(span[2], span[0]))
    boundary_f1 = _f1(_ratio(cuts[2], cuts[1]), _ratio(cuts[2], cuts[0])) if cuts[0] or cuts[1] else 1.0
    return {"n_sentences": len(shared), "only_a": len(a) - len(shared), "only_b": len(b) - len(shared),
            "word_f1": word_f1, "boundary_f1": boundary_f1, "identical_share": same / len(shared)}


def read_indexed_annotation(path: str | os.PathLike, reference: str | os.PathLike) -> pd.DataFrame:
    """Read a second annotation written as ``<index>\\t<tokens>`` lines (``#`` header), where ``index``
    counts the non-comment, non-empty lines of the ``reference`` gold file from 0, and give it the
    reference's doc_id and sent_id (only the ids of the reference are used, never its tokens).
    Returns a ``read_gold`` table.  Errors name the file and line: a bad line, an index out of range,
    or tokens that do not spell the reference sentence's text."""
    path = Path(path)
    ref = read_gold(reference)
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not re.fullmatch(r"\d+", parts[0]) or not parts[1]:
            raise LexiconError(f"{path} line {lineno}: expected '<index><TAB>tokens'")
        index = int(parts[0])
        if index >= len(ref):
            raise LexiconError(f"{path} line {lineno}: index {index} is past the {len(ref)} sentences of {reference}")
        tokens = parts[1].split(" ")
        if "" in tokens:
            raise LexiconError(f"{path} line {lineno}: tokens must be separated by single spaces")
        doc_id, sent_id, text = ref.iloc[index][["doc_id", "sent_id", "text"]]
        if "".join(tokens) != text:
            raise LexiconError(f"{path} line {lineno}: tokens do not spell sentence {index} of {reference}")
        rows.append((doc_id, int(sent_id), tokens, "".join(tokens)))
    return pd.DataFrame(rows, columns=["doc_id", "sent_id", "tokens", "text"])
