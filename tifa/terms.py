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


def count_terms(body: pd.DataFrame, terms: list[str], st: RhetoricSettings) -> pd.DataFrame:
    """Occurrences of each term in each body paragraph (rows only where count > 0).

    Occurrences are ``find_term``'s, so those inside a listed false-match context are not counted.
    Columns: doc_id, year, para_id, term, count, nested.  ``nested`` counts the occurrences that lie
    inside an occurrence of a longer term of the same list (两个维护 inside 做到两个维护, if both
    are listed): ``count`` is the term's own count (what a reader searching for it finds);
    ``count - nested`` is what a device total adds, so that no stretch of text is counted twice.
    Each term is searched once in all paragraphs joined by a character no term contains (NUL), and
    its occurrences are assigned to their paragraphs; a term with listed false matches is searched
    paragraph by paragraph (``find_term``) where it occurs.
    """
    terms = sorted(set(terms), key=lambda t: (-len(t), t))
    cols = ["doc_id", "year", "para_id", "term", "count", "nested"]
    meta = body[["doc_id", "year", "para_id"]].to_numpy(dtype=object)
    texts = body["text"].tolist()
    sep = "\x00"
    joined = sep.join(texts)
    begins = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]]) if texts else np.zeros(0, dtype=np.int64)
    with_false = {t for t, _, _ in st.false_matches}
    spans: dict[int, dict[str, list[tuple[int, int]]]] = {}   # paragraph -> term -> spans
    for term in terms:
        if sep in term or not term:   # cannot be found across paragraphs: the paragraph rule itself
            where = [p for p, text in enumerate(texts) if term in text]
            for p in where:
                occ = find_term(texts[p], term, st)
                if occ:
                    spans.setdefault(p, {})[term] = occ
            continue
        starts = _term_starts(joined, term, st)
        if not starts:
            continue
        para = np.searchsorted(begins, starts, side="right") - 1
        if term in with_false:
            for p in dict.fromkeys(para.tolist()):
                occ = find_term(texts[p], term, st)
                if occ:
                    spans.setdefault(p, {})[term] = occ
            continue
        local = np.asarray(starts) - begins[para]
        for p, a in zip(para.tolist(), local.tolist()):
            spans.setdefault(p, {}).setdefault(term, []).append((a, a + len(term)))
    rows = []
    for p in sorted(spans):
        found = spans[p]
        found = {t: found[t] for t in terms if t in found}   # the terms in the order of ``terms``
        doc_id, year, para_id = meta[p]
        for term, occ in found.items():
            longer = [sp for t2, s2 in found.items() if len(t2) > len(term) for sp in s2]
            nested = sum(any(a <= s and e <= b for a, b in longer) for s, e in occ)
            rows.append((doc_id, year, para_id, term, len(occ), nested))
    out = pd.DataFrame(rows, columns=cols)
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


