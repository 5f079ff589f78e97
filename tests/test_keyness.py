"""tifa.keyness: keywords of a target against a reference (G2, Log Ratio, minimum frequency, Bonferroni),
of each year against the others in each comparison, and the committed keyness.csv."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tifa.corpus import ALL_GENRES, comparison_groups
from tifa.keyness import keyness, keyness_by_year, keyness_survival
from conftest import committed_table, token_table


def test_keyness_function_reproduces_the_hand_example_from_a_token_table():
    target = ["甲"] * 10 + ["乙"] * 90 + ["的", "，", "2018"] * 7   # stopwords, punctuation, numerals: not counted
    reference = ["甲"] * 20 + ["乙"] * 380
    tok = token_table([("t", 2001, 0, target), ("r", 2002, 0, reference)])
    kw = keyness(tok, ["t"], ["r"], min_freq=5, alpha=0.05).set_index("term")
    assert set(kw.index) == {"甲", "乙"}
    assert kw.loc["甲", ["count_target", "count_reference", "total_target", "total_reference"]].tolist() == [10, 20, 100, 400]
    assert kw.loc["甲", "g2"] == pytest.approx(2.92365, abs=1e-4)
    assert kw.loc["乙", "g2"] < 0 and kw.loc["乙", "direction"] == "underuse"
    assert kw.loc["甲", "p"] == pytest.approx(math.erfc(math.sqrt(kw.loc["甲", "g2"] / 2)))
    assert (kw["n_tested"] == 2).all() and (kw["p_threshold"] == 0.025).all()
    assert not kw["significant"].any()


def test_keyness_log_ratio_with_a_zero_count_uses_half():
    tok = token_table([("t", 2001, 0, ["甲"] * 50 + ["乙"] * 50), ("r", 2002, 0, ["乙"] * 60 + ["丙"] * 40)])
    kw = keyness(tok, ["t"], ["r"], min_freq=1).set_index("term")
    assert kw.loc["甲", "log_ratio"] == pytest.approx(math.log2((50 / 100) / (0.5 / 100)))
    assert kw.loc["丙", "log_ratio"] == pytest.approx(math.log2((0.5 / 100) / (40 / 100)))


def test_keyness_bonferroni_min_freq_and_deterministic_order():
    target = ["甲"] * 40 + ["乙"] * 40 + ["丁"] * 3 + ["戊"] * 17
    reference = ["甲"] * 40 + ["乙"] * 40 + ["丙"] * 4 + ["戊"] * 316
    tok = token_table([("t", 2001, 0, target), ("r", 2002, 0, reference)])
    kw = keyness(tok, ["t"], ["r"], min_freq=5, alpha=0.05)
    assert "丙" not in set(kw["term"]) and "丁" not in set(kw["term"])  # below min_freq (4 and 3)
    assert list(kw["term"][:2]) == ["乙", "甲"]    # equal G2: ties broken by term (code point order)
    assert kw["n_tested"].iloc[0] == 3
    assert (kw["significant"] == (kw["p"] < 0.05 / 3)).all()
    assert kw["significant"].any()
    again = keyness(tok.sample(frac=1, random_state=1), ["t"], ["r"], min_freq=5, alpha=0.05)
    pd.testing.assert_frame_equal(kw, again)


def test_keyness_by_year_skips_a_single_year_and_uses_genres_from_metadata():
    tok = token_table([("x", 2009, 0, ["甲"] * 5), ("y", 2009, 0, ["乙"] * 5)])
    docs = pd.DataFrame({"doc_id": ["x", "y"], "year": [2009, 2009], "genre": ["a", "b"]})
    assert keyness_by_year(tok, docs).empty
    docs = pd.DataFrame({"doc_id": ["r", "n1", "n2", "n3"], "year": [2009, 2010, 2010, 2012],
                         "genre": ["report", "news", "news", "news"]})
    groups = dict(comparison_groups(docs))
    assert groups == {ALL_GENRES: ["n1", "n2", "n3", "r"], "news only": ["n1", "n2", "n3"]}
    tok = token_table([("r", 2009, 0, ["甲"] * 20 + ["乙"] * 5), ("n1", 2010, 0, ["乙"] * 20),
                       ("n2", 2010, 0, ["甲"] * 3 + ["丙"] * 9), ("n3", 2012, 0, ["丙"] * 10 + ["乙"] * 10)])
    kw = keyness_by_year(tok, docs, min_freq=1)
    assert set(kw.loc[kw["comparison"] == "news only", "year"]) == {2010, 2012}
    assert set(kw.loc[kw["comparison"] == ALL_GENRES, "year"]) == {2009, 2010, 2012}
    surv = keyness_survival(kw)
    assert set(surv.columns) >= {"year", "term", "comparison", "same_direction", "significant_within"}


def test_keyness_accepts_a_boolean_mask_as_target():
    tok = token_table([("t", 2001, 0, ["甲"] * 10 + ["乙"] * 90), ("r", 2002, 0, ["甲"] * 20 + ["乙"] * 380)])
    by_ids = keyness(tok, ["t"], ["r"], min_freq=5)
    by_mask = keyness(tok, tok["doc_id"] == "t", min_freq=5)
    pd.testing.assert_frame_equal(by_ids, by_mask)
    with pytest.raises(ValueError, match="share documents"):
        keyness(tok, ["t"], ["t", "r"])


# --- the committed output of notebook 04 ---------------------------------------------------------------
def test_committed_keyness_is_sorted_and_corrected():
    kw = committed_table("keyness")
    if kw.empty:
        pytest.skip("no keyness rows")
    assert (kw["significant"] == (kw["p"] < kw["p_threshold"])).all()
    alpha = kw["p_threshold"] * kw["n_tested"]          # Bonferroni: one family-wise alpha for every test
    assert np.allclose(alpha, alpha.iloc[0])
    for (_, _), g in kw.groupby(["comparison", "year"], sort=False):
        assert len(g) == g["n_tested"].iloc[0]
        assert (np.diff(g["g2"].to_numpy()) <= 0).all()
        for _, tie in g.groupby("g2"):
            assert list(tie["term"]) == sorted(tie["term"])


# --- dispersion over articles and the Log Ratio interval (issue 14) -----------------------------------
def _with_articles(tok: pd.DataFrame) -> pd.DataFrame:
    """Articles = paragraphs here: article_id is the para_id."""
    return tok.assign(article_id=tok["para_id"])


def test_dispersion_rule_tests_only_terms_spread_over_enough_articles():
    # target doc t: 甲 six times in one article, 乙 three + three in two articles; 丙 is absent from the
    # target and spread over two reference articles (an under-use seen on the reference side)
    tok = _with_articles(token_table([
        ("t", 2001, 1, ["甲"] * 6 + ["丁"] * 4), ("t", 2001, 2, ["乙"] * 3 + ["丁"] * 7), ("t", 2001, 3, ["乙"] * 3 + ["丁"] * 7),
        ("r", 2002, 1, ["丙"] * 5 + ["丁"] * 45), ("r", 2002, 2, ["丙"] * 5 + ["丁"] * 45)]))
    loose = keyness(tok, ["t"], ["r"], min_freq=5, min_articles=1).set_index("term")
    strict = keyness(tok, ["t"], ["r"], min_freq=5, min_articles=2).set_index("term")
    assert set(loose.index) == {"甲", "乙", "丙", "丁"} and set(strict.index) == {"乙", "丙", "丁"}
    assert loose.loc["甲", ["articles_target", "articles_reference"]].tolist() == [1, 0]
    assert strict.loc["丙", ["articles_target", "articles_reference"]].tolist() == [0, 2]
    assert (strict["n_tested"] == 3).all() and (loose["n_tested"] == 4).all()   # Bonferroni m follows the rule


def test_log_ratio_interval_over_articles_is_seeded_and_degenerate_for_identical_articles():
    same = ["甲"] * 2 + ["乙"] * 8
    tok = _with_articles(token_table([("t", 2001, 1, same), ("t", 2001, 2, same),
                                      ("r", 2002, 1, ["甲"] + ["乙"] * 9), ("r", 2002, 2, ["甲"] + ["乙"] * 9)]))
    kw = keyness(tok, ["t"], ["r"], min_freq=1, n_resamples=200, seed=3).set_index("term")
    # every replicate draws two identical articles per side: the interval is the point estimate
    assert kw.loc["甲", "log_ratio"] == pytest.approx(math.log2(0.2 / 0.1))
    assert kw.loc["甲", ["log_ratio_ci_low", "log_ratio_ci_high"]].tolist() == pytest.approx([1.0, 1.0])
    uneven = _with_articles(token_table([("t", 2001, 1, ["甲"] * 5 + ["乙"] * 5), ("t", 2001, 2, ["乙"] * 10),
                                         ("t", 2001, 3, ["甲"] + ["乙"] * 9), ("r", 2002, 1, ["甲"] + ["乙"] * 19)]))
    a = keyness(uneven, ["t"], ["r"], min_freq=1, n_resamples=500, seed=3)
    b = keyness(uneven, ["t"], ["r"], min_freq=1, n_resamples=500, seed=3)
    pd.testing.assert_frame_equal(a, b)
    lo, hi = a.set_index("term").loc["甲", ["log_ratio_ci_low", "log_ratio_ci_high"]]
    assert lo < hi   # articles differ: the interval has width
    assert keyness(uneven, ["t"], ["r"], min_freq=1)["log_ratio_ci_low"].isna().all()   # no resamples: NaN


def test_dispersion_needs_articles():
    tok = token_table([("t", 2001, 1, ["甲"] * 6), ("r", 2002, 1, ["乙"] * 6)])
    with pytest.raises(ValueError, match="article_id"):
        keyness(tok, ["t"], ["r"], min_freq=1, min_articles=2)
    assert len(keyness(tok, ["t"], ["r"], min_freq=1)) == 2   # without the rule, documents are the articles


# --- keyness_by_year from aggregated tables (issue 17) -------------------------------------------------
def _synthetic_corpus(seed: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nine documents over four years and two genres, each of one to four articles of random words
    (stopwords, punctuation and numerals among them), so that terms differ in count and spread."""
    rng = np.random.default_rng(seed)
    vocab = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸", "子", "丑", "的", "，", "2018"]
    docs = pd.DataFrame({"doc_id": [f"d{i}" for i in range(9)],
                         "year": [2001, 2001, 2002, 2002, 2003, 2003, 2004, 2004, 2004],
                         "genre": ["news", "report", "news", "report", "news", "news", "report", "news", "news"]})
    sentences = []
    for doc, year in zip(docs["doc_id"], docs["year"]):
        for art in range(1, int(rng.integers(1, 5)) + 1):
            p = rng.dirichlet(np.full(len(vocab), 0.4))
            sentences.append((doc, int(year), art, list(rng.choice(vocab, size=int(rng.integers(5, 40)), p=p))))
    tok = token_table(sentences)
    return tok.assign(article_id=tok["para_id"]), docs


