"""tifa.priorities: codebook matching on whole tokens, attention and its bootstrap, changes and their
survival within genre, leave-one-out checks, and the committed priorities.csv."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tifa.config import LEXICON, SEED
from tifa.files import CorpusError
from tifa.corpus import ALL_GENRES, body_chars
from tifa.priorities import (
    attention, attention_change, change_without_terms, codebook_categories, direction_leave_one_out,
    direction_survival, leading_categories, match_terms, priorities_by_doc, priorities_by_year,
    priority_counts, read_priorities, resample_paragraphs, term_audit,
)
from conftest import CATS, CODEBOOK, coded_corpus, committed_table, paragraph_table, token_table


def write_codebook(path, rows: list[str]) -> None:
    path.write_text("# test codebook\n# rules: none\ncategory,category_zh,category_en,term,scope_note\n"
                    + "\n".join(rows) + "\n", encoding="utf-8")


# --- codebook ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("rows, message", [
    (["party,党的建设,Party building,党建,", "party,党的建设,Party building,  ,note", "economy,经济,Economy,营商环境,"],
     r"priorities\.csv line 5: empty term"),
    (["party,党的建设,Party building,党建,", "economy,经济,Economy,营商环境,", "clean,清廉,Clean governance,党建,"],
     r"line 6: term '党建' already listed on line 4"),
    (["party,党的建设,Party building,党建,", "party,党建,Party,党风廉政,"], "party"),
], ids=["empty term names the line", "term in two categories names both lines", "category with two labels"])
def test_codebook_error_names_what_is_wrong(tmp_path, rows, message):
    path = tmp_path / "priorities.csv"
    write_codebook(path, rows)
    with pytest.raises(CorpusError, match=message):
        read_priorities(path)


def test_valid_codebook_reads_and_keeps_category_order(tmp_path):
    path = tmp_path / "priorities.csv"
    write_codebook(path, ["party,党的建设,Party building, 党建 ,x", "economy,经济,Economy,营商环境,"])
    cb = read_priorities(path)
    assert list(cb["term"]) == ["党建", "营商环境"]
    assert list(codebook_categories(cb)["label"]) == ["党的建设 Party building", "经济 Economy"]


# --- matching on whole tokens ------------------------------------------------------------------------
def test_term_is_matched_on_whole_tokens_never_inside_another_token():
    tok = token_table([("d", 2001, 0, ["党建引领", "发展", "。"]),      # 党建 inside a longer token
                       ("d", 2001, 0, ["党", "建设", "。"]),             # 党建 across a token boundary
                       ("d", 2001, 1, ["加强", "党建", "工作", "。"])])   # a whole-token hit
    hits = match_terms(tok, CODEBOOK)
    assert list(hits["term"]) == ["党建"]
    assert hits.iloc[0][["para_id", "token_id"]].tolist() == [1, 7]
    naive = "".join(tok["token"]).count("党建")
    assert naive == 3  # what a substring count would have found


def test_split_term_is_found_and_overlaps_count_once():
    tok = token_table([("d", 2001, 0, ["优化", "营商", "环境", "。"]),
                       ("d", 2001, 0, ["乡村", "振兴", "和", "乡村", "治理"]),
                       ("d", 2001, 1, ["营商"]), ("d", 2001, 1, ["环境"])])  # across a sentence boundary: no
    hits = match_terms(tok, CODEBOOK)
    assert list(hits["term"]) == ["营商环境", "乡村振兴", "乡村"]
    assert list(hits["n_tokens"]) == [2, 2, 1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["党建", "党风廉政", "营商环境", "乡村振兴", "乡村", "发展", "工作",
                                          "推进", "，", "。", "的"]), min_size=1, max_size=12),
                min_size=1, max_size=8))
def test_a_category_hits_equal_the_count_of_its_terms_in_the_token_table(sentences):
    # none of the non-term tokens can join with others into a term, so each hit is one token
    tok = token_table([("d", 2001, i // 3, s) for i, s in enumerate(sentences)])
    counts = priority_counts(match_terms(tok, CODEBOOK), paragraph_table(tok), CATS)
    for cat in CATS:
        terms = set(CODEBOOK.loc[CODEBOOK["category"] == cat, "term"])
        assert counts[cat].sum() == tok["token"].isin(terms).sum()


def test_term_audit_separates_nested_terms_from_exclusions():
    tok = token_table([("d", 2001, 0, ["党建引领", "发展", "，", "乡村振兴", "和", "乡村", "治理"]),
                       ("d", 2001, 1, ["党", "建设"])])
    sentences = tok.groupby(["doc_id", "sent_id"], sort=True)["token"].agg("".join).rename("text").reset_index()
    audit = term_audit(tok, sentences, CODEBOOK, match_terms(tok, CODEBOOK)).set_index("term")
    assert audit.loc["乡村", ["hits", "substring", "in_other_terms", "excluded"]].tolist() == [1, 2, 1, 0]
    assert audit.loc["党建", ["hits", "substring", "in_other_terms", "excluded"]].tolist() == [0, 2, 0, 2]
    assert audit.loc["党建", "inside_tokens"] == "党建引领×1"


# --- attention and its bootstrap -----------------------------------------------------------------------
def test_document_without_coded_terms_gets_zero_rows_for_every_category():
    tok, paras, docs = coded_corpus()
    counts = priority_counts(match_terms(tok, CODEBOOK), paras, CATS)
    draws = resample_paragraphs(counts, CATS, docs["doc_id"], 200, SEED)
    pr = priorities_by_doc(counts, CODEBOOK, docs, draws)
    assert len(pr) == len(docs) * len(CATS)
    b = pr[pr["doc_id"] == "b"]
    assert list(b["category"]) == CATS
    assert not b.isna().any().any()
    assert (b[["hits", "per_10k", "share", "ci_low", "ci_high"]] == 0).all().all()
    assert (b["chars"] == body_chars(paras)["b"]).all()


def test_attention_values_by_hand():
    tok, paras, docs = coded_corpus()
    counts = priority_counts(match_terms(tok, CODEBOOK), paras, CATS)
    assert counts.groupby("doc_id")["chars"].sum().equals(body_chars(paras).astype(counts["chars"].dtype))
    draws = resample_paragraphs(counts, CATS, docs["doc_id"], 200, SEED)
    pr = priorities_by_doc(counts, CODEBOOK, docs, draws).set_index(["doc_id", "category"])
    chars_a = body_chars(paras)["a"]
    assert pr.loc[("a", "party"), "hits"] == 3
    assert pr.loc[("a", "party"), "per_10k"] == pytest.approx(3 / chars_a * 1e4)
    assert pr.loc[("a", "party"), "share"] == pytest.approx(3 / 5)
    assert pr.xs("a")["share"].sum() == pytest.approx(1)
    by_year = priorities_by_year(counts, CODEBOOK, docs, draws)
    y2003 = by_year[(by_year["comparison"] == ALL_GENRES) & (by_year["year"] == 2003)].set_index("category")
    assert y2003.loc["rural", "hits"] == 1 and y2003.loc["economy", "hits"] == 1
    assert y2003["documents"].eq(2).all() and y2003["chars"].eq(body_chars(paras)[["b", "c"]].sum()).all()
    assert sorted(by_year["comparison"].unique()) == [ALL_GENRES]  # no genre spans two years here


def random_counts(n_par: int = 400, k: int = 12, n_docs: int = 5) -> tuple[pd.DataFrame, list[str], list[str]]:
    """A paragraphs x categories matrix the size of the project corpus, with random counts."""
    rng = np.random.default_rng(0)
    cats = [f"c{i}" for i in range(k)]
    docs = [f"d{i}" for i in range(n_docs)]
    counts = pd.DataFrame(rng.poisson(0.4, size=(n_par, k)), columns=cats)
    counts.insert(0, "doc_id", np.repeat(docs, n_par // n_docs))
    counts.insert(1, "para_id", np.arange(n_par))
    counts["chars"] = rng.integers(20, 400, n_par)
    return counts, cats, docs


def test_bootstrap_is_reproducible_with_its_seed_and_changes_with_another():
    counts, cats, docs = random_counts()
    units = pd.Series(docs, index=docs)

    def intervals(seed):
        draws = resample_paragraphs(counts, cats, docs, 1000, seed)
        return attention(counts, cats, units, draws)[["ci_low", "ci_high", "per_10k_ci_low"]].to_numpy()

    first = intervals(SEED)
    assert np.array_equal(first, intervals(SEED))
    assert not np.array_equal(first, intervals(SEED + 1))
    assert (first[:, 0] <= first[:, 1]).all()
    # the order in which documents are listed does not change any replicate
    a = resample_paragraphs(counts, cats, docs, 50, SEED)
    b = resample_paragraphs(counts.iloc[::-1], cats, docs[::-1], 50, SEED)
    assert all(np.array_equal(a[d], b[d]) for d in docs)


def test_bootstrap_interval_is_a_percentile_interval_around_the_estimate():
    counts, cats, docs = random_counts()
    draws = resample_paragraphs(counts, cats, docs, 2000, SEED)
    att = attention(counts, cats, pd.Series(docs, index=docs), draws, ci=0.95)
    assert ((att["ci_low"] <= att["share"]) & (att["share"] <= att["ci_high"])).mean() > 0.95
    rep = draws["d0"][:, :len(cats)]
    shares = rep / rep.sum(axis=1, keepdims=True)
    d0 = att[att["unit"] == "d0"]
    assert np.allclose(d0["ci_low"], np.percentile(shares, 2.5, axis=0))
    assert np.allclose(d0["ci_high"], np.percentile(shares, 97.5, axis=0))


def test_bootstrap_resamples_paragraphs_within_each_document():
    tok, paras, docs = coded_corpus()
    counts = priority_counts(match_terms(tok, CODEBOOK), paras, CATS)
    draws = resample_paragraphs(counts, CATS, docs["doc_id"], 500, SEED)
    chars = counts.groupby("doc_id")["chars"].apply(set)
    for doc, rep in draws.items():
        n = (counts["doc_id"] == doc).sum()
        # every replicate is a sum of n paragraphs of that document: its hits never exceed n x the max
        assert rep.shape == (500, len(CATS) + 1)
        assert (rep[:, -1] <= n * max(chars[doc])).all() and (rep[:, -1] >= n * min(chars[doc])).all()
    assert np.all(draws["b"][:, :-1] == 0)


def test_bootstrap_is_fast_on_a_realistic_matrix():
    counts, cats, docs = random_counts()
    start = time.perf_counter()
    draws = resample_paragraphs(counts, cats, docs, 2000)
    attention(counts, cats, pd.Series(docs, index=docs), draws)
    assert time.perf_counter() - start < 1.0


# --- changes, their survival, leave-one-out ------------------------------------------------------------
def test_change_and_its_survival_within_genre():
    tok, paras, docs = coded_corpus()
    docs = pd.concat([docs, pd.DataFrame({"doc_id": ["d"], "year": [2002], "genre": ["news"]})], ignore_index=True)
    tok = pd.concat([tok, token_table([("d", 2002, 0, ["党建", "党建", "营商环境", "。"])])], ignore_index=True)
    paras = paragraph_table(tok)
    counts = priority_counts(match_terms(tok, CODEBOOK), paras, CATS)
    draws = resample_paragraphs(counts, CATS, docs["doc_id"], 300, SEED)
    ch = attention_change(counts, CODEBOOK, docs, draws)
    assert list(ch["comparison"].unique()) == [ALL_GENRES, "news only"]
    news = ch[ch["comparison"] == "news only"].set_index("category")
    assert news.loc["party", "first_year"] == 2002 and news.loc["party", "direction"] == "down"
    assert news.loc["rural", "direction"] == "up"
    surv = direction_survival(ch).set_index("category")
    # whole corpus 2001 -> 2003: party 3/5 -> 0 (down), rural 1/5 -> 1/2 (up); both go the same way 2002 -> 2003
    assert surv.loc["party", "share_same_direction"] and surv.loc["rural", "share_same_direction"]
    # economy: 1/5 -> 1/2 over the whole corpus (up), 1/3 -> 1/2 within news (up)
    assert surv.loc["economy", "within_change"] == pytest.approx(1 / 2 - 1 / 3)
    assert surv.loc["economy", "within_ci_low"] == news.loc["economy", "share_change_ci_low"]
    assert surv.loc["economy", "within_ci_high"] == news.loc["economy", "share_change_ci_high"]
    # both comparisons end on 2003 with the same documents (b, c); they start on different documents
    assert surv["same_last"].all() and not surv["same_first"].any()
    assert (surv["same_direction"] == surv["share_same_direction"] & surv["per_10k_same_direction"]).all()


def test_leave_one_document_out_flags_only_end_documents_that_flip_a_direction():
    # news: party 1/4 -> 4/6 -> 0, economy 1/4 -> 2/6 -> 3/4, rural 2/4 -> 0 -> 1/4 (2010, 2011, 2012)
    tok = token_table([("r", 2009, 0, ["党建", "营商环境"]),
                       ("n1", 2010, 0, ["党建", "营商环境", "乡村", "乡村"]),
                       ("n2", 2011, 0, ["党建"] * 4 + ["营商环境"] * 2),
                       ("n3", 2012, 0, ["营商环境"] * 3 + ["乡村"])])
    docs = pd.DataFrame({"doc_id": ["r", "n1", "n2", "n3"], "year": [2009, 2010, 2011, 2012],
                         "genre": ["report", "news", "news", "news"]})
    counts = priority_counts(match_terms(tok, CODEBOOK), paragraph_table(tok), CATS)
    loo = direction_leave_one_out(counts, CODEBOOK, docs).set_index("category")
    assert set(loo["comparison"]) == {"news only"}                   # the whole corpus is left out by default
    assert (loo["drops"] == 3).all() and (loo["drops_moving_an_end"] == 2).all()   # n2 is a middle document
    assert loo.loc["party", "direction"] == "down" and loo.loc["party", "flips"] == "n3"   # 1/4 -> 4/6 without n3
    assert loo.loc["economy", "direction"] == "up" and loo.loc["economy", "flips"] == ""
    assert loo.loc["economy", "survives"] and not loo.loc["party", "survives"]
    assert loo.loc["rural", "flips"] == "n1" and not loo.loc["rural", "survives"]       # 0 -> 1/4 without n1
    both = direction_leave_one_out(counts, CODEBOOK, docs, within_only=False)
    assert list(dict.fromkeys(both["comparison"])) == [ALL_GENRES, "news only"]
    # two documents in two years: dropping either leaves one year, which is no flip
    two = direction_leave_one_out(counts, CODEBOOK, docs[docs["doc_id"].isin(["n1", "n3"])], within_only=False)
    assert (two["drops_left_one_year"] == 2).all() and (two["flips"] == "").all()


def test_leave_one_term_out_finds_the_term_a_change_rests_on():
    # 2010: party 党建 x1, economy 1, rural 乡村 x2 (party share 1/4); 2012: party 党建 x1 + 党风廉政 x4,
    # economy 1 (party share 5/6): change +7/12.  Without 党风廉政: 1/2 - 1/4 = +1/4 (moved by -1/3);
    # without 党建: 4/5 - 0 = +4/5 (moved by +13/60).  The middle year (乡村振兴 only) is never tried.
    tok = token_table([("a", 2010, 0, ["党建", "营商环境", "乡村", "乡村"]),
                       ("m", 2011, 0, ["党建"] * 9 + ["乡村振兴"] * 9),
                       ("b", 2012, 0, ["党建"] + ["党风廉政"] * 4 + ["营商环境"])])
    docs = pd.DataFrame({"doc_id": ["a", "m", "b"], "year": [2010, 2011, 2012], "genre": ["news"] * 3})
    hits = match_terms(tok, CODEBOOK)
    counts = priority_counts(hits, paragraph_table(tok), CATS)
    loto = change_without_terms(counts, hits, CODEBOOK, docs).set_index("category")
    assert list(loto["comparison"].unique()) == [ALL_GENRES]   # one genre: no second comparison
    party = loto.loc["party"]
    assert party["share_change"] == pytest.approx(5 / 6 - 1 / 4) and party["terms_tried"] == 2
    assert party["top_term"] == "党风廉政"
    assert (party["top_term_hits_first"], party["top_term_hits_last"]) == (0, 4)
    assert party["share_change_without_top"] == pytest.approx(1 / 2 - 1 / 4)
    assert party["direction"] == party["direction_without_top"] == "up" and party["flips"] == ""
    rural = loto.loc["rural"]   # 2/4 -> 0, down; without 乡村 (its only term at the ends): 0 -> 0
    assert rural["terms_tried"] == 1 and rural["top_term"] == "乡村"
    assert rural["direction"] == "down" and rural["direction_without_top"] == "none" and rural["flips"] == "乡村"
    econ = loto.loc["economy"]  # 1/4 -> 1/6, down; without 营商环境: 0 -> 0
    assert econ["direction"] == "down" and econ["flips"] == "营商环境"


def test_leading_categories_report_overlap_and_bootstrap_lead():
    tok, paras, docs = coded_corpus()
    counts = priority_counts(match_terms(tok, CODEBOOK), paras, CATS)
    draws = resample_paragraphs(counts, CATS, docs["doc_id"], 500, SEED)
    by_year = priorities_by_year(counts, CODEBOOK, docs, draws)
    lead = leading_categories(by_year, draws, docs, CATS).set_index("year")
    a = lead.loc[2001]
    assert (a["first"], a["second"]) == ("party", "economy")   # economy and rural tie at 1/5: codebook order
    assert a["share_first"] == pytest.approx(3 / 5) and a["share_second"] == pytest.approx(1 / 5)
    row = by_year[(by_year["year"] == 2001) & (by_year["category"] == "economy")].iloc[0]
    assert a["overlap"] == (row["ci_high"] >= a["first_ci_low"])
    rep = draws["a"][:, :3]
    coded = rep.sum(axis=1) > 0
    assert a["p_first_leads"] == pytest.approx((rep[coded, 0] > rep[coded, 1:].max(axis=1)).mean())
    b = lead.loc[2003]   # economy and rural: one hit each in one paragraph -> always tied, never a strict lead
    assert (b["first"], b["second"]) == ("economy", "rural") and b["overlap"] and b["p_first_leads"] == 0


# --- the committed output of notebook 04 ---------------------------------------------------------------
def test_committed_priorities_count_whole_tokens_and_cover_every_category():
    """Assumes the segmenter keeps every codebook term whole (tests/test_segmentation.py checks that); the
    codebook includes the compounds coded in codebook_decisions.csv; the hits of one mention (“五星”支部)
    count once; a hit inside a context of false_matches.csv is not counted."""
    pr, tokens, docs = committed_table("priorities"), committed_table("tokens"), committed_table("documents")
    from tifa.settings import read_false_matches
    from tifa.validation import apply_codebook_decisions, read_codebook_decisions, split_false_matches
    codebook = apply_codebook_decisions(read_priorities(LEXICON / "priorities.csv"),
                                        read_codebook_decisions(LEXICON / "codebook_decisions.csv"))
    assert len(pr) == len(docs) * codebook["category"].nunique()
    assert set(pr["doc_id"]) == set(docs["doc_id"])
    # one mention, one hit (phrase_rules.csv): each merged mention takes its partner hits off the token count
    from tifa.priorities import one_mention_one_hit, read_phrase_rules
    merged = one_mention_one_hit(match_terms(tokens, codebook), tokens, read_phrase_rules(LEXICON))
    partners = merged.assign(n=merged["merged_terms"].str.count(r"\+")).groupby(["doc_id", "category"])["n"].sum()
    false_hits = split_false_matches(merged, tokens, read_false_matches(LEXICON / "false_matches.csv"))[1]
    assert len(false_hits), "the false-match rules on codebook terms remove nothing"
    false_n = false_hits.groupby(["doc_id", "category"]).size()
    for (doc, cat), hits in pr.set_index(["doc_id", "category"])["hits"].items():
        terms = set(codebook.loc[codebook["category"] == cat, "term"])
        assert hits == ((tokens["token"][tokens["doc_id"] == doc].isin(terms)).sum() - partners.get((doc, cat), 0)
                        - false_n.get((doc, cat), 0)), (doc, cat)
    chars = body_chars(committed_table("paragraphs"))
    assert (pr["chars"] == pr["doc_id"].map(chars)).all()
    assert np.allclose(pr["per_10k"], pr["hits"] / pr["chars"] * 1e4)
    shares = pr.groupby("doc_id")["share"].sum()
    assert np.allclose(shares[pr.groupby("doc_id")["hits"].sum() > 0], 1)
    assert (pr["ci_low"] <= pr["ci_high"]).all()


# --- cluster bootstrap over articles, change tests and their multiplicity adjustment (issue 14) --------
from tifa.priorities import (  # noqa: E402  (this section's own imports)
    adjust_p, bootstrap_draws, bootstrap_p, change_tests, interval_widening, resample_units, unit_counts,
)


def _article_fixture():
    """Two documents: 'a' (2001) with three articles of 2, 1 and 1 body paragraphs (article 3 without a
    coded hit), 'b' (2003) with two articles; counts per paragraph for categories x and y."""
    counts = pd.DataFrame({"doc_id": ["a", "a", "a", "a", "b", "b"], "year": [2001] * 4 + [2003] * 2,
                           "para_id": [2, 3, 5, 7, 1, 2], "chars": [10, 20, 30, 40, 50, 60],
                           "x": [1, 2, 0, 0, 4, 0], "y": [0, 1, 3, 0, 0, 2]})
    paragraphs = pd.DataFrame({"doc_id": ["a"] * 6 + ["b"] * 2, "para_id": [1, 2, 3, 4, 5, 7, 1, 2],
                               "article_id": [1, 1, 1, 2, 2, 3, 1, 2],
                               "kind": ["headline", "body", "body", "headline", "body", "body", "body", "body"]})
    return counts, paragraphs


def test_unit_counts_sum_articles_and_keep_articles_without_hits_as_zeros():
    counts, paragraphs = _article_fixture()
    art = unit_counts(counts, paragraphs, ["x", "y"], "article")
    assert art.values.tolist() == [["a", 2001, 1, 30, 3, 1], ["a", 2001, 2, 30, 0, 3], ["a", 2001, 3, 40, 0, 0],
                                   ["b", 2003, 1, 50, 4, 0], ["b", 2003, 2, 60, 0, 2]]
    para = unit_counts(counts, paragraphs, ["x", "y"], "paragraph")
    assert para["unit_id"].tolist() == counts["para_id"].tolist()
    with pytest.raises(CorpusError, match="article_id"):
        unit_counts(counts, paragraphs.drop(columns="article_id"), ["x", "y"], "article")
    with pytest.raises(ValueError, match="bootstrap unit"):
        unit_counts(counts, paragraphs, ["x", "y"], "sentence")


def test_article_bootstrap_is_seeded_stratified_and_draws_whole_articles():
    counts, paragraphs = _article_fixture()
    d1 = bootstrap_draws(counts, paragraphs, ["x", "y"], ["a", "b"], "article", 500, seed=7)
    d2 = bootstrap_draws(counts, paragraphs, ["x", "y"], ["a", "b"], "article", 500, seed=7)
    d3 = bootstrap_draws(counts, paragraphs, ["x", "y"], ["a", "b"], "article", 500, seed=8)
    assert all(np.array_equal(d1[k], d2[k]) for k in d1) and not np.array_equal(d1["a"], d3["a"])
    # stratified: every replicate of 'a' holds exactly 3 articles, so its chars are a sum of three of 30, 30, 40
    assert set(d1["a"][:, 2]) <= {90, 100, 110, 120} and d1["a"].shape == (500, 3)
    # whole articles: x and y of article 1 (3, 1) travel together, so x = 3 * (draws of article 1)
    assert np.allclose(d1["a"][:, 0] % 3, 0)
    # the zero article is drawn too: some replicates of 'a' have no x at all (article 1 never drawn)
    assert (d1["a"][:, 0] == 0).any()
    # hand-checkable: one replicate = the multinomial weights of the seeded generator times the article rows
    w = np.random.default_rng(7).multinomial(3, [1 / 3] * 3, size=500)
    assert np.array_equal(d1["a"], w @ np.array([[3, 1, 30], [0, 3, 30], [0, 0, 40]], dtype=float))


def test_paragraph_units_reproduce_the_paragraph_bootstrap():
    counts, paragraphs = _article_fixture()
    old = resample_paragraphs(counts, ["x", "y"], ["a", "b"], 200, seed=3)
    new = resample_units(unit_counts(counts, paragraphs, ["x", "y"], "paragraph"), ["x", "y"], ["a", "b"], 200, 3)
    assert all(np.array_equal(old[k], new[k]) for k in old)


def test_a_document_of_one_article_has_a_degenerate_interval():
    counts = pd.DataFrame({"doc_id": ["a", "a"], "year": [2001, 2001], "para_id": [1, 2], "chars": [10, 10],
                           "x": [1, 0], "y": [0, 1]})
    paragraphs = pd.DataFrame({"doc_id": ["a", "a"], "para_id": [1, 2], "article_id": [1, 1]})
    d = bootstrap_draws(counts, paragraphs, ["x", "y"], ["a"], "article", 100, seed=1)
    assert (d["a"] == [1, 1, 20]).all()


def test_bootstrap_p_by_hand():
    reps = np.array([[0.1, -0.2, 0.0, np.nan], [0.3, -0.1, 0.0, np.nan], [0.2, 0.1, 0.0, np.nan],
                     [-0.1, -0.3, 0.0, np.nan]])
    p = bootstrap_p(reps)
    # column 0: one of 4 replicates <= 0 -> 2 * (1 + 1) / 5 = 0.8; column 1: one >= 0 -> 0.8;
    # column 2: all exactly 0 -> capped at 1; column 3: nothing defined -> NaN
    assert p[:3].tolist() == pytest.approx([0.8, 0.8, 1.0]) and np.isnan(p[3])
    assert bootstrap_p(np.arange(1, 100, dtype=float)[:, None])[0] == pytest.approx(2 / 100)


def test_adjust_p_against_hand_computed_holm_and_bh():
    p = [0.01, 0.04, 0.03, 0.20, np.nan]
    # Holm: sorted 0.01, 0.03, 0.04, 0.20 times 4, 3, 2, 1 = 0.04, 0.09, 0.08, 0.20; running max 0.04, 0.09, 0.09, 0.20
    assert adjust_p(p, "holm")[:4].tolist() == pytest.approx([0.04, 0.09, 0.09, 0.20])
    # BH: 0.01*4/1 = 0.04, 0.03*4/2 = 0.06, 0.04*4/3 = 0.0533, 0.20*4/4 = 0.20; running min from the top
    assert adjust_p(p, "bh")[:4].tolist() == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.20])
    assert np.isnan(adjust_p(p, "holm")[4]) and adjust_p([0.6, 0.5], "holm").tolist() == [1.0, 1.0]
    with pytest.raises(ValueError):
        adjust_p(p, "bonferroni-ish")


def test_change_tests_table():
    counts, paragraphs = _article_fixture()
    codebook = pd.DataFrame({"category": ["x", "y"], "category_zh": ["甲", "乙"], "category_en": ["x", "y"],
                             "term": ["甲", "乙"], "scope_note": ["", ""]})
    docs = pd.DataFrame({"doc_id": ["a", "b"], "year": [2001, 2003], "genre": ["g", "g"]})
    draws = bootstrap_draws(counts, paragraphs, ["x", "y"], ["a", "b"], "article", 2000, seed=5)
    t = change_tests(counts, codebook, docs, draws, 0.95, "holm")
    assert list(t.columns) == ["comparison", "category", "first_year", "last_year", "change", "ci_low", "ci_high",
                               "p", "p_adjusted", "method"]
    # shares: a = x 3/7, y 4/7; b = x 4/6, y 2/6
    assert t["change"].tolist() == pytest.approx([4 / 6 - 3 / 7, 2 / 6 - 4 / 7])
    assert (t["p_adjusted"] >= t["p"]).all() and (t["p"].between(0, 1)).all()
    assert t["method"].iloc[0].startswith("Holm over") and "articles" in t["method"].iloc[0]
    wide = interval_widening(t, t.assign(ci_low=t["ci_low"] / 2, ci_high=t["ci_high"] / 2), ["comparison", "category"])
    assert wide["ratio"].tolist() == pytest.approx([2.0, 2.0])


# --- one mention, one hit (issue 14) ------------------------------------------------------------------
from tifa.priorities import one_mention_one_hit, read_phrase_rules  # noqa: E402


def _sentence_tokens(words: list[str], doc: str = "d") -> pd.DataFrame:
    from tifa.segmentation import is_punct
    return pd.DataFrame({"doc_id": doc, "year": 2023, "para_id": 1, "sent_id": 1, "token_id": range(len(words)),
                         "token": words, "pos": "x", "is_punct": [is_punct(w) for w in words], "is_stop": False})


PHRASE_CODEBOOK = pd.DataFrame({"category": ["party", "party", "party", "economy"],
                                "category_zh": ["党的建设", "党的建设", "党的建设", "经济"],
                                "category_en": ["Party building", "Party building", "Party building", "Economy"],
                                "term": ["五星", "支部", "党建", "招商"], "scope_note": ""})


def test_wuxing_zhibu_counts_once():
    rules = read_phrase_rules(LEXICON)
    tok = _sentence_tokens(["“", "五星", "”", "支部", "创建", "，", "党建", "、", "支部", "和", "“", "五星", "”", "“", "支部", "”"])
    hits = match_terms(tok, PHRASE_CODEBOOK)
    assert hits["term"].tolist() == ["五星", "支部", "党建", "支部", "五星", "支部"]
    once = one_mention_one_hit(hits, tok, rules)
    # “五星”支部 -> one hit (term 五星, spanning 五星 ” 支部); 党建、支部 stay two; “五星”“支部” (two joiners:
    # two quoted items, as in “创文”“保卫”) stays two
    assert once["term"].tolist() == ["五星", "党建", "支部", "五星", "支部"]
    assert once["merged_terms"].tolist() == ["五星+支部", "", "", "", ""]
    assert once["n_tokens"].tolist() == [3, 1, 1, 1, 1]


def test_phrase_rule_keeps_other_categories_and_sentences_apart():
    rules = read_phrase_rules(LEXICON)
    tok = _sentence_tokens(["“", "招商", "”", "支部"])
    assert len(one_mention_one_hit(match_terms(tok, PHRASE_CODEBOOK), tok, rules)) == 2   # two categories
    two = pd.concat([_sentence_tokens(["五星", "”"]), _sentence_tokens(["支部"]).assign(sent_id=2, token_id=2)])
    assert len(one_mention_one_hit(match_terms(two, PHRASE_CODEBOOK), two, rules)) == 2   # across a sentence end
    side = _sentence_tokens(["五星", "支部"])   # nothing between: min_gap 1, no merge
    assert len(one_mention_one_hit(match_terms(side, PHRASE_CODEBOOK), side, rules)) == 2


def _match_terms_every_run(tokens: pd.DataFrame, codebook: pd.DataFrame) -> list[tuple]:
    """The rule of ``match_terms`` written out: at each token, the longest run of tokens of its sentence
    whose text is a term; runs taken left to right, a token counted once."""
    terms = set(codebook["term"])
    longest = max(map(len, terms))
    tok = tokens.sort_values(["doc_id", "token_id"], kind="stable").reset_index(drop=True)
    words, sent = tok["token"].tolist(), list(zip(tok["doc_id"], tok["sent_id"]))
    out, until = [], -1
    for i in range(len(words)):
        best = 0
        for k in range(1, longest + 1):
            if i + k > len(words) or sent[i + k - 1] != sent[i]:
                break
            if "".join(words[i:i + k]) in terms:
                best = k
        if best and i >= until:
            out.append((tok.at[i, "doc_id"], int(tok.at[i, "token_id"]), best, "".join(words[i:i + best])))
            until = i + best
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["党", "建", "党建", "营商", "环境", "营商环境", "乡村", "振兴", "乡村振兴",
                                          "引领", "，", "。", "和"]), min_size=1, max_size=12),
                min_size=1, max_size=8))
def test_match_terms_equals_the_rule_written_out(sentences):
    """Extending only runs that begin a term finds exactly what trying every run finds."""
    tok = token_table([(f"d{i % 2}", 2001, i // 3, s) for i, s in enumerate(sentences)])
    got = match_terms(tok, CODEBOOK)
    assert list(zip(got["doc_id"], got["token_id"], got["n_tokens"], got["term"])) == _match_terms_every_run(tok, CODEBOOK)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="党建引领清廉卫东ab", min_size=1, max_size=6), max_size=30),
       st.lists(st.text(alphabet="党建引领清廉卫东ab", min_size=0, max_size=3), max_size=8))
def test_terms_inside_equals_checking_every_term_in_every_word(words, terms):
    from tifa.priorities import terms_inside

    expected = {}
    for w in words:
        held = [t for t in terms if t and t in w]
        if held:
            expected[w] = held
    assert terms_inside(words, terms) == expected
