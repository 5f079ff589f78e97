"""tifa.rhetoric (notebook 03): each detector on small real sentences of the corpus, the measures on hand
examples, and the committed tables against the clean text they were counted on."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from tifa.config import LEXICON, project_paths
from tifa.files import read_table
from tifa.corpus import body_chars
from tifa.settings import rhetoric_settings
from tifa.stats import dp_norm, g2
from tifa.terms import body_paragraphs, count_terms, find_term
from tifa.segmentation import tokenizer
from tifa.parallelism import parallel_runs
from tifa.rhetoric import (
    cloud_frequencies, collocates, extract_slogans, find_formula_candidates, is_counting_phrase,
    quoted_spans, RHETORIC_DEVICES, rhetoric_rows, summarise_terms,
)
from conftest import body_of


ST = rhetoric_settings()


@pytest.fixture(scope="module")
def seg():
    return tokenizer()


def found(text, seg=None, not_formulae=()):
    """Terms the formula pattern finds in ``text`` (with the project's tokens and tags if ``seg``)."""
    if seg is None:
        return [f["term"] for f in find_formula_candidates(text, ST, list(not_formulae))]
    toks = seg.cut(text)
    return [f["term"] for f in find_formula_candidates(text, ST, list(not_formulae), toks,
                                                         [seg.tag(t) for t in toks])]


# --- numbered formulae ----------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    # 2021 page: quoted formulae, including a digits+N formula
    ("以“2+N”重点工作运行机制为引领，抓“六稳”、促“六保”。", ["2+N", "六稳", "六保"]),
    ("以“12+9+N”工作机制推进招商。", ["12+9+N"]),
    # 2023 page: the numeral inside the formula, not at its start
    ("全面落实“门前五包”责任制。", ["门前五包"]),
    # 2018 report: a quoted pair that is not one formula; each part is found by its shape
    ("实行“三十五证合一、一照一码”。", ["三十五证合一", "一照一码"]),
    # unquoted compound in running text, boundary from the tokens (not 一府两院工)
    ("听取一府两院工作报告。", ["一府两院"]),
    ("增强“四个意识”、坚定“四个自信”、做到“两个维护”。", ["四个意识", "四个自信", "两个维护"]),
])
def test_formula_pattern_finds_numbered_formulae(seg, text, expected):
    assert found(text, seg) == expected
    assert found(text) == expected   # the character-only rules find them too


def test_big_n_shape_needs_tokens_and_refuses_ordinals(seg):
    assert found("深入开展三大攻坚战，着力补齐短板。", seg) == ["三大攻坚战"]
    assert found("深入开展三大攻坚战，着力补齐短板。") == []          # no tokens: shape not applied
    assert found("深入学习贯彻党的十九大精神。", seg) == []            # 十九大: an ordinal congress
    assert found("解决一大批事关群众切身利益的问题。", seg) == []      # 一大批: a quantity


@pytest.mark.parametrize("text", [
    "一年来，我们稳增长、调结构，经济实力持续提升。",
    "五年来，在区委的坚强领导下，卫东区五年大发展、大跨越。",
    "谋划一批打基础、利长远、增后劲、强支撑的优质项目。",
    "一步一个脚印向着目标努力。",
    "卫东区第十届人民代表大会第二次会议",
    "卫东区十届人大七次会议2月23日至25日召开。",
    "市政协九届三次会议胜利召开。",
    "一视同仁。",
    "庆祝“六一”国际儿童节。",            # a festival date in quotes
    "确保融入全市“一盘棋”。",            # 一 alone: 'the whole'
    "开展“人民调解110”活动。",           # digits that are not a formula shape
])
def test_counting_phrases_and_idioms_are_not_formulae(seg, text):
    assert found(text, seg) == [] and found(text) == []


def test_idioms_are_refused_by_list_and_by_dictionary_tag(seg):
    text = "惠及千家万户。"
    assert found(text) == ["千家万户"]                               # the bare shape would take it
    assert found(text, not_formulae=["千家万户"]) == []              # not_formulae.csv refuses it
    assert found(text, seg) == []                                     # jieba tags it an idiom (i)


def test_counting_phrase_rule():
    for s in ["一年来", "五年来", "一批", "一步", "十届人大", "七次会议", "第七届"]:
        assert is_counting_phrase(s, ST), s
    for s in ["四个意识", "六稳", "五位一体", "一府两院", "门前五包"]:
        assert not is_counting_phrase(s, ST), s


# --- quoted slogans -------------------------------------------------------------------------------
def test_quoted_spans_innermost_and_unbalanced():
    # 2019 feature: an opening mark that is never closed must not swallow the text up to “四个意识”
    text = "开展“不忘初心征文等活动，全区党员干部的“四个意识”“四个自信”明显增强，向‘脏乱差’宣战。"
    spans = [(s, m) for _, _, s, m in quoted_spans(text)]
    assert spans == [("四个意识", "double"), ("四个自信", "double"), ("脏乱差", "single")]


def test_slogans_normalised_and_classified():
    body = body_of("拿出“开局就要决战,起步就要冲刺”的姿态，坚持“项目为王”，增强“四个意识”。",
                   "他说：“非常时期方显英雄本色，抗疫一线的英雄甘于奉献的精神值得我们所有人学习。”")
    sl = extract_slogans(body, {"四个意识"}, ST)
    assert sl["term"].tolist() == ["开局就要决战，起步就要冲刺", "项目为王", "四个意识",
                                   "非常时期方显英雄本色，抗疫一线的英雄甘于奉献的精神值得我们所有人学习。"]
    assert sl["kind"].tolist() == ["slogan", "slogan", "formula", "quotation"]
    assert sl["has_formula"].tolist() == [False, False, True, False]