def _reference_by_year(tok: pd.DataFrame, docs: pd.DataFrame, min_freq: int, min_articles: int,
                       n_resamples: int, seed: int, ci: float = 0.95, alpha: float = 0.05) -> pd.DataFrame:
    """The straightforward computation: for each comparison and year, count target and reference
    tokens term by term, test, and bootstrap Log Ratio by drawing articles per document in a loop."""
    from collections import Counter

    from tifa.stats import chi2_sf_1df, g2_log_likelihood, log_ratio

    keep = (~tok["is_stop"] & ~tok["is_punct"] & ~tok["token"].str.match(r"^[0-9.,%+\-]+$"))
    kept = tok[keep]
    rows = []
    for gi, (label, ids) in enumerate(comparison_groups(docs)):
        sub_docs = docs[docs["doc_id"].isin(ids)]
        years = sorted(sub_docs["year"].unique())
        if len(years) < 2:
            continue
        for y in years:
            t_ids = set(sub_docs.loc[sub_docs["year"] == y, "doc_id"])
            r_ids = set(sub_docs.loc[sub_docs["year"] != y, "doc_id"])
            sides = [kept[kept["doc_id"].isin(s)] for s in (t_ids, r_ids)]
            cnt = [Counter(s["token"]) for s in sides]
            art = [Counter(t for t, _, _ in set(zip(s["token"], s["doc_id"], s["article_id"]))) for s in sides]
            c, d = sum(cnt[0].values()), sum(cnt[1].values())
            tested = []
            for term in sorted(set(cnt[0]) | set(cnt[1])):
                a, b = cnt[0][term], cnt[1][term]
                spread = art[0][term] if a / c >= b / d else art[1][term]
                if a + b >= min_freq and spread >= min_articles:
                    tested.append(term)
            m = len(tested)
            # bootstrap: one Generator, target documents then reference documents in sorted order,
            # each document's articles (sorted by key) drawn with replacement
            rng = np.random.default_rng(seed)
            reps_count, reps_total = [], []
            for s in sides:
                arts = sorted({(str(dd), str(aa)) for dd, aa in zip(s["doc_id"], s["article_id"])},
                              key=lambda k: k[0] + "\x1f" + k[1])
                per_art = {k: Counter(g["token"]) for k, g in s.groupby([s["doc_id"].astype(str),
                                                                          s["article_id"].astype(str)])}
                cnt_r, tot_r = np.zeros((n_resamples, m)), np.zeros(n_resamples)
                for doc in sorted({k[0] for k in arts}):
                    doc_arts = [k for k in arts if k[0] == doc]
                    w = rng.multinomial(len(doc_arts), np.full(len(doc_arts), 1 / len(doc_arts)), size=n_resamples)
                    for j, k in enumerate(doc_arts):
                        cnt_r += w[:, [j]] * np.array([per_art[k][t] for t in tested], dtype=float)
                        tot_r += w[:, j] * sum(per_art[k].values())
                reps_count.append(cnt_r)
                reps_total.append(tot_r)
            for j, term in enumerate(tested):
                a, b = cnt[0][term], cnt[1][term]
                g = float(g2_log_likelihood(a, b, c, d))
                lr = log_ratio(reps_count[0][:, j], reps_count[1][:, j], reps_total[0], reps_total[1])
                lo, hi = np.percentile(lr, [100 * (1 - ci) / 2, 100 * (1 + ci) / 2])
                p = float(chi2_sf_1df(g)[0])
                rows.append({"comparison": label, "year": y, "term": term, "count_target": a, "count_reference": b,
                             "articles_target": art[0][term], "articles_reference": art[1][term],
                             "total_target": c, "total_reference": d, "g2": g if a / c > b / d else -g,
                             "log_ratio": float(log_ratio(a, b, c, d)), "log_ratio_ci_low": lo,
                             "log_ratio_ci_high": hi, "p": p, "significant": p < alpha / m, "n_tested": m, "_g": gi})
    out = pd.DataFrame(rows)
    out = out.sort_values("term", kind="stable").sort_values("g2", ascending=False, kind="stable")
    return out.sort_values(["_g", "year"], kind="stable").drop(columns="_g").reset_index(drop=True)


