"""tifa.terms: matching a term in clean text (numbers, ordinals, nesting, false matches), counting, KWIC and
glosses, on small real sentences of the corpus."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from tifa.config import LEXICON
from tifa.files import read_lexicon_csv
from tifa.settings import rhetoric_settings
from tifa.terms import (
    body_paragraphs, count_terms, excluded_matches, find_term, gloss_label, gloss_map, kwic, normalise_span, per_10k,
    squeeze,
)
from conftest import body_of, settings_with


ST = rhetoric_settings()


# --- counting: numbers, ordinals, nesting ---------------------------------------------------------------
def test_term_counts_skip_numbers_and_ordinals_and_report_nesting():
    body = body_of("全市第三产业增加值增长，“三产”比重提高，三产企业增加。",
                   "做到两个维护，坚决做到两个维护。")
    c = count_terms(body, ["三产", "两个维护", "坚决做到两个维护"], ST).set_index(["para_id", "term"])
    assert c.loc[(1, "三产"), "count"] == 2                      # not the one in 第三产业
    assert c.loc[(2, "两个维护"), "count"] == 2 and c.loc[(2, "两个维护"), "nested"] == 1
    assert c.loc[(2, "坚决做到两个维护"), "count"] == 1 and c.loc[(2, "坚决做到两个维护"), "nested"] == 0


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


# --- false matches (data/lexicon/false_matches.csv) -------------------------------------------------
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


# --- KWIC and glosses ----------------------------------------------------------------------------------
def test_kwic_hand_example():
    body = body_of("我们要坚持六稳，也要坚持六保。", "第六稳定")
    k = kwic(body, "六稳", ST, width=3)
    assert k[["left", "term", "right"]].values.tolist() == [["要坚持", "六稳", "，也要"]]
    assert list(k.columns) == ["doc_id", "year", "para_id", "left", "term", "right"]
    assert kwic(body, "六保", ST, width=50)["right"].tolist() == ["。"]


def test_gloss_label_uses_glossary_then_pinyin():
    g = gloss_map(pd.DataFrame({"term": ["六稳"], "pinyin": ["liù wěn"], "english": ["six stabilities"]}))
    assert gloss_label("六稳", g) == "六稳  six stabilities"
    assert gloss_label("六保", g) == "六保  liù bǎo"


# --- body paragraphs, rates, spans ------------------------------------------------------------------------
def test_body_paragraphs_keep_body_text_and_count_its_non_space_characters():
    paragraphs = pd.DataFrame({"doc_id": "d", "year": 2020, "para_id": [1, 2, 3], "kind": ["headline", "body", "body"],
                               "text": ["标题", "坚持 六稳，\u3000做好六保。", "落实"]})
    body = body_paragraphs(paragraphs)
    assert body["para_id"].tolist() == [2, 3] and body["chars"].tolist() == [10, 2]
    assert squeeze("坚持 六稳，\u3000做好\n六保。") == "坚持六稳，做好六保。"
    assert per_10k(3, 20_000) == pytest.approx(1.5)


def test_find_term_gives_spans_and_normalise_span_makes_punctuation_full_width():
    text = "坚持六稳，落实六稳六保，第六稳定"
    assert find_term(text, "六稳", ST) == [(2, 4), (7, 9)]                     # not the one after 第
    assert normalise_span("开局就要决战,起步就要冲刺") == "开局就要决战，起步就要冲刺"


# --- counting on tokens (the rule of notebook 04) ------------------------------------------------------
def test_token_counts_need_whole_tokens_or_runs_of_tokens():
    """高质量 inside the token 高质量发展 is not an occurrence; 营商/环境 split by the segmenter is one."""
    from tifa.terms import count_token_terms, token_term_matches
    from conftest import token_table

    tokens = token_table([("d", 2020, 1, ["推动", "高质量发展", "，", "实现", "高质量", "增长"]),
                          ("d", 2020, 2, ["优化", "营商", "环境"])])
    m = token_term_matches(tokens, ["高质量", "营商环境"], ST)
    assert m[["para_id", "term", "start", "end", "n_tokens"]].values.tolist() == [
        [1, "高质量", 10, 13, 1], [2, "营商环境", 2, 6, 2]]
    counts = count_token_terms(tokens, ["高质量", "营商环境"], ST)
    assert counts[["para_id", "term", "count", "nested"]].values.tolist() == [[1, "高质量", 1, 0], [2, "营商环境", 1, 0]]
    # the substring count finds 高质量 twice in the same text
    assert int(count_terms(body_of("推动高质量发展，实现高质量增长"), ["高质量"], ST)["count"].sum()) == 2


def test_token_counts_keep_the_numeral_rule_nesting_and_false_matches(tmp_path):
    from tifa.terms import count_token_terms
    from conftest import token_table

    # 三产 after 第 is an ordinal, not the formula; 三产 alone is
    tokens = token_table([("d", 2020, 1, ["第", "三产", "增加", "，", "三产", "企业"])])
    assert count_token_terms(tokens, ["三产"], ST)["count"].tolist() == [1]
    # a term inside a longer listed term cut into tokens is counted for itself, and marked nested
    tokens = token_table([("d", 2020, 1, ["做到", "两个维护", "，", "两个维护"])])
    c = count_token_terms(tokens, ["两个维护", "做到两个维护"], ST).set_index("term")
    assert c.loc["两个维护", "count"] == 2 and c.loc["两个维护", "nested"] == 1 and c.loc["做到两个维护", "count"] == 1
    # a listed false-match context leaves the occurrence out
    st, _ = settings_with(tmp_path, "主题教育,主题教育展,a themed exhibition\n")
    tokens = token_table([("d", 2020, 1, ["参观", "主题教育", "展", "，", "开展", "主题教育"])])
    assert count_token_terms(tokens, ["主题教育"], st)["count"].tolist() == [1]


def test_token_kwic_cuts_context_at_the_sentence():
    from tifa.terms import token_kwic, token_term_matches
    from conftest import token_table

    tokens = token_table([("d", 2020, 1, ["增强", "四个意识", "，", "坚定", "四个自信"])])
    sentences = pd.DataFrame({"doc_id": ["d"], "sent_id": [0], "text": ["增强四个意识，坚定四个自信"]})
    k = token_kwic(token_term_matches(tokens, ["四个意识"], ST), sentences, 3)
    assert k[["left", "term", "right"]].values.tolist() == [["增强", "四个意识", "，坚定"]]


# --- helpers of the faster counting (issue 17, scale) ---------------------------------------------------
def test_sentence_tokens_equal_grouping_by_sentence_in_token_order():
    from tifa.terms import sentence_tokens
    from conftest import token_table

    tokens = token_table([("a", 2020, 1, ["增强", "四个意识"]), ("b", 2021, 1, ["坚定", "四个自信"]),
                          ("a", 2020, 2, ["两个", "维护"])])
    tokens["pos"] = [f"p{i}" for i in range(len(tokens))]
    shuffled = tokens.sample(frac=1, random_state=0)
    want = {k: (g["token"].tolist(), g["pos"].tolist()) for k, g in
            shuffled.sort_values(["doc_id", "token_id"], kind="stable").groupby(["doc_id", "sent_id"], sort=False)}
    got = sentence_tokens(shuffled)
    assert got == want and list(got) == list(want)
    assert got[("a", 2)] == (["两个", "维护"], ["p4", "p5"])
    # a row without a sentence belongs to none
    assert sentence_tokens(tokens.assign(sent_id=tokens["sent_id"].where(tokens["token"] != "坚定")))[("b", 1.0)] == (
        ["四个自信"], ["p3"])


def test_term_starts_find_what_the_term_regex_finds():
    from tifa.terms import _term_regex, _term_starts

    for text, term in [("全市第三产业，三产三产，十三产", "三产"), ("两个维护两个维护", "两个维护"), ("aaaa", "aa"), ("", "三产")]:
        assert _term_starts(text, term, ST) == [m.start() for m in _term_regex(term, ST).finditer(text)]


# --- the vectorised substring count and token plumbing (issue 17, scale) --------------------------------
def _count_terms_reference(body: pd.DataFrame, terms: list[str], st) -> pd.DataFrame:
    """``count_terms`` the plain way: every term searched in every paragraph (``find_term``), nesting
    tested pair by pair."""
    terms = sorted(set(terms), key=lambda t: (-len(t), t))
    rows = []
    for doc_id, year, para_id, text in body[["doc_id", "year", "para_id", "text"]].itertuples(index=False):
        found = {t: occ for t in terms if (occ := find_term(text, t, st))}
        for term, occ in found.items():
            longer = [sp for t2, s2 in found.items() if len(t2) > len(term) for sp in s2]
            rows.append((doc_id, year, para_id, term, len(occ), sum(any(a <= s and e <= b for a, b in longer)
                                                                    for s, e in occ)))
    out = pd.DataFrame(rows, columns=["doc_id", "year", "para_id", "term", "count", "nested"])
    return out.sort_values(["doc_id", "para_id", "term"], kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("seed", range(10))
def test_count_terms_equals_the_per_paragraph_reference_on_random_texts(seed, tmp_path):
    """Numerals before a numeral-led term, terms that overlap themselves (哈哈 in 哈哈哈), one-character
    terms, nesting, a listed false match, a character outside the BMP and a term at a paragraph's edge."""
    import numpy as np

    rng = np.random.default_rng(seed)
    alphabet = list("一三十第两个维护做到决产哈哈ab3") + ["𠀀", " "]
    paras = ["".join(rng.choice(alphabet, size=int(rng.integers(0, 80)))) for _ in range(60)]
    paras += ["坚决做到两个维护两个维护维护", "哈哈哈哈，第三产三产", "𠀀产aba3a"]
    body = body_paragraphs(pd.DataFrame({"doc_id": rng.choice(["x", "y", "z"], size=len(paras)), "year": 2020,
                                         "para_id": range(len(paras)), "kind": "body", "text": paras}))
    terms = ["三产", "两个维护", "做到两个维护", "哈哈", "哈", "一", "十三", "维护维护", "𠀀产", "3a", "产三产", "aba",
             "三三", "个"]
    st, _ = settings_with(tmp_path, "两个维护,决两个维护,test\n哈,哈哈哈,test\n")
    for s in [st, ST]:
        got, want = count_terms(body, terms, s), _count_terms_reference(body, terms, s)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert len(want) > 10 and want["nested"].sum() > 0


