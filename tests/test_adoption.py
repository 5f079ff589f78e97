"""tifa.adoption (notebook 05): the first-use interval on hand-made dates and as a property, counting the
central formulae, reading their list, and the adoption tables."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tifa.files import CorpusError
from tifa.corpus import document_date_bounds, whole_months
from tifa.settings import rhetoric_settings
from tifa.terms import count_terms
from tifa.adoption import (
    adoption_by_year, adoption_table, count_formulae, density_by_origin, first_use_interval,
    normalise_formula, read_central_formulae,
)
from conftest import ADOPTION_CHARS, ADOPTION_COUNTS, ADOPTION_DOCS, ADOPTION_FORMULAE

# A corpus shaped like the project's (conftest.ADOPTION_*): one text a year, dates known to the day,
# month or year only; central and local formulae and their counts.
DOCS, FORMULAE, COUNTS, CHARS = ADOPTION_DOCS, ADOPTION_FORMULAE, ADOPTION_COUNTS, ADOPTION_CHARS

B = document_date_bounds(DOCS)


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


# --- the first-use interval on hand-made dates -------------------------------------------------
def test_present_in_the_first_text_is_left_censored_at_the_introduction():
    r = first_use_interval(B, {"r2018", "n2021"}, "2017-10")
    assert r["status"] == "present in first text" and r["left_censored"]
    assert r["first_seen_doc"] == "r2018" and r["first_seen_date"] == "2018-01-18"
    assert r["last_absent_date"] == "" and r["first_use_earliest"] == "2017-10-01"
    assert r["first_use_latest"] == "2018-01-18"
    assert (r["lag_months_min"], r["lag_months_max"]) == (0, 4)  # 1 Oct 2017 -> 18 Jan 2018, rounded up


def test_bounded_on_both_sides_between_last_text_without_and_first_text_with():
    r = first_use_interval(B, {"n2021", "n2023"}, "2018-03")
    assert r["status"] == "adopted" and not r["left_censored"]
    assert (r["last_absent_doc"], r["last_absent_date"]) == ("n2020", "2020-05")
    assert (r["first_seen_doc"], r["first_seen_date"]) == ("n2021", "2021-02")
    # the 2020 text may date from 1 May 2020, so the first use may be as early as 2 May 2020
    assert r["first_use_earliest"] == "2020-05-02" and r["first_use_latest"] == "2021-02-28"
    # min: from the latest introduction day (31 Mar 2018), floor; max: from 1 Mar 2018, ceil
    assert (r["lag_months_min"], r["lag_months_max"]) == (25, 36)


def test_a_year_only_text_that_may_predate_the_introduction_does_not_bound_the_first_use():
    # introduced Oct 2019; the 2019 text lacks it but may be from January 2019
    r = first_use_interval(B, {"n2020"}, "2019-10")
    assert r["last_absent_doc"] == "f2019"
    assert r["status"] == "present in first text" and r["left_censored"]
    assert r["first_use_earliest"] == "2019-10-01" and r["lag_months_min"] == 0
    assert r["lag_months_max"] == 8  # 1 Oct 2019 -> 31 May 2020


def test_a_text_dated_entirely_before_the_introduction_is_not_the_last_text_without_it():
    r = first_use_interval(B, {"f2019"}, "2018-06")  # the 2018 report predates the introduction
    assert r["last_absent_doc"] == "" and r["last_absent_date"] == ""
    assert r["status"] == "present in first text" and r["first_use_earliest"] == "2018-06-01"
    assert (r["lag_months_min"], r["lag_months_max"]) == (0, 19)  # 1 Jun 2018 -> 31 Dec 2019


def test_introduced_after_the_last_text_cannot_be_observed():
    r = first_use_interval(B, set(), "2023-08")
    assert r["status"] == "introduced after last text"
    assert r["texts_after_introduction"] == 0
    assert r["lag_months_min"] is None and r["lag_months_max"] is None and r["first_seen_doc"] == ""


def test_absent_is_only_said_when_some_text_certainly_postdates_the_introduction():
    r = first_use_interval(B, set(), "2022-01")
    assert r["status"] == "absent" and r["texts_after_introduction"] == 1
    r = first_use_interval(B, set(), "2023-06")  # the June 2023 text may predate it
    assert r["status"] == "undetermined" and r["texts_after_introduction"] == 0


def test_a_text_dated_before_the_introduction_is_a_dating_conflict_not_a_negative_lag():
    r = first_use_interval(B, {"r2018", "n2023"}, "2020-01")
    assert r["status"] == "dating conflict"
    assert r["lag_months_min"] is None and r["lag_months_max"] is None
    assert r["first_seen_doc"] == "r2018"


def test_a_text_that_may_fall_before_or_after_the_introduction_is_not_a_conflict():
    r = first_use_interval(B, {"f2019"}, "2019-06-15")
    assert r["status"] == "present in first text"
    assert (r["lag_months_min"], r["lag_months_max"]) == (0, 7)  # 15 Jun -> 31 Dec 2019, rounded up


def test_local_formula_first_use_is_bounded_by_the_text_before_it():
    r = first_use_interval(B, {"n2020", "n2023"})
    assert r["status"] == "adopted" and r["last_absent_doc"] == "f2019"
    assert r["first_use_earliest"] == "2019-01-02" and r["first_use_latest"] == "2020-05-31"
    assert r["lag_months_min"] is None and r["texts_after_introduction"] is None
    r = first_use_interval(B, {"r2018"})
    assert r["status"] == "present in first text" and r["left_censored"]


def test_overlapping_dates_choose_the_tightest_first_text_and_no_unordered_absent_text():
    docs = pd.DataFrame({"doc_id": ["y", "m", "d"], "year": [2019, 2019, 2018],
                         "date": ["2019", "2019-03", "2018-12-30"]})
    b = document_date_bounds(docs)
    assert list(b["doc_id"]) == ["d", "y", "m"]
    r = first_use_interval(b, {"y", "m"}, "2018-06")
    assert r["first_seen_doc"] == "m"  # latest possible date 31 Mar 2019 < 31 Dec 2019
    r = first_use_interval(b, {"y"}, "2018-06")
    # 'm' lacks it but may be earlier or later than 'y': it cannot bound the first use
    assert r["first_seen_doc"] == "y" and r["last_absent_doc"] == "d"
    assert r["first_use_earliest"] == "2018-12-31" and r["status"] == "adopted"


def test_unknown_doc_and_bad_date_are_named():
    with pytest.raises(ValueError, match="nope"):
        first_use_interval(B, {"nope"}, "2018")
    bad = DOCS.assign(date=["2018-01-18", "2019/05", "2020-05", "2021-02", "2023-06"])
    with pytest.raises(CorpusError, match="f2019"):
        document_date_bounds(bad)


# --- the interval always contains the truth (property test) ---------------------------------------
def coarsen(day: pd.Timestamp, level: int) -> str:
    return [day.strftime("%Y"), day.strftime("%Y-%m"), day.strftime("%Y-%m-%d")][level]


@settings(max_examples=300, deadline=None)
@given(doc_days=st.lists(st.integers(0, 3000), min_size=1, max_size=6, unique=True),
       levels=st.lists(st.integers(0, 2), min_size=6, max_size=6),
       intro_day=st.integers(0, 3000), intro_level=st.integers(1, 2), delay=st.integers(0, 1500))
def test_first_use_interval_contains_the_true_first_use(doc_days, levels, intro_day, intro_level, delay):
    """Texts contain the formula exactly when written on or after its true first local use."""
    origin = pd.Timestamp("2015-01-01")
    true_intro = origin + pd.Timedelta(days=intro_day)
    first_use = true_intro + pd.Timedelta(days=delay)
    days = [origin + pd.Timedelta(days=d) for d in doc_days]
    docs = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(days))],
                         "year": [d.year for d in days],
                         "date": [coarsen(d, lv) for d, lv in zip(days, levels)]})
    present = {f"d{i}" for i, d in enumerate(days) if d >= first_use}
    r = first_use_interval(document_date_bounds(docs), present, coarsen(true_intro, intro_level))
    assert r["status"] != "dating conflict"
    if not present:
        assert r["status"] in {"absent", "introduced after last text", "undetermined"}
        if r["status"] == "introduced after last text":
            assert all(d < true_intro for d in days)
        return
    assert ts(r["first_use_earliest"]) <= first_use <= ts(r["first_use_latest"])
    assert r["lag_months_min"] <= whole_months(true_intro, first_use, "floor")
    assert whole_months(true_intro, first_use, "ceil") <= r["lag_months_max"]
    assert 0 <= r["lag_months_min"] <= r["lag_months_max"]


def plain_text_choice(bounds: pd.DataFrame, present: set[str], introduced: str = "") -> dict:
    """What first_use_interval reads off the texts, chosen by plain loops over them (the code before
    the texts were read as arrays): texts certainly after the introduction, the status if no text has
    the formula, the first text with it and the last text without it.  The rest of its record is
    computed from these alone."""
    from tifa.corpus import date_bounds

    docs = sorted(bounds[["doc_id", "date", "date_lo", "date_hi"]].itertuples(index=False),
                  key=lambda d: (d.date_lo, d.date_hi, d.doc_id))
    intro_lo, intro_hi = date_bounds(introduced) if introduced else (None, None)
    after = sum(d.date_lo >= intro_hi for d in docs) if intro_hi is not None else None
    with_it = [d for d in docs if d.doc_id in present]
    if not with_it:
        status = ("absent" if intro_lo is None or after else
                  "introduced after last text" if all(d.date_hi < intro_lo for d in docs) else "undetermined")
        return {"texts_after_introduction": after, "status": status, "first_seen_doc": "", "last_absent_doc": ""}
    first = min(with_it, key=lambda d: (d.date_hi, d.date_lo, d.doc_id))
    before = [d for d in docs if d.doc_id not in present and d.date_hi < first.date_lo
              and (intro_lo is None or d.date_hi >= intro_lo)]
    return {"texts_after_introduction": after, "first_seen_doc": first.doc_id,
            "last_absent_doc": before[-1].doc_id if before else ""}


@settings(max_examples=300, deadline=None)
@given(docs=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 2), st.booleans()), min_size=1, max_size=12),
       intro=st.one_of(st.none(), st.tuples(st.integers(0, 40), st.integers(0, 2))))
@example(docs=[(5, 2, False)], intro=(5, 1))  # a text on the introduction's earliest day: undetermined
@example(docs=[(5, 2, True), (5, 1, False), (4, 0, False)], intro=(3, 1))
def test_first_use_interval_matches_the_plain_loops(docs, intro):
    """The array version (texts sorted once, bounds compared as arrays, shared through ``dated`` by
    adoption_table) chooses exactly the texts the plain loops choose: few distinct months, so many texts
    share or overlap their dates (ties broken by date_lo, date_hi, doc_id)."""
    from tifa.adoption import _dated_documents

    month = lambda m, lv: coarsen(pd.Timestamp("2018-01-01") + pd.DateOffset(months=m), lv)
    table = pd.DataFrame({"doc_id": [f"d{i:02d}" for i in range(len(docs))][::-1],  # ids not in date order
                          "year": 2018, "date": [month(m, lv) for m, lv, _ in docs]})
    bounds = document_date_bounds(table)
    present = {d for d, (_, _, has) in zip(table["doc_id"], docs) if has}
    introduced = month(*intro) if intro else ""
    expected = plain_text_choice(bounds, present, introduced)
    got = first_use_interval(bounds, present, introduced)
    assert {k: got[k] for k in expected} == expected
    assert first_use_interval(bounds, present, introduced, _dated_documents(bounds)) == got


# --- counting --------------------------------------------------------------------------------
def test_count_formulae_uses_notebook_03_counting_nested_and_variants():
    st = rhetoric_settings()
    body = pd.DataFrame({"doc_id": ["a", "a", "b"], "year": [2020, 2020, 2021], "para_id": [1, 2, 1],
                         "text": ["做好“六稳六保”工作，落实六稳，发展第三产业。", "推进三产融合，坚决做到两个坚决维护", "增强四个意识"]})
    out = count_formulae(body, ["六稳", "六稳六保", "三产", "四个意识", "两个维护"], st,
                           variants={"两个坚决维护": "两个维护", "坚决做到两个维护": "两个维护"})
    got = {(r.doc_id, r.term): (r.count, r.nested) for r in out.itertuples()}
    # 六稳 twice, once inside 六稳六保; 三产 not inside 第三产业; the variant counts for its term
    assert got == {("a", "六稳"): (2, 1), ("a", "六稳六保"): (1, 0), ("a", "三产"): (1, 0),
                   ("a", "两个维护"): (1, 0), ("b", "四个意识"): (1, 0)}
    assert count_formulae(body, [], st).empty
    assert normalise_formula("“四个 意识”") == "四个意识" and normalise_formula("１２＋９＋Ｎ") == "12+9+N"


def test_count_formulae_leaves_out_false_matches_as_notebook_03_does(tmp_path):
    fm = tmp_path / "false_matches.csv"
    fm.write_text("# source: test\nterm,context,reason\n主题教育,文化主题教育展,an exhibition\n", encoding="utf-8")
    st = rhetoric_settings(false_matches=fm)
    body = pd.DataFrame({"doc_id": ["a", "b"], "year": [2020, 2021], "para_id": [1, 1],
                         "text": ["建设农耕用具文化主题教育展1处。", "深入开展主题教育，建好文化主题教育展。"]})
    out = count_formulae(body, ["主题教育"], st)
    assert out[["doc_id", "term", "count"]].values.tolist() == [["b", "主题教育", 1]]
    assert out["count"].tolist() == count_terms(body, ["主题教育"], st)["count"].tolist()
    t = adoption_table(out.assign(doc_id=out["doc_id"].map({"b": "n2021"})), DOCS,
                         pd.DataFrame({"term": ["主题教育"], "origin": ["central"], "introduced": ["2019-05-31"]}))
    assert t.loc[0, "first_seen_doc"] == "n2021"             # not the 2020 text with the exhibition only


def test_read_central_formulae_validates_dates_and_duplicates(tmp_path):
    p = tmp_path / "central_formulae.csv"
    p.write_text("# source: test\nterm,introduced,variants\n四个意识,2016-01,“四个意识”\n两个维护,2018,\n",
                 encoding="utf-8")
    df = read_central_formulae(p)
    assert list(df["term"]) == ["四个意识", "两个维护"] and df["variant_list"][0] == ["“四个意识”"]
    p.write_text("# source\nterm,introduced\n四个意识,2016-01\n两个维护,Jan 2018\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"line 4 \(两个维护\)"):
        read_central_formulae(p)
    p.write_text("# source\nterm,introduced\n四个意识,2016-01\n“四个意识”,2016\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="same formula as line 3"):
        read_central_formulae(p)


# --- tables ------------------------------------------------------------------------------------
def test_adoption_table_rows_and_columns():
    t = adoption_table(COUNTS, DOCS, FORMULAE).set_index("term")
    for col in ["origin", "introduced", "first_seen_doc", "first_seen_date", "last_absent_date",
                "lag_months_min", "lag_months_max", "occurrences", "status"]:
        assert col in t.columns
    assert t.loc["四个意识", "status"] == "adopted" and t.loc["四个意识", "occurrences"] == 4
    assert t.loc["四个意识", "nested"] == 1
    assert t.loc["四个意识", "years_present"] == "2021;2023" and t.loc["四个意识", "n_years_observed"] == 2
    assert t.loc["两个确立", "status"] == "absent"          # the June 2023 text postdates Nov 2021
    assert t.loc["中国式现代化", "status"] == "absent"
    assert t.loc["三区建设", "status"] == "adopted" and t.loc["三区建设", "last_absent_doc"] == "f2019"
    assert t.loc["三区建设", "n_years_present"] == 2 and t.loc["三区建设", "n_years_observed"] == 3
    with pytest.raises(ValueError, match="origin"):
        adoption_table(COUNTS, DOCS, FORMULAE.assign(origin="provincial"))
    with pytest.raises(CorpusError, match="ghost"):
        adoption_table(pd.DataFrame({"doc_id": ["ghost"], "term": ["四个意识"], "count": [1]}), DOCS, FORMULAE)


def test_adoption_by_year_has_zero_rows_for_years_with_texts_and_none_for_missing_years():
    by = adoption_by_year(COUNTS, DOCS, FORMULAE, CHARS)
    assert sorted(by["year"].unique()) == [2018, 2019, 2020, 2021, 2023]  # no 2022 row
    row = by[(by["term"] == "四个意识") & (by["year"] == 2021)].iloc[0]
    assert row["occurrences"] == 3 and row["per_10k"] == pytest.approx(6.0)
    assert by[(by["term"] == "两个确立")]["occurrences"].sum() == 0
    assert row["nested"] == 1
    dens = density_by_origin(by, CHARS).set_index(["year", "origin"])
    assert dens.loc[(2021, "local"), "per_10k"] == pytest.approx(2.0)
    assert dens.loc[(2021, "central"), "occurrences"] == 2  # the nested one is left out of the density
    with pytest.raises(ValueError, match="2023"):
        adoption_by_year(COUNTS, DOCS, FORMULAE, CHARS.drop(2023))


def test_adoption_by_year_sums_match_a_plain_sum_per_term_and_year():
    """The per-(term, year) look-up (a dict of the grouped sums) equals summing the counts directly:
    two texts in one year, a term counted in several rows of one text, a count row of an unlisted term."""
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "year": [2019, 2019, 2021], "date": ["2019", "2019-05", "2021"]})
    counts = pd.DataFrame({"doc_id": ["a", "b", "b", "c", "c"], "term": ["甲", "甲", "甲", "乙", "丙"],
                           "count": [2, 1, 4, 3, 5], "nested": [1, 0, 2, 0, 1]})
    formulae = pd.DataFrame({"term": ["甲", "乙"], "origin": ["central", "local"]})
    by = adoption_by_year(counts, docs, formulae, pd.Series({2019: 1000, 2021: 500}))
    year_of = counts["doc_id"].map(dict(zip(docs["doc_id"], docs["year"])))
    for row in by.itertuples():
        mine = counts[(counts["term"] == row.term) & (year_of == row.year)]
        assert (row.occurrences, row.nested) == (mine["count"].sum(), mine["nested"].sum())
        assert row.n_texts == (docs["year"] == row.year).sum()
    assert by[["term", "year", "occurrences"]].values.tolist() == [["甲", 2019, 7], ["甲", 2021, 0],
                                                                   ["乙", 2019, 0], ["乙", 2021, 3]]


def test_empty_inputs_give_empty_tables_not_errors():
    none = pd.DataFrame({"doc_id": pd.Series(dtype=str), "term": pd.Series(dtype=str),
                         "count": pd.Series(dtype=int)})
    t = adoption_table(none, DOCS, FORMULAE.iloc[:0])
    assert t.empty and "lag_months_min" in t.columns
    t = adoption_table(none, DOCS, FORMULAE)
    assert set(t["status"]) == {"absent"} and t["occurrences"].sum() == 0


# --- notebook 05's inventory and checks, moved out of the notebook ----------------------------------------
def central_table() -> pd.DataFrame:
    return pd.DataFrame({"term": ["四个意识", "两个维护"], "introduced": ["2016-01", "2018-01"],
                         "english": ["Four Consciousnesses", "Two Upholds"], "level": ["central", "central"],
                         "variant_list": [["“四个意识”"], []]})


def test_formula_inventory_tells_central_from_local_by_normalised_form():
    from tifa.adoption import PATTERN_ONLY, formula_inventory

    rhetoric = pd.DataFrame({"device": ["formula", "formula", "formula", "slogan"],
                             "term": ["四个 意识", "三区建设", "五星支部", "两个维护"],
                             "subtype": ["political", "development", "pattern candidate", "slogan"]})
    lexicon = pd.DataFrame({"term": ["三区建设"], "level": ["district"]})
    glossary = pd.DataFrame({"term": ["三区建设"], "english": ["Three Zones"]})
    formulae, local_terms, detected_central = formula_inventory(central_table(), rhetoric, lexicon, glossary)
    assert detected_central == ["四个 意识"]            # matched to 四个意识 after normalisation
    assert local_terms == ["三区建设", "五星支部"]       # the slogan device is not a formula
    got = formulae.set_index("term")
    assert got.loc["三区建设", ["origin", "level", "english", "kind"]].tolist() == ["local", "district", "Three Zones", "development"]
    assert got.loc["五星支部", "level"] == PATTERN_ONLY and got.loc["五星支部", "introduced"] == ""
    assert got.loc["两个维护", ["origin", "kind"]].tolist() == ["central", ""]  # central, never detected as a formula


def test_within_genre_changes_list_only_formulae_whose_first_use_moves():
    from tifa.adoption import adoption_table, within_genre_changes

    docs, counts, formulae = ADOPTION_DOCS, ADOPTION_COUNTS, ADOPTION_FORMULAE
    adoption = adoption_table(counts, docs, formulae)
    changes = within_genre_changes(adoption, counts, docs, formulae, ["newspaper"])
    # no formula is first seen in the 2018 work report, so leaving it out moves no first use ...
    assert set(changes["term"]) <= set(formulae["term"])
    moved = changes.set_index("term")
    for term in moved.index:
        row = adoption.set_index("term").loc[term]
        assert (row["status"], row["first_seen_date"]) != (moved.loc[term, "status_within"], moved.loc[term, "first_seen_date_within"])
    empty = within_genre_changes(adoption, counts, docs, formulae, [])
    assert empty.empty and list(empty.columns) == ["genre", "origin", "status", "status_within"]


def test_first_contexts_show_the_first_occurrence_in_the_first_document():
    from tifa.adoption import adoption_table, first_contexts
    from conftest import body_of

    body = pd.concat([body_of("其一。增强“四个意识”。", "再讲四个意识。", doc_id="n2021", year=2021),
                      body_of("四个意识。", doc_id="n2023", year=2023)], ignore_index=True)
    counts = count_terms(body, ["四个意识"], rhetoric_settings())
    formulae = pd.DataFrame({"term": ["四个意识", "两个维护"], "origin": "central", "introduced": ["2016-01", "2018-01"]})
    adoption = adoption_table(counts, ADOPTION_DOCS, formulae)
    ctx = first_contexts(adoption, central_table(), body, rhetoric_settings())
    assert ctx["formula"].tolist() == ["四个意识"]       # 两个维护 does not occur: no row
    assert ctx.iloc[0]["first_seen_date"] == "2021-02" and ctx.iloc[0]["left"].endswith("增强“")
