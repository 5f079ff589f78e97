"""Rhetoric (notebook 03): numbered formulae (lexicon and pattern), quoted slogans, collocation (G2),
word-cloud frequencies, both counting rules side by side, rate intervals over articles, and the
per-document and per-scope tables of rhetoric.csv and rhetoric_summary.csv (parallel runs:
:mod:`tifa.parallelism`).  Every threshold comes from ``rhetoric_settings.csv`` (:mod:`tifa.settings`);
every term list from the codebook CSVs.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate

import numpy as np
import pandas as pd

from .config import SEED
from .files import CorpusError
from .priorities import resample_units, unit_counts
from .settings import RhetoricSettings
from .stats import g2, percentile_interval_by_column
from .terms import (_doc_codes, _doc_token_order, _sentence_numbers, count_terms, count_token_terms, find_term, normalise_span,
                    per_10k, sentence_tokens, squeeze)


# Rhetoric (notebook 03): numbered formulae, quoted slogans, lexicon devices (mobilisation, ideology),
# parallelism; rates, dispersion (DPnorm), KWIC, collocation (G2), word-cloud frequencies, glosses.
# Every threshold comes from data/lexicon/rhetoric_settings.csv (rhetoric_settings()); every term list
# from the codebook CSVs.  Counting runs on body paragraphs with whitespace removed (squeeze), the same
# text whose length h.body_chars() measures, so every rate has the same denominator.  Matches that
# are not uses (data/lexicon/false_matches.csv) travel with the settings and are left out by find_term.
RHETORIC_DEVICES = ["formula", "slogan", "mobilisation", "ideology", "parallelism"]
_CJK_CHARS = "\u4e00-\u9fff"
_QUOTE_PAIRS = {"double": ("“", "”"), "single": ("‘", "’")}


# Quoted spans (slogans) -------------------------------------------------------------------------
def quoted_spans(text: str) -> list[tuple[int, int, str, str]]:
    """Every innermost span inside “ ” and inside ‘ ’: (start, end, span, mark).

    Innermost means a span holds no quote mark of its own kind, so an unbalanced opening mark
    earlier in the text is skipped rather than swallowing the text up to the next closing mark.
    ``start``/``end`` are the span's own characters (marks excluded).
    """
    out = []
    for mark, (o, c) in _QUOTE_PAIRS.items():
        for m in re.finditer(f"{o}([^{o}{c}]*){c}", text):
            if m.group(1).strip():
                out.append((m.start(1), m.end(1), m.group(1), mark))
    return sorted(out)


def _span_kind(span: str, formulae: set[str], st: RhetoricSettings) -> str:
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
    (formula/slogan/quotation, see ``_span_kind``), has_formula (a formula occurs inside the span).
    """
    rows = []
    kinds: dict[str, tuple[str, bool]] = {}   # per distinct span: its kind, whether a formula occurs in it
    for doc_id, year, para_id, text in body[["doc_id", "year", "para_id", "text"]].itertuples(index=False):
        for start, _, raw, mark in quoted_spans(text):
            term = normalise_span(raw)
            if not term:
                continue
            if term not in kinds:
                kinds[term] = (_span_kind(term, formulae, st), any(f in term for f in formulae))
            rows.append((doc_id, year, para_id, start, mark, raw, term, *kinds[term]))
    return pd.DataFrame(rows, columns=["doc_id", "year", "para_id", "start", "mark", "raw", "term", "kind",
                                       "has_formula"])


# Numbered formulae: the pattern ------------------------------------------------------------------
@lru_cache(maxsize=32)
def _counting_regexes(numerals: str, counting_units: str, ordinal_prefix: str) -> tuple[re.Pattern | None, re.Pattern]:
    """The two regexes of ``is_counting_phrase`` (numeral run + unit, or None without units;
    ordinal prefix + numeral), compiled once per settings."""
    units = "|".join(re.escape(u) for u in counting_units.split("|") if u)
    n = re.escape(numerals)
    return (re.compile(f"[{n}0-9]+(?:{units})") if units else None,
            re.compile(f"[{re.escape(ordinal_prefix)}][{n}0-9]"))


