"""Notebook 03 (rhetoric): each detector on small real sentences of the corpus, the measures on hand
examples, and the committed tables against the clean text they were counted on."""
from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from tifa.config import LEXICON, project_paths
from tifa.files import CorpusError, read_lexicon_csv, read_table
from tifa.corpus import body_chars
from tifa.settings import read_false_matches, rhetoric_settings
from tifa.stats import dp_norm, g2
from tifa.terms import body_paragraphs, count_terms, excluded_matches, find_term, gloss_label, gloss_map, kwic
from tifa.segmentation import tokenizer
from tifa.rhetoric import (
    cloud_frequencies, collocates, extract_slogans, find_formula_candidates, is_counting_phrase,
    parallel_runs, quoted_spans, RHETORIC_DEVICES, rhetoric_rows, summarise_terms,
)

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


def body_of(*paras, doc_id="d", year=2020):
    return body_paragraphs(pd.DataFrame({"doc_id": doc_id, "year": year, "para_id": range(1, len(paras) + 1),
                                           "kind": "body", "text": list(paras)}))


# --- settings --------------------------------------------------------------------------------------
def test_settings_file_is_complete_and_errors_name_the_setting(tmp_path):
    assert ST.parallel_min_run >= 3 and "一" in ST.numerals and "届" in ST.counting_units.split("|")
    bad = tmp_path / "s.csv"
    lines = (LEXICON / "rhetoric_settings.csv").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join(l for l in lines if not l.startswith("kwic_width")), encoding="utf-8")
    with pytest.raises(CorpusError, match="kwic_width"):
        rhetoric_settings(bad)
    bad.write_text("\n".join(l.replace("kwic_width,20", "kwic_width,twenty") for l in lines), encoding="utf-8")
    with pytest.raises(CorpusError, match="kwic_width.*integer"):
        rhetoric_settings(bad)


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


def test_term_counts_skip_numbers_and_ordinals_and_report_nesting():
    body = body_of("全市第三产业增加值增长，“三产”比重提高，三产企业增加。",
                   "做到两个维护，坚决做到两个维护。")
    c = count_terms(body, ["三产", "两个维护", "坚决做到两个维护"], ST).set_index(["para_id", "term"])
    assert c.loc[(1, "三产"), "count"] == 2                      # not the one in 第三产业
    assert c.loc[(2, "两个维护"), "count"] == 2 and c.loc[(2, "两个维护"), "nested"] == 1
    assert c.loc[(2, "坚决做到两个维护"), "count"] == 1 and c.loc[(2, "坚决做到两个维护"), "nested"] == 0


# --- false matches (data/lexicon/false_matches.csv) -------------------------------------------------
def settings_with(tmp_path, rows: str):
    """The project's settings with a false_matches file of the given CSV rows."""
    p = tmp_path / "false_matches.csv"
    p.write_text("# source: test; rule: term inside context is not counted\nterm,context,reason\n" + rows,
                 encoding="utf-8")
    return rhetoric_settings(false_matches=p), p


def test_a_listed_context_is_not_counted_and_the_same_term_elsewhere_is(tmp_path):
    st, _ = settings_with(tmp_path, "主题教育,文化主题教育展,a themed exhibition\n")
    body = body_of("建设农耕用具文化主题教育展1处。深入开展主题教育，巩固主题教育成果。",
                   "文化主题教育展",
                   "扎实开展主题教育。")
    c = count_terms(body, ["主题教育"], st).set_index("para_id")["count"]
    assert c.to_dict() == {1: 2, 3: 1}                       # paragraph 2 holds only the excluded context
    assert count_terms(body, ["主题教育"], replace(st, false_matches=()))["count"].sum() == 5
    assert len(kwic(body, "主题教育", st)) == 3             # KWIC agrees with the counts
    ex = excluded_matches(body, st)
    assert ex[["para_id", "term", "context"]].values.tolist() == [[1, "主题教育", "文化主题教育展"],
                                                                  [2, "主题教育", "文化主题教育展"]]
    assert ex["right"].iloc[0].startswith("展1处") and ex["reason"].iloc[0] == "a themed exhibition"
    assert excluded_matches(body, st, terms=["六稳"]).empty


def test_false_match_nested_counting_uses_the_kept_occurrences_only(tmp_path):
    st, _ = settings_with(tmp_path, "六稳,六稳定,not the formula\n")
    body = body_of("落实六稳六保，保持六稳定。")
    c = count_terms(body, ["六稳", "六稳六保"], st).set_index("term")
    assert c.loc["六稳", "count"] == 1 and c.loc["六稳", "nested"] == 1


@pytest.mark.parametrize("rows, message", [
    (",文化主题教育展,no term\n", r"false_matches.csv line 3: empty term"),
    ("六稳,六稳定,ok\n主题教育,,no context\n", r"false_matches.csv line 4: empty context"),
    ("主题教育,文化展,context lacks the term\n", r"line 3: context '文化展' does not contain term '主题教育'"),
    ("六稳,六稳定,a\n六稳,六稳定,b\n", r"line 4: same term and context as line 3"),
])
def test_false_match_rows_are_validated_with_the_line_named(tmp_path, rows, message):
    with pytest.raises(CorpusError, match=message):
        settings_with(tmp_path, rows)