@pytest.mark.parametrize("min_articles", [1, 2])
def test_keyness_by_year_equals_a_straightforward_per_year_computation(min_articles):
    tok, docs = _synthetic_corpus()
    kw = keyness_by_year(tok, docs, min_freq=5, min_articles=min_articles, n_resamples=300, seed=11)
    ref = _reference_by_year(tok, docs, min_freq=5, min_articles=min_articles, n_resamples=300, seed=11)
    assert set(kw["comparison"]) == {ALL_GENRES, "news only", "report only"}
    assert len(kw) == len(ref) and len(kw) > 50
    cols = list(ref.columns)
    # the same tests (dispersion rule and min_freq), the same counts, order and Bonferroni m
    pd.testing.assert_frame_equal(kw[cols].astype({"year": int, "significant": bool}),
                                  ref.astype({"year": int, "significant": bool}), check_dtype=False,
                                  check_exact=False, rtol=1e-12, atol=0)
    assert np.array_equal(kw["log_ratio_ci_low"].to_numpy(), ref["log_ratio_ci_low"].to_numpy())  # same draws
    assert (kw["log_ratio_ci_low"] < kw["log_ratio_ci_high"]).any()
    if min_articles == 2:
        loose = keyness_by_year(tok, docs, min_freq=5, min_articles=1)
        assert len(loose) > len(kw)   # the rule removed some tests


