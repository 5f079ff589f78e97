"""tifa.validation: codebook_decisions.csv covers the project corpus, its reader rejects bad rows
naming them, coded compounds join the codebook; the Wilson interval and the seeded precision sample."""
from __future__ import annotations

import pandas as pd
import pytest

from tifa.config import LEXICON, PROCESSED
from tifa.files import CorpusError
from tifa.priorities import read_priorities
from tifa.validation import (
    apply_codebook_decisions, compound_tokens, draw_precision_sample, read_codebook_decisions,
    undecided_compounds, wilson_interval,
)

CODEBOOK = pd.DataFrame({"category": ["clean_gov", "clean_gov", "economy"],
                         "category_zh": ["廉政", "廉政", "经济"], "category_en": ["clean", "clean", "economy"],
                         "term": ["廉政", "清廉", "经济"], "scope_note": ["c", "c", "e"]})
TOKENS = pd.DataFrame({"doc_id": ["a", "a", "a", "b", "b"], "token": ["清廉卫东", "经济社会", "廉政", "清廉卫东", "，"],
                       "is_punct": [False, False, False, False, True]})


def write(tmp_path, rows: str):
    p = tmp_path / "codebook_decisions.csv"
    p.write_text("# header\ntoken,decision,category,reason\n" + rows, encoding="utf-8")
    return p


def test_compound_tokens_and_undecided():
    c = compound_tokens(TOKENS, CODEBOOK)
    assert list(c["token"]) == ["清廉卫东", "经济社会"]
    assert c.set_index("token").loc["清廉卫东", "occurrences"] == 2
    dec = pd.DataFrame({"token": ["清廉卫东"], "decision": ["code"], "category": ["clean_gov"], "reason": ["r"]})
    assert list(undecided_compounds(TOKENS, CODEBOOK, dec)["token"]) == ["经济社会"]
    assert undecided_compounds(TOKENS, CODEBOOK, dec, c).equals(undecided_compounds(TOKENS, CODEBOOK, dec))


def test_apply_adds_coded_compounds_only():
    dec = pd.DataFrame({"token": ["清廉卫东", "经济社会"], "decision": ["code", "exclude"],
                        "category": ["clean_gov", ""], "reason": ["r", "r"]})
    out = apply_codebook_decisions(CODEBOOK, dec)
    added = out[out["term_source"] == "codebook_decisions.csv"]
    assert list(added["term"]) == ["清廉卫东"] and added["category_zh"].iloc[0] == "廉政"
    assert "经济社会" not in set(out["term"])


@pytest.mark.parametrize("rows, message", [
    ("清廉卫东,count,clean_gov,r\n", "line 3 .清廉卫东.: decision must be code or exclude"),
    ("清廉卫东,code,,r\n", "line 3 .清廉卫东.: a coded token needs a category"),
    ("经济社会,exclude,economy,r\n", "line 3 .经济社会.: an excluded token has no category"),
    ("清廉卫东,code,clean_gov,\n", "line 3 .清廉卫东.: empty reason"),
    ("清廉卫东,code,clean_gov,r\n清廉卫东,exclude,,r\n", "line 4 .清廉卫东.: token decided twice"),
    ("清廉卫东,code,nowhere,r\n", "line 3 .清廉卫东.: category 'nowhere' is not in the codebook"),
])
def test_reader_rejects_bad_rows_naming_them(tmp_path, rows, message):
    with pytest.raises(CorpusError, match=message):
        read_codebook_decisions(write(tmp_path, rows), ["clean_gov", "economy"])


def test_decision_file_covers_the_project_corpus():
    """Every compound token type of the committed tokens.csv is decided; none is both coded and
    excluded; coded categories exist; the coded compounds become codebook terms."""
    codebook = read_priorities(LEXICON / "priorities.csv")
    decisions = read_codebook_decisions(LEXICON / "codebook_decisions.csv", list(codebook["category"].unique()))
    tokens = pd.read_csv(PROCESSED / "tokens.csv", dtype={"token": str}, keep_default_na=False)
    undecided = undecided_compounds(tokens, codebook, decisions)
    assert undecided.empty, f"undecided compounds: {list(undecided['token'])}"
    both = decisions.groupby("token")["decision"].nunique()
    assert (both == 1).all()
    assert not set(decisions["token"]) & set(codebook["term"])
    extended = apply_codebook_decisions(codebook, decisions)
    excluded = set(decisions.loc[decisions["decision"] == "exclude", "token"])
    assert not excluded & set(extended["term"]), "a counted term is also excluded"
    assert not extended["term"].duplicated().any()
    assert len(extended) == len(codebook) + int((decisions["decision"] == "code").sum())
    assert {"清廉卫东", "纪委监委", "党风廉政", "廉政建设", "中央八项规定"} <= set(
        extended.loc[extended["category"] == "clean_gov", "term"])