# --- parallelism ----------------------------------------------------------------------------------
def sents_of(*texts, para_ids=None):
    return pd.DataFrame({"doc_id": "d", "year": 2021, "para_id": para_ids or [1] * len(texts),
                         "sent_id": range(len(texts)), "text": list(texts)})


# --- rows and summaries ---------------------------------------------------------------------------
def test_sparse_rows_give_correct_year_aggregates():
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "year": [2011, 2011, 2009], "genre": ["n", "n", "r"]})
    paragraphs = pd.DataFrame({"doc_id": ["a", "b", "b", "c"], "year": [2011, 2011, 2011, 2009],
                               "para_id": [1, 1, 2, 1], "kind": "body",
                               "text": ["坚持六稳六保", "没有", "什么都 没有", "坚持六稳"]})
    body = body_paragraphs(paragraphs)
    pc = count_terms(body, ["六稳"], ST).assign(device="formula")
    chars = body_chars(paragraphs)
    rows = rhetoric_rows(pc, "formula", chars)
    assert set(rows["doc_id"]) == {"a", "c"}                  # sparse: no row for b
    summ = summarise_terms(rows, pc, body, docs).set_index(["scope", "group"])
    y2011 = summ.loc[("year", "2011")]
    assert y2011["count"] == 1 and y2011["body_chars"] == 6 + 2 + 5
    assert y2011["per_10k"] == pytest.approx(1 * 10_000 / 13)
    assert y2011["docs_with_term"] == 1 and y2011["n_docs"] == 2
    # DP over the three 2011 paragraphs (sizes 6, 2, 5; all hits in the first)
    assert y2011["dp_norm"] == pytest.approx(dp_norm([1, 0, 0], [6, 2, 5]))
    assert summ.loc[("corpus", "all"), "count"] == 2


# --- collocation and word-cloud frequencies ---------------------------------------------------------
def tok_table(*sentences, stop=("的",), punct=("。",)):
    rows = []
    for sid, toks in enumerate(sentences):
        for t in toks:
            rows.append(("d", sid, t, t in stop, t in punct))
    df = pd.DataFrame(rows, columns=["doc_id", "sent_id", "token", "is_stop", "is_punct"])
    df["token_id"] = range(len(df))
    return df


def test_collocates_hand_example():
    tokens = tok_table(["坚持", "党", "的", "领导", "。"], ["坚持", "领导", "发展"], ["推进", "发展", "改革"])
    # window 1 on content tokens: s1 -> 党, s2 -> 领导.  R1 = 2; N = 7 content tokens other than the node
    c = collocates(tokens, "坚持", ST, window=1, min_freq=1).set_index("collocate")
    assert set(c.index) == {"党", "领导"}
    assert c.loc["党", "o11"] == 1 and c.loc["党", "freq"] == 1
    assert c.loc["党", "expected"] == pytest.approx(2 * 1 / 7)
    # table [[1, 1], [0, 5]], E = [[2/7, 12/7], [5/7, 30/7]] (0·ln0 = 0)
    hand = 2 * (1 * math.log(1 / (2 / 7)) + 1 * math.log(1 / (12 / 7)) + 5 * math.log(5 / (30 / 7)))
    assert c.loc["党", "g2"] == pytest.approx(hand)
    assert c.loc["党", "g2"] == pytest.approx(g2(1, 2, 1, 7))
    # the stopword 的 takes no window slot: with window 2, 领导 is within reach in s1 as well
    c2 = collocates(tokens, "坚持", ST, window=2, min_freq=2)
    assert c2["collocate"].tolist() == ["领导"] and c2["o11"].tolist() == [2]


def test_collocates_merge_a_node_split_over_tokens():
    tokens = tok_table(["增强", "四个", "意识", "。"], ["坚定", "增强", "四个", "意识"], ["增强", "体质"])
    c = collocates(tokens, "四个意识", ST, window=1, min_freq=1)
    assert c["collocate"].tolist() == ["增强"] and c["o11"].tolist() == [2]


def test_cloud_frequencies_drop_stop_punct_numbers():
    tokens = pd.DataFrame({"year": [2011] * 6 + [2009],
                           "token": ["四个意识", "四个意识", "的", "。", "2018", "发展", "发展"],
                           "is_stop": [False, False, True, False, False, False, False],
                           "is_punct": [False, False, False, True, False, False, False]})
    f = cloud_frequencies(tokens)
    assert f == {2009: {"发展": 1}, 2011: {"四个意识": 2, "发展": 1}}


# --- the committed tables against the clean text ---------------------------------------------------
def output_paths():
    """The committed outputs, or those of a run in $TIFA_TEST_OUT (to check a run before it is committed)."""
    import os

    return project_paths("", os.environ.get("TIFA_TEST_OUT", ""), "")


@pytest.fixture(scope="module")
def committed():
    paths = output_paths()
    return (read_table(paths, "paragraphs"), read_table(paths, "rhetoric"),
            read_table(paths, "rhetoric_summary"), read_table(paths, "documents"), read_table(paths, "tokens"))