def sentence_tokens(tokens: pd.DataFrame) -> dict[tuple, tuple[list[str], list[str]]]:
    """The tokens of each sentence: {(doc_id, sent_id): (tokens, POS tags)}, in token order (rows
    sorted by doc_id and token_id), as strings; rows without a doc_id or sent_id belong to no sentence.
    The same as grouping by (doc_id, sent_id), but one sort of the whole table instead of one
    Series per sentence."""
    tok = tokens.sort_values(["doc_id", "token_id"], kind="stable")
    sent = tok.groupby(["doc_id", "sent_id"], sort=False).ngroup().to_numpy()
    words = tok["token"].astype(str).to_numpy(dtype=object)
    tags = tok["pos"].astype(str).to_numpy(dtype=object)
    docs, sids = tok["doc_id"].to_numpy(dtype=object), tok["sent_id"].to_numpy(dtype=object)
    order, starts = _sentence_rows(sent)
    words, tags, docs, sids = words[order].tolist(), tags[order].tolist(), docs[order], sids[order]
    out = {}
    for a, b in zip(starts[1:-1].tolist(), starts[2:].tolist()):
        out[(docs[a], sids[a])] = (words[a:b], tags[a:b])
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
    tok = tokens.sort_values(["doc_id", "token_id"], kind="stable")
    raw = tok["token"].astype(str)
    codes, vocab = pd.factorize(raw, use_na_sentinel=False)   # squeeze each distinct token once
    vocab = pd.Series(vocab, dtype=raw.dtype).map(squeeze).to_numpy(dtype=object)
    sizes = np.fromiter((len(v) if isinstance(v, str) else 0 for v in vocab), dtype=np.int64, count=len(vocab))
    keep = (sizes > 0)[codes]
    tok = tok[keep].reset_index(drop=True)
    codes = codes[keep]
    if tok.empty or not terms:
        return pd.DataFrame(columns=TOKEN_MATCH_COLUMNS)
    w = vocab[codes]
    sent = tok.groupby(["doc_id", "sent_id"], sort=False).ngroup().to_numpy()
    lengths = sizes[codes]
    offset = (pd.Series(lengths).groupby(sent).cumsum() - lengths).to_numpy()
    term_set, n = set(terms), len(w)
    openings = {t[:j] for t in terms for j in range(1, len(t) + 1)}
    found = []   # (first token index, n_tokens)
    first = np.fromiter((v in openings for v in vocab), dtype=bool, count=len(vocab))
    at = np.flatnonzero(first[codes])             # runs still growing: their first token
    acc = w[at]                                   # what each spells so far
    for k in range(1, max(len(t) for t in terms) + 1):
        if k > 1:
            ok = at + k - 1 < n
            at, acc = at[ok], acc[ok]
            nxt = at + k - 1
            ok = sent[nxt] == sent[at]
            at, acc, nxt = at[ok], acc[ok], nxt[ok]
            acc = acc + w[nxt]
            ok = np.fromiter((a in openings for a in acc), dtype=bool, count=len(acc))
            at, acc = at[ok], acc[ok]
        if not len(at):
            break
        hit = np.fromiter((a in term_set for a in acc), dtype=bool, count=len(acc))
        found += [(int(i), k) for i in at[hit]]
    order, starts = _sentence_rows(sent)
    false_by_term: dict[str, list[str]] = {}
    for t, context, _ in st.false_matches:
        false_by_term.setdefault(t, []).append(context)
    texts: dict[int, str] = {}
    rows = []
    last_end: dict[tuple[int, str], int] = {}
    for i, k in sorted(found):
        term = "".join(w[i:i + k])
        s = sent[i]
        start = int(offset[i])
        if s not in texts:
            texts[s] = "".join(w[order[starts[int(s) + 1]:starts[int(s) + 2]]])
        end = start + len(term)
        if start < last_end.get((s, term), -1):
            continue
        if _numeral_blocked(texts[s], start, term, st) or (
                term in false_by_term and _inside_false_match(texts[s], start, end, term, st)):
            continue
        last_end[(s, term)] = end
        rows.append((s, i, k, term, start, end))
    out = []
    by_sent: dict[int, list] = {}
    for r in rows:
        by_sent.setdefault(r[0], []).append(r)
    cols = {c: tok[c].to_numpy(dtype=object) for c in ["doc_id", "year", "para_id", "sent_id", "token_id"]}
    for s, rs in by_sent.items():
        for _, i, k, term, a, b in rs:
            nested = any(len(t2) > len(term) and a2 <= a and b <= b2 for _, _, _, t2, a2, b2 in rs)
            out.append((cols["doc_id"][i], cols["year"][i], cols["para_id"][i], cols["sent_id"][i],
                        cols["token_id"][i], k, term, a, b, nested))
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
    text = {(d, s): squeeze(str(t)) for d, s, t in sentences[["doc_id", "sent_id", "text"]].itertuples(index=False)}
    rows = []
    for r in matches.itertuples(index=False):
        t = text.get((r.doc_id, r.sent_id), "")
        rows.append((r.doc_id, r.year, r.para_id, t[max(0, r.start - width):r.start], r.term, t[r.end:r.end + width]))
    return pd.DataFrame(rows, columns=cols)
