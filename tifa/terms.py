"""Terms in clean text: the squeezed body text every count runs on, rates per 10,000 characters,
occurrences of a term (numeral-aware, false matches left out), counts per paragraph, KWIC, and the
English glosses and pinyin used in figure labels.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from .files import CorpusError
from .settings import RhetoricSettings

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
def _term_regex(term: str, st: RhetoricSettings) -> re.Pattern:
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


def _split_false_matches(text: str, term: str, st: RhetoricSettings) -> tuple[list[tuple[int, int]], list[tuple]]:
    """The occurrences of ``term`` in ``text`` (``_term_regex``), split by ``st.false_matches``.

    Returns (kept spans, excluded) where excluded holds (start, end, context, reason) for each
    occurrence that lies inside an occurrence of one of the term's listed contexts.
    """
    if term not in text:
        return [], []
    spans = [m.span() for m in _term_regex(term, st).finditer(text)]
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
    """(start, end) of every non-overlapping occurrence of ``term`` in ``text`` (see ``_term_regex``),
    except those inside a listed false-match context (``st.false_matches``, from false_matches.csv)."""
    return _split_false_matches(text, term, st)[0]


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
            for a, b, context, reason in _split_false_matches(text, term, st)[1]:
                rows.append((doc_id, year, para_id, term, context, reason,
                             text[max(0, a - width):a], text[b:b + width]))
    out = pd.DataFrame(rows, columns=["doc_id", "year", "para_id", "term", "context", "reason", "left", "right"])
    return out.sort_values(["doc_id", "para_id", "term"], kind="stable").reset_index(drop=True)


def _term_starts(text: str, term: str, st: RhetoricSettings) -> list[int]:
    """Start of every occurrence of ``term`` in ``text`` that ``_term_regex`` finds (left to right,
    not overlapping), by ``str.find`` instead of a regex scan."""
    block = (set(st.numerals + st.ordinal_prefix + "0123456789")
             if term[0] in st.numerals or term[0].isdigit() else None)
    out, n = [], len(term)
    i = text.find(term)
    while i >= 0:
        if block is not None and i > 0 and text[i - 1] in block:
            i = text.find(term, i + 1)
            continue
        out.append(i)
        i = text.find(term, i + n)
    return out


def _code_points(text: str) -> np.ndarray:
    """The characters of ``text`` as code points, one uint32 per character (lone surrogates kept)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _char_table(chars: str) -> np.ndarray:
    """A lookup table over every code point: True at the characters of ``chars``."""
    table = np.zeros(0x110000, dtype=bool)
    table[[ord(c) for c in set(chars)]] = True
    return table


def _all_term_starts(text: str, terms: list[str], st: RhetoricSettings) -> dict[str, np.ndarray]:
    """``_term_starts(text, term, st)`` for every (non-empty) term at once, as sorted int64 arrays.

    Instead of one scan of ``text`` per term, the text is read once as code points, the places where
    a term's first character stands are sorted by their first two characters, and each term checks
    only the places that open with its own two characters (then character by character).  The rules
    of ``_term_starts`` follow: a term opening with a numeral or digit does not start right after a
    numeral, digit or ordinal prefix, and occurrences of one term do not overlap, taken left to right
    (only a term whose beginning repeats at its end, 哈哈 in 哈哈哈, can overlap itself)."""
    out: dict[str, np.ndarray] = {}
    terms = [t for t in dict.fromkeys(terms) if t]
    if not terms:
        return out
    arr = _code_points(text)
    longest = max(len(t) for t in terms)
    padded = np.concatenate([arr, np.zeros(longest, dtype=np.uint32)])   # beyond the end: NUL, in no term
    multi = [t for t in terms if len(t) > 1]
    if multi:
        cand = np.flatnonzero(_char_table("".join(t[0] for t in multi))[arr])
        key = (arr[cand].astype(np.uint64) << np.uint64(21)) | padded[cand + 1].astype(np.uint64)
        order = np.argsort(key, kind="stable")   # equal keys stay in text order
        key, cand = key[order], cand[order]
        del order
    block = _char_table(st.numerals + st.ordinal_prefix + "0123456789")
    for term in terms:
        if len(term) == 1:
            pos = np.flatnonzero(arr == ord(term))
        else:
            k = np.uint64((ord(term[0]) << 21) | ord(term[1]))
            pos = cand[np.searchsorted(key, k, side="left"):np.searchsorted(key, k, side="right")]
            for j in range(2, len(term)):
                if not len(pos):
                    break
                pos = pos[padded[pos + j] == ord(term[j])]
        if len(pos) and (term[0] in st.numerals or term[0].isdigit()):
            pos = pos[~((pos > 0) & block[arr[np.maximum(pos - 1, 0)]])]
        if len(pos) > 1 and any(term[:k] == term[-k:] for k in range(1, len(term))):
            kept, end = [], -1
            for a in pos.tolist():
                if a >= end:
                    kept.append(a)
                    end = a + len(term)
            pos = np.asarray(kept, dtype=np.int64)
        out[term] = pos.astype(np.int64)
    return out