def is_counting_phrase(s: str, st: RhetoricSettings) -> bool:
    """True if a numeral in ``s`` is an ordinary count or an ordinal: a numeral run directly followed
    by a counting unit (一年来, 一批, 一步, 十届人大, 七次会议 …) or preceded by an
    ordinal prefix (第七届).  Units and prefixes come from the settings file."""
    unit_re, ordinal_re = _counting_regexes(st.numerals, st.counting_units, st.ordinal_prefix)
    if unit_re is not None and unit_re.search(s):
        return True
    return bool(ordinal_re.search(s))


_DIGITS_N = re.compile(r"\d+(?:\+\d+)*\+[A-Za-z]")
_FIVE_YEAR = re.compile(f"十[{re.escape('一二三四五六七八九')}]五")


@lru_cache(maxsize=32)
def _compound_regexes(numerals: str, loose_tail: bool) -> tuple[re.Pattern, re.Pattern]:
    """The two regexes of the 'compound' shape of ``_formula_shape``, compiled once per settings."""
    n = re.escape(numerals)
    x = f"(?:(?![{n}])[{_CJK_CHARS}])"
    tail = "{1,2}" if loose_tail else ""
    return re.compile(f"(?:[{n}]+{x})+[{n}]+{x}{tail}"), re.compile(f"[{n}]+{x}{{1,2}}合一")


def _formula_shape(s: str, st: RhetoricSettings, loose_tail: bool = False) -> str | None:
    """Name of the numbered-formula shape that ``s`` has in running text, or None.

    Shapes (numeral N = a character of ``st.numerals``; X = a CJK character that is not a numeral):
    - 'digits+N': digits joined by + and ending in a letter (2+N, 12+9+N);
    - 'five-year plan': 十N五 (十三五, 十四五);
    - 'compound': two or more numeral-led units, N…X N…X (一府两院, 五位一体, 三去一降一补,
      两学一做), or N X(X) 合一 (五证合一); with ``loose_tail`` the last unit may have two
      characters (一区一主业; only used where token boundaries delimit the match).
    A compound must have 4 to ``formula_max_len`` characters and contain no counting phrase.
    """
    if _DIGITS_N.fullmatch(s):
        return "digits+N"
    if _FIVE_YEAR.fullmatch(s):
        return "five-year plan"
    if not 4 <= len(s) <= st.formula_max_len:
        return None
    units, heyi = _compound_regexes(st.numerals, loose_tail)
    if (units.fullmatch(s) or heyi.fullmatch(s)) and not is_counting_phrase(s, st):
        return "compound"
    return None


def _quoted_formula_shape(span: str, st: RhetoricSettings) -> str | None:
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
        return "quoted" if _formula_shape(span, st) == "digits+N" else None
    if not re.fullmatch(f"[{_CJK_CHARS}A-Za-z+]+", span):
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


@lru_cache(maxsize=32)
def _numeral_regex(numerals: str) -> re.Pattern:
    """One numeral or ASCII digit."""
    return re.compile(f"[{re.escape(numerals)}0-9]")