def false_match_contexts() -> dict[str, list[str]]:
    """term -> contexts of data/lexicon/false_matches.csv, read with the csv module (not helpers)."""
    import csv

    lines = [l for l in (LEXICON / "false_matches.csv").read_text(encoding="utf-8").splitlines()
             if not l.startswith("#")]
    out: dict[str, list[str]] = {}
    for row in csv.DictReader(lines):
        out.setdefault(row["term"], []).append(row["context"])
    return out


FALSE_MATCHES = false_match_contexts()


def direct_count(text: str, term: str) -> int:
    """A direct count on the clean text, written independently of helpers: occurrences of the term,
    except (for a term opening with a numeral) where a numeral, digit or 第 comes right before, and
    except inside a false-match context of the term (blanked out before counting)."""
    text = re.sub(r"\s", "", text)
    for context in FALSE_MATCHES.get(term, []):
        text = text.replace(context, "\0" * len(context))
    if re.match(f"[{ST.numerals}0-9]", term):
        return len(re.findall(f"(?<![{ST.numerals}{ST.ordinal_prefix}0-9]){re.escape(term)}", text))
    return text.count(term)


def token_runs(tokens: pd.DataFrame) -> dict:
    """(doc_id, para_id, sent_id) -> the sentence's tokens, whitespace tokens dropped (read directly)."""
    t = tokens.sort_values(["doc_id", "token_id"], kind="stable")
    t = t[t["token"].astype(str).str.strip().astype(bool)]
    return {k: [re.sub(r"\s", "", x) for x in g["token"].astype(str)] for k, g in t.groupby(["doc_id", "para_id", "sent_id"], sort=False)}


def direct_token_counts(runs: dict, term: str) -> dict:
    """(doc_id, para_id) -> occurrences of ``term`` as a token or a run of tokens of one sentence, left to right
    without overlap, written independently of tifa.terms: the numeral rule (no numeral, digit or 第 right before a
    term opening with a numeral) applied; false-match terms are not used here."""
    out: dict = {}
    for (doc, para, _), toks in runs.items():
        text, offsets, pos = "".join(toks), [], 0
        for t in toks:
            offsets.append(pos)
            pos += len(t)
        n, until = 0, -1
        for i in range(len(toks)):
            if offsets[i] < until:
                continue
            acc = ""
            for j in range(i, len(toks)):
                acc += toks[j]
                if len(acc) >= len(term):
                    break
            if acc != term:
                continue
            a = offsets[i]
            if re.match(f"[{ST.numerals}0-9]", term) and a and re.match(f"[{ST.numerals}{ST.ordinal_prefix}0-9]", text[a - 1]):
                continue
            n, until = n + 1, a + len(term)
        if n:
            out[(doc, para)] = out.get((doc, para), 0) + n
    return out


def test_formula_token_counts_equal_direct_token_counts(committed):
    """rhetoric.csv's count (the rule of every rate) equals an independent count of token runs in tokens.csv."""
    _, rhetoric, _, _, tokens = committed
    runs = token_runs(tokens)
    formulae = rhetoric[(rhetoric["device"] == "formula") & ~rhetoric["term"].isin(FALSE_MATCHES)]
    assert len(formulae)
    counted = formulae.groupby(["doc_id", "term"])["count"].sum()
    for term in sorted(set(formulae["term"])):
        want: dict = {}
        for (doc, _), n in direct_token_counts(runs, term).items():
            want[doc] = want.get(doc, 0) + n
        for doc in set(want) | set(formulae.loc[formulae["term"] == term, "doc_id"]):
            assert int(counted.get((doc, term), 0)) == want.get(doc, 0), f"{term} in {doc}"


def test_formula_substring_counts_equal_direct_counts_on_clean_text(committed):
    paragraphs, rhetoric, _, _, _ = committed
    body = paragraphs[paragraphs["kind"] == "body"]
    texts = body.groupby("doc_id")["text"].agg(lambda t: "\n".join(t))
    formulae = rhetoric[rhetoric["device"] == "formula"]
    assert len(formulae), "no formula rows in rhetoric.csv"
    counted = formulae.set_index(["doc_id", "term"])["count_substring"]   # the substring count kept beside
    for term in sorted(set(formulae["term"])):
        for doc_id, text in texts.items():
            want = direct_count(text, term)
            got = int(counted.get((doc_id, term), 0))
            assert got == want, f"{term} in {doc_id}: rhetoric.csv {got}, clean text {want}"


def test_committed_counts_leave_out_false_matches(committed):
    """Every device of rhetoric.csv counts a false-match term as the direct count does (contexts
    blanked), so the excluded occurrences are really out of notebook 03's table."""
    paragraphs, rhetoric, _, _, _ = committed
    texts = paragraphs[paragraphs["kind"] == "body"].groupby("doc_id")["text"].agg(lambda t: "\n".join(t))
    for term in FALSE_MATCHES:
        rows = rhetoric[rhetoric["term"] == term]
        for device, g in rows.groupby("device"):
            col = "count_substring" if g["count_substring"].notna().all() else "count"
            got = g.set_index("doc_id")[col]
            for doc_id, text in texts.items():
                assert int(got.get(doc_id, 0)) == direct_count(text, term), f"{term} ({device}) in {doc_id}"