def _nested_flags(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """For occurrences given as (start, length), whether each lies inside an occurrence of a longer
    term: some other occurrence starts at or before it, ends at or after it and is longer.

    Of the occurrences starting at one place only the longest matters (it ends last), so for each
    occurrence the places up to the longest length before it are looked up in the longest length per
    start."""
    nested = np.zeros(len(starts), dtype=bool)
    if not len(starts):
        return nested
    order = np.argsort(starts, kind="stable")
    s_sorted = starts[order]
    first = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    at = s_sorted[first]
    longest = np.maximum.reduceat(lengths[order], first)
    ends = starts + lengths
    for delta in range(int(lengths.max())):
        p = starts - delta
        i = np.minimum(np.searchsorted(at, p), len(at) - 1)
        nested |= (at[i] == p) & (longest[i] > lengths) & (p + longest[i] >= ends)
    return nested


def count_terms(body: pd.DataFrame, terms: list[str], st: RhetoricSettings) -> pd.DataFrame:
    """Occurrences of each term in each body paragraph (rows only where count > 0).

    Occurrences are ``find_term``'s, so those inside a listed false-match context are not counted.
    Columns: doc_id, year, para_id, term, count, nested.  ``nested`` counts the occurrences that lie
    inside an occurrence of a longer term of the same list (两个维护 inside 做到两个维护, if both
    are listed): ``count`` is the term's own count (what a reader searching for it finds);
    ``count - nested`` is what a device total adds, so that no stretch of text is counted twice.
    All terms are searched at once in all paragraphs joined by a character no term contains (NUL)
    (``_all_term_starts``), and their occurrences are assigned to their paragraphs; a term with listed
    false matches is searched paragraph by paragraph (``find_term``) where it occurs.  Occurrences
    are kept as positions in the joined text, so nesting is one vectorised test (``_nested_flags``).
    """
    terms = sorted(set(terms), key=lambda t: (-len(t), t))
    cols = ["doc_id", "year", "para_id", "term", "count", "nested"]
    texts = body["text"].tolist()
    sep = "\x00"
    joined = sep.join(texts)
    begins = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]]) if texts else np.zeros(0, dtype=np.int64)
    with_false = {t for t, _, _ in st.false_matches}
    rank = {t: r for r, t in enumerate(terms)}
    starts = _all_term_starts(joined, [t for t in terms if t and sep not in t], st)
    found_at, found_rank = [], []   # occurrences: start in the joined text, term (its rank in ``terms``)

    def paragraph_rule(term: str, where) -> None:
        for p in where:
            occ = find_term(texts[p], term, st)
            if occ:
                found_at.append(np.asarray([a for a, _ in occ], dtype=np.int64) + begins[p])
                found_rank.append(np.full(len(occ), rank[term], dtype=np.int64))

    for term in terms:
        if sep in term or not term:   # cannot be found across paragraphs: the paragraph rule itself
            paragraph_rule(term, [p for p, text in enumerate(texts) if term in text])
            continue
        at = starts[term]
        if not len(at):
            continue
        if term in with_false:
            paragraph_rule(term, dict.fromkeys((np.searchsorted(begins, at, side="right") - 1).tolist()))
            continue
        found_at.append(at)
        found_rank.append(np.full(len(at), rank[term], dtype=np.int64))
    if not found_at:
        return pd.DataFrame([], columns=cols)
    at, r = np.concatenate(found_at), np.concatenate(found_rank)
    length = np.fromiter((len(t) for t in terms), dtype=np.int64, count=len(terms))[r]
    nested = _nested_flags(at, length)
    para = np.searchsorted(begins, at, side="right") - 1
    order = np.lexsort((r, para))   # by paragraph, then the terms in the order of ``terms``
    para, r, nested = para[order], r[order], nested[order]
    first = np.flatnonzero(np.r_[True, (para[1:] != para[:-1]) | (r[1:] != r[:-1])])
    count = np.diff(np.r_[first, len(para)])
    n_nested = np.add.reduceat(nested.astype(np.int64), first)
    meta = body[["doc_id", "year", "para_id"]].to_numpy(dtype=object)[para[first]]
    rows = zip(meta[:, 0], meta[:, 1], meta[:, 2], np.asarray(terms, dtype=object)[r[first]], count.tolist(),
               n_nested.tolist())   # built from Python values row by row, so the columns' types are inferred as ever
    out = pd.DataFrame(list(rows), columns=cols)
    return out.sort_values(["doc_id", "para_id", "term"], kind="stable").reset_index(drop=True)