def _shaped_matches(text: str, st: RhetoricSettings, bounds: set[int] | None, free) -> list[dict]:
    """Unquoted ``_formula_shape`` matches, left to right, longest first at each numeral that does not
    continue a number or an ordinal; with ``bounds`` a match starts and ends on a token boundary.
    ``free(a, b)`` says whether a span is still available (not blocked, not already found)."""
    n_re = _numeral_regex(st.numerals)
    prev_block = set(st.numerals + st.ordinal_prefix + "0123456789")
    out, i = [], 0
    while i < len(text):
        m = n_re.search(text, i)   # the next numeral or digit: the only places a match starts
        if m is None:
            break
        i = m.start()
        if (i and text[i - 1] in prev_block) or (bounds is not None and i not in bounds):
            i += 1
            continue
        for j in range(min(len(text), i + max(st.formula_max_len, 12)), i + 1, -1):
            if bounds is not None and j not in bounds:
                continue
            shape = _formula_shape(text[i:j], st, loose_tail=bounds is not None)
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
    if "大" not in text:   # every match has 大 after its numeral
        return []
    offsets = list(accumulate((len(t) for t in tokens), initial=0))
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
    1. quoted spans that look like numbered formulae (``_quoted_formula_shape``);
    2. unquoted shapes in running text (``_formula_shape``): at each numeral or digit that does not
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
        if text_sq == text and "".join(tokens) == text:   # no whitespace anywhere: squeezing changes nothing
            keep = [k for k, t in enumerate(tokens) if t]
            if len(keep) < len(tokens):
                tokens = [tokens[k] for k in keep]
                pos = [pos[k] for k in keep] if pos is not None else None
        else:
            keep = [k for k, t in enumerate(tokens) if squeeze(t)]
            tokens = [squeeze(tokens[k]) for k in keep]
            pos = [pos[k] for k in keep] if pos is not None else None
    blocked: list[tuple[int, int]] | None = None   # looked up when a candidate is first tested
    found: list[dict] = []

    def free(a: int, b: int) -> bool:
        nonlocal blocked
        if blocked is None:
            blocked = _blocked(text_sq, list(not_formulae))
        return not any(a < e and s < b for s, e in blocked) and not any(
            a < f["end"] and f["start"] < b for f in found)

    for start, end, raw, _mark in quoted_spans(text_sq):
        span = normalise_span(raw)
        if _quoted_formula_shape(span, st) and free(start, end) and span not in not_formulae:
            found.append({"start": start, "end": end, "term": span, "shape": "quoted"})

    bounds = offsets = None
    if tokens is not None:
        if "".join(tokens) != text_sq:
            raise ValueError("tokens do not join to the text")
        offsets = list(accumulate((len(t) for t in tokens), initial=0))
        bounds = set(offsets)
    for f in _shaped_matches(text_sq, st, bounds, free):
        found.append(f)
    if tokens is not None and pos is not None:
        for f in _big_n_matches(text_sq, tokens, pos, st, free):
            found.append(f)
        idioms = {(offsets[k], offsets[k + 1]) for k, p in enumerate(pos) if p == "i"}
        found = [f for f in found if (f["start"], f["end"]) not in idioms]
    listed = [(a, b, t) for t in sorted(set(known), key=lambda t: (-len(t), t)) if t in text_sq
              for a, b in find_term(text_sq, t, st)] if found else []
    for f in found:
        f["known"] = next((t for a, b, t in listed if a < f["end"] and f["start"] < b), "")
    return sorted(found, key=lambda f: f["start"])


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