def test_project_false_matches_contain_their_term_and_each_context_occurs_in_the_clean_text():
    fm = read_false_matches()
    assert (LEXICON / "false_matches.csv").read_text(encoding="utf-8").startswith("#")
    assert len(fm) and set(ST.false_matches) == set(zip(fm["term"], fm["context"], fm["reason"]))
    paragraphs = read_table(project_paths(), "paragraphs")
    text = "\n".join(body_paragraphs(paragraphs)["text"])
    for term, context in zip(fm["term"], fm["context"]):
        assert term in context and context in text, f"{context}: not in the clean body text (stale rule?)"


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


def test_parallelism_prefix_template_and_sentence_level():
    runs = parallel_runs(sents_of(
        "开启新征程，必须锐意创新、攻坚克难，聚焦发展支撑、聚焦发展动力、聚焦发展格局、聚焦发展前提。",
        "开启新征程，必须防范风险、坚守底线。",
        "开启新征程，必须提升能力、锤炼作风。",
        "努力实现幼有所育、学有所教、劳有所得、病有所医。"), ST)
    got = {(r.level, r.rule, r.frame, r.members) for r in runs.itertuples()}
    assert ("clause", "prefix", "聚焦发展…", 4) in got
    assert ("sentence", "prefix", "开启新征程，必须…", 3) in got      # the longest shared opening
    assert ("clause", "template", "…有所…", 3) in got   # 努力实现幼有所育 is longer: not a member
    assert len(got) == 3


def test_parallelism_with_gaps_and_masked_numerals():
    runs = parallel_runs(sents_of(
        "卫东区五年大发展、大跨越，经济实力迈上新台阶；五年大投入、大建设，城乡贯通呈现新格局；"
        "五年大治理、大修复，生态质量实现新提升；五年大保障、大改善，社会事业取得新成效。",
        "一是经济总量不够大。", "二是财政收支矛盾日益凸显。", "三是城市基础设施欠账较多。"), ST)
    frames = dict(zip(runs["frame"], runs["members"]))
    assert frames == {"N年大…": 3, "N是…": 3}


def test_no_parallelism_in_plain_clauses_or_name_lists(seg):
    text = "加强党的建设，推进产业转型，加快项目建设，改善民生。"
    assert parallel_runs(sents_of(text), ST).empty
    names = "实施平顶山、张寨山、马棚山、金牛山、纱帽山生态修复。"
    toks = seg.cut(names)
    tokens = pd.DataFrame({"doc_id": "d", "sent_id": 0, "token_id": range(len(toks)), "token": toks,
                           "pos": [seg.tag(t) for t in toks]})
    assert not parallel_runs(sents_of(names), ST).empty        # characters alone: looks like …山
    assert parallel_runs(sents_of(names), ST, tokens).empty     # tokens: a list of place names


# --- dispersion, rates ----------------------------------------------------------------------------
def test_dp_norm_hand_values():
    # s = (1/3, 1/3, 1/3), v = (1, 0, 0): DP = ½(2/3 + 1/3 + 1/3) = 2/3, DPnorm = (2/3)/(1 − 1/3) = 1
    assert dp_norm([1, 0, 0], [1, 1, 1]) == pytest.approx(1.0)
    assert dp_norm([2, 2, 2], [5, 5, 5]) == pytest.approx(0.0)
    # s = (.5, .25, .25), v = (.5, .5, 0): DP = ½(0 + .25 + .25) = .25, DPnorm = .25/.75
    assert dp_norm([1, 1, 0], [2, 1, 1]) == pytest.approx(1 / 3)
    assert math.isnan(dp_norm([0, 0], [1, 1])) and math.isnan(dp_norm([3], [10]))
    with pytest.raises(ValueError):
        dp_norm([1, 2], [1, 0])


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


# --- KWIC and collocation -------------------------------------------------------------------------
def test_kwic_hand_example():
    body = body_of("我们要坚持六稳，也要坚持六保。", "第六稳定")
    k = kwic(body, "六稳", ST, width=3)
    assert k[["left", "term", "right"]].values.tolist() == [["要坚持", "六稳", "，也要"]]
    assert list(k.columns) == ["doc_id", "year", "para_id", "left", "term", "right"]
    assert kwic(body, "六保", ST, width=50)["right"].tolist() == ["。"]


def test_g2_against_hand_computed_values():
    # O = [[2, 2], [1, 5]], rows 4, 6, columns 3, 7, N = 10: E = [[1.2, 2.8], [1.8, 4.2]]
    hand = 2 * (2 * math.log(2 / 1.2) + 2 * math.log(2 / 2.8) + 1 * math.log(1 / 1.8) + 5 * math.log(5 / 4.2))
    assert g2(2, 4, 3, 10) == pytest.approx(hand) == pytest.approx(1.265374, abs=1e-6)
    assert g2(1, 2, 2, 4) == pytest.approx(0.0, abs=1e-12)   # observed = expected
    with pytest.raises(ValueError):
        g2(5, 4, 3, 10)


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


