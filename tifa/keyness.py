"""Keyness (notebook 04): each year against all others with Dunning's G2 (two-term UCREL form by
default), Hardie's Log Ratio with a bootstrap interval over articles, a dispersion rule (a keyword
occurs in several articles) and a Bonferroni threshold, in the whole corpus and within genre.
"""
from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from .config import SEED
from .corpus import ALL_GENRES, comparison_groups
from .stats import chi2_sf_1df, g2_log_likelihood, log_ratio, percentile_interval, percentile_interval_by_column

_NUMBER_TOKEN = re.compile(r"^[0-9.,%+\-]+$")  # numerals left out of keyness (years, amounts)


def _as_bool(s: pd.Series) -> pd.Series:
    """A True/False column as bool, whether pandas read it as bool or as text."""
    if s.dtype == bool:
        return s
    return s.astype(str).str.strip().str.lower().map({"true": True, "false": False, "1": True, "0": False}).astype(bool)


def _keyness_tokens(tokens: pd.DataFrame, drop_numbers: bool = True) -> pd.DataFrame:
    """Tokens that keyness counts: stopwords (is_stop), punctuation/whitespace (is_punct) and, if
    ``drop_numbers``, bare numerals (years, amounts: ``_NUMBER_TOKEN``) left out.  Only the columns
    keyness reads (doc_id, article_id if present, token), the rest of a large table not copied."""
    keep = ~_as_bool(tokens["is_stop"]) & ~_as_bool(tokens["is_punct"])
    keep &= tokens["token"].astype(str).str.strip().ne("")
    if drop_numbers:
        keep &= ~tokens["token"].astype(str).str.match(_NUMBER_TOKEN)
    return tokens.loc[keep, [c for c in ("doc_id", "article_id", "token") if c in tokens.columns]]


KEYNESS_COLUMNS = ["term", "count_target", "count_reference", "articles_target", "articles_reference",
                   "total_target", "total_reference", "g2", "log_ratio", "log_ratio_ci_low", "log_ratio_ci_high", "p",
                   "significant", "direction", "n_tested", "p_threshold"]


def _article_keys(tokens: pd.DataFrame) -> pd.Series:
    """One key per article of a token table (doc_id and ``article_id``, joined from paragraphs.csv)."""
    if "article_id" not in tokens.columns:
        raise ValueError("tokens have no article_id: join them to paragraphs on (doc_id, para_id) first")
    return tokens["doc_id"].astype(str) + "\x1f" + tokens["article_id"].astype(int).astype(str)


