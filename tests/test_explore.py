"""The term explorer (notebook 06): matching a term, a regex or a category, counts per year and genre with
a seeded bootstrap, KWIC lines and their filters, and CSV export, on a small synthetic processed folder."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from tifa.config import Paths
from tifa.corpus import ALL_GENRES, body_chars
from tifa.files import write_csv
from tifa.priorities import match_terms, priorities_by_year, priority_counts, resample_paragraphs
from tifa.explore import (
    counts_by_genre, counts_by_year, export_csv, export_folder, filter_kwic, kwic_lines,
    load_explorer_tables, match_query, resample_hits, run_query, top_codebook_terms, hits_per_unit,
)

# (doc_id, year, genre) and, per document, its paragraphs: ("headline", text) or ("body", [sentence tokens])
DOCS = [("a_news", 2019, "newspaper"), ("b_news", 2021, "newspaper"), ("c_report", 2021, "work report")]
PARAS = {
    "a_news": [("headline", "标题"),
               ("body", [["加强", "党建", "工作", "。"], ["党建引领", "发展", "。"]]),
               ("body", [["优化", "营商", "环境", "，", "加强", " ", "党建", "。"]])],
    "b_news": [("body", [["推进", "乡村振兴", "。"], ["党建", "引领", "。"]]),
               ("body", [["没有", "命中", "。"]])],
    "c_report": [("body", [["营商环境", "持续", "优化", "。"]]),
                 ("body", [["党建", "和", "党建", "。"]])],
}
CODEBOOK = """# test codebook
category,category_zh,category_en,term,scope_note
party,党的建设,Party building,党建,
economy,经济发展,economy,营商环境,
rural,乡村振兴,rural revitalisation,乡村振兴,
"""


def write_processed(root, article_ids: bool = False) -> Paths:
    """documents, paragraphs, sentences and tokens shaped like notebooks 00-02 write them, and a codebook."""
    paths = Paths(raw=root / "raw", processed=root / "out" / "processed", figures=root / "out" / "figures",
                  lexicon=root / "lexicon")
    for p in (paths.processed, paths.figures, paths.lexicon):
        p.mkdir(parents=True)
    (paths.lexicon / "priorities.csv").write_text(CODEBOOK, encoding="utf-8")
    docs, paras, sents, toks = [], [], [], []
    for doc_id, year, genre in DOCS:
        docs.append((doc_id, f"{doc_id}.txt", year, str(year), genre, "", doc_id, "", "utf-8", 0))
        sent_id = token_id = 0
        for para_id, (kind, content) in enumerate(PARAS[doc_id], start=1):
            text = content if kind == "headline" else "".join("".join(s) for s in content)
            paras.append((doc_id, year, para_id, kind, para_id, para_id, text, kind, 1 + (para_id > 2)))
            if kind == "headline":
                continue
            for sentence in content:
                sent_id += 1
                sents.append((doc_id, year, para_id, sent_id, "".join(sentence), 1 + (para_id > 2)))
                for t in sentence:
                    toks.append((doc_id, year, para_id, sent_id, token_id, t, "x", False, False))
                    token_id += 1
    tables = {
        "documents": pd.DataFrame(docs, columns=["doc_id", "file", "year", "date", "genre", "subgenre", "title",
                                                 "date_note", "encoding", "chars"]),
        "paragraphs": pd.DataFrame(paras, columns=["doc_id", "year", "para_id", "kind", "line_start", "line_end",
                                                   "text", "role", "article_id"]),
        "sentences": pd.DataFrame(sents, columns=["doc_id", "year", "para_id", "sent_id", "text", "article_id"]),
        "tokens": pd.DataFrame(toks, columns=["doc_id", "year", "para_id", "sent_id", "token_id", "token", "pos",
                                              "is_punct", "is_stop"]),
    }
    for name, df in tables.items():
        if not article_ids and "article_id" in df.columns:
            df = df.drop(columns="article_id")
        write_csv(df, paths.processed / f"{name}.csv")
    return paths


@pytest.fixture
def paths(tmp_path):
    return write_processed(tmp_path)


@pytest.fixture
def tables(paths):
    return load_explorer_tables(paths)


def test_term_counts_whole_tokens_regex_counts_substrings(tables):
    term = match_query(tables, "党建", "term")
    # a_news s1, s3 (after a whitespace token), b_news s4 (党建/引领: 党建 is a token), c_report twice;
    # not inside the one token 党建引领 (a_news s2)
    assert list(zip(term["doc_id"], term["sent_id"])) == [("a_news", 1), ("a_news", 3), ("b_news", 2),
                                                          ("c_report", 2), ("c_report", 2)]
    assert set(term["category"]) == {"party"} and term["n_tokens"].eq(1).all()
    regex = match_query(tables, "党建", "regex")
    assert len(regex) == 6 and ("a_news", 2) in set(zip(regex["doc_id"], regex["sent_id"]))
    assert regex["token_id"].isna().all()
    # a term the segmenter split is found as a run of tokens, like notebook 04 finds it
    split = match_query(tables, "营商环境", "term")
    assert list(split["doc_id"]) == ["a_news", "c_report"] and list(split["n_tokens"]) == [2, 1]
    assert len(match_query(tables, " 党建引领 ", "term")) == 2  # whitespace in a typed term is ignored
    assert len(match_query(tables, "党建(引领|工作)", "regex")) == 3
    assert match_query(tables, "x*", "regex").empty  # empty matches are no hits


def test_a_query_without_hits_gives_zeros_not_errors(tables):
    result = run_query(tables, "党建设", "term", n_resamples=50)  # its prefix 党建 is a token: candidates, no hit
    assert result.hits.empty and result.kwic.empty
    assert list(result.by_year["count"].dropna()) == [0, 0] and (result.by_genre["count"] == 0).all()
    assert run_query(tables, "没有这个", "regex", n_resamples=50).by_year["per_10k"].dropna().eq(0).all()
    nothing = pd.DataFrame({"category": ["x"], "category_zh": ["x"], "category_en": ["x"], "term": ["党建设"],
                            "scope_note": [""]})
    assert top_codebook_terms(dataclasses.replace(tables, codebook=nothing)).empty


def test_category_hits_are_notebook_04s(tables):
    got = match_query(tables, "economy", "category")
    ref = match_terms(tables.tokens, tables.codebook)
    ref = ref[ref["category"] == "economy"]
    assert list(zip(got["doc_id"], got["token_id"])) == list(zip(ref["doc_id"], ref["token_id"]))
    assert set(match_query(tables, "party", "category")["term"]) == {"党建"}
    top = top_codebook_terms(tables, 2)
    assert list(top["term"]) == ["党建", "营商环境"] and list(top["hits"]) == [5, 2]


@pytest.mark.parametrize("query, kind, message", [("", "term", "empty"), ("nope", "category", "no category"),
                                                  ("党(", "regex", "regular expression"), ("x", "words", "kind")])
def test_bad_queries_say_what_is_wrong(tables, query, kind, message):
    with pytest.raises(ValueError, match=message):
        match_query(tables, query, kind)


def test_counts_by_year_list_every_year_and_mark_gaps(tables, paths):
    hits = match_query(tables, "党建", "term")
    by_year = counts_by_year(tables, hits, n_resamples=300, seed=7)
    assert list(by_year["year"]) == [2019, 2020, 2021]
    gap = by_year.set_index("year").loc[2020]
    assert not gap["has_text"] and gap["documents"] == 0 and pd.isna(gap["count"]) and np.isnan(gap["per_10k"])
    y = by_year.set_index("year")
    assert list(y.loc[[2019, 2021], "count"]) == [2, 3] and list(y.loc[[2019, 2021], "documents"]) == [1, 2]
    paragraphs = pd.read_csv(paths.processed / "paragraphs.csv")
    chars = body_chars(paragraphs, "year")
    assert list(y.loc[[2019, 2021], "body_chars"]) == [chars[2019], chars[2021]]  # the one denominator
    assert y.loc[2019, "per_10k"] == pytest.approx(2 / chars[2019] * 1e4)
    assert y.loc[2021, "genres"] == "newspaper; work report"
    news = counts_by_year(tables, hits, n_resamples=300, seed=7, genre="work report").set_index("year")
    assert list(news["has_text"]) == [False, False, True] and news.loc[2021, "count"] == 2


def test_bootstrap_is_seeded_and_its_interval_holds_the_estimate(tables):
    hits = match_query(tables, "党建", "regex")
    a = counts_by_year(tables, hits, n_resamples=400, seed=11)
    b = counts_by_year(tables, hits, n_resamples=400, seed=11)
    pd.testing.assert_frame_equal(a, b)
    units = hits_per_unit(tables, hits)
    docs = ["a_news", "b_news", "c_report"]
    seeded = [resample_hits(units, docs, 400, seed=s) for s in (11, 11, 12)]
    assert all(np.array_equal(seeded[0][d], seeded[1][d]) for d in docs)
    assert not all(np.array_equal(seeded[0][d], seeded[2][d]) for d in docs)
    ok = a[a["has_text"]]
    assert (ok["per_10k_ci_low"] <= ok["per_10k"]).all() and (ok["per_10k"] <= ok["per_10k_ci_high"]).all()
    assert (ok["per_10k_ci_low"] < ok["per_10k_ci_high"]).all()  # more than one paragraph per year: not degenerate
    full = resample_hits(units, ["a_news", "b_news", "c_report"], 50, seed=3)
    chunked = resample_hits(units, ["a_news", "b_news", "c_report"], 50, seed=3, max_cells=3)
    assert all(np.array_equal(full[d], chunked[d]) for d in full)  # chunk size does not change the draws


def test_category_interval_equals_notebook_04s(tables, paths):
    """With paragraph units, the explorer's per-year rate interval of a category is priorities_by_year's."""
    paragraphs = pd.read_csv(paths.processed / "paragraphs.csv")
    cats = ["party", "economy", "rural"]
    counts = priority_counts(match_terms(tables.tokens, tables.codebook), paragraphs, cats)
    draws = resample_paragraphs(counts, cats, list(tables.documents["doc_id"]), 200, seed=5)
    ref = priorities_by_year(counts, tables.codebook, tables.documents, draws)
    ref = ref[(ref["comparison"] == ALL_GENRES) & (ref["category"] == "party")].set_index("year")
    got = counts_by_year(tables, match_query(tables, "party", "category"), n_resamples=200, seed=5)
    got = got[got["has_text"]].set_index("year")
    for col in ["per_10k", "per_10k_ci_low", "per_10k_ci_high"]:
        np.testing.assert_allclose(got[col].to_numpy(float), ref.loc[got.index, col].to_numpy(float))
    assert list(got["count"]) == list(ref.loc[got.index, "hits"])


def test_counts_by_genre(tables):
    g = counts_by_genre(tables, match_query(tables, "党建", "term"), n_resamples=200).set_index("genre")
    assert list(g.index) == ["newspaper", "work report"]
    assert list(g["count"]) == [3, 2] and list(g["documents"]) == [2, 1]
    assert (g.loc["newspaper", "first_year"], g.loc["newspaper", "last_year"]) == (2019, 2021)


def test_resampling_unit_can_be_the_article(tmp_path):
    tables = load_explorer_tables(write_processed(tmp_path, article_ids=True))
    hits = match_query(tables, "党建", "term")
    assert "article_id" in hits.columns and "article_id" in kwic_lines(tables, hits).columns
    units = hits_per_unit(tables, hits, unit="article_id")
    assert list(units["doc_id"]) == ["a_news", "a_news", "b_news", "c_report"]  # b, c: one article each
    assert list(units["hits"]) == [1, 1, 1, 2]
    by_article = counts_by_year(tables, hits, n_resamples=200, unit="article_id")
    assert list(by_article["count"].dropna()) == [2, 3]
    with pytest.raises(ValueError, match="no column"):
        hits_per_unit(load_explorer_tables(write_processed(tmp_path / "x")), hits, unit="article_id")


def test_kwic_lines_cut_from_the_paragraph(tables):
    k = kwic_lines(tables, match_query(tables, "党建", "regex"), width=20)
    assert list(k.columns) == ["doc_id", "year", "genre", "para_id", "sent_id", "left", "term", "right"]
    assert len(k) == 6 and (k["term"] == "党建").all()
    row = k[(k["doc_id"] == "a_news") & (k["sent_id"] == 2)].iloc[0]
    assert (row["left"], row["right"]) == ("加强党建工作。", "引领发展。")  # the previous sentence of its paragraph
    row = k[(k["doc_id"] == "a_news") & (k["sent_id"] == 3)].iloc[0]
    assert (row["left"], row["right"]) == ("优化营商环境，加强", "。")  # whitespace token removed, offset kept
    narrow = kwic_lines(tables, match_query(tables, "营商环境", "term"), width=2)
    assert list(narrow["left"]) == ["优化", ""] and list(narrow["right"]) == ["，加", "持续"]
    assert list(k["year"]) == sorted(k["year"])


def test_filter_kwic(tables):
    k = kwic_lines(tables, match_query(tables, "党建", "term"))
    assert set(filter_kwic(k, year=2021)["doc_id"]) == {"b_news", "c_report"}
    assert list(filter_kwic(k, genre="work report")["doc_id"]) == ["c_report", "c_report"]
    assert len(filter_kwic(k, doc_id=["a_news", "b_news"])) == 3
    assert list(filter_kwic(k, contains="引领")["doc_id"]) == ["a_news", "b_news"]  # a_news: in the next sentence
    assert len(filter_kwic(k, year=2021, genre="newspaper", contains="引领")) == 1
    assert filter_kwic(k, year=2020).empty and len(filter_kwic(k)) == len(k)


def test_export_writes_only_under_exports(tmp_path, paths, tables):
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = run_query(tables, "党建", "term", n_resamples=100)
    folder = export_folder(paths)
    assert folder == tmp_path / "out" / "exports"
    written = export_csv(folder, result.kwic, result.by_year, result.by_genre, query="党建", kind="term")
    assert [p.name for p in written] == ["term_党建_kwic.csv", "term_党建_by_year.csv", "term_党建_by_genre.csv"]
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert sorted(set(after) - set(before)) == sorted([folder.relative_to(tmp_path)]
                                                      + [p.relative_to(tmp_path) for p in written])
    back = pd.read_csv(written[0])
    assert list(back.columns[:2]) == ["query", "kind"] and len(back) == len(result.kwic)
    assert list(pd.read_csv(written[1])["year"]) == [2019, 2020, 2021]
    with pytest.raises(ValueError, match="never"):
        export_csv(paths.processed, result.kwic, result.by_year)


def test_plot_term_by_year_draws_gaps_and_is_not_managed_by_pyplot(tables):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tifa.plots import figure_image, plot_term_by_year
    from tifa.style import setup_style

    setup_style()
    by_year = counts_by_year(tables, match_query(tables, "党建", "term"), n_resamples=100)
    before = plt.get_fignums()
    fig = plot_term_by_year(by_year, title="党建")
    assert plt.get_fignums() == before  # never shown twice by the inline backend, never piling up
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("n=")] == ["n=2", "n=3"]
    assert any("无文本" in t.get_text() for t in ax.texts)  # 2020 has no text
    image = figure_image(fig)
    assert image.data.startswith(b"\x89PNG") and image.width > 300
