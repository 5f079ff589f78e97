"""Priorities (notebook 04): the codebook (``data/lexicon/priorities.csv``) read and validated, terms
matched on whole tokens, attention as hits per 10,000 body characters and share of coded hits,
percentile-bootstrap intervals over articles (or paragraphs) within each document, changes from first
to last year with bootstrap p-values adjusted for multiplicity, their survival within genre, leaving out a document or a term, and the validity spot check.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .config import SEED
from .files import CorpusError, lexicon_header_line, read_lexicon_csv
from .corpus import ALL_GENRES, comparison_groups
from .settings import _typed_settings
from .stats import percentile_interval
from .terms import _doc_codes, _doc_token_order, _sentence_numbers


# The codebook (data/lexicon/priorities.csv) is read and validated here; terms are matched on whole
# tokens; attention is hits per 10,000 body characters (h.body_chars) and share of all coded hits;
# intervals come from a percentile bootstrap over paragraphs within each document; keyness is
# Dunning's G2 (two-term UCREL form by default) with Hardie's Log Ratio and a Bonferroni threshold.
PRIORITY_COLUMNS = ["category", "category_zh", "category_en", "term", "scope_note"]


def read_priorities(path: str | os.PathLike) -> pd.DataFrame:
    """Read the priority codebook (category, category_zh, category_en, term, scope_note), validated.

    Raises CorpusError naming the file and line for: an empty term (``read_lexicon_csv``), an empty
    category or label, a category given two different Chinese or English labels, or a term listed
    twice (a term counts for one category only, so no hit is counted twice).
    """
    df = read_lexicon_csv(path, PRIORITY_COLUMNS)
    header = lexicon_header_line(path)
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
    doc_code = _doc_codes(tokens)
    order = _doc_token_order(tokens, doc_code)                   # text order, without sorting strings
    tok = tokens[["doc_id", "year", "para_id", "sent_id", "token_id", "token"]].take(order).reset_index(drop=True)
    # each token as a code into its distinct strings: no Python string per token of the corpus
    code, distinct = pd.factorize(tok["token"].astype(str), use_na_sentinel=False)
    distinct = np.asarray(distinct, dtype=object)
    sent = _sentence_numbers(tokens, order, doc_code)            # equal iff same sentence
    n = len(code)
    best = np.zeros(n, dtype=int)
    # Runs are extended one token at a time from the positions whose text so far begins some term
    # (a run that begins no term cannot become one), so the work follows the candidates, not the corpus.
    prefixes = {t[:j] for t in term_cat for j in range(len(t) + 1)}   # '' too: an empty token extends
    alive = np.flatnonzero(pd.Series(distinct).isin(prefixes).to_numpy()[code])
    joined = distinct[code[alive]]
    k, longest = 1, max(len(t) for t in term_cat)   # a token has at least one character, as a rule
    while len(alive) and k <= longest:
        best[alive[pd.Series(joined).isin(term_cat).to_numpy()]] = k
        k += 1
        nxt = alive + (k - 1)
        ok = nxt < n
        alive, joined, nxt = alive[ok], joined[ok], nxt[ok]
        ok = sent[nxt] == sent[alive]
        alive, joined, nxt = alive[ok], joined[ok] + distinct[code[nxt[ok]]], nxt[ok]
        ok = pd.Series(joined).isin(prefixes).to_numpy()
        alive, joined = alive[ok], joined[ok]
    keep, until = [], -1
    for i in np.flatnonzero(best):
        if i >= until:
            keep.append(i)
            until = i + best[i]
    keep = np.array(keep, dtype=int)
    hit_terms = ["".join(distinct[code[i:i + best[i]]]) for i in keep]
    out = tok.loc[keep, ["doc_id", "year", "para_id", "sent_id", "token_id"]].reset_index(drop=True)
    out["n_tokens"] = best[keep]
    out["term"] = hit_terms
    out["category"] = [term_cat[t] for t in hit_terms]
    return out[cols]


PHRASE_RULES_FILE = "phrase_rules.csv"


@dataclass(frozen=True)
class PhraseRules:
    """When two codebook hits are one mention (one row each in ``phrase_rules.csv``)."""

    joiners: str        # characters a token between two hits may consist of (quotation marks, title brackets)
    min_gap: int        # fewest joiner tokens between the two hits
    max_gap: int        # most joiner tokens between the two hits
    same_category: str  # 'yes': only hits of one category merge


def read_phrase_rules(path: str | os.PathLike) -> PhraseRules:
    """Read ``phrase_rules.csv`` (a file or the lexicon folder; ``setting,value,rationale`` with a ``#``
    header).  Errors name the file and the setting (missing, twice, wrong type, min_gap > max_gap,
    same_category not yes/no)."""
    path = Path(path)
    if path.is_dir():
        path = path / PHRASE_RULES_FILE
    rules = PhraseRules(**_typed_settings(path, PhraseRules, "setting", "rationale"))
    if rules.min_gap > rules.max_gap:
        raise CorpusError(f"{path}: setting 'min_gap' ({rules.min_gap}) is larger than 'max_gap' ({rules.max_gap})")
    if rules.same_category not in ("yes", "no"):
        raise CorpusError(f"{path}: setting 'same_category' must be yes or no, got {rules.same_category!r}")
    return rules


def one_mention_one_hit(hits: pd.DataFrame, tokens: pd.DataFrame, rules: PhraseRules) -> pd.DataFrame:
    """Hits of ``match_terms`` with the hits of one mention merged: “五星”支部 is one hit, not two.

    Two consecutive hits of one sentence are one mention when the tokens between them are all joiner
    tokens (non-empty, made only of ``rules.joiners`` characters), between ``min_gap`` and ``max_gap``
    of them, and, with ``same_category`` 'yes', both hits have one category.  The merged hit keeps the
    first hit's row (its term and category) with ``n_tokens`` spanning to the end of the last; a chain
    of three or more merges into one.  Adds ``merged_terms``: the terms of a merged mention joined by
    '+' ('' for a hit that stands alone).  Tokens are matched by doc_id and token_id.
    """
    out = hits.sort_values(["doc_id", "token_id"], kind="stable").reset_index(drop=True).copy()
    out["merged_terms"] = ""
    if len(out) < 2:
        return out
    pattern = "[" + "".join(re.escape(c) for c in sorted(set(rules.joiners))) + "]+"
    is_joiner = (tokens["token"].astype(str).str.fullmatch(pattern).fillna(False).astype(bool).to_numpy()
                 if rules.joiners else np.zeros(len(tokens), dtype=bool))
    joiners = set(zip(tokens.loc[is_joiner, "doc_id"], tokens.loc[is_joiner, "token_id"].astype(int)))
    doc, sent = out["doc_id"].tolist(), out["sent_id"].tolist()
    first, n_tok = out["token_id"].astype(int).tolist(), out["n_tokens"].astype(int).tolist()
    term, cat = out["term"].tolist(), out["category"].tolist()
    merged = [""] * len(out)
    keep = np.ones(len(out), dtype=bool)
    head = 0
    for i in range(1, len(out)):
        end = first[head] + n_tok[head]   # first token after the (possibly merged) head hit
        gap = range(end, first[i])
        ok = (doc[head] == doc[i] and sent[head] == sent[i]
              and rules.min_gap <= len(gap) <= rules.max_gap
              and all((doc[head], g) in joiners for g in gap)
              and (rules.same_category != "yes" or cat[head] == cat[i]))
        if ok:
            keep[i] = False
            n_tok[head] = first[i] + n_tok[i] - first[head]
            merged[head] = (merged[head] or term[head]) + "+" + term[i]
        else:
            head = i
    out["n_tokens"] = np.array(n_tok, dtype=out["n_tokens"].dtype)
    out["merged_terms"] = merged
    return out[keep].reset_index(drop=True)


def terms_inside(words, terms: list[str]) -> dict[str, list[str]]:
    """For each of ``words`` that contains at least one of ``terms`` as a substring: those terms, in
    ``terms`` order (a word equal to a term contains it).  One regular-expression scan finds the words
    that hold any term (an alternation of all terms matches wherever one of them occurs); only those are
    checked term by term.  Words holding no term are absent."""
    terms = [t for t in terms if t]
    if not terms:
        return {}
    finder = re.compile("|".join(re.escape(t) for t in sorted(set(terms), key=lambda t: (-len(t), t))))
    return {w: [t for t in terms if t in w] for w in words if finder.search(w)}


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
    hosts_of: dict[str, list[tuple[str, int]]] = {}     # term -> longer tokens holding it, in vocab order
    inside = terms_inside(vocab.index, list(dict.fromkeys(codebook["term"])))
    for word, n in vocab.items():
        for term in inside.get(word, ()):
            if term != word:
                hosts_of.setdefault(term, []).append((word, n))
    rows = []
    for term, cat in zip(codebook["term"], codebook["category"]):
        hosts = hosts_of.get(term, [])
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
    if table is not None:
        table = table.reindex(pd.MultiIndex.from_arrays([base["doc_id"], base["para_id"]]), fill_value=0)
    out = base.copy()
    for cat in categories:
        if table is not None and cat in table.columns:
            out[cat] = table[cat].to_numpy(dtype=np.int64)
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
    return resample_units(counts.rename(columns={"para_id": "unit_id"}), categories, doc_ids, n_resamples, seed)


BOOTSTRAP_UNITS = ("article", "paragraph")
P_ADJUST_METHODS = {"holm": "Holm", "bh": "Benjamini-Hochberg"}


def unit_counts(counts: pd.DataFrame, paragraphs: pd.DataFrame, categories: list[str],
                unit: str = "article") -> pd.DataFrame:
    """The count matrix of ``priority_counts`` summed to the bootstrap unit: one row per unit.

    ``unit`` 'paragraph' keeps one row per body paragraph; 'article' sums the paragraphs of each
    article (``article_id`` of ``paragraphs``, notebook 01).  Columns: doc_id, year, unit_id, chars,
    then one column per category.  Every article with a body paragraph has a row, an article without
    any coded hit a row of zeros; an article without body text (a headline alone) has no text to
    resample and no row.  A body paragraph without an article is an error.
    """
    if unit not in BOOTSTRAP_UNITS:
        raise ValueError(f"bootstrap unit must be one of {', '.join(BOOTSTRAP_UNITS)}, got {unit!r}")
    cols = ["chars"] + list(categories)
    if unit == "paragraph":
        out = counts.rename(columns={"para_id": "unit_id"})
        return out[["doc_id", "year", "unit_id"] + cols].reset_index(drop=True)
    if "article_id" not in paragraphs.columns:
        raise CorpusError("paragraphs have no article_id: run notebook 01 (articles) first")
    key = paragraphs[["doc_id", "para_id", "article_id"]]
    merged = counts.merge(key, on=["doc_id", "para_id"], how="left", validate="one_to_one")
    if merged["article_id"].isna().any():
        raise CorpusError("body paragraphs without an article_id in the paragraph table")
    out = (merged.groupby(["doc_id", "year", "article_id"], sort=True)[cols].sum().reset_index()
           .rename(columns={"article_id": "unit_id"}))
    out["unit_id"] = out["unit_id"].astype(int)
    return out[["doc_id", "year", "unit_id"] + cols]


def resample_units(units: pd.DataFrame, categories: list[str], doc_ids: list[str], n_resamples: int,
                   seed: int = SEED) -> dict[str, np.ndarray]:
    """Cluster bootstrap: replicates of each document from its units (articles or paragraphs) drawn
    with replacement within the document (stratified by document).

    For a document of n units, each replicate draws n units with replacement (multinomial weights)
    and sums their rows of ``units`` (``unit_counts``).  Returns doc_id -> array (n_resamples, K + 1):
    the K category hits, then body characters.  One numpy Generator seeded with ``seed``, documents in
    sorted order: the same seed gives identical replicates.  A document with one unit gets its observed
    counts in every replicate (no variation can be estimated from one cluster); one without units, zeros.
    """
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    rng = np.random.default_rng(seed)
    cols = list(categories) + ["chars"]
    ordered = units.sort_values(["doc_id", "unit_id"], kind="stable")
    rows_of = {doc: g.to_numpy(dtype=float) for doc, g in ordered.groupby("doc_id", sort=False)[cols]}
    out = {}
    for doc in sorted(set(doc_ids)):
        m = rows_of.get(doc, np.zeros((0, len(cols))))
        n = len(m)
        if n == 0:
            out[doc] = np.zeros((n_resamples, len(cols)))
            continue
        weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_resamples)
        out[doc] = weights @ m
    return out


def bootstrap_draws(counts: pd.DataFrame, paragraphs: pd.DataFrame, categories: list[str], doc_ids: list[str],
                    unit: str, n_resamples: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """``resample_units`` of ``unit_counts``: the replicates every interval of notebook 04 is taken from."""
    return resample_units(unit_counts(counts, paragraphs, categories, unit), categories, doc_ids, n_resamples, seed)


def interval_widening(primary: pd.DataFrame, sensitivity: pd.DataFrame, keys: list[str],
                      low: str = "ci_low", high: str = "ci_high") -> pd.DataFrame:
    """Interval widths of two runs of the same table side by side (e.g. article against paragraph
    bootstrap): ``keys`` identify a row; columns keys, width (primary), width_sensitivity and ratio
    (width / width_sensitivity; NaN where the sensitivity interval has zero width)."""
    a = primary[keys + [low, high]].assign(width=lambda d: d[high] - d[low])
    b = sensitivity[keys + [low, high]].assign(width_sensitivity=lambda d: d[high] - d[low])
    out = a[keys + ["width"]].merge(b[keys + ["width_sensitivity"]], on=keys, how="inner", validate="one_to_one")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["ratio"] = np.where(out["width_sensitivity"] > 0, out["width"] / out["width_sensitivity"].where(
            out["width_sensitivity"] > 0, 1), np.nan)
    return out


def bootstrap_p(reps: np.ndarray) -> np.ndarray:
    """Two-sided bootstrap p-value of 'no change' per column of replicate changes (NaN rows ignored).

    p = min(1, 2 (1 + min(#{d* <= 0}, #{d* >= 0})) / (B + 1)), B the defined replicates: twice the
    smaller tail beyond 0, with the +1 that keeps a p-value of B replicates from being 0 (Davison &
    Hinkley 1997, eq. 4.11).  It is the smallest level at which the percentile interval would just
    touch 0, so p < 1 - ci goes with an interval that excludes 0.  NaN where no replicate is defined.
    """
    reps = np.asarray(reps, dtype=float)
    ok = ~np.isnan(reps)
    b = ok.sum(axis=0)
    below = (np.where(ok, reps, np.inf) <= 0).sum(axis=0)
    above = (np.where(ok, reps, -np.inf) >= 0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.minimum(1.0, 2 * (1 + np.minimum(below, above)) / (b + 1))
    return np.where(b > 0, p, np.nan)


def adjust_p(p, method: str = "holm") -> np.ndarray:
    """p-values adjusted for multiple comparisons: 'holm' (Holm 1979, family-wise error) or 'bh'
    (Benjamini & Hochberg 1995, false discovery rate).  NaN p-values are left out of the family and
    stay NaN; adjusted values are capped at 1 and keep the order of the raw ones."""
    if method not in P_ADJUST_METHODS:
        raise ValueError(f"method must be one of {', '.join(P_ADJUST_METHODS)}, got {method!r}")
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(~np.isnan(p))
    m = len(idx)
    if m == 0:
        return out
    order = idx[np.argsort(p[idx], kind="stable")]
    ranked = p[order]
    if method == "holm":
        adj = np.maximum.accumulate(ranked * (m - np.arange(m)))
    else:
        adj = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
    out[order] = np.minimum(adj, 1.0)
    return out


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
    cols = list(categories) + ["chars"]
    # per-document sums once (whole numbers, so any order of summation gives the same float sums)
    per_doc = counts.groupby("doc_id", sort=False)[cols].sum().astype(float)
    for unit, docs in units.groupby(units, sort=True):
        doc_list = sorted(docs.index)
        obs = per_doc.reindex(doc_list, fill_value=0.0).to_numpy(float).sum(axis=0)
        rep = sum(draws[d] for d in doc_list)
        hits, chars = obs[:k], obs[k]
        total = hits.sum()
        share = hits / total if total else np.zeros(k)
        share_lo, share_hi = percentile_interval(_shares(rep[:, :k]), ci) if total else (np.zeros(k), np.zeros(k))
        with np.errstate(invalid="ignore", divide="ignore"):
            per_10k = hits / chars * 1e4 if chars else np.full(k, np.nan)
            rate_lo, rate_hi = percentile_interval(rep[:, :k] / rep[:, k:] * 1e4, ci)
        for j, cat in enumerate(categories):
            rows.append((unit, cat, int(hits[j]), int(chars), int(total), per_10k[j], share[j],
                         share_lo[j], share_hi[j], rate_lo[j], rate_hi[j]))
    return pd.DataFrame(rows, columns=["unit", "category", "hits", "chars", "coded_hits", "per_10k", "share",
                                       "ci_low", "ci_high", "per_10k_ci_low", "per_10k_ci_high"])


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


def _comparison_ends(documents: pd.DataFrame) -> list[tuple[str, tuple[int, list[str]], tuple[int, list[str]]]]:
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
    for label, (first_year, first_ids), (last_year, last_ids) in _comparison_ends(documents):
        ends = []
        for ids in (first_ids, last_ids):
            rep = sum(draws[d] for d in ids)
            with np.errstate(invalid="ignore", divide="ignore"):
                ends.append((*_end_points(counts, cats, ids), _shares(rep[:, :k]), rep[:, :k] / rep[:, k:] * 1e4,
                             ";".join(ids)))
        f, l = ends
        s_lo, s_hi = percentile_interval(l[2] - f[2], ci)
        r_lo, r_hi = percentile_interval(l[3] - f[3], ci)
        for j, cat in enumerate(cats):
            d = l[0][j] - f[0][j]
            rows.append((label, first_year, last_year, cat, f[0][j], l[0][j], d, s_lo[j], s_hi[j],
                         f[1][j], l[1][j], l[1][j] - f[1][j], r_lo[j], r_hi[j],
                         direction_label(d),
                         bool(s_lo[j] > 0 or s_hi[j] < 0), f[4], l[4]))
    return pd.DataFrame(rows, columns=[
        "comparison", "first_year", "last_year", "category", "share_first", "share_last", "share_change",
        "share_change_ci_low", "share_change_ci_high", "per_10k_first", "per_10k_last", "per_10k_change",
        "per_10k_change_ci_low", "per_10k_change_ci_high", "direction", "ci_excludes_zero",
        "first_doc_ids", "last_doc_ids"])


CHANGE_COLUMNS = ["comparison", "category", "first_year", "last_year", "change", "ci_low", "ci_high", "p",
                  "p_adjusted", "method"]


def change_tests(counts: pd.DataFrame, codebook: pd.DataFrame, documents: pd.DataFrame,
                 draws: dict[str, np.ndarray], ci: float = 0.95, method: str = "holm",
                 unit: str = "article") -> pd.DataFrame:
    """priorities_change.csv: the first->last change of every category's share, tested, with the
    p-values adjusted across all categories and comparisons together.

    For every comparison of ``comparison_groups`` with two or more years and every category: change
    (last - first share, as a proportion), its percentile interval and ``bootstrap_p`` over the
    replicate differences of ``draws`` (replicates without a coded hit at either end left out), then
    ``adjust_p`` over the whole table (``method``; a change that is undefined, because an end year has
    no coded hit, has p NaN and is not in the family).  ``method`` names the adjustment, the size of the
    family and the bootstrap unit, e.g. 'Holm over 24 tests; bootstrap p over articles'.
    """
    cats = list(codebook_categories(codebook)["category"])
    k, rows = len(cats), []
    for label, (first_year, first_ids), (last_year, last_ids) in _comparison_ends(documents):
        f_obs, l_obs = (_end_points(counts, cats, ids)[0] for ids in (first_ids, last_ids))
        with np.errstate(invalid="ignore", divide="ignore"):
            d = _shares(sum(draws[i] for i in last_ids)[:, :k]) - _shares(sum(draws[i] for i in first_ids)[:, :k])
        lo, hi = percentile_interval(d, ci)
        p = bootstrap_p(d)
        for j, cat in enumerate(cats):
            change = l_obs[j] - f_obs[j]
            rows.append([label, cat, first_year, last_year, change, lo[j], hi[j], p[j] if not np.isnan(change) else np.nan])
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS[:8])
    out["p_adjusted"] = adjust_p(out["p"].to_numpy(), method)
    out["method"] = (f"{P_ADJUST_METHODS[method]} over {int(out['p'].notna().sum())} tests; "
                     f"two-sided bootstrap p over {unit}s")
    return out[CHANGE_COLUMNS]


def direction_label(change: float) -> str:
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
        s = (direction_label(a["share_change"]), direction_label(b["share_change"]))
        r = (direction_label(a["per_10k_change"]), direction_label(b["per_10k_change"]))
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
        end_years = {docs["year"].min(), docs["year"].max()}
        year_of = dict(zip(docs["doc_id"], docs["year"]))
        tried = []
        for d in sorted(docs["doc_id"]):
            if year_of[d] not in end_years:     # a middle year's document leaves both ends as they are
                tried.append((d, full, full_ends))
                continue
            res = change(docs[docs["doc_id"] != d])
            tried.append((d, None, None) if res is None else (d, *res))
        for j, cat in enumerate(cats):
            base = direction_label(full[j])
            flips = [d for d, ch, _ in tried if ch is not None and direction_label(ch[j]) != base]
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
    for label, (first_year, first_ids), (last_year, last_ids) in _comparison_ends(documents):
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
            base = direction_label(full)
            top = (min(tried, key=lambda t: (-abs(np.nan_to_num(t[3] - full, nan=np.inf)), t[0]))
                   if tried else ("", 0, 0, full))
            rows.append((label, first_year, last_year, cat, full, len(tried), *top, base, direction_label(top[3]),
                         ";".join(t[0] for t in tried if direction_label(t[3]) != base)))
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