def _node_marks(codes: np.ndarray, sent: np.ndarray, vocab: np.ndarray, node: str) -> tuple[np.ndarray, np.ndarray]:
    """Where ``node`` occurs in a flat token sequence, merged as ``_merge_node`` merges it per sentence.

    ``codes`` index ``vocab`` (token strings), ``sent`` numbers the sentences (runs of equal values).
    Only tokens that occur inside ``node`` can be part of a match, so ``_merge_node`` runs on each
    maximal run of such tokens inside one sentence, not on every sentence.  Returns (start, inner):
    ``start`` marks the first token of each match (the merged node), ``inner`` its other tokens
    (a merged node stands for the tokens that spell it: none is empty, so their lengths say how many)."""
    start = np.zeros(len(codes), dtype=bool)
    inner = np.zeros(len(codes), dtype=bool)
    part = np.fromiter((bool(t) and t in node for t in vocab), dtype=bool, count=len(vocab))
    cand = part[codes] if len(codes) else np.zeros(0, dtype=bool)
    if not cand.any():
        return start, inner
    idx = np.flatnonzero(cand)
    breaks = np.flatnonzero((np.diff(idx) != 1) | (sent[idx[1:]] != sent[idx[:-1]])) + 1
    for run in np.split(idx, breaks):
        toks = [vocab[c] for c in codes[run]]
        i = 0
        for merged in _merge_node(toks, node)[1]:
            if not merged:
                i += 1
                continue
            j, size = i, 0
            while size < len(node):
                size += len(toks[j])
                j += 1
            start[run[i]] = True
            inner[run[i + 1:j]] = True
            i = j
    return start, inner


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
    One pass over numpy arrays: tokens in sentence order (sentences in order of first appearance
    after sorting by doc_id, token_id; tokens by token_id), the node merged where it spans tokens.
    """
    import math

    window = st.colloc_window if window is None else window
    min_freq = st.colloc_min_freq if min_freq is None else min_freq
    need = ["doc_id", "sent_id", "token_id", "token", "is_stop", "is_punct"]
    missing = [c for c in need if c not in tokens.columns]
    if missing:
        raise CorpusError(f"tokens table: missing column(s) {', '.join(missing)}")
    drop = set(tokens.loc[tokens["is_stop"].astype(bool) | tokens["is_punct"].astype(bool), "token"].unique()) - {node}
    doc_codes = _doc_codes(tokens)
    rows = _doc_token_order(tokens, doc_codes)   # the rows sorted by doc_id, token_id (positions, no copy of the table)
    sent = _sentence_numbers(tokens, rows, doc_codes)
    order = np.argsort(sent, kind="stable")  # sentences by first appearance
    order = order[sent[order] >= 0]  # rows with a missing doc_id or sent_id belong to no sentence
    codes, vocab = pd.factorize(tokens["token"].astype(str), use_na_sentinel=False)  # no str per row
    codes = codes[rows[order]]
    vocab = np.asarray(vocab, dtype=object)
    sent = sent[order]
    blank = np.fromiter((not t.strip() for t in vocab), dtype=bool, count=len(vocab))
    keep = ~blank[codes]
    codes, sent = codes[keep], sent[keep]
    start, inner = _node_marks(codes, sent, vocab, node)
    dropped = np.fromiter((t in drop for t in vocab), dtype=bool, count=len(vocab))
    keep = start | ~(inner | dropped[codes])
    codes, sent, is_node = codes[keep], sent[keep], start[keep]
    covered = np.zeros(len(codes), dtype=bool)
    at = np.flatnonzero(is_node)
    for d in range(-window, window + 1):
        j = at + d
        ok = (j >= 0) & (j < len(codes))
        j, i = j[ok], at[ok]
        covered[j[sent[j] == sent[i]]] = True
    covered &= ~is_node
    window_counts = np.bincount(codes[covered], minlength=len(vocab))
    freq = np.bincount(codes[~is_node], minlength=len(vocab))
    r1, n = int(covered.sum()), int((~is_node).sum())
    rows = []
    for c in np.flatnonzero(window_counts):
        o11, c1 = int(window_counts[c]), int(freq[c])
        e11 = r1 * c1 / n
        if o11 >= min_freq and o11 > e11:
            score = g2(o11, r1, c1, n)
            rows.append((vocab[c], o11, e11, c1, score, math.erfc(math.sqrt(score / 2))))
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


# Counts by document, year, genre ----------------------------------------------------------------
def rhetoric_rows(counts: pd.DataFrame, device: str, chars_by_doc: pd.Series,
                  subtypes: dict[str, str] | None = None) -> pd.DataFrame:
    """Paragraph counts (doc_id, year, para_id, term, count[, nested][, count_substring]) -> one row per
    (document, term): doc_id, year, device, subtype, term, count, nested, per_10k (per 10,000 body
    characters of that document), count_substring.  Zero counts get no row; with ``count_substring``
    (``merge_counts``) a row is kept where either count is above zero, so a term found only inside
    longer tokens still shows; without it ``count_substring`` is empty (the device is not a term count)."""
    cols = ["doc_id", "year", "device", "subtype", "term", "count", "nested", "per_10k", "count_substring"]
    if counts.empty:
        return pd.DataFrame(columns=cols)
    c = counts.copy()
    if "nested" not in c.columns:
        c["nested"] = 0
    has_sub = "count_substring" in c.columns
    sums = ["count", "nested"] + (["count_substring"] if has_sub else [])
    out = c.groupby(["doc_id", "year", "term"], as_index=False)[sums].sum()
    out = out[(out["count"] > 0) | (out["count_substring"] > 0)] if has_sub else out[out["count"] > 0]
    if not has_sub:
        out["count_substring"] = pd.NA
    out["count_substring"] = out["count_substring"].astype("Int64")
    out["device"] = device
    out["subtype"] = [(subtypes or {}).get(t, "") for t in out["term"]]
    out["per_10k"] = per_10k(out["count"], out["doc_id"].map(chars_by_doc).astype(float))
    return out[cols].sort_values(["doc_id", "device", "subtype", "term"], kind="stable").reset_index(drop=True)


def merge_counts(token_counts: pd.DataFrame, substring_counts: pd.DataFrame) -> pd.DataFrame:
    """Paragraph counts of the same terms by the two rules side by side: ``count`` and ``nested`` on
    tokens (``count_token_terms``, the rule of every rate), ``count_substring`` and ``nested_substring``
    the substring count (``count_terms``) beside it; a paragraph and term found by either rule has a
    row, zeros filled."""
    key = ["doc_id", "year", "para_id", "term"]
    cols = key + ["count", "nested", "count_substring", "nested_substring"]
    a = token_counts[key + ["count", "nested"]] if len(token_counts) else pd.DataFrame(columns=key + ["count", "nested"])
    b = (substring_counts[key + ["count", "nested"]].rename(columns={"count": "count_substring", "nested": "nested_substring"})
         if len(substring_counts) else pd.DataFrame(columns=key + ["count_substring", "nested_substring"]))
    out = a.merge(b, on=key, how="outer")
    for c in cols[len(key):]:
        out[c] = out[c].fillna(0).astype(int)
    return out[cols].sort_values(["doc_id", "para_id", "term"], kind="stable").reset_index(drop=True)


def counting_rule_totals(para_counts: pd.DataFrame) -> pd.DataFrame:
    """Per device, the two counting rules' totals from paragraph counts of ``merge_counts`` (with a
    ``device`` column): count and count_substring (every occurrence of every term), spans and
    spans_substring (device totals: nested occurrences removed), and difference = spans_substring -
    spans, the occurrences a device total gains by counting inside longer tokens."""
    g = para_counts.groupby("device", sort=False)[["count", "nested", "count_substring", "nested_substring"]].sum()
    out = pd.DataFrame({"count": g["count"], "count_substring": g["count_substring"],
                        "spans": g["count"] - g["nested"], "spans_substring": g["count_substring"] - g["nested_substring"]})
    out["difference"] = out["spans_substring"] - out["spans"]
    return out.astype(int)


def count_both(body: pd.DataFrame, tokens: pd.DataFrame, terms: list[str], st: RhetoricSettings) -> pd.DataFrame:
    """``merge_counts`` of the token count and the substring count of ``terms``: the counts of notebook 03."""
    return merge_counts(count_token_terms(tokens, terms, st), count_terms(body, terms, st))


def counting_rule_difference(rows: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Where the two counting rules differ, per device and term (rows of rhetoric.csv with
    ``count_substring``): device, term, count (tokens), count_substring, difference (substring minus
    token: occurrences inside longer tokens), largest differences first, ``top`` per device."""
    r = rows.dropna(subset=["count_substring"])
    if r.empty:
        return pd.DataFrame(columns=["device", "term", "count", "count_substring", "difference"])
    g = r.groupby(["device", "term"], as_index=False)[["count", "count_substring"]].sum()
    g["count_substring"] = g["count_substring"].astype(int)
    g["difference"] = g["count_substring"] - g["count"]
    g = g[g["difference"] != 0].sort_values(["device", "difference", "term"], ascending=[True, False, True], kind="stable")
    return g.groupby("device", sort=True).head(top).reset_index(drop=True)


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
    rows = rows[rows["count"] > 0]
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