def test_rates_share_one_denominator(committed):
    paragraphs, rhetoric, summary, documents, _ = committed
    chars = body_chars(paragraphs)
    expect = rhetoric["count"] * 10_000 / rhetoric["doc_id"].map(chars)
    assert np.allclose(rhetoric["per_10k"], expect, rtol=1e-5)
    years = documents.set_index("doc_id")["year"]
    per_year = chars.groupby(chars.index.map(years)).sum()
    ys = summary[summary["scope"] == "year"]
    assert len(ys)
    for rec in ys.itertuples():
        assert rec.body_chars == per_year[int(rec.group)]
        docs_year = rhetoric[(rhetoric["year"] == int(rec.group)) & (rhetoric["device"] == rec.device)
                             & (rhetoric["term"] == rec.term)]
        assert rec.count == docs_year["count"].sum()
        assert rec.per_10k == pytest.approx(rec.count * 10_000 / rec.body_chars, rel=1e-5)


def test_rhetoric_table_columns_and_devices(committed):
    _, rhetoric, _, documents, _ = committed
    from tifa.rhetoric import RHETORIC_COLUMNS
    assert list(rhetoric.columns) == RHETORIC_COLUMNS
    assert set(rhetoric["device"]) <= set(RHETORIC_DEVICES)
    assert set(rhetoric["doc_id"]) <= set(documents["doc_id"])
    assert ((rhetoric["count"] > 0) | (rhetoric["count_substring"].fillna(0) > 0)).all()
    terms = rhetoric["device"].isin(["formula", "mobilisation", "ideology"])
    assert rhetoric.loc[terms, "count_substring"].notna().all() and rhetoric.loc[~terms, "count_substring"].isna().all()
    # a token occurrence is also a substring occurrence, never the other way round
    assert (rhetoric.loc[terms, "count"] <= rhetoric.loc[terms, "count_substring"]).all()


def test_summary_dispersion_equals_direct_dp_norm(committed):
    """The summary's vectorised DPnorm equals dp_norm() over all body paragraphs, term by term."""
    paragraphs, rhetoric, summary, _, tokens = committed
    body = body_paragraphs(paragraphs)
    body = body[body["chars"] > 0]
    corpus = summary[(summary["scope"] == "corpus") & summary["device"].isin(["formula", "mobilisation", "ideology"])
                     & ~summary["term"].isin(FALSE_MATCHES)]
    assert len(corpus)
    runs = token_runs(tokens)
    for rec in corpus.head(40).itertuples():
        per_para = direct_token_counts(runs, rec.term)
        freqs = [per_para.get((d, p), 0) for d, p in zip(body["doc_id"], body["para_id"])]
        assert sum(freqs) == rec.count
        assert rec.dp_norm == pytest.approx(dp_norm(freqs, body["chars"].to_numpy())), rec.term


# --- assembling notebook 03's tables (tifa.rhetoric, moved out of the notebook) ---------------------------
def hit_rows(rows):
    from tifa.rhetoric import FORMULA_HIT_COLUMNS
    return pd.DataFrame(rows, columns=FORMULA_HIT_COLUMNS)


def test_formula_candidate_table_lists_only_new_strings_and_keeps_recuts_apart():
    from tifa.rhetoric import formula_candidate_table

    hits = hit_rows([
        ("a", 2001, 1, 1, "三个一批", "N+head", "", "s1"), ("b", 2003, 2, 4, "三个一批", "N+head", "", "s2"),
        ("a", 2001, 1, 2, "四个意识", "N+个+head", "", "s3"),            # listed: not a candidate
        ("a", 2001, 3, 5, "五个一", "N+head", "五个一工程", "s4"),         # cut inside a listed formula: a recut
    ])
    cand, new_terms, recut = formula_candidate_table(hits, {"四个意识", "五个一工程"})
    assert new_terms == ["三个一批"] and list(recut["term"]) == ["五个一"]
    assert list(cand.columns) == ["term", "in_lexicon", "shape", "found", "docs", "years", "example"]
    row = cand.iloc[0]
    assert (row["term"], bool(row["in_lexicon"]), row["found"], row["docs"], row["years"], row["example"]) == \
        ("三个一批", False, 2, "a, b", "2001, 2003", "s1")


def test_formula_pattern_hits_run_on_text_when_tokens_spell_another_sentence():
    from tifa.rhetoric import formula_pattern_hits

    sentences = pd.DataFrame({"doc_id": ["a"], "year": [2001], "para_id": [1], "sent_id": [1],
                              "text": ["增强“四个意识”、坚定“四个自信”。"]})
    stale = pd.DataFrame({"doc_id": ["a"], "sent_id": [1], "token_id": [0], "token": ["别的句子"], "pos": ["n"]})
    hits = formula_pattern_hits(sentences, stale, ST, [], ["四个意识"])
    assert list(hits["term"]) == ["四个意识", "四个自信"] and list(hits["known"]) == ["四个意识", ""]
    assert set(hits["sentence"]) == {sentences["text"][0]} and hits["para_id"].eq(1).all()