# --- word clouds and glosses ----------------------------------------------------------------------
def test_cloud_frequencies_drop_stop_punct_numbers():
    tokens = pd.DataFrame({"year": [2011] * 6 + [2009],
                           "token": ["四个意识", "四个意识", "的", "。", "2018", "发展", "发展"],
                           "is_stop": [False, False, True, False, False, False, False],
                           "is_punct": [False, False, False, True, False, False, False]})
    f = cloud_frequencies(tokens)
    assert f == {2009: {"发展": 1}, 2011: {"四个意识": 2, "发展": 1}}


def test_gloss_label_uses_glossary_then_pinyin():
    g = gloss_map(pd.DataFrame({"term": ["六稳"], "pinyin": ["liù wěn"], "english": ["six stabilities"]}))
    assert gloss_label("六稳", g) == "六稳  six stabilities"
    assert gloss_label("六保", g) == "六保  liù bǎo"


# --- the committed tables against the clean text ---------------------------------------------------
@pytest.fixture(scope="module")
def committed():
    paths = project_paths()
    return (read_table(paths, "paragraphs"), read_table(paths, "rhetoric"),
            read_table(paths, "rhetoric_summary"), read_table(paths, "documents"))


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


def test_formula_counts_equal_direct_counts_on_clean_text(committed):
    paragraphs, rhetoric, _, _ = committed
    body = paragraphs[paragraphs["kind"] == "body"]
    texts = body.groupby("doc_id")["text"].agg(lambda t: "\n".join(t))
    formulae = rhetoric[rhetoric["device"] == "formula"]
    assert len(formulae), "no formula rows in rhetoric.csv"
    counted = formulae.set_index(["doc_id", "term"])["count"]
    for term in sorted(set(formulae["term"])):
        for doc_id, text in texts.items():
            want = direct_count(text, term)
            got = int(counted.get((doc_id, term), 0))
            assert got == want, f"{term} in {doc_id}: rhetoric.csv {got}, clean text {want}"


def test_committed_counts_leave_out_false_matches(committed):
    """Every device of rhetoric.csv counts a false-match term as the direct count does (contexts
    blanked), so the excluded occurrences are really out of notebook 03's table."""
    paragraphs, rhetoric, _, _ = committed
    texts = paragraphs[paragraphs["kind"] == "body"].groupby("doc_id")["text"].agg(lambda t: "\n".join(t))
    for term in FALSE_MATCHES:
        rows = rhetoric[rhetoric["term"] == term]
        for device, g in rows.groupby("device"):
            got = g.set_index("doc_id")["count"]
            for doc_id, text in texts.items():
                assert int(got.get(doc_id, 0)) == direct_count(text, term), f"{term} ({device}) in {doc_id}"


def test_rates_share_one_denominator(committed):
    paragraphs, rhetoric, summary, documents = committed
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
    _, rhetoric, _, documents = committed
    for col in ["doc_id", "year", "device", "subtype", "term", "count", "per_10k"]:
        assert col in rhetoric.columns
    assert set(rhetoric["device"]) <= set(RHETORIC_DEVICES)
    assert set(rhetoric["doc_id"]) <= set(documents["doc_id"])
    assert (rhetoric["count"] > 0).all()


def test_summary_dispersion_equals_direct_dp_norm(committed):
    """The summary's vectorised DPnorm equals dp_norm() over all body paragraphs, term by term."""
    paragraphs, rhetoric, summary, _ = committed
    body = body_paragraphs(paragraphs)
    body = body[body["chars"] > 0]
    corpus = summary[(summary["scope"] == "corpus") & summary["device"].isin(["formula", "mobilisation", "ideology"])]
    assert len(corpus)
    for rec in corpus.head(40).itertuples():
        freqs = [len(find_term(t, rec.term, ST)) for t in body["text"]]
        assert sum(freqs) == rec.count
        assert rec.dp_norm == pytest.approx(dp_norm(freqs, body["chars"].to_numpy())), rec.term


def test_mobilisation_and_ideology_terms_on_a_real_sentence():
    mob = read_lexicon_csv(LEXICON / "mobilisation.csv", ["term", "subtype"])
    body = body_of("坚持以人民为中心，着力保障就业、教育、养老，持续推进生态环境保护，深化改革开放。")
    c = dict(zip(*count_terms(body, mob["term"].tolist(), ST)[["term", "count"]].T.values))
    assert {t: c.get(t, 0) for t in ["坚持", "着力", "持续", "推进", "深化", "落实"]} == \
        {"坚持": 1, "着力": 1, "持续": 1, "推进": 1, "深化": 1, "落实": 0}
    ideo = read_lexicon_csv(LEXICON / "ideology.csv", ["term", "subtype"])
    body = body_of("深入贯彻习近平新时代中国特色社会主义思想和党的十九大精神。")
    c = count_terms(body, ideo["term"].tolist(), ST).set_index("term")
    assert c.loc["习近平新时代中国特色社会主义思想", "count"] == 1 and c.loc["党的十九大", "count"] == 1
    assert c.loc["十九大", "nested"] == 1      # inside 党的十九大: counted, but not twice in the device total