def test_wilson_interval_against_a_hand_computed_value():
    # k=8, n=10, z=1.96: centre (8 + 1.9208) / 13.8416 = 0.71674; half-width
    # 1.96 * sqrt(1.6 + 0.9604) / 13.8416 = 0.22658 -> (0.49016, 0.94332) to 5 decimals
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(0.49016, abs=1e-5) and hi == pytest.approx(0.94332, abs=1e-5)
    assert wilson_interval(0, 20)[0] == 0.0 and wilson_interval(20, 20)[1] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_precision_sample_is_seeded_and_capped():
    hits = pd.DataFrame({"category": ["a"] * 30 + ["b"] * 5, "term": [f"t{i}" for i in range(35)]})
    s1, s2 = draw_precision_sample(hits, 20, seed=7), draw_precision_sample(hits, 20, seed=7)
    pd.testing.assert_frame_equal(s1, s2)
    assert s1["category"].value_counts().to_dict() == {"a": 20, "b": 5}
    assert not s1.duplicated(["term"]).any()
    assert not draw_precision_sample(hits, 20, seed=8).equals(s1)


# --- false matches on token hits, contexts, judgements and the precision table ------------------------
from tifa.validation import (  # noqa: E402
    codebook_validation, hit_context, precision_sample_table, read_codebook_judgements, split_false_matches,
)

PARA_TOKENS = pd.DataFrame({
    "doc_id": ["d"] * 9, "para_id": [1, 1, 1, 1, 1, 2, 2, 2, 2], "sent_id": [1] * 5 + [2] * 4,
    "token_id": range(9), "token": ["文明", "健康", "有", "你我", "。", "保障", "群众", "健康", "。"]})
LIVE = pd.DataFrame({"category": ["livelihood"], "category_zh": ["民生"], "category_en": ["livelihood"],
                     "term": ["健康"], "scope_note": ["health care"]})


def test_false_match_rule_removes_only_the_hit_inside_its_context():
    from tifa.priorities import match_terms
    hits = match_terms(PARA_TOKENS.assign(year=2020), LIVE)
    assert list(hits["token_id"]) == [1, 7]
    fm = pd.DataFrame({"term": ["健康"], "context": ["文明健康有你我"], "reason": ["a slogan"]})
    kept, removed = split_false_matches(hits, PARA_TOKENS, fm)
    assert list(kept["token_id"]) == [7] and list(removed["token_id"]) == [1]
    assert removed["reason"].iloc[0] == "a slogan" and list(kept.columns) == list(hits.columns)
    none = pd.DataFrame({"term": ["改革"], "context": ["改革开放40周年"], "reason": ["r"]})
    assert len(split_false_matches(hits, PARA_TOKENS, none)[0]) == 2


def test_hit_context_marks_the_hit_in_its_paragraph():
    from tifa.priorities import match_terms
    hits = match_terms(PARA_TOKENS.assign(year=2020), LIVE)
    assert list(hit_context(hits, PARA_TOKENS, width=2)) == ["文明【健康】有你…", "…群众【健康】。"]


def test_sample_table_has_the_judgement_columns_and_is_seeded():
    from tifa.priorities import match_terms
    hits = match_terms(PARA_TOKENS.assign(year=2020), LIVE)
    a, b = precision_sample_table(hits, PARA_TOKENS, 20, 3), precision_sample_table(hits, PARA_TOKENS, 20, 3)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["category", "term", "doc_id", "context", "correct", "note", "token_id", "sample_rank"]
    assert len(a) == 2 and (a["correct"] == "").all()