def test_formula_rows_label_the_source_and_kind_of_each_formula():
    from tifa.rhetoric import formula_rows, top_terms

    counts = pd.DataFrame({"doc_id": ["a", "a", "a"], "year": 2001, "para_id": [1, 1, 2],
                           "term": ["四个意识", "三个一批", "两个维护"], "count": [2, 1, 2], "nested": 0})
    formulae = pd.DataFrame({"term": ["四个意识", "两个维护"], "kind": ["political", "political"]})
    rows = formula_rows(counts, ["两个维护", "三个一批", "四个意识"], formulae, {"四个意识", "三个一批"},
                        pd.Series({"a": 1000}))
    got = rows.set_index("term")
    assert got.loc["四个意识", "source"] == "lexicon+pattern" and got.loc["两个维护", "source"] == "lexicon"
    assert got.loc["三个一批", "source"] == "pattern" and got.loc["三个一批", "subtype"] == "pattern candidate"
    assert got["in_lexicon"].to_dict() == {"三个一批": False, "两个维护": True, "四个意识": True}
    assert got.loc["四个意识", "per_10k"] == pytest.approx(20.0)
    assert top_terms(rows, 2) == ["两个维护", "四个意识"]  # a tie of 2: broken by term


def test_assemble_rhetoric_orders_devices_and_builds_an_empty_table():
    from tifa.rhetoric import assemble_rhetoric, RHETORIC_COLUMNS

    empty = assemble_rhetoric([pd.DataFrame(columns=RHETORIC_COLUMNS)] * 2)
    assert list(empty.columns) == RHETORIC_COLUMNS and empty.empty
    row = dict(zip(RHETORIC_COLUMNS, ["a", 2001, "", "", "t", 1, 0, 1.0, "lexicon", True]))
    table = assemble_rhetoric([pd.DataFrame([{**row, "device": "parallelism", "term": "p"}]),
                               pd.DataFrame([{**row, "device": "formula", "term": "f"}, {**row, "doc_id": "0", "device": "slogan"}])])
    assert list(zip(table["doc_id"], table["device"])) == [("0", "slogan"), ("a", "formula"), ("a", "parallelism")]


def test_device_rates_and_formula_split_by_document():
    from tifa.rhetoric import device_rates_by_doc, formula_split_by_doc

    docs = pd.DataFrame({"doc_id": ["a", "b"], "year": [2001, 2002], "genre": ["news", "news"], "body_chars": [2000, 0]})
    rhetoric = pd.DataFrame({"doc_id": ["a", "a", "a"], "device": ["formula", "formula", "slogan"],
                             "term": ["四个意识", "三个一批", "x"], "count": [3, 1, 2], "nested": [1, 0, 0],
                             "in_lexicon": [True, False, False]})
    rate = device_rates_by_doc(rhetoric, docs)
    assert list(rate.columns) == ["year", "genre"] + RHETORIC_DEVICES
    assert rate.loc["a", "formula"] == pytest.approx(15.0)  # (3 - 1 nested + 1) per 10,000 of 2,000
    assert rate.loc["a", "parallelism"] == 0 and np.isnan(rate.loc["b", "formula"])
    split = formula_split_by_doc(rhetoric, docs["doc_id"])
    assert split.loc["a"].tolist() == [2.0, 1.0] and split.loc["b"].tolist() == [0.0, 0.0]


def test_lexicon_and_parallelism_rows_carry_their_source():
    from tifa.rhetoric import lexicon_device_rows, parallelism_rows

    body = body_of("全面推进乡村振兴，全面推进依法治国。")
    lexicon = pd.DataFrame({"term": ["推进"], "subtype": ["advance"]})
    counts, rows = lexicon_device_rows(body, lexicon, "mobilisation", pd.Series({"d": body["chars"].sum()}), ST)
    assert int(counts["count"].sum()) == 2 and rows["source"].eq("lexicon").all() and rows["subtype"].eq("advance").all()
    runs = pd.DataFrame({"doc_id": ["d", "d"], "year": 2020, "para_id": [1, 1], "frame": ["全面…", "全面…"],
                         "level": "clause", "rule": "prefix"})
    run_counts, run_rows = parallelism_rows(runs, pd.Series({"d": 100}))
    assert run_counts["count"].tolist() == [2] and run_rows["subtype"].tolist() == ["clause prefix"]
    assert run_rows["source"].eq("pattern").all() and not run_rows["in_lexicon"].any()


# --- one counting rule: tokens, with the substring count beside it (issue 14) -----------------------------
def test_rows_keep_both_counts_and_a_term_found_only_inside_longer_tokens():
    from tifa.rhetoric import count_both, counting_rule_difference, counting_rule_totals
    from conftest import token_table

    text = "推动高质量发展，实现高质量增长"
    body = body_of(text)
    tokens = token_table([("d", 2020, 1, ["推动", "高质量发展", "，", "实现", "高质量", "增长"])])
    counts = count_both(body, tokens, ["高质量", "高质量发展"], ST)
    c = counts.set_index("term")
    assert c.loc["高质量", ["count", "nested", "count_substring", "nested_substring"]].tolist() == [1, 0, 2, 1]
    assert c.loc["高质量发展", ["count", "count_substring"]].tolist() == [1, 1]
    rows = rhetoric_rows(counts, "mobilisation", pd.Series({"d": len(text) - 1}))
    assert rows.set_index("term").loc["高质量", ["count", "count_substring"]].tolist() == [1, 2]
    # a term seen only as a substring keeps its row, with count 0 and no rate of its own
    only_sub = count_both(body, tokens, ["质量"], ST)
    r = rhetoric_rows(only_sub, "mobilisation", pd.Series({"d": 14}))
    assert r[["term", "count", "count_substring", "per_10k"]].values.tolist() == [["质量", 0, 2, 0.0]]
    totals = counting_rule_totals(counts.assign(device="mobilisation"))
    assert totals.loc["mobilisation"].tolist() == [2, 3, 2, 2, 0]   # count, count_substring, spans, spans_substring, difference
    diff = counting_rule_difference(rows.assign(device="mobilisation"))
    assert diff[["term", "count", "count_substring", "difference"]].values.tolist() == [["高质量", 1, 2, 1]]
    # a device that is not a term count has no substring count
    assert rhetoric_rows(pd.DataFrame({"doc_id": ["d"], "year": [2020], "para_id": [1], "term": ["x"], "count": [1]}),
                         "slogan", pd.Series({"d": 100}))["count_substring"].isna().all()