def test_keyness_by_year_equals_keyness_of_each_year_exactly():
    tok, docs = _synthetic_corpus(seed=8)
    kw = keyness_by_year(tok, docs, min_freq=4, min_articles=2, n_resamples=200, seed=2)
    for (label, year), got in kw.groupby(["comparison", "year"], sort=False):
        ids = dict(comparison_groups(docs))[label]
        sub = docs[docs["doc_id"].isin(ids)]
        one = keyness(tok, sorted(sub.loc[sub["year"] == year, "doc_id"]),
                      sorted(sub.loc[sub["year"] != year, "doc_id"]), min_freq=4, min_articles=2, n_resamples=200, seed=2)
        pd.testing.assert_frame_equal(got.drop(columns=["comparison", "year"]).reset_index(drop=True), one,
                                      check_exact=True)


def test_percentile_interval_by_column_equals_the_per_column_interval():
    from tifa.stats import percentile_interval, percentile_interval_by_column

    reps = np.random.default_rng(0).normal(size=(401, 7))
    reps[5, 2] = reps[:3, 4] = np.nan
    reps[:, 6] = np.nan
    lo, hi = percentile_interval(reps, 0.9)
    lo2, hi2 = percentile_interval_by_column(reps, 0.9)
    assert np.array_equal(lo, lo2, equal_nan=True) and np.array_equal(hi, hi2, equal_nan=True)
    assert np.isnan(lo2[6]) and not np.isnan(lo2[2])