_HALF_TO_FULL = str.maketrans({",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"})


def normalise_span(span: str) -> str:
    """A quoted span as counted: NFKC (full-width letters/digits to ASCII), whitespace removed,
    then ASCII clause punctuation back to the full-width marks the other texts use (the 2021 page
    prints , ; ( ) half-width), so the same slogan is one type in every document."""
    return squeeze(unicodedata.normalize("NFKC", span)).translate(_HALF_TO_FULL)


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


# Counting on tokens (the rule of notebook 04) --------------------------------------------------
TOKEN_MATCH_COLUMNS = ["doc_id", "year", "para_id", "sent_id", "token_id", "n_tokens", "term", "start", "end",
                       "nested"]


def _numeral_blocked(text: str, start: int, term: str, st: RhetoricSettings) -> bool:
    """True if a term opening with a numeral continues a number or an ordinal at ``start`` (the rule
    of ``_term_regex``: 三产 is not 三产 inside 第三产业)."""
    if not (term[0] in st.numerals or term[0].isdigit()) or start == 0:
        return False
    prev = text[start - 1]
    return prev in st.numerals or prev in st.ordinal_prefix or prev.isdigit()


def _inside_false_match(text: str, start: int, end: int, term: str, st: RhetoricSettings) -> bool:
    """True if text[start:end] (an occurrence of ``term``) lies inside an occurrence of one of the
    term's listed false-match contexts (``st.false_matches``)."""
    for t, context, _ in st.false_matches:
        if t == term and context in text and any(a <= start and end <= b for a, b in _occurrences(text, context)):
            return True
    return False