# --- parallelism: title lists and noun enumerations (issue 15) --------------------------------------------
def rules_file(tmp_path, rows="title_heads,通知|决定|决议|报告,x\ntitle_min_members,1,x\nnoun_tags,n,x\n"):
    p = tmp_path / "parallelism_rules.csv"
    p.write_text("# source: test; rule: see tifa.rhetoric.run_kind\nrule,value,note\n" + rows, encoding="utf-8")
    return p


def test_parallelism_rows_count_only_parallelism():
    from tifa.rhetoric import parallelism_rows

    runs = pd.DataFrame({"doc_id": "d", "year": 2020, "para_id": [1, 1, 2], "frame": ["全面…", "文明…", "全面…"],
                         "level": "clause", "rule": "prefix", "kind": ["parallelism", "title list", "parallelism"]})
    counts, rows = parallelism_rows(runs, pd.Series({"d": 100}))
    assert rows[["term", "count"]].values.tolist() == [["全面…", 2]]


# --- rates with cluster-bootstrap intervals (issue 14) -------------------------------------------------
def rate_inputs():
    """Two documents: 'a' of three articles (hits 4, 0, 2 in 100 characters each), 'b' of one article of two
    paragraphs (hits 2, 0)."""
    paragraphs = pd.DataFrame({"doc_id": ["a"] * 4 + ["b"] * 2, "para_id": [1, 2, 3, 4, 1, 2],
                               "article_id": [1, 1, 2, 3, 1, 1], "kind": "body"})
    matrix = pd.DataFrame({"doc_id": ["a"] * 4 + ["b"] * 2, "year": [2020] * 4 + [2021] * 2,
                           "para_id": [1, 2, 3, 4, 1, 2], "chars": [50, 50, 100, 100, 100, 100],
                           "formula": [3, 1, 0, 2, 2, 0]})
    docs = pd.DataFrame({"doc_id": ["a", "b"], "year": [2020, 2021], "genre": ["news", "report"]})
    return matrix, paragraphs, docs


def test_rate_intervals_are_seeded_cluster_intervals():
    from tifa.rhetoric import highest_rate, rate_intervals

    matrix, paragraphs, docs = rate_inputs()
    r = rate_intervals(matrix, paragraphs, docs, ["formula"], "article", 2000, 0.95, seed=7)
    again = rate_intervals(matrix, paragraphs, docs, ["formula"], "article", 2000, 0.95, seed=7)
    pd.testing.assert_frame_equal(r, again)
    a = r[(r["scope"] == "document") & (r["group"] == "a")].iloc[0]
    assert (a["count"], a["body_chars"], a["units"]) == (6, 300, 3) and a["per_10k"] == pytest.approx(200.0)
    # articles of 100 characters with 4, 0, 2 hits: a replicate's rate lies between 0 and 400 per 10,000,
    # and the article with no hit is drawn too (an all-zero replicate is possible)
    assert 0 <= a["ci_low"] < a["per_10k"] < a["ci_high"] <= 400
    b = r[(r["scope"] == "document") & (r["group"] == "b")].iloc[0]
    assert b["ci_low"] == b["ci_high"] == pytest.approx(100.0) and b["units"] == 1   # one article: degenerate
    years = r[r["scope"] == "year"]
    assert years["p_highest"].sum() == pytest.approx(1.0)
    # 'a' beats 100 unless it draws mostly its empty article: well above half of the replicates
    assert years.set_index("group").loc["2020", "p_highest"] > 0.5
    top = highest_rate(r, "formula", "year")
    assert top["group"] == "2020" and top["second"] == "2021"
    para = rate_intervals(matrix, paragraphs, docs, ["formula"], "paragraph", 2000, 0.95, seed=7)
    assert para.loc[para["group"] == "b", "ci_low"].iloc[0] < 100 or para.loc[para["group"] == "b", "ci_high"].iloc[0] > 100


def test_device_paragraph_matrix_keeps_zero_paragraphs_and_removes_nested():
    from tifa.rhetoric import device_paragraph_matrix

    body = body_of("增强四个意识", "发展", "做到两个维护")
    pc = pd.DataFrame({"device": ["formula", "formula", "parallelism"], "doc_id": "d", "para_id": [1, 3, 3],
                       "count": [2, 1, 1], "nested": [1, 0, None]})
    m = device_paragraph_matrix(pc, body, ["formula", "parallelism"])
    assert m[["para_id", "formula", "parallelism"]].values.tolist() == [[1, 1, 0], [2, 0, 0], [3, 1, 1]]


# --- detector precision from judgements (issue 15) ------------------------------------------------------