def _shared_reference_intervals(tok: pd.DataFrame, docs: pd.DataFrame, kw: pd.DataFrame, n_resamples: int,
                                seed: int, ci: float = 0.95) -> pd.DataFrame:
    """The shared draws written out: per comparison, one Generator, one multinomial per document of
    the comparison in sorted order over its articles in sorted key order; each year's test takes its
    documents' draws as target and every other document's as reference."""
    from collections import Counter

    from tifa.stats import log_ratio

    keep = (~tok["is_stop"] & ~tok["is_punct"] & ~tok["token"].str.match(r"^[0-9.,%+\-]+$"))
    kept = tok[keep]
    year_of = dict(zip(docs["doc_id"], docs["year"]))
    out = []
    for label, ids in comparison_groups(docs):
        sub = kept[kept["doc_id"].isin(ids)]
        arts = sorted({(str(d), str(a)) for d, a in zip(sub["doc_id"], sub["article_id"])},
                      key=lambda k: k[0] + "\x1f" + k[1])
        per_art = {k: Counter(g["token"]) for k, g in sub.groupby([sub["doc_id"].astype(str),
                                                                  sub["article_id"].astype(str)])}
        rng = np.random.default_rng(seed)
        weight = {}
        for doc in sorted({k[0] for k in arts}):
            doc_arts = [k for k in arts if k[0] == doc]
            w = rng.multinomial(len(doc_arts), np.full(len(doc_arts), 1 / len(doc_arts)), size=n_resamples)
            weight.update({k: w[:, j].astype(float) for j, k in enumerate(doc_arts)})
        for year, rows in kw[kw["comparison"] == label].groupby("year", sort=False):
            side = {k: year_of[k[0]] == year for k in arts}
            tot = [sum(weight[k] * sum(per_art[k].values()) for k in arts if side[k] == s) for s in (True, False)]
            for term in rows["term"]:
                cnt = [sum(weight[k] * per_art[k][term] for k in arts if side[k] == s) for s in (True, False)]
                lr = log_ratio(cnt[0], cnt[1], tot[0], tot[1])
                lo, hi = np.percentile(lr, [100 * (1 - ci) / 2, 100 * (1 + ci) / 2])
                out.append({"comparison": label, "year": year, "term": term, "lo": lo, "hi": hi})
    return pd.DataFrame(out)