# Assembling notebook 03's tables ----------------------------------------------------------------
RHETORIC_COLUMNS = ["doc_id", "year", "device", "subtype", "term", "count", "nested", "per_10k", "source", "in_lexicon",
                    "count_substring"]
FORMULA_HIT_COLUMNS = ["doc_id", "year", "para_id", "sent_id", "term", "shape", "known", "sentence"]


def formula_pattern_hits(sentences: pd.DataFrame, tokens: pd.DataFrame, st: RhetoricSettings,
                         not_formulae: list[str], listed: list[str]) -> pd.DataFrame:
    """Every occurrence the numbered-formula pattern proposes (``find_formula_candidates``), sentence
    by sentence, with the sentence's tokens and POS tags when they spell the same text (otherwise the
    character rules alone).  Columns: doc_id, year, para_id, sent_id, term, shape, known, sentence."""
    tok_by_sent = sentence_tokens(tokens)
    # every route needs a numeral or digit in the text (shapes and N大 start at one) or a quotation mark
    # (a quoted span is normalised before its shape is read): a sentence with neither has no candidate
    marks = "".join(o for o, _ in _QUOTE_PAIRS.values())
    gate = re.compile("[" + re.escape(st.numerals + st.weak_numerals + st.big_numerals + marks) + "0-9]")
    hits = []
    for doc_id, year, para_id, sent_id, text in sentences[["doc_id", "year", "para_id", "sent_id", "text"]].itertuples(index=False):
        if not gate.search(text):
            continue
        toks, pos = tok_by_sent.get((doc_id, sent_id), (None, None))
        if toks is not None and "".join(toks) != text:
            toks = pos = None  # tokens of another version of the sentence: character rules only
        for f in find_formula_candidates(text, st, not_formulae, toks, pos, known=listed):
            hits.append((doc_id, year, para_id, sent_id, f["term"], f["shape"], f["known"], text))
    return pd.DataFrame(hits, columns=FORMULA_HIT_COLUMNS)