def write_judgements(tmp_path, rows: str):
    p = tmp_path / "codebook_judgements.csv"
    p.write_text("# rule\ncategory,term,doc_id,context,correct,note,token_id,sample_rank\n" + rows, encoding="utf-8")
    return p


@pytest.mark.parametrize("rows, message", [
    ("livelihood,健康,d,x,yes,,1,1\n", "line 3 .健康, d token 1.: correct must be 1 or 0"),
    ("livelihood,健康,d,x,0,,1,1\n", "line 3 .健康, d token 1.: a hit judged wrong .0. needs a note"),
    ("livelihood,健康,d,x,1,,1,1\nlivelihood,健康,d,x,1,,1,2\n", "line 4 .健康, d token 1.: hit judged twice"),
])
def test_judgement_reader_rejects_bad_rows(tmp_path, rows, message):
    with pytest.raises(CorpusError, match=message):
        read_codebook_judgements(write_judgements(tmp_path, rows))


def test_validation_table_arithmetic_and_removed_hits():
    j = pd.DataFrame({"category": ["a"] * 10 + ["b"] * 3, "doc_id": "d", "token_id": range(13),
                      "correct": [1] * 8 + [0, 0] + [1, 0, 1]})
    kept = pd.DataFrame({"doc_id": "d", "token_id": [i for i in range(13) if i != 11]})  # rule removed token 11
    t = codebook_validation(j, kept).set_index("category")
    assert t.loc["a", ["n_judged", "n_correct", "n_removed"]].tolist() == [10, 8, 0]
    assert t.loc["a", "precision"] == pytest.approx(0.8)
    assert (t.loc["a", "ci_low"], t.loc["a", "ci_high"]) == pytest.approx(wilson_interval(8, 10))
    assert t.loc["b", ["n_judged", "n_correct", "n_removed"]].tolist() == [2, 2, 1]
    assert t.loc["b", "precision"] == 1.0 and t.loc["b", "precision_before_rules"] == pytest.approx(2 / 3)


def test_validation_table_lists_every_category_asked_for():
    j = pd.DataFrame({"category": ["a"], "doc_id": "d", "token_id": [0], "correct": [1]})
    t = codebook_validation(j, pd.DataFrame({"doc_id": ["d"], "token_id": [0]}), categories=["b", "a"])
    assert list(t["category"]) == ["b", "a"] and t["n_judged"].tolist() == [0, 1]
    assert pd.isna(t["precision"].iloc[0]) and t["precision"].iloc[1] == 1.0


def test_committed_judgements_are_the_seeded_draw_and_the_validation_table_follows_from_them():
    """codebook_judgements.csv holds exactly the seeded draw from the committed hits (after codebook
    decisions and the phrase rule, before false matches): never re-drawn, never chosen.  A judged row is
    noted 'removed by rule' exactly when a false-match rule removes its hit, and the committed
    codebook_validation.csv is the arithmetic of the remaining judged rows (Wilson interval)."""
    from tifa.config import SEED
    from tifa.priorities import match_terms, one_mention_one_hit, read_phrase_rules
    from tifa.settings import read_false_matches
    from tifa.validation import PRECISION_PER_CATEGORY
    tokens_path, table_path = PROCESSED / "tokens.csv", PROCESSED / "codebook_validation.csv"
    if not tokens_path.exists():
        pytest.skip("tokens.csv not built yet")
    tokens = pd.read_csv(tokens_path, dtype={"token": str}, keep_default_na=False)
    codebook = apply_codebook_decisions(read_priorities(LEXICON / "priorities.csv"),
                                        read_codebook_decisions(LEXICON / "codebook_decisions.csv"))
    phrase_hits = one_mention_one_hit(match_terms(tokens, codebook), tokens, read_phrase_rules(LEXICON))
    judged = read_codebook_judgements(LEXICON / "codebook_judgements.csv")
    drawn = precision_sample_table(phrase_hits, tokens, PRECISION_PER_CATEGORY, SEED)
    key = ["category", "term", "doc_id", "token_id", "sample_rank"]
    assert drawn[key].astype(str).values.tolist() == judged[key].astype(str).values.tolist()
    assert (judged.groupby("category").size() >= PRECISION_PER_CATEGORY).all()
    kept, removed = split_false_matches(phrase_hits, tokens, read_false_matches(LEXICON / "false_matches.csv"))
    gone = set(zip(removed["doc_id"], removed["token_id"]))
    noted = judged["note"].str.contains("removed by rule")
    assert noted.tolist() == [(d, t) in gone for d, t in zip(judged["doc_id"], judged["token_id"])]
    assert (judged.loc[judged["correct"] == 0, "note"] != "").all()
    if not table_path.exists():
        pytest.skip("codebook_validation.csv not built yet")
    table = pd.read_csv(table_path).set_index("category")
    for cat, g in judged.groupby("category"):
        live = g[~g["note"].str.contains("removed by rule")]
        r = table.loc[cat]
        assert (r["n_judged"], r["n_correct"], r["n_removed"]) == (len(live), live["correct"].sum(), len(g) - len(live))
        assert r["precision"] == pytest.approx(live["correct"].mean())
        assert (r["ci_low"], r["ci_high"]) == pytest.approx(wilson_interval(int(live["correct"].sum()), len(live)))
        assert r["precision_before_rules"] == pytest.approx(g["correct"].mean())