def test_all_term_starts_equal_term_starts_one_term_at_a_time():
    from tifa.terms import _all_term_starts, _term_starts

    text = "\x00".join(["全市第三产业，三产三产，十三产", "两个维护两个维护", "aaaaa", "", "哈哈哈哈哈", "𠀀𠀀𠀀三产"])
    terms = ["三产", "两个维护", "aa", "aaa", "a", "哈哈", "哈哈哈", "𠀀𠀀", "不在", "产"]
    got = _all_term_starts(text, terms, ST)
    assert {t: got[t].tolist() for t in terms} == {t: _term_starts(text, t, ST) for t in terms}
    assert _all_term_starts("", ["三产"], ST)["三产"].tolist() == [] and _all_term_starts("三产", [], ST) == {}


def test_nested_flags_equal_the_pairwise_test():
    import numpy as np
    from tifa.terms import _nested_flags

    rng = np.random.default_rng(3)
    starts = rng.integers(0, 30, size=200)
    lengths = rng.integers(1, 6, size=200)
    want = [any(starts[j] <= starts[i] and starts[i] + lengths[i] <= starts[j] + lengths[j] and lengths[j] > lengths[i]
                for j in range(len(starts))) for i in range(len(starts))]
    assert _nested_flags(starts, lengths).tolist() == want and any(want) and not all(want)
    assert _nested_flags(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)).tolist() == []