# collocates: the vectorised implementation against the per-sentence one it replaced (issue 17) ----------
def _collocates_reference(tokens, node, st, window=None, min_freq=None):
    """The implementation before issue 17 (pandas groups per sentence, ``_merge_node`` per sentence),
    kept verbatim as the reference the vectorised ``collocates`` must equal."""
    from tifa.rhetoric import _merge_node

    window = st.colloc_window if window is None else window
    min_freq = st.colloc_min_freq if min_freq is None else min_freq
    drop = set(tokens.loc[tokens["is_stop"].astype(bool) | tokens["is_punct"].astype(bool), "token"]) - {node}
    sents = []
    for _, g in tokens.sort_values(["doc_id", "token_id"], kind="stable").groupby(["doc_id", "sent_id"], sort=False):
        toks = [t for t in g["token"].astype(str) if t.strip()]
        merged, flags = _merge_node(toks, node)
        keep = [(t, f) for t, f in zip(merged, flags) if f or t not in drop]
        sents.append(keep)
    window_counts, freq = {}, {}
    r1 = n = 0
    for sent in sents:
        nodes = [i for i, (_, f) in enumerate(sent) if f]
        positions = {j for i in nodes for j in range(max(0, i - window), min(len(sent), i + window + 1))} - set(nodes)
        for j in positions:
            window_counts[sent[j][0]] = window_counts.get(sent[j][0], 0) + 1
        r1 += len(positions)
        for t, f in sent:
            if not f:
                freq[t] = freq.get(t, 0) + 1
                n += 1
    rows = []
    for c, o11 in window_counts.items():
        e11 = r1 * freq[c] / n
        if o11 >= min_freq and o11 > e11:
            score = g2(o11, r1, freq[c], n)
            rows.append((c, o11, e11, freq[c], score, math.erfc(math.sqrt(score / 2))))
    out = pd.DataFrame(rows, columns=["collocate", "o11", "expected", "freq", "g2", "p"])
    return out.sort_values(["g2", "collocate"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _random_tokens(rng, n_docs=4, n_sents=40):
    """Token table with node pieces (四个/意识/四/个/意识形态), the whole node, stopwords, punctuation,
    blanks and a token with inner space; rows shuffled, token_id not following sent_id everywhere."""
    vocab = ["四个意识", "四个", "意识", "四", "个", "意", "识", "增强", "坚定", "的", "。", "，", " ", "",
             "发展", "改革", "党", "意识形态", "个 人", "四个意识四个"]
    rows = []
    for d in range(n_docs):
        tid = 0
        for s in rng.permutation(n_sents):
            for _ in range(int(rng.integers(0, 12))):
                t = vocab[int(rng.integers(len(vocab)))]
                rows.append((f"d{d}", int(s), tid, t, t in ("的", "增强") and rng.random() < 0.8, t in ("。", "，")))
                tid += 1
    df = pd.DataFrame(rows, columns=["doc_id", "sent_id", "token_id", "token", "is_stop", "is_punct"])
    return df.sample(frac=1, random_state=int(rng.integers(1000))).reset_index(drop=True)


@pytest.mark.parametrize("seed", range(12))
def test_collocates_equals_the_per_sentence_reference_on_random_tables(seed):
    rng = np.random.default_rng(seed)
    tokens = _random_tokens(rng)
    for node in ["四个意识", "意识", "增强", "个 人", "不在表里"]:
        for window, min_freq in [(1, 1), (2, 1), (5, 2)]:
            new = collocates(tokens, node, ST, window=window, min_freq=min_freq)
            old = _collocates_reference(tokens, node, ST, window=window, min_freq=min_freq)
            pd.testing.assert_frame_equal(new, old, check_exact=True)
            if node == "四个意识" and window == 2:
                assert len(new) > 0   # the comparison is not between two empty tables


def test_collocates_equals_the_reference_on_the_project_corpus():
    """tokens.csv of the committed run: the five nodes of collocates.csv, exact to the last bit."""
    paths = output_paths()
    tokens = read_table(paths, "tokens")
    nodes = list(dict.fromkeys(read_table(paths, "collocates")["node"]))
    assert len(nodes) == 5
    for node in nodes:
        new = collocates(tokens, node, ST)
        pd.testing.assert_frame_equal(new, _collocates_reference(tokens, node, ST), check_exact=True)
        assert len(new) > 0


def test_device_paragraph_matrix_of_a_corpus_without_any_device_is_all_zeros():
    """A corpus where no device occurs (no formula, slogan, …) still gets one row of zeros per paragraph."""
    from tifa.rhetoric import device_paragraph_matrix

    body = body_of("过去一年，经济平稳运行。", "演出结束后，志愿者为老人测量血压。")
    empty = pd.DataFrame(columns=["device", "doc_id", "para_id", "count", "nested"])
    matrix = device_paragraph_matrix(empty, body, RHETORIC_DEVICES)
    assert len(matrix) == 2 and (matrix[RHETORIC_DEVICES] == 0).all().all()


def _rate_intervals_reference(matrix, paragraphs, docs, devices, unit, n_resamples, ci, seed):
    """``rate_intervals`` group by group: observed sums by reindexing, one percentile call per group."""
    from tifa.priorities import resample_units, unit_counts
    from tifa.rhetoric import RATE_COLUMNS
    from tifa.stats import percentile_interval

    doc_ids = sorted(docs["doc_id"])
    units = unit_counts(matrix, paragraphs, devices, unit)
    draws = resample_units(units, devices, doc_ids, n_resamples, seed)
    n_units = units.groupby("doc_id").size()
    obs = units.groupby("doc_id")[devices + ["chars"]].sum()
    groups = [("document", d, [d], docs.set_index("doc_id").loc[d, "genre"]) for d in doc_ids]
    groups += [("year", str(y), sorted(g["doc_id"]), ", ".join(sorted(set(g["genre"]))))
               for y, g in docs.groupby("year", sort=True)]
    rows, reps_by_scope = [], {}
    for scope, group, ids, genre in groups:
        o = obs.reindex(ids).fillna(0).sum()
        rep = sum(draws[d] for d in ids)
        with np.errstate(invalid="ignore", divide="ignore"):
            rates = rep[:, :-1] / rep[:, -1:] * 10_000
            rates[rep[:, -1] == 0] = np.nan
        lo, hi = percentile_interval(rates, ci)
        reps_by_scope.setdefault(scope, []).append(rates)
        for k, dev in enumerate(devices):
            chars = float(o["chars"])
            rows.append([scope, group, genre, dev, int(o[dev]), int(chars), o[dev] * 10_000 / chars if chars else np.nan,
                         lo[k], hi[k], int(n_units.reindex(ids).fillna(0).sum()), np.nan])
    out = pd.DataFrame(rows, columns=RATE_COLUMNS)
    for scope, stack in reps_by_scope.items():
        arr = np.stack(stack)
        filled = np.where(np.isnan(arr), -np.inf, arr)
        top = filled.max(axis=0, keepdims=True)
        is_top = (filled == top) & np.isfinite(top)
        out.loc[out["scope"] == scope, "p_highest"] = (is_top / np.maximum(is_top.sum(axis=0, keepdims=True), 1)
                                                       ).mean(axis=1).reshape(-1)
    return out


@pytest.mark.parametrize("unit", ["article", "paragraph"])
def test_rate_intervals_equal_the_group_by_group_reference(unit):
    """Random documents over three years, one without body characters (undefined replicates), one with
    no units at all, one with a single unit: every interval of one vectorised call per scope is the
    per-group one, exactly."""
    from tifa.rhetoric import rate_intervals

    rng = np.random.default_rng(11)
    rows = []
    for d in range(9):
        for p in range(1 if d == 2 else int(rng.integers(2, 9))):
            chars = 0 if d == 1 else int(rng.integers(0, 200))
            rows.append((f"d{d}", 2018 + d % 3, p + 1, p // 2 + 1, chars, int(rng.integers(0, 5)),
                         int(rng.integers(0, 2)) * int(rng.integers(0, 4))))
    matrix = pd.DataFrame(rows, columns=["doc_id", "year", "para_id", "article_id", "chars", "formula", "slogan"])
    paragraphs = matrix[["doc_id", "para_id", "article_id"]].assign(kind="body")
    matrix = matrix.drop(columns="article_id")
    docs = pd.DataFrame({"doc_id": [f"d{d}" for d in range(10)], "year": [2018 + d % 3 for d in range(10)],
                         "genre": ["news", "report"] * 5})   # d9 has no paragraph
    got = rate_intervals(matrix, paragraphs, docs, ["formula", "slogan"], unit, 300, 0.9, seed=5)
    want = _rate_intervals_reference(matrix, paragraphs, docs, ["formula", "slogan"], unit, 300, 0.9, 5)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got["ci_low"].isna().any() and got["ci_low"].notna().sum() > 10


def test_formula_pattern_hits_skip_only_sentences_without_numeral_or_quotation_mark(seg):
    """The gate of ``formula_pattern_hits`` (no numeral, digit or opening quotation mark: no candidate) loses
    nothing: a quoted span whose numeral only appears after NFKC (the compatibility ideograph 六 U+F9D1,
    full-width digits) is still found, and the hits equal ``find_formula_candidates`` sentence by sentence."""
    from tifa.rhetoric import FORMULA_HIT_COLUMNS, find_formula_candidates, formula_pattern_hits

    texts = ["落实“\uf9d1稳”“六保”任务。", "推进“２+N”模式，一府两院工作。", "增强四个意识，坚定四个自信。",
             "没有数字的句子。", "实施三大攻坚战，第三产业。", "‘两学一做’学习教育常态化。", ""]
    sentences = pd.DataFrame({"doc_id": "a", "year": 2001, "para_id": 1, "sent_id": range(len(texts)), "text": texts})
    rows = []
    for sent_id, text in enumerate(texts):
        toks = seg.cut(text) if text else []
        rows += [("a", sent_id, k, t, "n" if t.endswith("战") else "x") for k, t in enumerate(toks)]
    tokens = pd.DataFrame(rows, columns=["doc_id", "sent_id", "token_id", "token", "pos"])
    tokens["token_id"] = range(len(tokens))
    hits = formula_pattern_hits(sentences, tokens, ST, ["第三产业"], ["一府两院"])
    want = []
    for sent_id, text in enumerate(texts):
        t = tokens[tokens["sent_id"] == sent_id]
        for f in find_formula_candidates(text, ST, ["第三产业"], t["token"].tolist(), t["pos"].tolist(), known=["一府两院"]):
            want.append(("a", 2001, 1, sent_id, f["term"], f["shape"], f["known"], text))
    pd.testing.assert_frame_equal(hits, pd.DataFrame(want, columns=FORMULA_HIT_COLUMNS), check_exact=True)
    assert {"六稳", "2+N", "一府两院", "两学一做"} <= set(hits["term"])
