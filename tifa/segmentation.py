"""Segmentation (notebook 02): one lexicon (``data/lexicon/userdict.txt``), loaded once per process
into rjieba (fast cutting) and jieba (POS tags by one posseg pass aligned to the cutter's tokens; the
reference in tests); stopwords flagged, never deleted; lexicon integrity; the token table, cut one
document at a time (``tifa.pipeline``).  ``SEGMENT_HMM`` is the choice notebook 02 justifies with the
gold standard (:mod:`tifa.gold`).

The tokenizer contract: ``Segmenter.cut(text) == jieba.lcut(text)`` with the same lexicon, on any
text.  rjieba alone breaks it on ASCII runs and rare ideographs (see ``Segmenter.cut``), so its
output is mended there with jieba's own cut; every count is therefore jieba's, whichever engine ran.
"""
from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .config import CACHE, LEXICON
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


_JOIN = "\x00"  # in no term: joining texts with it adds no match across two of them


def needle_hits(texts: list[str], needles: set[str], chunk_chars: int = 1 << 19):
    """Every occurrence, overlapping ones included, of every needle in ``texts``, in one scan.

    Yields, per chunk of whole texts joined by ``_JOIN``: the index of its first text, the offset of
    each of its texts in the joined string (one more than texts, the last is the end), and a dict
    needle -> increasing start offsets (needles without an occurrence left out).  Each position's first
    one, two and three characters are packed into integers (numpy) and looked up among the needles'
    beginnings at once: a needle of up to three characters is found by that lookup alone, a longer one
    is compared (``startswith``) only where its first three characters stand.  So the text is read once
    for all needles, not once per needle.  Needles must be non-empty and without ``_JOIN``.
    """
    if any(not n or _JOIN in n for n in needles):
        raise ValueError("needles must be non-empty and must not contain NUL")
    exact: dict[int, dict[int, str]] = {1: {}, 2: {}, 3: {}}  # prefix length -> packed code -> needle
    longer: dict[int, list[str]] = {}  # packed first three characters -> the needles of 4+ characters
    for n in sorted(needles):
        code = 0
        for ch in n[:3]:
            code = code << 21 | ord(ch)  # code points are < 2**21: three fit in 63 bits
        if len(n) <= 3:
            exact[len(n)][code] = n
        else:
            longer.setdefault(code, []).append(n)
    lookup = {}  # prefix length -> (sorted packed codes, which code points begin one of them)
    for width, prefixes in ((1, set(exact[1])), (2, set(exact[2])), (3, set(exact[3]) | set(longer))):
        if prefixes:
            keys = np.array(sorted(prefixes), dtype=np.uint64)
            first = np.zeros(0x110000, dtype=bool)
            first[(keys >> np.uint64(21 * (width - 1))).astype(np.int64)] = True
            lookup[width] = keys, first
    i = 0
    while i < len(texts):
        j, size = i + 1, len(texts[i]) + 1
        while j < len(texts) and size < chunk_chars:
            size += len(texts[j]) + 1
            j += 1
        chunk = texts[i:j]
        joined = _JOIN.join(chunk)
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        hits: dict[str, list[int]] = {}
        packed = codes
        for width in (1, 2, 3):
            if width > 1:
                packed = packed[:-1] << np.uint64(21) | codes[width - 1:]
            if width not in lookup or not len(packed):
                continue
            keys, first = lookup[width]
            found = np.flatnonzero(first[codes[:len(packed)]])
            found = found[keys[np.minimum(np.searchsorted(keys, packed[found]), len(keys) - 1)] == packed[found]]
            found_keys = packed[found]
            order = np.argsort(found_keys, kind="stable")  # grouped by key, each group in text order
            found, found_keys = found[order], found_keys[order]
            cuts = np.flatnonzero(found_keys[1:] != found_keys[:-1]) + 1
            for group, key in zip(np.split(found, cuts), found_keys[np.r_[0, cuts]].tolist() if len(found) else []):
                if key in exact[width]:
                    hits[exact[width][key]] = group.tolist()
                for n in longer.get(key, []) if width == 3 else []:
                    starts = [p for p in group.tolist() if joined.startswith(n, p)]
                    if starts:
                        hits[n] = starts
        offsets = np.cumsum([0] + [len(t) + 1 for t in chunk])
        yield i, offsets, hits
        i = j


def _has_border(needle: str) -> bool:
    """Can two occurrences of ``needle`` overlap (a proper prefix that is also a suffix, as in 哈哈)?"""
    return any(needle[:k] == needle[-k:] for k in range(1, len(needle)))