def formula_candidate_table(pattern_hits: pd.DataFrame, lexicon_terms: set[str]) -> tuple[pd.DataFrame, list[str], pd.DataFrame]:
    """What the pattern finds that the lexicon lacks.

    Returns (candidates, new_terms, recut): ``candidates`` is formula_candidates.csv (term, in_lexicon,
    shape, found, docs, years, example: one row per new string, sorted by term); ``new_terms`` the
    sorted new strings; ``recut`` the hits cut differently from a listed formula at the same place
    (``known`` not empty: the lexicon's boundary is kept, so they are not new)."""
    outside = ~pattern_hits["term"].isin(lexicon_terms)
    recut = pattern_hits[outside & (pattern_hits["known"] != "")]
    new_terms = sorted(set(pattern_hits.loc[outside & (pattern_hits["known"] == ""), "term"]))
    cand = (pattern_hits[pattern_hits["term"].isin(new_terms)]
            .groupby("term", sort=True)
            .agg(shape=("shape", lambda s: ", ".join(sorted(set(s)))), found=("term", "size"),
                 docs=("doc_id", lambda d: ", ".join(sorted(set(d)))),
                 years=("year", lambda y: ", ".join(map(str, sorted(set(y))))),
                 example=("sentence", "first"))
            .reset_index())
    cand.insert(1, "in_lexicon", False)
    return cand, new_terms, recut


def formula_rows(formula_counts: pd.DataFrame, inventory: list[str], formulae: pd.DataFrame,
                 pattern_terms: set[str], chars_by_doc: pd.Series) -> pd.DataFrame:
    """The formula rows of rhetoric.csv: per (document, formula) with count > 0, subtype = the kind
    of ``formulae.csv`` ('pattern candidate' for a string only the pattern found), source = lexicon,
    pattern or lexicon+pattern, in_lexicon = listed in ``formulae.csv``."""
    lexicon_terms = set(formulae["term"])
    source = {t: ("lexicon+pattern" if t in lexicon_terms and t in pattern_terms else "lexicon" if t in lexicon_terms
                  else "pattern") for t in inventory}
    formula_kind = dict(zip(formulae["term"], formulae["kind"]))
    rows = rhetoric_rows(formula_counts, "formula", chars_by_doc,
                         {t: formula_kind.get(t, "pattern candidate") for t in inventory})
    rows["source"] = rows["term"].map(source)
    rows["in_lexicon"] = rows["term"].isin(lexicon_terms)
    return rows


def top_terms(rows: pd.DataFrame, n: int) -> list[str]:
    """The ``n`` terms with the most occurrences in ``rows`` (count), ties broken by term."""
    return (rows.groupby("term")["count"].sum().reset_index()
            .sort_values(["count", "term"], ascending=[False, True], kind="stable")["term"].head(n).tolist())