# --- detector precision from hand judgements (notebook 03) ---
import math  # noqa: E402
from tifa.config import LEXICON, project_paths  # noqa: E402,F401
from tifa.files import read_table  # noqa: E402
from test_rhetoric import output_paths  # noqa: E402,F401 (shared helpers)


def test_judged_precision_with_wilson_and_missing_rows(tmp_path):
    from tifa.files import CorpusError
    from tifa.validation import judged_precision, read_judgements

    p = tmp_path / "j.csv"
    p.write_text("# rule: test\ndoc_id,sent_id,frame,members,correct,note\n"
                 "d,1,全面…,a,true,\nd,2,文明…,b,false,title list\nd,3,坚持…,c,TRUE,\n", encoding="utf-8")
    j = read_judgements(p, ["doc_id", "sent_id", "frame"])
    sample = pd.DataFrame({"doc_id": "d", "sent_id": [1, 2, 3, 4], "frame": ["全面…", "文明…", "坚持…", "着力…"]})
    row, missing = judged_precision(sample, j, ["doc_id", "sent_id", "frame"], "parallelism")
    assert (row["n_judged"], row["n_correct"]) == (3, 2) and row["precision"] == pytest.approx(2 / 3)
    # Wilson 95% for 2 of 3, by hand: centre (2 + 1.9208) / 4.8416, half 1.96 * sqrt(2/3 + 0.9604) / 4.8416
    centre, half = (2 + 1.96 ** 2 / 2) / (3 + 1.96 ** 2), 1.96 * math.sqrt(2 / 3 + 1.96 ** 2 / 4) / (3 + 1.96 ** 2)
    assert row["ci_low"] == pytest.approx(centre - half) and row["ci_high"] == pytest.approx(centre + half)
    assert missing["sent_id"].tolist() == [4]
    p.write_text("# rule: test\ndoc_id,sent_id,frame,members,correct,note\nd,1,全面…,a,maybe,\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="true or false"):
        read_judgements(p, ["doc_id", "sent_id", "frame"])



def test_committed_judgements_cover_every_drawn_run_and_the_validation_adds_up():
    """On the project corpus every parallel run (fewer than 40) is judged, and parallelism_validation.csv
    is the judgements' arithmetic."""
    from tifa.validation import judged_precision, read_judgements
    from tifa.validation import draw_precision_sample

    paths = output_paths()
    runs = read_table(paths, "parallelism_runs")
    keys = ["doc_id", "sent_id", "frame"]
    j = read_judgements(LEXICON / "parallelism_judgements.csv", keys)
    sample = draw_precision_sample(runs.assign(category="parallelism"), 40, 20180118)
    row, missing = judged_precision(sample, j, keys, "parallelism (every run)")
    assert missing.empty and row["n_judged"] == min(len(runs), 40)
    val = read_table(paths, "parallelism_validation").set_index("detector")
    assert val.loc["parallelism (every run)", ["n_judged", "n_correct"]].tolist() == [row["n_judged"], row["n_correct"]]
    assert (val["precision"] - val["n_correct"] / val["n_judged"]).abs().max() < 1e-6   # written rounded
    assert ((val["ci_low"] <= val["precision"]) & (val["precision"] <= val["ci_high"])).all()
    assert "formula_pattern" in val.index