def occurrence_counts(texts: list[str], needles: set[str], weights=None,
                      chunk_chars: int = 1 << 19) -> dict[str, int]:
    """``sum(w * text.count(n) for text, w in zip(texts, weights))`` for every needle ``n`` (weights 1 by
    default), in one scan of the texts (``needle_hits``) instead of one per needle.

    ``str.count`` counts occurrences that do not overlap, leftmost first; a needle whose occurrences can
    overlap (``_has_border``) is counted the same way, greedily within each text.
    """
    counts = dict.fromkeys(needles, 0)
    w = None if weights is None else np.asarray(weights)
    border = {n for n in needles if _has_border(n)}
    for first, offsets, hits in needle_hits(texts, set(needles), chunk_chars):
        for n, starts in hits.items():
            if n in border:  # leftmost first, no overlap (the texts are apart: n holds no _JOIN)
                kept, end = [], -1
                for s in starts:
                    if s >= end:
                        kept.append(s)
                        end = s + len(n)
                starts = kept
            if w is None:
                counts[n] += len(starts)
            else:
                counts[n] += int(w[first + np.searchsorted(offsets, starts, side="right") - 1].sum())
    return counts


def lexicon_integrity(texts: list[str], tokens, terms: set[str],
                      exceptions: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each term: occurrences in ``texts`` (minus documented exceptions) vs tokens containing it.

    ``tokens`` is the cut of ``texts`` (a list of token lists) or the token column of their token table
    (a Series, as ``tokenize_sentences`` makes it): only which tokens occur, and how often, matters.
    A term is split when ``in_tokens < expected``.  Returns term, occurrences, excused, expected,
    in_tokens, ok; sorted by ok (problems first), then term.  Occurrences are ``str.count`` summed over
    the texts; tokens containing a term, ``str.count`` summed over the tokens, each distinct token
    counted once and weighted by its frequency (``occurrence_counts``: one scan for all terms).
    """
    pairs = [] if exceptions is None else list(exceptions[["term", "context"]].itertuples(index=False))
    in_text = occurrence_counts(texts, set(terms) | {context for _, context in pairs})
    excused: dict[str, int] = {}
    for term, context in pairs:
        excused[term] = excused.get(term, 0) + in_text[context]
    if isinstance(tokens, pd.Series):
        freq = tokens.value_counts(sort=False)
        types, weights = freq.index.tolist(), freq.to_numpy()
    else:
        freq = Counter(tok for toks in tokens for tok in toks)
        types, weights = list(freq), list(freq.values())
    in_tokens = occurrence_counts(types, set(terms), weights)
    rows = []
    for term in sorted(terms):
        occ, got = in_text[term], in_tokens[term]
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


_MIN_FLOAT = -3.14e100   # jieba.posseg.viterbi's score of a character a state never emits


class _PosViterbi:
    """``jieba.posseg.viterbi`` in numpy: the same states, the same scores (each candidate is
    ``(V[t-1][y0] + trans[y0][y]) + emit[y][c]``, the same float operations in the same order) and the
    same choice among equal scores (``max`` over ``(score, state)`` tuples takes the largest state), so
    it returns exactly what jieba's returns; about 25x faster, since jieba's loops over state pairs in
    Python for every character.  Built once per process from jieba's model tables."""

    def __init__(self, states_tab: dict, start_p: dict, trans_p: dict, emit_p: dict):
        import numpy as np

        self.np, self.states_tab, self.start_p, self.emit_p = np, states_tab, start_p, emit_p
        self.names = sorted(set(trans_p) | {y for row in trans_p.values() for y in row} | set(start_p))
        index = {s: i for i, s in enumerate(self.names)}
        self.index = index
        n = len(self.names)
        self.trans = np.full((n, n), -np.inf)
        self.adj = np.zeros((n, n), dtype=bool)
        for x, row in trans_p.items():
            for y, prob in row.items():
                self.trans[index[x], index[y]] = prob
                self.adj[index[x], index[y]] = True
        self.has_next = np.array([len(trans_p.get(s, {})) > 0 for s in self.names])
        self.all_states = np.array([s in trans_p for s in self.names])   # jieba: all_states = trans_p.keys()
        self._masks: dict[str, object] = {}

    def _mask(self, char: str):
        mask = self._masks.get(char)
        if mask is None:
            states = self.states_tab.get(char)
            if states is None:
                mask = self.all_states
            else:
                mask = self.np.zeros(len(self.names), dtype=bool)
                mask[[self.index[s] for s in states]] = True
            self._masks[char] = mask
        return mask

    def __call__(self, obs: str) -> tuple[float, list[tuple[str, str]]]:
        np, names = self.np, self.names
        cur = np.flatnonzero(self._mask(obs[0]))
        v = np.array([self.start_p[names[y]] + self.emit_p[names[y]].get(obs[0], _MIN_FLOAT) for y in cur])
        states, back = [cur], []
        for char in obs[1:]:
            going = self.has_next[cur]
            prev, v_prev = cur[going], v[going]
            if len(prev) == 0:
                raise ValueError(f"posseg viterbi: no state continues before {char!r} in {obs!r}")
            expect = self.adj[prev].any(axis=0)
            mask = self._mask(char) & expect
            if not mask.any():
                mask = expect if expect.any() else self.all_states
            ys = np.flatnonzero(mask)
            order = np.argsort(-prev, kind="stable")          # largest state first: ties go to it
            prev, v_prev = prev[order], v_prev[order]
            emit = np.array([self.emit_p[names[y]].get(char, _MIN_FLOAT) for y in ys])
            cand = (v_prev[:, None] + self.trans[np.ix_(prev, ys)]) + emit[None, :]
            best = np.argmax(cand, axis=0)
            v = cand[best, np.arange(len(ys))]
            back.append(prev[best])
            cur = ys
            states.append(cur)
        order = np.argsort(-cur, kind="stable")
        k = order[np.argmax(v[order])]
        prob, state = float(v[k]), int(cur[k])
        route: list = [None] * len(obs)
        for i in range(len(obs) - 1, -1, -1):
            route[i] = names[state]
            if i:
                state = int(back[i - 1][int(np.searchsorted(states[i], state))])
        return prob, route


_VITERBI: dict[str, object] = {}   # the Viterbi and the tokenizer class, once per process


def _pos_viterbi() -> _PosViterbi:
    """The process's ``_PosViterbi`` over jieba.posseg's model (built on first use)."""
    if "v" not in _VITERBI:
        import jieba.posseg as posseg

        _VITERBI["v"] = _PosViterbi(posseg.char_state_tab_P, posseg.start_P, posseg.trans_P, posseg.emit_P)
    return _VITERBI["v"]


def _pos_tokenizer_class():
    """jieba's POSTokenizer with its HMM step (``__cut``, the Viterbi over unknown runs) done by
    ``_PosViterbi``; everything else, and so every tag, is jieba's own (a test compares both).
    Defined on first use (importing jieba.posseg loads its model) and kept."""
    if "class" in _VITERBI:
        return _VITERBI["class"]
    import jieba.posseg as posseg

    class FastPOSTokenizer(posseg.POSTokenizer):
        def _POSTokenizer__cut(self, sentence):   # overrides POSTokenizer.__cut (name-mangled)
            _, pos_list = _pos_viterbi()(sentence)
            begin, nexti = 0, 0
            for i, char in enumerate(sentence):
                pos = pos_list[i][0]
                if pos == "B":
                    begin = i
                elif pos == "E":
                    yield posseg.pair(sentence[begin:i + 1], pos_list[i][1])
                    nexti = i + 1
                elif pos == "S":
                    yield posseg.pair(char, pos_list[i][1])
                    nexti = i + 1
            if nexti < len(sentence):
                yield posseg.pair(sentence[nexti:], pos_list[nexti][1])

    _VITERBI["class"] = FastPOSTokenizer
    return FastPOSTokenizer


def build_segmenter(userdict: str | os.PathLike, hmm: bool = SEGMENT_HMM) -> Segmenter:
    """Build a Segmenter from a userdict file (same entries, same order, into rjieba and jieba)."""
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
    fast = _pos_tokenizer_class()
    pt = fast.__new__(fast)
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


def _token_frame(sentences: list[tuple], seg: Segmenter) -> pd.DataFrame:
    """The tokens of the given sentence tuples (doc_id, year, para_id, sent_id, text) as a table:
    doc_id, year, para_id, sent_id, token, pos, is_punct, built column by column (a worker returns one
    per document: compact to send, and the kernel never holds a Python tuple per token)."""
    doc_ids, years, para_ids, sent_ids, words, tags = [], [], [], [], [], []
    for doc_id, year, para_id, sent_id, text in sentences:
        tokens = seg.cut(text)
        tagged = seg.tag_sentence(text, tokens)
        if len(tagged) != len(tokens):
            raise ValueError(f"doc_id '{doc_id}' sentence {sent_id}: {len(tokens)} tokens but {len(tagged)} POS tags")
        n = len(tokens)
        doc_ids += [doc_id] * n
        years += [year] * n
        para_ids += [para_id] * n
        sent_ids += [sent_id] * n
        words += tokens
        tags += tagged
    punct: dict[str, bool] = {}
    flags = [punct[t] if t in punct else punct.setdefault(t, is_punct(t)) for t in words]
    return pd.DataFrame({"doc_id": doc_ids, "year": years, "para_id": para_ids, "sent_id": sent_ids,
                         "token": words, "pos": tags, "is_punct": flags})


class _TokenizeWith:
    """Cut and tag one document's sentences with the segmenter of a lexicon file, built once per worker
    process (picklable: only the file name and the HMM setting travel)."""

    def __init__(self, userdict: str, hmm: bool):
        self.userdict, self.hmm = userdict, hmm

    def __call__(self, doc_sentences: list[tuple]) -> pd.DataFrame:
        return _token_frame(doc_sentences, tokenizer(hmm=self.hmm, userdict=self.userdict))


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
        out = _token_frame(records, seg)
    else:
        parts = map_documents(_TokenizeWith(seg.userdict, seg.hmm), list(by_doc.values()), scheduler=scheduler,
                              label=lambda d: f"doc_id '{d[0][0]}'", desc="cutting")
        out = pd.concat(parts, ignore_index=True) if parts else _token_frame([], seg)
        del parts
    out.insert(4, "token_id", out.groupby("doc_id", sort=False).cumcount())
    out["is_stop"] = out["token"].isin(stop)
    return out