def lexicon_device_rows(body: pd.DataFrame, lexicon: pd.DataFrame, device: str, chars_by_doc: pd.Series,
                        st: RhetoricSettings, tokens: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Count a device lexicon (mobilisation, ideology: term, subtype) in the body paragraphs; returns
    (paragraph counts, rhetoric.csv rows with source 'lexicon').  With ``tokens`` the counts are on
    tokens with the substring count beside them (``count_both``); without, substring counts only."""
    terms = lexicon["term"].tolist()
    counts = count_both(body, tokens, terms, st) if tokens is not None else count_terms(body, terms, st)
    rows = rhetoric_rows(counts, device, chars_by_doc, dict(zip(lexicon["term"], lexicon["subtype"])))
    rows["source"] = "lexicon"
    rows["in_lexicon"] = True
    return counts, rows


def parallelism_rows(runs: pd.DataFrame, chars_by_doc: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parallel runs as counts of their frame per paragraph (subtype = level + rule); returns
    (paragraph counts, rhetoric.csv rows with source 'pattern').  Runs typed as title lists or noun
    enumerations (``kind``) are not counted."""
    if "kind" in runs.columns:
        runs = runs[runs["kind"] == "parallelism"]
    counts = (runs.assign(term=runs["frame"], subtype=runs["level"] + " " + runs["rule"])
              .groupby(["doc_id", "year", "para_id", "term", "subtype"], as_index=False).size()
              .rename(columns={"size": "count"}))
    rows = rhetoric_rows(counts, "parallelism", chars_by_doc, dict(zip(counts["term"], counts["subtype"])))
    rows["source"] = "pattern"
    rows["in_lexicon"] = False
    return counts, rows


def assemble_rhetoric(device_rows: list[pd.DataFrame]) -> pd.DataFrame:
    """rhetoric.csv from the per-device row tables: the columns of ``RHETORIC_COLUMNS`` (``count_substring``
    empty where a table has none), sorted by document, device (in ``RHETORIC_DEVICES`` order), subtype and term."""
    present = [(r if "count_substring" in r.columns else r.assign(count_substring=pd.NA))[RHETORIC_COLUMNS]
               for r in device_rows if len(r)]
    rhetoric = pd.concat(present, ignore_index=True) if present else pd.DataFrame(columns=RHETORIC_COLUMNS)
    rhetoric["device"] = pd.Categorical(rhetoric["device"], categories=RHETORIC_DEVICES, ordered=True)
    rhetoric = rhetoric.sort_values(["doc_id", "device", "subtype", "term"], kind="stable").reset_index(drop=True)
    rhetoric["device"] = rhetoric["device"].astype(str)
    return rhetoric


def device_rates_by_doc(rhetoric: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Per document: year, genre and, per device, occurrences per 10,000 body characters (nested
    occurrences removed; NaN for a document without body text).  ``docs``: doc_id, year, genre,
    body_chars.  Index doc_id, in the order of ``docs``."""
    spans = rhetoric.assign(spans=rhetoric["count"] - rhetoric["nested"])
    device_doc = (spans.groupby(["doc_id", "device"])["spans"].sum().unstack("device")
                  .reindex(index=docs["doc_id"], columns=RHETORIC_DEVICES).fillna(0).astype(int))
    device_rate = device_doc.div(docs.set_index("doc_id")["body_chars"].replace(0, np.nan), axis=0) * 10_000
    device_rate.insert(0, "genre", docs.set_index("doc_id")["genre"])
    device_rate.insert(0, "year", docs.set_index("doc_id")["year"])
    return device_rate


def formula_split_by_doc(rhetoric: pd.DataFrame, doc_ids: list[str] | pd.Series) -> pd.DataFrame:
    """Numbered-formula occurrences per document (nested ones removed), split into formulae of the
    lexicon ('in lexicon') and strings only the pattern found ('pattern only'); every document listed."""
    spans = rhetoric.assign(spans=rhetoric["count"] - rhetoric["nested"])
    return (spans[spans["device"] == "formula"]
            .assign(kind=lambda d: np.where(d["in_lexicon"].astype(bool), "in lexicon", "pattern only"))
            .groupby(["doc_id", "kind"])["spans"].sum().unstack("kind")
            .reindex(index=doc_ids, columns=["in lexicon", "pattern only"]).fillna(0))


# Rates with cluster-bootstrap intervals ---------------------------------------------------------
RATE_COLUMNS = ["scope", "group", "genre", "device", "count", "body_chars", "per_10k", "ci_low", "ci_high",
                "units", "p_highest"]


def device_paragraph_matrix(para_counts: pd.DataFrame, body: pd.DataFrame, devices: list[str]) -> pd.DataFrame:
    """The count matrix the rate intervals resample: one row per body paragraph (zeros kept) with
    doc_id, year, para_id, chars (body characters) and one column per device holding its occurrences
    without nested ones (``count - nested``; parallelism: runs).  ``para_counts``: device, doc_id,
    para_id, count[, nested]."""
    base = body[["doc_id", "year", "para_id", "chars"]].reset_index(drop=True)
    pc = para_counts.copy()
    if "nested" not in pc.columns:
        pc["nested"] = 0
    pc["spans"] = pc["count"].astype(int) - pc["nested"].fillna(0).astype(int)
    wide = (pc.groupby(["doc_id", "para_id", "device"])["spans"].sum().unstack("device")
            .reindex(columns=devices).fillna(0)) if len(pc) else pd.DataFrame(
                columns=devices, index=pd.MultiIndex.from_tuples([], names=["doc_id", "para_id"]))
    out = base.merge(wide, left_on=["doc_id", "para_id"], right_index=True, how="left")
    stray = set(zip(pc["doc_id"], pc["para_id"])) - set(zip(base["doc_id"], base["para_id"]))
    if stray:
        raise CorpusError(f"device counts in paragraphs that are not body paragraphs: {sorted(stray)[:3]}")
    out[devices] = out[devices].fillna(0).astype(int)
    return out


def rate_intervals(matrix: pd.DataFrame, paragraphs: pd.DataFrame, docs: pd.DataFrame, devices: list[str],
                   unit: str, n_resamples: int, ci: float, seed: int = SEED) -> pd.DataFrame:
    """Device rates per 10,000 body characters per document and per year, each with a percentile
    interval from the cluster bootstrap of notebook 04 (``tifa.priorities.unit_counts`` and
    ``resample_units``: the ``unit`` — articles — drawn with replacement within each document, seeded),
    the rate of a replicate being its summed occurrences over its summed characters.  A year's
    replicate sums its documents' replicates.  ``p_highest``: the share of replicates in which the
    group has the highest rate of the device among the groups of its scope (ties shared), a measure of
    how sure "highest in …" is.  ``units``: the units resampled in the group; a group of one unit has a
    degenerate interval.  ``docs``: doc_id, year, genre.  Columns: ``RATE_COLUMNS``."""
    doc_ids = sorted(docs["doc_id"])
    units = unit_counts(matrix, paragraphs, devices, unit)
    draws = resample_units(units, devices, doc_ids, n_resamples, seed)
    where = {d: i for i, d in enumerate(doc_ids)}
    n_units = units.groupby("doc_id").size().reindex(doc_ids).fillna(0).to_numpy()
    obs = units.groupby("doc_id")[devices + ["chars"]].sum().reindex(doc_ids).fillna(0).to_numpy(dtype=float)
    genre_of = docs.set_index("doc_id")["genre"]
    groups = [("document", d, [d], genre_of.loc[d]) for d in doc_ids]
    groups += [("year", str(y), sorted(g["doc_id"]), ", ".join(sorted(set(g["genre"]))))
               for y, g in docs.groupby("year", sort=True)]
    rows, reps_by_scope = [], {}
    for scope, group, ids, genre in groups:
        at = [where[d] for d in ids]
        o = obs[at].sum(axis=0)   # whole numbers: any order of summing gives the same
        rep = sum(draws[d] for d in ids)
        with np.errstate(invalid="ignore", divide="ignore"):
            rates = rep[:, :-1] / rep[:, -1:] * 10_000
            rates[rep[:, -1] == 0] = np.nan
        reps_by_scope.setdefault(scope, []).append(rates)
        chars, n = float(o[-1]), int(n_units[at].sum())
        for k, dev in enumerate(devices):
            rows.append([scope, group, genre, dev, int(o[k]), int(chars),
                         per_10k(o[k], chars) if chars else np.nan, np.nan, np.nan, n, np.nan])
    out = pd.DataFrame(rows, columns=RATE_COLUMNS)
    for scope, stack in reps_by_scope.items():   # the intervals of every group of a scope in one call
        arr = np.stack(stack)                      # groups x replicates x devices
        lo, hi = percentile_interval_by_column(arr.transpose(1, 0, 2).reshape(arr.shape[1], -1), ci)
        mask = out["scope"] == scope
        out.loc[mask, "ci_low"], out.loc[mask, "ci_high"] = lo, hi
        filled = np.where(np.isnan(arr), -np.inf, arr)
        top = filled.max(axis=0, keepdims=True)
        is_top = (filled == top) & np.isfinite(top)
        share = (is_top / np.maximum(is_top.sum(axis=0, keepdims=True), 1)).mean(axis=1)   # groups x devices
        out.loc[mask, "p_highest"] = share.reshape(-1)
    return out


def highest_rate(rates: pd.DataFrame, device: str, scope: str = "year") -> dict | None:
    """The group of ``scope`` with the highest observed rate of ``device`` (ties: the first group), with
    what it rests on: group, count, body_chars, per_10k, ci_low, ci_high, p_highest, and the runner-up
    (second, second_per_10k, second_ci_low, second_ci_high); None if no group has a defined rate."""
    r = rates[(rates["scope"] == scope) & (rates["device"] == device)].dropna(subset=["per_10k"])
    if r.empty:
        return None
    r = r.sort_values(["per_10k", "group"], ascending=[False, True], kind="stable")
    best = r.iloc[0].to_dict()
    if len(r) > 1:
        sec = r.iloc[1]
        best.update(second=sec["group"], second_per_10k=sec["per_10k"], second_ci_low=sec["ci_low"],
                    second_ci_high=sec["ci_high"])
    return best