def _article_replicates(kept: pd.DataFrame, side: pd.Series, terms: list[str], n_resamples: int,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap counts of ``terms`` and token totals over the articles of one side (target or
    reference), articles drawn with replacement within each document.  Returns (R x T, R)."""
    sub = kept[side[kept.index].to_numpy()]
    keys = _article_keys(sub)
    arts = sorted(set(keys))
    docs = pd.Series([a.split("\x1f")[0] for a in arts])
    pos = {a: i for i, a in enumerate(arts)}
    totals = keys.map(pos).value_counts().reindex(range(len(arts)), fill_value=0).to_numpy(float)
    m = np.zeros((len(arts), len(terms)))
    col = {t: j for j, t in enumerate(terms)}
    in_terms = sub["token"].astype(str).isin(col)
    if in_terms.any():
        pairs = pd.DataFrame({"a": keys[in_terms].map(pos).to_numpy(), "t": sub.loc[in_terms, "token"].astype(str).map(col)})
        cnt = pairs.value_counts()
        m[cnt.index.get_level_values(0), cnt.index.get_level_values(1)] = cnt.to_numpy()
    w = np.zeros((n_resamples, len(arts)))
    for doc in sorted(docs.unique()):
        idx = np.flatnonzero(docs.to_numpy() == doc)
        w[:, idx] = rng.multinomial(len(idx), np.full(len(idx), 1.0 / len(idx)), size=n_resamples)
    return w @ m, w @ totals


def keyness(tokens: pd.DataFrame, target, reference=None, min_freq: int = 5, alpha: float = 0.05,
            form: str = "two_term", drop_numbers: bool = True, min_articles: int = 1, n_resamples: int = 0,
            ci: float = 0.95, seed: int = SEED) -> pd.DataFrame:
    """Keywords of a target against a reference: G2, Log Ratio with a bootstrap interval over
    articles, p and a Bonferroni-corrected verdict, with a dispersion rule.

    ``target``: doc ids, or a boolean mask over ``tokens``; ``reference``: doc ids (None = every token
    not in the target).  Counts use ``_keyness_tokens`` (no stopwords, punctuation or bare numerals).
    ``articles_target`` / ``articles_reference``: articles (``article_id`` within doc_id) of each side
    that contain the term.  A term is tested if count_target + count_reference >= ``min_freq`` and it
    occurs in at least ``min_articles`` articles of the side that over-uses it (the target for a term
    more frequent there, else the reference): one article repeating a word is that article's topic.
    m = the number tested; a term is significant if p < alpha / m.  ``g2`` carries the sign of use: +
    more frequent in the target (overuse), - less (underuse); p = P(chi2_1 >= |g2|).  With
    ``n_resamples`` > 0, ``log_ratio_ci_low`` / ``_high`` is the percentile interval of Log Ratio over
    replicates that draw articles with replacement within each document of each side (one numpy
    Generator seeded with ``seed``; target first, documents and articles in sorted order); else NaN.
    Without ``article_id`` in ``tokens`` each document counts as one article unless ``min_articles`` > 1
    or ``n_resamples`` > 0 ask for articles (an error).  Sorted by g2 descending, ties by term.
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
    kept = _keyness_tokens(tokens, drop_numbers)
    if "article_id" not in kept.columns:
        if min_articles > 1 or n_resamples > 0:
            _article_keys(kept)   # raises: the dispersion rule and the interval need articles
        kept = kept.assign(article_id=0)
    tgt = kept.loc[in_target[kept.index], "token"].value_counts()
    ref = kept.loc[in_ref[kept.index], "token"].value_counts()
    cols = KEYNESS_COLUMNS
    if tgt.empty or ref.empty:
        raise ValueError("target or reference has no countable tokens")
    keys = _article_keys(kept)
    arts = {name: kept[mask[kept.index].to_numpy()].assign(_a=keys).drop_duplicates(["token", "_a"])["token"]
            .value_counts() for name, mask in (("t", in_target), ("r", in_ref))}
    freq = pd.concat([tgt.rename("a"), ref.rename("b"), arts["t"].rename("at"), arts["r"].rename("ar")],
                     axis=1).fillna(0).astype(int)
    c, d = int(tgt.sum()), int(ref.sum())
    side = np.where(freq["a"] / c >= freq["b"] / d, freq["at"], freq["ar"])
    freq = freq[(freq["a"] + freq["b"] >= min_freq) & (side >= min_articles)]
    m = len(freq)
    if m == 0:
        return pd.DataFrame({col: [] for col in cols})
    a, b = freq["a"].to_numpy(), freq["b"].to_numpy()
    g = g2_log_likelihood(a, b, c, d, form)
    over = a / c > b / d
    out = pd.DataFrame({"term": freq.index.astype(str), "count_target": a, "count_reference": b,
                        "articles_target": freq["at"].to_numpy(), "articles_reference": freq["ar"].to_numpy(),
                        "total_target": c, "total_reference": d, "g2": np.where(over, g, -g),
                        "log_ratio": log_ratio(a, b, c, d), "p": chi2_sf_1df(g)})
    out["log_ratio_ci_low"] = out["log_ratio_ci_high"] = np.nan
    if n_resamples > 0:
        rng = np.random.default_rng(seed)
        terms = list(out["term"])
        ra, rc = _article_replicates(kept, in_target, terms, n_resamples, rng)
        rb, rd = _article_replicates(kept, in_ref, terms, n_resamples, rng)
        with np.errstate(invalid="ignore", divide="ignore"):
            reps = log_ratio(ra, rb, rc[:, None], rd[:, None])
        reps[~np.isfinite(reps)] = np.nan   # a replicate whose side drew no countable token
        out["log_ratio_ci_low"], out["log_ratio_ci_high"] = percentile_interval(reps, ci)
    out["significant"] = out["p"] < alpha / m
    out["direction"] = np.where(over, "overuse", np.where(a / c < b / d, "underuse", "none"))
    out["n_tested"], out["p_threshold"] = m, alpha / m
    out = out.sort_values("term", kind="stable").sort_values("g2", ascending=False, kind="stable")
    return out[cols].reset_index(drop=True)


def _article_codes(kept: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The articles of a token table in ``_article_keys`` order (the keys sorted as text, as
    ``sorted(set(keys))`` sorts them) without building a key per token: tokens are grouped by
    (document code, article_id) as integers, and only the distinct articles get a text key.
    Returns the sorted keys, each token's article index, each article's doc_id, each article's
    document code and the documents (code -> doc_id)."""
    doc_of_token, doc_labels = pd.factorize(kept["doc_id"].astype(str), sort=False)
    article = kept["article_id"].astype(np.int64).to_numpy()
    low = int(article.min()) if len(article) else 0
    span = (int(article.max()) - low + 1) if len(article) else 1
    pair, token_pair = np.unique(doc_of_token.astype(np.int64) * span + (article - low), return_inverse=True)
    pair_doc = pair // span
    keys = np.array([f"{doc_labels[d]}\x1f{a}" for d, a in zip(pair_doc.tolist(), (pair % span + low).tolist())],
                    dtype=object)
    order = np.argsort(keys, kind="stable")
    rank = np.empty(len(pair), dtype=np.int64)
    rank[order] = np.arange(len(pair))
    doc_code = pair_doc[order]
    return keys[order], rank[token_pair], np.asarray(doc_labels, dtype=object)[doc_code], doc_code, \
        np.asarray(doc_labels, dtype=object)


def _comparison_counts(kept: pd.DataFrame, year_of: pd.Series) -> dict:
    """The aggregated tables every test of one comparison is read from, built once.

    ``kept``: the comparison's countable tokens (``_keyness_tokens``, with ``article_id``);
    ``year_of``: doc_id -> year.  Returns the term labels, the sorted years, counts and article
    counts as (year x term) arrays, and for the bootstrap the articles (sorted keys, as
    ``_article_replicates`` orders them), their doc, year and token total, and the article x term
    counts as coordinate triples (article, term, count).
    """
    codes, labels = pd.factorize(kept["token"], sort=False)
    arts, art_codes, art_doc, doc_code, doc_labels = _article_codes(kept)
    year_by_doc = year_of.rename(index=str).reindex(doc_labels).to_numpy()
    art_year = year_by_doc[doc_code]
    years = np.array(sorted(set(art_year)))
    y_of_art = np.searchsorted(years, art_year)
    n_terms, n_years = len(labels), len(years)
    counts = (np.bincount(y_of_art[art_codes] * n_terms + codes, minlength=n_years * n_terms)
              .reshape(n_years, n_terms))
    cell = art_codes.astype(np.int64) * n_terms + codes
    pair, pair_count = np.unique(cell, return_counts=True)             # one per (article, term) that occurs
    pair_art, pair_term = pair // n_terms, pair % n_terms
    articles = (np.bincount(y_of_art[pair_art] * n_terms + pair_term, minlength=n_years * n_terms)
                .reshape(n_years, n_terms))
    by_doc = np.argsort(doc_code, kind="stable")                        # articles of a document, in key order
    cuts = np.flatnonzero(np.diff(doc_code[by_doc])) + 1
    doc_arts = {doc_labels[doc_code[idx[0]]]: idx for idx in np.split(by_doc, cuts)} if len(by_doc) else {}
    return {"labels": labels, "years": years, "counts": counts, "articles": articles, "arts": arts,
            "art_doc": art_doc, "art_year_index": y_of_art, "doc_arts": doc_arts,
            "art_total": np.bincount(art_codes, minlength=len(arts)).astype(float),
            "pair_art": pair_art, "pair_term": pair_term, "pair_count": pair_count.astype(float)}


INTERVAL_SCOPES = ("all", "significant")   # which tests of keyness_by_year get a Log Ratio interval

_TERM_CHUNK = 2048     # terms per block of the bootstrap product (bounds memory at R x A + A x chunk)


def _article_draws(cc: dict, docs: list, n_resamples: int, seed: int) -> np.ndarray:
    """Bootstrap weights (articles x replicates): one Generator seeded with ``seed``, for each document
    of ``docs`` in that order a multinomial over its articles (sorted key order), drawn with replacement."""
    rng = np.random.default_rng(seed)
    weights = np.zeros((len(cc["arts"]), n_resamples))
    for doc in docs:
        idx = cc["doc_arts"][doc]
        weights[idx] = rng.multinomial(len(idx), np.full(len(idx), 1.0 / len(idx)), size=n_resamples).T
    return weights


def _chunk_counts(cc: dict, row_of: np.ndarray, n_rows: int, dtype, position: np.ndarray | None = None) -> np.ndarray:
    """The (terms x articles) counts of one block of terms: ``row_of`` maps a term code to its row in the
    block (-1 outside it); ``position`` optionally maps an article to its column (default: its index)."""
    sel = row_of[cc["pair_term"]] >= 0
    m = np.zeros((n_rows, len(cc["arts"])), dtype=dtype)
    arts = cc["pair_art"][sel]
    m[row_of[cc["pair_term"][sel]], arts if position is None else position[arts]] = cc["pair_count"][sel]
    return m


def _replicate_log_ratio(ra: np.ndarray, rb: np.ndarray, rc: np.ndarray, rd: np.ndarray) -> np.ndarray:
    """Log Ratio of bootstrap replicates (terms x replicates counts ``ra``, ``rb``; replicate totals
    ``rc``, ``rd``): ``stats.log_ratio`` element by element, the same operations in place on float64
    copies; a replicate whose side drew no countable token is NaN."""
    ra, rb = ra.astype(float), rb.astype(float)
    ra[ra == 0] = 0.5
    rb[rb == 0] = 0.5
    with np.errstate(invalid="ignore", divide="ignore"):
        ra /= rc[None, :]
        rb /= rd[None, :]
        ra /= rb
        np.log2(ra, out=ra)
    if not ((rc > 0).all() and (rd > 0).all()):
        ra[~np.isfinite(ra)] = np.nan
    return ra


def _year_interval(cc: dict, yi: int, terms: np.ndarray, n_resamples: int, ci: float,
                   seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The Log Ratio percentile interval of ``terms`` (term codes) for year index ``yi`` against the
    other years, with the draws of ``keyness``: one Generator seeded with ``seed``, a multinomial per
    document (target documents first, then reference documents, each in sorted order; articles in
    sorted key order), so the replicates equal ``_article_replicates``'s.

    Computed term-major (terms x replicates, so each term's replicates are contiguous for the
    percentiles), in blocks of ``_TERM_CHUNK`` terms.  All counts and weights are whole numbers, so
    the products are exact in any summation order; float32 is used only while every replicate total
    of target plus reference (the largest sum any term can reach) is below 2**24, where float32 holds
    every integer exactly.
    The reference counts are the counts over all articles minus the target's (exact for integers).
    """
    in_t = cc["art_year_index"] == yi
    # a document's articles lie in one year, so on one side: target documents first, then reference
    weights = _article_draws(cc, [*sorted(set(cc["art_doc"][in_t])), *sorted(set(cc["art_doc"][~in_t]))],
                             n_resamples, seed)
    tot = cc["art_total"]
    rc, rd = tot[in_t] @ weights[in_t], tot[~in_t] @ weights[~in_t]
    dtype = np.float32 if (rc + rd).max() < 2 ** 24 else np.float64   # bounds every sum of the product
    w = weights.astype(dtype)
    w_t = w[in_t]
    lo, hi = np.full(len(terms), np.nan), np.full(len(terms), np.nan)
    col_of = np.full(len(cc["labels"]), -1)
    for start in range(0, len(terms), _TERM_CHUNK):
        chunk = terms[start:start + _TERM_CHUNK]
        col_of[chunk] = np.arange(len(chunk))
        m = _chunk_counts(cc, col_of, len(chunk), dtype)
        col_of[chunk] = -1
        ra_w = m[:, in_t] @ w_t
        ra = _replicate_log_ratio(ra_w, m @ w - ra_w, rc, rd)
        lo[start:start + len(chunk)], hi[start:start + len(chunk)] = percentile_interval_by_column(ra.T, ci)
    return lo, hi


def _shared_intervals(cc: dict, tested: list[np.ndarray], n_resamples: int, ci: float,
                      seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Log Ratio percentile intervals of every year's tested terms (``tested[yi]``, term codes) from
    one set of draws for the whole comparison: one Generator seeded with ``seed``, a multinomial per
    document (every document of the comparison in sorted order; its articles in sorted key order).
    Replicate r of year y's test uses the draws of y's documents as target and those of every other
    document as reference, so each test sees the same resampling distribution as with its own draws
    (documents are drawn independently, and the sides share no document); only the random numbers
    differ, and the cost is one product per comparison instead of one per year.

    Exact like ``_year_interval``: whole-number counts and weights, float32 only while every replicate
    total stays below 2**24.  Articles are ordered by year so that a year's articles are one slice.
    """
    n_arts = len(cc["arts"])
    weights = _article_draws(cc, sorted(cc["doc_arts"]), n_resamples, seed)
    order = np.argsort(cc["art_year_index"], kind="stable")        # articles grouped by year
    position = np.empty(n_arts, dtype=np.int64)
    position[order] = np.arange(n_arts)
    bounds = np.searchsorted(cc["art_year_index"][order], np.arange(len(cc["years"]) + 1))
    weights = weights[order]
    tot = cc["art_total"][order]
    year_tot = np.array([tot[bounds[y]:bounds[y + 1]] @ weights[bounds[y]:bounds[y + 1]]
                         for y in range(len(cc["years"]))])       # years x replicates
    all_tot = year_tot.sum(axis=0)
    dtype = np.float32 if all_tot.max() < 2 ** 24 else np.float64  # bounds every sum of the product
    w = weights.astype(dtype)
    out = [(np.full(len(t), np.nan), np.full(len(t), np.nan)) for t in tested]
    union = np.unique(np.concatenate(tested)) if tested else np.array([], dtype=np.int64)
    row_of = np.full(len(cc["labels"]), -1)
    pending: list = []          # (year index, positions, future): percentiles run in threads (numpy's
    threads = max(1, min(2, os.cpu_count() or 1))   # partition releases the GIL), at most 2 per thread queued

    def collect(keep: int) -> None:
        while len(pending) > keep:
            yi, here, job = pending.pop(0)
            out[yi][0][here], out[yi][1][here] = job.result()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for start in range(0, len(union), _TERM_CHUNK):
            chunk = union[start:start + _TERM_CHUNK]
            row_of[chunk] = np.arange(len(chunk))
            m = _chunk_counts(cc, row_of, len(chunk), dtype, position)
            total = m @ w                                                # chunk x replicates
            for yi, t in enumerate(tested):
                rows = row_of[t]
                here = np.flatnonzero(rows >= 0)
                if len(here) == 0:
                    continue
                s, e = bounds[yi], bounds[yi + 1]
                ra_w = m[:, s:e][rows[here]] @ w[s:e]
                ra = _replicate_log_ratio(ra_w, total[rows[here]] - ra_w, year_tot[yi], all_tot - year_tot[yi])
                pending.append((yi, here, pool.submit(percentile_interval_by_column, ra.T, ci)))
                collect(2 * threads)
            row_of[chunk] = -1
        collect(0)
    return out


def keyness_by_year(tokens: pd.DataFrame, documents: pd.DataFrame, min_freq: int = 5, alpha: float = 0.05,
                    form: str = "two_term", drop_numbers: bool = True, min_articles: int = 1,
                    n_resamples: int = 0, ci: float = 0.95, seed: int = SEED,
                    shared_draws: bool = False, intervals: str = "all") -> pd.DataFrame:
    """Each year against all other years, for every comparison of ``comparison_groups``.

    The same numbers as ``keyness(tokens, year's docs, other years' docs, ...)`` for each year, computed
    from one aggregated (year x term) count table per comparison (reference = comparison total minus
    the year): counts, articles per term (the dispersion rule), G2, Log Ratio and p of every year in
    one pass; the Log Ratio interval from one article x term count table per comparison, with the
    seeded draws of ``keyness`` (so identical intervals).
    A comparison with documents in fewer than two years is skipped (nothing to compare).  The
    Bonferroni m is counted per (comparison, year) test; ``min_articles``, ``n_resamples``, ``ci`` and
    ``seed`` as in ``keyness`` (the same seed for every test).  With ``shared_draws`` the intervals
    of a comparison come from one set of article draws used by all its years (``_shared_intervals``:
    the same resampling distribution per test, other random numbers, cost linear in the years instead
    of quadratic); otherwise each year's test draws its own, equal to ``keyness``.  ``intervals``
    "all" gives every tested term an interval; "significant" only the significant tests (the others
    NaN), each with the value it has under "all" (a term's interval depends only on the draws, not on
    which other terms are computed) at a cost proportional to the keywords instead of the tests.
    Sorted by comparison (in ``comparison_groups`` order), year, g2 descending, term.
    """
    if intervals not in INTERVAL_SCOPES:
        raise ValueError(f"intervals must be one of {INTERVAL_SCOPES}, not {intervals!r}")
    kept_all = _keyness_tokens(tokens, drop_numbers)
    if "article_id" not in kept_all.columns:
        if min_articles > 1 or n_resamples > 0:
            _article_keys(kept_all)   # raises: the dispersion rule and the interval need articles
        kept_all = kept_all.assign(article_id=0)
    frames = []
    for label, doc_ids in comparison_groups(documents):
        docs = documents[documents["doc_id"].isin(doc_ids)]
        years = sorted(docs["year"].unique())
        if len(years) < 2:
            continue
        year_of = docs.drop_duplicates(["doc_id", "year"]).set_index("doc_id")["year"]
        if year_of.index.duplicated().any():
            raise ValueError("target and reference share documents")
        kept = kept_all[kept_all["doc_id"].isin(set(year_of.index))]
        cc = _comparison_counts(kept, year_of) if len(kept) else None
        present = set(cc["years"]) if cc is not None else set()
        if any(y not in present for y in years):
            raise ValueError("target or reference has no countable tokens")
        counts, arts = cc["counts"], cc["articles"]
        tot_count, tot_arts = counts.sum(axis=0), arts.sum(axis=0)
        c_all = counts.sum(axis=1)
        rows = []                       # per year: (term codes tested, a, b, at, ar, c, d)
        for yi in range(len(years)):
            a, at = counts[yi], arts[yi]
            b, ar = tot_count - a, tot_arts - at
            c, d = int(c_all[yi]), int(c_all.sum() - c_all[yi])
            side = np.where(a / c >= b / d, at, ar)
            t = np.flatnonzero((a + b > 0) & (a + b >= min_freq) & (side >= min_articles))
            rows.append((t, a[t], b[t], at[t], ar[t], np.full(len(t), c), np.full(len(t), d)))
        a, b, c, d = (np.concatenate([r[k] for r in rows]) for k in (1, 2, 5, 6))
        g_all, lr_all, p_all = g2_log_likelihood(a, b, c, d, form), log_ratio(a, b, c, d), None
        p_all = chi2_sf_1df(g_all) if len(g_all) else np.array([])
        wanted, significant = [], []    # per year: positions (within its tested terms) that get an interval
        off = 0
        for t, *_ in rows:
            p = p_all[off:off + len(t)]
            off += len(t)
            significant.append(p < alpha / max(len(t), 1))           # Bonferroni within the year's test
            wanted.append(np.arange(len(t)) if intervals == "all" else np.flatnonzero(significant[-1]))
        shared = (_shared_intervals(cc, [r[0][w] for r, w in zip(rows, wanted)], n_resamples, ci, seed)
                  if shared_draws and n_resamples > 0 else None)
        off = 0
        for yi, (t, a, b, at, ar, c, d) in enumerate(rows):
            m = len(t)
            sl = slice(off, off + m)
            off += m
            if m == 0:
                kw = pd.DataFrame({col: [] for col in KEYNESS_COLUMNS})
            else:
                g = g_all[sl]
                over = a / c > b / d
                kw = pd.DataFrame({"term": pd.Index(cc["labels"][t]).astype(str), "count_target": a,
                                   "count_reference": b, "articles_target": at, "articles_reference": ar,
                                   "total_target": int(c[0]), "total_reference": int(d[0]),
                                   "g2": np.where(over, g, -g), "log_ratio": lr_all[sl], "p": p_all[sl]})
                lo, hi = np.full(m, np.nan), np.full(m, np.nan)
                if shared is not None:
                    lo[wanted[yi]], hi[wanted[yi]] = shared[yi]
                elif n_resamples > 0 and len(wanted[yi]):
                    lo[wanted[yi]], hi[wanted[yi]] = _year_interval(cc, yi, t[wanted[yi]], n_resamples, ci, seed)
                kw["log_ratio_ci_low"], kw["log_ratio_ci_high"] = lo, hi
                kw["significant"] = significant[yi]
                kw["direction"] = np.where(over, "overuse", np.where(a / c < b / d, "underuse", "none"))
                kw["n_tested"], kw["p_threshold"] = m, alpha / m
                kw = kw.sort_values("term", kind="stable").sort_values("g2", ascending=False, kind="stable")
                kw = kw[KEYNESS_COLUMNS].reset_index(drop=True)
            kw.insert(0, "comparison", label)
            kw.insert(1, "year", years[yi])
            frames.append(kw)
    cols = ["comparison", "year"] + KEYNESS_COLUMNS
    if not frames:
        return pd.DataFrame({c: [] for c in cols})
    # frames come by comparison (comparison_groups order), then year (ascending), each sorted by g2
    # descending, ties by term: their concatenation is already in the documented order (no re-sort,
    # which at millions of tests had held several copies of the table at once)
    return pd.concat(frames, ignore_index=True)


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