@pytest.mark.parametrize("rename", [False, True])
def test_shared_draws_equal_the_written_out_computation_and_change_only_the_intervals(rename):
    tok, docs = _synthetic_corpus(seed=8)
    if rename:   # document names that do not sort by year: the articles are regrouped by year inside
        names = {f"d{i}": f"d{(i * 5) % 9}" for i in range(9)}
        tok, docs = tok.assign(doc_id=tok["doc_id"].map(names)), docs.assign(doc_id=docs["doc_id"].map(names))
        assert docs.sort_values("doc_id")["year"].tolist() != sorted(docs["year"])
    own = keyness_by_year(tok, docs, min_freq=4, min_articles=2, n_resamples=300, seed=3)
    shared = keyness_by_year(tok, docs, min_freq=4, min_articles=2, n_resamples=300, seed=3, shared_draws=True)
    ci_cols = ["log_ratio_ci_low", "log_ratio_ci_high"]
    # the same tests, counts, statistics and order; only the random numbers of the intervals differ
    pd.testing.assert_frame_equal(shared.drop(columns=ci_cols), own.drop(columns=ci_cols), check_exact=True)
    assert not np.array_equal(shared["log_ratio_ci_low"].to_numpy(), own["log_ratio_ci_low"].to_numpy())
    ref = _shared_reference_intervals(tok, docs, shared, 300, 3)
    assert len(ref) == len(shared) > 30
    np.testing.assert_allclose(shared["log_ratio_ci_low"].to_numpy(), ref["lo"].to_numpy(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(shared["log_ratio_ci_high"].to_numpy(), ref["hi"].to_numpy(), rtol=1e-12, atol=0)


def test_shared_draws_give_intervals_of_the_same_distribution():
    """With many replicates, the shared and the per-test intervals of each term estimate the same
    percentiles: they differ by bootstrap noise, a small part of the interval's width."""
    tok, docs = _synthetic_corpus(seed=5)
    own = keyness_by_year(tok, docs, min_freq=4, min_articles=1, n_resamples=4000, seed=1)
    shared = keyness_by_year(tok, docs, min_freq=4, min_articles=1, n_resamples=4000, seed=1, shared_draws=True)
    width = own["log_ratio_ci_high"] - own["log_ratio_ci_low"]
    for col in ("log_ratio_ci_low", "log_ratio_ci_high"):
        gap = (shared[col] - own[col]).abs()
        assert gap.median() < 0.05 * width.median()


@pytest.mark.parametrize("shared", [False, True])
def test_intervals_for_significant_tests_only_are_those_of_all_tests(shared):
    """intervals="significant" computes the interval of the significant tests only: each with the value
    it has when every test gets one, the other rows NaN, every other column unchanged."""
    tok, docs = _synthetic_corpus(seed=8)
    args = dict(min_freq=4, min_articles=1, n_resamples=300, seed=3, shared_draws=shared)
    every = keyness_by_year(tok, docs, **args)
    some = keyness_by_year(tok, docs, intervals="significant", **args)
    ci_cols = ["log_ratio_ci_low", "log_ratio_ci_high"]
    pd.testing.assert_frame_equal(some.drop(columns=ci_cols), every.drop(columns=ci_cols), check_exact=True)
    sig = every["significant"].to_numpy(bool)
    assert 0 < sig.sum() < len(sig)          # both kinds of row are checked
    for col in ci_cols:
        np.testing.assert_array_equal(some[col].to_numpy()[sig], every[col].to_numpy()[sig])
        assert some[col][~sig].isna().all() and every[col][~sig].notna().all()
    with pytest.raises(ValueError, match="intervals must be one of"):
        keyness_by_year(tok, docs, intervals="some", **args)


def test_article_codes_order_articles_as_their_text_keys_sort():
    """Articles are numbered in the order of their text keys (doc_id, unit separator, article number as
    text), so article 10 sorts before article 2 and doc ids sort as text, as _article_keys sorted them."""
    from tifa.keyness import _article_codes, _article_keys

    rng = np.random.default_rng(4)
    docs = rng.choice(["b", "a10", "a2", "001", "1", "甲"], size=400)
    arts = rng.choice([0, 1, 2, 10, 11, 100], size=400)
    kept = pd.DataFrame({"doc_id": docs, "article_id": arts, "token": "x"})
    keys, token_art, art_doc, doc_code, doc_labels = _article_codes(kept)
    text_keys = _article_keys(kept).to_numpy()
    assert keys.tolist() == sorted(set(text_keys))
    assert (keys[token_art] == text_keys).all()
    assert art_doc.tolist() == [k.split("\x1f")[0] for k in keys]
    assert (doc_labels[doc_code] == art_doc).all()
