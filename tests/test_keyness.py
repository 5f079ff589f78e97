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