def _sentence_rows(sent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the rows of each sentence are, for sentence numbers 0, 1, … as ``groupby(...).ngroup()``
    gives them (-1 or NaN for rows of no sentence): (order, starts) such that the rows numbered ``s``,
    in their order, are ``order[starts[s + 1]:starts[s + 2]]`` (the rows of no sentence come first)."""
    if sent.dtype.kind == "f":
        sent = np.where(np.isnan(sent), -1, sent).astype(np.int64)
    order = np.argsort(sent, kind="stable")
    starts = np.searchsorted(sent[order], np.arange(-1, int(sent.max(initial=-1)) + 2), side="left")
    return order, starts


def _doc_codes(tokens: pd.DataFrame) -> np.ndarray:
    """The document of each row as a number, in the sorted order of the ids (-1: no doc_id)."""
    return pd.factorize(tokens["doc_id"], sort=True)[0]


def _doc_token_order(tokens: pd.DataFrame, doc_codes: np.ndarray | None = None,
                     position: str = "token_id") -> np.ndarray:
    """Positions of the rows of ``tokens`` in the order of ``tokens.sort_values(["doc_id", position],
    kind="stable")`` (``position``: token_id, or sent_id for a sentence table), without sorting
    (copying) the table: a stable sort of the document codes (``_doc_codes``, given or computed) and
    positions, as one integer key where it fits (string document ids and integer positions without
    gaps; otherwise pandas' sort of the two columns)."""
    doc, tid = tokens["doc_id"], tokens[position]
    if (pd.api.types.is_string_dtype(doc.dtype) and pd.api.types.is_numeric_dtype(tid.dtype)
            and not doc.isna().any() and not tid.isna().any()):
        codes = _doc_codes(tokens) if doc_codes is None else doc_codes
        t = tid.to_numpy()
        if len(t) < 2 or bool(np.all((codes[1:] > codes[:-1]) | ((codes[1:] == codes[:-1]) & (t[1:] >= t[:-1])))):
            return np.arange(len(t))   # already in order
        if t.dtype.kind in "iu" and t.min() >= 0 and (int(codes.max()) + 1) * (int(t.max()) + 1) < 2 ** 62:
            # one key, equal exactly where both parts are; a stable sort merges the runs already in order
            return np.argsort(codes.astype(np.int64) * (int(t.max()) + 1) + t.astype(np.int64), kind="stable")
        return np.lexsort((t, codes))
    return (tokens[["doc_id", position]].reset_index(drop=True)
            .sort_values(["doc_id", position], kind="stable").index.to_numpy())


def _sentence_numbers(tokens: pd.DataFrame, rows: np.ndarray, doc_codes: np.ndarray | None = None) -> np.ndarray:
    """For the rows ``rows`` (positions) of ``tokens``, in that order, the number of their sentence
    as ``tokens.take(rows).groupby(["doc_id", "sent_id"], sort=False).ngroup()`` gives it: sentences
    numbered by first appearance, -1 for a row without a doc_id or sent_id.  ``doc_codes``: any
    numbering of the documents with -1 for none (``_doc_codes``), computed if not given."""
    d = (pd.factorize(tokens["doc_id"])[0] if doc_codes is None else doc_codes)[rows]
    sid = tokens["sent_id"]
    if sid.dtype.kind in "iu" and len(sid) and not sid.isna().any() and 0 <= sid.min() and sid.max() < 2 ** 40:
        s = sid.to_numpy()[rows].astype(np.int64)   # whole numbers already: no coding needed
    else:
        s = pd.factorize(sid)[0][rows]
    out = np.full(len(rows), -1, dtype=np.int64)
    ok = (d >= 0) & (s >= 0)
    out[ok] = pd.factorize(d[ok].astype(np.int64) * (int(s.max(initial=0)) + 1) + s[ok])[0]
    return out


def _strings(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``series.astype(str)`` as (codes, distinct values as an object array): each distinct string is
    one Python object however often it occurs, so ``values[codes]`` costs a pointer per row."""
    codes, vocab = pd.factorize(series.astype(str), use_na_sentinel=False)
    return codes, np.asarray(vocab, dtype=object)


def sentence_tokens(tokens: pd.DataFrame) -> dict[tuple, tuple[list[str], list[str]]]:
    """The tokens of each sentence: {(doc_id, sent_id): (tokens, POS tags)}, in token order (rows
    sorted by doc_id and token_id), as strings; rows without a doc_id or sent_id belong to no sentence.
    The same as grouping by (doc_id, sent_id), but one sort of the row numbers instead of one Series
    per sentence, and each distinct token or tag one string object."""
    doc_codes = _doc_codes(tokens)
    rows = _doc_token_order(tokens, doc_codes)
    sent = _sentence_numbers(tokens, rows, doc_codes)
    w_codes, w_vocab = _strings(tokens["token"])
    p_codes, p_vocab = _strings(tokens["pos"])
    order, starts = _sentence_rows(sent)
    rows = rows[order]
    words, tags = w_vocab[w_codes[rows]].tolist(), p_vocab[p_codes[rows]].tolist()
    firsts = rows[starts[1:-1]]
    docs = tokens["doc_id"].take(firsts).to_numpy(dtype=object)
    sids = tokens["sent_id"].take(firsts).to_numpy(dtype=object)
    out = {}
    for d, sid, a, b in zip(docs, sids, starts[1:-1].tolist(), starts[2:].tolist()):
        out[(d, sid)] = (words[a:b], tags[a:b])
    return out


def token_term_matches(tokens: pd.DataFrame, terms: list[str], st: RhetoricSettings) -> pd.DataFrame:
    """Every occurrence of each term counted on tokens: a token, or a run of consecutive tokens of one
    sentence, that spells the term exactly (the rule of notebook 04, ``tifa.priorities.match_terms``),
    so a term inside a longer token is not an occurrence (高质量 inside the token 高质量发展).

    Each term is matched on its own, left to right without overlapping itself, so occurrences of two
    terms may overlap; ``nested`` marks an occurrence lying inside an occurrence of a longer term of
    the same list (``count - nested`` is what a device total adds, as in ``count_terms``).  The two
    exceptions of ``find_term`` hold here too: a term opening with a numeral is not counted where a
    numeral, digit or ordinal prefix stands right before it, and an occurrence inside a listed
    false-match context (checked in the sentence text) is left out.  Whitespace-only tokens are
    dropped first.  Columns: ``TOKEN_MATCH_COLUMNS`` (start, end: characters in the sentence's
    squeezed text), in text order.

    Runs of tokens are grown one token at a time from the tokens that open a term, and only while
    what they spell so far opens a term, so the work follows the matches, not tokens x term length.
    """
    terms = sorted({t for t in terms if t})
    need = ["doc_id", "year", "para_id", "sent_id", "token_id", "token"]
    missing = [c for c in need if c not in tokens.columns]
    if missing:
        raise CorpusError(f"tokens table: missing column(s) {', '.join(missing)}")
    doc_codes = _doc_codes(tokens)
    rows = _doc_token_order(tokens, doc_codes)
    raw = tokens["token"].astype(str)
    codes, vocab = pd.factorize(raw, use_na_sentinel=False)   # squeeze each distinct token once
    vocab = pd.Series(vocab, dtype=raw.dtype).map(squeeze).to_numpy(dtype=object)
    del raw
    sizes = np.fromiter((len(v) if isinstance(v, str) else 0 for v in vocab), dtype=np.int64, count=len(vocab))
    codes = codes[rows]
    keep = (sizes > 0)[codes]
    rows, codes = rows[keep], codes[keep]   # the rows of the sorted table kept, as positions in ``tokens``
    if not len(rows) or not terms:
        return pd.DataFrame(columns=TOKEN_MATCH_COLUMNS)
    sent = _sentence_numbers(tokens, rows, doc_codes)
    if (sent < 0).any():   # rows of no sentence: NaN, as groupby's ngroup gives them, so no run joins two of them
        sent = np.where(sent < 0, np.nan, sent)
    lengths = sizes[codes]
    offset = (pd.Series(lengths).groupby(sent).cumsum() - lengths).to_numpy()
    term_set, n = set(terms), len(codes)
    openings = {t[:j] for t in terms for j in range(1, len(t) + 1)}
    found = []   # (first token index, n_tokens)
    first = np.fromiter((v in openings for v in vocab), dtype=bool, count=len(vocab))
    at = np.flatnonzero(first[codes])             # runs still growing: their first token
    acc = vocab[codes[at]]                        # what each spells so far
    for k in range(1, max(len(t) for t in terms) + 1):
        if k > 1:
            ok = at + k - 1 < n
            at, acc = at[ok], acc[ok]
            nxt = at + k - 1
            ok = sent[nxt] == sent[at]
            at, acc, nxt = at[ok], acc[ok], nxt[ok]
            acc = acc + vocab[codes[nxt]]
            ok = np.fromiter((a in openings for a in acc), dtype=bool, count=len(acc))
            at, acc = at[ok], acc[ok]
        if not len(at):
            break
        hit = np.fromiter((a in term_set for a in acc), dtype=bool, count=len(acc))
        found += zip(at[hit].tolist(), [k] * int(hit.sum()), acc[hit].tolist())   # (first token, n_tokens, term)
    order, starts = _sentence_rows(sent)
    false_by_term: dict[str, list[str]] = {}
    for t, context, _ in st.false_matches:
        false_by_term.setdefault(t, []).append(context)
    texts: dict[int, str] = {}
    kept = []
    last_end: dict[tuple[int, str], int] = {}
    numeral_led = set(st.numerals)
    for i, k, term in sorted(found):
        s = sent[i]
        start = int(offset[i])
        end = start + len(term)
        if start < last_end.get((s, term), -1):
            continue
        if (start and (term[0] in numeral_led or term[0].isdigit())) or term in false_by_term:
            if s not in texts:   # the sentence's text, only where a rule reads it
                texts[s] = "".join(vocab[codes[order[starts[int(s) + 1]:starts[int(s) + 2]]]])
            if _numeral_blocked(texts[s], start, term, st) or (
                    term in false_by_term and _inside_false_match(texts[s], start, end, term, st)):
                continue
        last_end[(s, term)] = end
        kept.append((s, i, k, term, start, end))
    by_sent: dict[int, list] = {}
    for r in kept:
        by_sent.setdefault(r[0], []).append(r)
    ordered = [r for rs in by_sent.values() for r in rs]
    at_rows = rows[np.asarray([r[1] for r in ordered], dtype=np.int64)]
    cols = {c: tokens[c].take(at_rows).to_numpy(dtype=object) for c in ["doc_id", "year", "para_id", "sent_id", "token_id"]}
    out = []
    j = 0
    for s, rs in by_sent.items():
        longest = max(len(r[3]) for r in rs)
        for _, i, k, term, a, b in rs:
            nested = len(term) < longest and any(len(t2) > len(term) and a2 <= a and b <= b2
                                                 for _, _, _, t2, a2, b2 in rs)
            out.append((cols["doc_id"][j], cols["year"][j], cols["para_id"][j], cols["sent_id"][j],
                        cols["token_id"][j], k, term, a, b, nested))
            j += 1
    res = pd.DataFrame(out, columns=TOKEN_MATCH_COLUMNS)
    return res.sort_values(["doc_id", "token_id", "term"], kind="stable").reset_index(drop=True)


def count_token_terms(tokens: pd.DataFrame, terms: list[str], st: RhetoricSettings) -> pd.DataFrame:
    """Occurrences of each term per body paragraph counted on tokens (``token_term_matches``): the
    columns of ``count_terms`` (doc_id, year, para_id, term, count, nested), rows only where count > 0."""
    m = token_term_matches(tokens, terms, st)
    cols = ["doc_id", "year", "para_id", "term", "count", "nested"]
    if m.empty:
        return pd.DataFrame(columns=cols)
    out = (m.assign(nested=m["nested"].astype(int)).groupby(["doc_id", "year", "para_id", "term"], as_index=False)
           .agg(count=("term", "size"), nested=("nested", "sum")))
    return out[cols].sort_values(["doc_id", "para_id", "term"], kind="stable").reset_index(drop=True)


def token_kwic(matches: pd.DataFrame, sentences: pd.DataFrame, width: int) -> pd.DataFrame:
    """Keyword in context for token matches (``token_term_matches``), context cut at the sentence:
    doc_id, year, para_id, left, term, right (``width`` characters each side)."""
    cols = ["doc_id", "year", "para_id", "left", "term", "right"]
    if matches.empty:
        return pd.DataFrame(columns=cols)
    wanted = set(zip(matches["doc_id"], matches["sent_id"]))   # only the sentences with a match are squeezed
    text = {(d, s): squeeze(str(t)) for d, s, t in zip(sentences["doc_id"], sentences["sent_id"], sentences["text"])
            if (d, s) in wanted}
    rows = []
    for r in matches.itertuples(index=False):
        t = text.get((r.doc_id, r.sent_id), "")
        rows.append((r.doc_id, r.year, r.para_id, t[max(0, r.start - width):r.start], r.term, t[r.end:r.end + width]))
    return pd.DataFrame(rows, columns=cols)