def test_token_order_and_sentence_numbers_equal_sorting_and_grouping():
    import numpy as np
    from tifa.terms import _doc_token_order, _sentence_numbers

    rng = np.random.default_rng(5)
    n = 300
    tokens = pd.DataFrame({"doc_id": rng.choice(["b", "a", "c10", "c9"], size=n), "token_id": rng.integers(0, 40, size=n),
                           "sent_id": rng.integers(0, 6, size=n)})
    for t in [tokens, tokens.sort_values(["doc_id", "token_id"], kind="stable"),
              tokens.assign(doc_id=tokens["doc_id"].where(tokens.index % 17 != 0)),          # a row without a document
              tokens.assign(sent_id=tokens["sent_id"].where(tokens.index % 13 != 0))]:       # rows without a sentence
        t = t.set_axis(range(100, 100 + len(t)))   # positions, not labels
        want = t.reset_index(drop=True).sort_values(["doc_id", "token_id"], kind="stable")
        rows = _doc_token_order(t)
        assert rows.tolist() == want.index.tolist()
        assert _sentence_numbers(t, rows).tolist() == (want.groupby(["doc_id", "sent_id"], sort=False).ngroup()
                                                       .fillna(-1).astype(int).tolist())


def test_token_matches_of_a_shuffled_table_equal_those_of_the_sorted_one():
    from tifa.terms import sentence_tokens, token_kwic, token_term_matches
    from conftest import token_table

    tokens = token_table([("a", 2020, 1, ["增强", "四个", "意识", "，", "四个意识"]), ("b", 2021, 1, ["坚定", "四个自信"]),
                          ("a", 2020, 2, ["两个", "维护", "四个意识"]), ("c", 2022, 1, [" ", "四个", " ", "意识"])])
    shuffled = tokens.sample(frac=1, random_state=2).set_axis(range(len(tokens), 2 * len(tokens)))
    terms = ["四个意识", "两个维护", "四个自信", "维护"]
    want = token_term_matches(tokens, terms, ST)
    assert want["term"].tolist() == ["四个意识", "四个意识", "两个维护", "维护", "四个意识", "四个自信", "四个意识"]
    pd.testing.assert_frame_equal(token_term_matches(shuffled, terms, ST), want, check_exact=True)
    assert sentence_tokens(shuffled) == sentence_tokens(tokens)
    sentences = (tokens.groupby(["doc_id", "sent_id"], as_index=False)["token"].agg("".join)
                 .rename(columns={"token": "text"}))
    k = token_kwic(want, pd.concat([sentences, sentences.assign(sent_id=99)]), 2)
    assert k["left"].tolist() == ["增强", "识，", "", "两个", "维护", "坚定", ""]
