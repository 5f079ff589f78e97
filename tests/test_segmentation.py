"""Segmentation: lexicon integrity, the tokenizer, the token table, stopwords, the gold standard."""
from __future__ import annotations

import logging
import math
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tifa.config import CACHE, GOLD, LEXICON, PROCESSED, project_paths
from tifa.files import LexiconError, read_table
from tifa.segmentation import (
    check_gold_coverage, check_hmm_choice, check_lexicon_integrity, check_tokenizer_agreement, CHECK_COLUMNS,
    checks_details, checks_summary, codebook_terms, gold_mapping, is_punct, lexicon_integrity, parallel_tokens,
    plain_jieba, protected_terms, RARE_IDEOGRAPHS, read_gold, read_split_exceptions, read_userdict, read_wordlist,
    require_tokens_rejoin, sample_gold_sentences, sample_rows, SEGMENT_HMM, segmentation_errors,
    segmentation_scores, STOPWORD_FILES, stopwords, token_pieces, tokenize_sentences, tokenizer,
)
from tifa.files import CorpusError

SENTENCES = PROCESSED / "sentences.csv"
TOKENS = PROCESSED / "tokens.csv"
GOLD = GOLD / "segmentation_gold.txt"


@pytest.fixture(scope="module")
def seg():
    return tokenizer()


@pytest.fixture(scope="module")
def sentences():
    assert SENTENCES.exists(), f"{SENTENCES} missing: run notebook 01"
    return pd.read_csv(SENTENCES, keep_default_na=False, dtype={"text": str})


@pytest.fixture(scope="module")
def tokens():
    assert TOKENS.exists(), f"{TOKENS} missing: run notebook 02"
    return pd.read_csv(TOKENS, keep_default_na=False, dtype={"token": str, "pos": str})


# --- lexicon files -----------------------------------------------------------------------------
def test_userdict_is_valid_and_has_the_issue_terms():
    words = {w for w, _, _ in read_userdict(LEXICON / "userdict.txt")}
    for term in ["四个意识", "两个维护", "2+N", "12+9+N", "习近平新时代中国特色社会主义思想", "六稳", "六保",
                 "三大攻坚战", "十四五", "稳中求进", "供给侧结构性改革", "乡村振兴", "营商环境", "创文",
                 "扫黑除恶", "清廉卫东", "卫东区", "平煤神马", "互联网+", "PM2.5"]:
        assert term in words, term


@pytest.mark.parametrize("bad, why", [
    ("四个意识 20000 NZ", "upper-case tag"),
    ("四个意识 nz", "missing frequency"),
    ("四个意识", "word alone"),
    ("四个意识  20000 nz", "double space"),
    ("四个意识 020000 nz", "leading zero"),
    ("四个意识 -5 nz", "negative frequency"),
    ("双随机、一公开 20000 nz", "punctuation jieba never keeps in a token"),
    ("《求是》 20000 nz", "book-title marks"),
    ("ＧＤＰ 20000 nz", "full-width letters (not NFKC)"),
    ("六稳 20000 nz", "duplicate of line 2"),
])
def test_malformed_userdict_line_names_file_and_line(tmp_path, bad, why):
    path = tmp_path / "userdict.txt"
    path.write_text(f"# header\n六稳 20000 nz\n{bad}\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=rf"{re.escape(str(path))} line 3"):
        read_userdict(path)


def test_userdict_comment_lines_and_order(tmp_path):
    path = tmp_path / "u.txt"
    path.write_text("# a\n\n2+N 10 nz\n# b\n六稳 5 nz\n", encoding="utf-8")
    assert read_userdict(path) == [("2+N", 10, "nz"), ("六稳", 5, "nz")]


def test_stopword_files_hold_no_counted_term():
    protected = protected_terms()
    for name in STOPWORD_FILES:
        listed = set(read_wordlist(LEXICON / name))
        clash = sorted(listed & protected)
        assert not clash, f"{name} lists terms the project counts: {clash}"
    assert not stopwords() & protected
    # the mobilisation words that common lists (e.g. Baidu's) carry must stay countable
    assert not stopwords() & {"加强", "坚持", "全面", "重要", "推进", "深入", "落实", "全力"}


def test_stopwords_are_subtracted_even_if_a_file_lists_a_counted_term(tmp_path):
    (tmp_path / "userdict.txt").write_text("稳中求进 10 l\n", encoding="utf-8")
    (tmp_path / "stopwords_general.txt").write_text("# h\n的\n稳中求进\n", encoding="utf-8")
    (tmp_path / "stopwords_domain.txt").write_text("指出\n", encoding="utf-8")
    assert stopwords(tmp_path) == frozenset({"的", "指出"})


def test_codebook_terms_are_in_reach_of_the_tokenizer(seg):
    """Every codebook term (or each part of one written with 、/·) is a single token when cut alone."""
    for name, terms in codebook_terms().items():
        for term in sorted(terms):
            for piece in token_pieces(term):
                assert seg.cut(piece) == [piece], f"{name}: {piece!r} is cut {seg.cut(piece)}"


# --- the tokenizer -------------------------------------------------------------------------------
@pytest.mark.parametrize("text, unit", [
    ("以“2+N”重点工作运行机制为引领", "2+N"),
    ("共同构建了“12+9+N”多元招商格局", "12+9+N"),
    ("全面推进“互联网+政务服务”", "互联网+"),
    ("确保PM2.5浓度稳定下降", "PM2.5"),
    ("进一步增强“四个意识”、坚定“四个自信”、做到“两个维护”", "两个维护"),
    ("以习近平新时代中国特色社会主义思想为指导", "习近平新时代中国特色社会主义思想"),
])
def test_formulae_stay_whole(seg, text, unit):
    tokens = seg.cut(text)
    assert unit in tokens, tokens
    assert "".join(tokens) == text


def test_tokenizer_is_configured_once_with_a_project_cache(seg):
    assert tokenizer() is seg
    assert seg.jieba.tmp_dir == str(CACHE)
    assert (CACHE / "jieba.cache").exists()
    assert logging.getLogger("jieba").level >= logging.WARNING


@pytest.mark.parametrize("hmm", [True, False])
def test_rjieba_tokens_equal_jieba_tokens_on_the_corpus(sentences, hmm):
    seg = tokenizer(hmm=hmm)
    texts = sentences["text"].tolist()
    diff = [t for t in texts if seg.cut(t) != seg.jieba_cut(t)]
    assert len(texts) > 100 and not diff, diff[:3]


def test_no_lexicon_term_is_ever_split(seg, sentences):
    """For every userdict and codebook term: tokens containing it == its occurrences in the clean text
    (less the documented straddling occurrences of split_exceptions.csv)."""
    texts = sentences["text"].tolist()
    terms = {p for t in protected_terms() for p in token_pieces(t)}
    report = lexicon_integrity(texts, [seg.cut(t) for t in texts], terms, read_split_exceptions())
    bad = report[~report["ok"]]
    assert bad.empty, bad.to_string()
    assert (report["expected"] > 0).sum() > 300  # the test has teeth: hundreds of terms occur


def test_split_exceptions_are_real_and_current(seg, sentences):
    """Each documented exception occurs in the corpus, and there the term is not a token or inside one."""
    texts = sentences["text"].tolist()
    for term, context in read_split_exceptions()[["term", "context"]].itertuples(index=False):
        hits = [t for t in texts if context in t]
        assert hits, f"exception {context!r} no longer occurs in the corpus: remove it"
        for text in hits:  # the exception is needed: fewer tokens hold the term than the text has
            assert sum(tok.count(term) for tok in seg.cut(text)) < text.count(term), (term, text)


def test_an_unexcused_split_is_reported():
    report = lexicon_integrity(["居民生活很好，民生改善"], [["居民", "生活", "很", "好", "，", "民生", "改善"]], {"民生"})
    assert not report.loc[0, "ok"] and report.loc[0, "expected"] == 2 and report.loc[0, "in_tokens"] == 1
    exc = pd.DataFrame({"term": ["民生"], "context": ["居民生活"], "reason": ["straddles"]})
    assert lexicon_integrity(["居民生活很好，民生改善"], [["居民", "生活", "很", "好", "，", "民生", "改善"]],
                               {"民生"}, exc).loc[0, "ok"]


def test_keep_apart_entries_never_come_out_whole(seg, sentences):
    apart = [w for w, freq, _ in seg.entries if freq == 0]
    assert apart and not set(apart) & protected_terms()
    tokens = {tok for t in sentences["text"] for tok in seg.cut(t)}
    assert not set(apart) & tokens
    assert seg.cut("全面落实") == ["全面", "落实"] and seg.cut("大力发展") == ["大力", "发展"]


def test_pos_tags_align_with_tokens_and_agree_with_posseg(seg, sentences):
    """One tag per token; wherever posseg produced the same token span, the tag is posseg's."""
    agree = 0
    for text in sentences["text"]:
        tokens = seg.cut(text)
        tags = seg.tag_sentence(text, tokens)
        assert len(tags) == len(tokens) and all(tags)
        pairs = seg.posseg.lcut(text, HMM=seg.hmm)
        if [p.word for p in pairs] == tokens:
            assert tags == [p.flag for p in pairs], text
            agree += 1
    assert agree > 100


def test_tags_do_not_shift_where_posseg_cuts_differently(seg):
    text = "同比增长7.5%，确保PM2.5达标"
    tokens = seg.cut(text)
    assert [p.word for p in seg.posseg.lcut(text)] != tokens  # posseg cuts 7.5% apart
    tags = dict(zip(tokens, seg.tag_sentence(text, tokens)))
    assert tags["7.5%"] == "m" and tags["PM2.5"] == "nz" and tags["增长"] == "v"


def test_tag_falls_back_when_posseg_would_split_the_token(seg):
    assert seg.tag("7.5%") == "m"
    assert seg.tag("2+N") == "nz"  # from the lexicon
    assert seg.tag("COVID-19") == "eng"


def test_is_punct():
    assert is_punct("，") and is_punct("“") and is_punct(" ") and is_punct("≈")
    assert not is_punct("7.5%") and not is_punct("2+N") and not is_punct("的")


def test_tokenize_sentences_keeps_everything(seg):
    df = pd.DataFrame({"doc_id": ["a", "a", "b"], "year": [2020, 2020, 2021], "para_id": [0, 1, 0],
                       "sent_id": [0, 1, 0], "text": ["抓“六稳”、促“六保”。", "增长 7.5%,的确。", "指出：稳中求进。"]})
    out = tokenize_sentences(df, seg, frozenset({"的确", "指出"}))
    assert list(out.columns) == ["doc_id", "year", "para_id", "sent_id", "token_id", "token", "pos", "is_punct", "is_stop"]
    assert out.groupby(["doc_id", "sent_id"])["token"].agg("".join).tolist() == df["text"].tolist()
    assert out[out.doc_id == "a"]["token_id"].tolist() == list(range((out.doc_id == "a").sum()))
    assert set(out[out.is_stop]["token"]) == {"的确", "指出"}
    assert "六稳" in set(out["token"]) and out.loc[out.token == "，", "is_punct"].all() if "，" in set(out.token) else True


# --- the token table -------------------------------------------------------------------------------
def test_token_table_rejoins_exactly_to_the_clean_sentences(tokens, sentences):
    assert list(tokens.columns) == ["doc_id", "year", "para_id", "sent_id", "token_id", "token", "pos",
                                    "is_punct", "is_stop"]
    joined = tokens.groupby(["doc_id", "sent_id"], sort=False)["token"].agg("".join)
    expected = sentences.set_index(["doc_id", "sent_id"])["text"]
    assert joined.sort_index().equals(expected.sort_index())
    for _, grp in tokens.groupby("doc_id"):
        assert grp["token_id"].tolist() == list(range(len(grp)))
    assert (tokens["pos"] != "").all() and (tokens["token"] != "").all()


def test_token_table_marks_punctuation_and_stopwords(tokens):
    punct = tokens[tokens["is_punct"]]
    assert len(punct) > 100 and punct["token"].map(is_punct).all()
    stop = stopwords()
    assert (tokens["is_stop"] == tokens["token"].isin(stop)).all()


# --- gold standard and scoring ---------------------------------------------------------------------
def test_gold_standard_maps_back_to_the_clean_sentences(sentences):
    gold = read_gold(GOLD)
    assert len(gold) >= 200 and not gold.duplicated(["doc_id", "sent_id"]).any()
    assert set(gold["doc_id"]) == set(sentences["doc_id"])  # stratified: every document sampled
    text = sentences.set_index(["doc_id", "sent_id"])["text"].map(lambda s: re.sub(r"\s", "", s))
    for row in gold.itertuples():
        assert text.loc[(row.doc_id, row.sent_id)] == row.text, (row.doc_id, row.sent_id)


def test_gold_standard_keeps_the_lexicon_entries_whole():
    gold = read_gold(GOLD)
    entries = [w for w, freq, _ in read_userdict(LEXICON / "userdict.txt") if freq > 0]
    for row in gold.itertuples():
        for term in entries:
            n = row.text.count(term)
            if n:
                assert sum(tok.count(term) for tok in row.tokens) == n, (row.doc_id, row.sent_id, term)


def test_read_gold_rejects_a_malformed_line(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("# h\nd1\t3\t我们 坚持\nd1\t4\t我们  坚持\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"g.txt line 3"):
        read_gold(path)


def test_scores_on_a_hand_computed_example():
    gold = [["卫东区", "坚持", "稳中求进"], ["六稳", "、", "六保"]]
    pred = [["卫东", "区", "坚持", "稳中求进"], ["六稳", "、", "六", "保"]]
    s = segmentation_scores(gold, pred)
    assert (s["correct"], s["gold_words"], s["predicted_words"]) == (4, 6, 8)
    assert s["precision"] == pytest.approx(0.5) and s["recall"] == pytest.approx(4 / 6)
    errors = segmentation_errors(gold, pred)
    assert errors[["gold", "predicted"]].values.tolist() == [["卫东区", "卫东/区"], ["六保", "六/保"]]
    with pytest.raises(ValueError, match="sentence 0"):
        segmentation_scores([["ab"]], [["ac"]])


def test_scores_ignore_whitespace_tokens():
    s = segmentation_scores([["5.6", "亿元"]], [["5.6", " ", "亿元"]])
    assert s["f1"] == 1.0


def test_stratified_sample_is_seeded_and_proportional():
    df = pd.DataFrame({"doc_id": ["a"] * 60 + ["b"] * 30 + ["c"] * 10, "sent_id": list(range(100)), "text": "x"})
    s1, s2 = sample_gold_sentences(df, 20), sample_gold_sentences(df, 20)
    assert s1.equals(s2) and len(s1) == 20
    assert s1["doc_id"].value_counts().to_dict() == {"a": 12, "b": 6, "c": 2}


def test_gold_never_holds_a_kept_apart_word():
    apart = {w for w, freq, _ in read_userdict(LEXICON / "userdict.txt") if freq == 0}
    gold = read_gold(GOLD)
    assert not apart & {tok for toks in gold["tokens"] for tok in toks}


def test_hmm_setting_is_the_one_the_gold_standard_prefers():
    gold = read_gold(GOLD)
    f1 = {hmm: segmentation_scores(gold["tokens"].tolist(), [tokenizer(hmm=hmm).cut(t) for t in gold["text"]])["f1"]
          for hmm in (True, False)}
    assert max(f1, key=f1.get) == SEGMENT_HMM
    plain = plain_jieba()
    plain_f1 = segmentation_scores(gold["tokens"].tolist(), [plain.lcut(t) for t in gold["text"]])["f1"]
    assert f1[SEGMENT_HMM] > plain_f1 + 0.03  # the lexicon must earn its keep


def test_parallel_workers_give_the_serial_tokens():
    """The worker processes of h.parallel_tokens load the lexicon themselves and cut exactly as one process."""
    import collections

    texts = read_table(project_paths(), "sentences")["text"].tolist()
    seg = tokenizer()
    serial = [seg.cut(t) for t in texts]
    assert parallel_tokens(texts, workers=2, chunk=50) == serial
    assert parallel_tokens(texts, workers=2, count=True, chunk=50) == collections.Counter(
        t for tokens in serial for t in tokens)



# --- the tokenizer contract: cut == jieba.lcut with the same lexicon, on any text ---------------------
REAL_TEXT = [
    "于1-2年内完成", "2019-2023年累计投资", "增长3.5%-4%", "建成5G-A基站", "登录www.in-paku.go.jp查询",
    "来信请寄caibian3@peopledaily.com.cn", "警惕happynewyear.txt.vbs病毒", "0-6岁儿童", "v1.2.3版本发布",
    "详见https://www.gov.cn/zhengce/2023-01/01/content_5739511.htm。", "办公时间9:00-17:00",
    "COVID-19疫情", "e-mail地址", "config_file.json与README.md", "1.2.3.4", "a1-23b",
    "The report, published in 2023, covers 31 provinces.", "Hello world. This is a test-case.",
    "全年ＧＤＰ增长１２３亿元，ＡＢＣ公司", "推动“5G+工业互联网”融合发展", "PM2.5浓度下降", "以“2+N”为引领",
    "共同构建了“12+9+N”多元招商格局", "C++与C#", "第1-3季度", "3-5家", "2.5-3.0倍", "1..2与--",
    "人名㐀㐀与鿖字、豈及𠀀", "国建鿖5展", "行\r\n间\t制表", "全角空格\u3000在此",
]


@pytest.mark.parametrize("hmm", [True, False])
@pytest.mark.parametrize("text", REAL_TEXT)
def test_cut_equals_jieba_on_ascii_runs_and_rare_characters(text, hmm):
    seg = tokenizer(hmm=hmm)
    assert seg.cut(text) == seg.jieba_cut(text)
    assert "".join(seg.cut(text)) == text


def test_rjieba_alone_differs_where_the_cut_mends_it(seg):
    """The mending has work to do (else the tests above prove nothing): rjieba keeps these whole."""
    for text, whole in [("于1-2年内", "1-2"), ("建成5G-A基站", "5G-A"), ("登录www.in-paku.go.jp查询", "www.in-paku.go.jp"),
                        ("caibian3@peopledaily.com.cn", "peopledaily.com.cn"), ("happynewyear.txt.vbs", "happynewyear.txt.vbs")]:
        assert whole in seg.rjieba_cut(text)
        assert whole not in seg.cut(text) and seg.cut(text) == seg.jieba_cut(text)
    assert seg.cut("于1-2年内") == ["于", "1", "-", "2", "年内"]


def test_only_the_measured_characters_make_rjieba_differ(seg):
    """Over every code point: outside '-', '.', '_' and RARE_IDEOGRAPHS rjieba's raw cut is jieba's,
    so texts without them may skip the mending (the fast path of Segmenter.cut)."""
    rare = re.compile(f"[{RARE_IDEOGRAPHS}]")
    differ = []
    for cp in list(range(0x20, 0xD800)) + list(range(0xE000, 0x32000)):
        c = chr(cp)
        if c in "-._" or rare.match(c):
            continue
        text = "中" + c + c + "文x" + c + c + "1" + c + "a"
        if seg.rjieba_cut(text) != seg.jieba_cut(text):
            differ.append(hex(cp))
    assert not differ, differ[:20]


def _route_logprob(seg, tokens):
    """log P of a cut under jieba's dictionary (HMM off): sum of log(freq or 1) - log(total)."""
    jt = seg.jieba
    return sum(math.log(jt.FREQ.get(t) or 1) - math.log(jt.total) for t in tokens)


def _is_route_tie(seg, text):
    """rjieba and jieba pick different dictionary routes of equal probability (a floating-point tie)."""
    plain = tokenizer(hmm=False)
    ours, ref = plain.rjieba_cut(text), plain.jieba_cut(text)
    return ours != ref and abs(_route_logprob(seg, ours) - _route_logprob(seg, ref)) < 1e-9


MIXED = st.lists(st.one_of(
    st.sampled_from(list("中国人民发展经济建设年月日工作互联网工业推进全面落实于至个张三李")),
    st.sampled_from(list("abcxyzABCGNPM0123456789-._+#&%@:/ \n\t")),
    st.sampled_from(list("１２３ＡＢＣ－．，。、“”：（）") + ["㐀", "鿖", "豈", "𠀀", "\r\n"]),
    st.sampled_from(["5G", "2+N", "PM2.5", "互联网+", "12+9+N", "COVID-19", "www.gov.cn", "a@b.com", "1-2", "3.5%",
                     "v1.2.3", "C++", "Hello world."])), max_size=40).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MIXED, st.booleans())
def test_cut_equals_jieba_on_generated_mixed_text(text, hmm):
    """CJK, ASCII punctuation, full-width and rare characters mixed: jieba's tokens, except where the two
    engines break a tie of two equally probable dictionary routes differently (日日日进, 推推推)."""
    seg = tokenizer(hmm=hmm)
    ours, ref = seg.cut(text), seg.jieba_cut(text)
    assert "".join(ours) == text
    assert ours == ref or _is_route_tie(seg, text), (ours, ref)


@pytest.mark.parametrize("hmm", [True, False])
def test_the_one_known_disagreement_is_a_route_tie(hmm):
    seg = tokenizer(hmm=hmm)
    assert seg.cut("日日日进") != seg.jieba_cut("日日日进") and _is_route_tie(seg, "日日日进")


def test_mending_keeps_user_words_with_hyphens(tmp_path):
    path = tmp_path / "userdict.txt"
    path.write_text("COVID-19 20000 nz\n5G-A 20000 nz\n", encoding="utf-8")
    for hmm in (True, False):
        seg = tokenizer(hmm=hmm, userdict=path)
        for text in ["COVID-19疫情防控", "建成5G-A基站，1-2年内", "5G-A-1"]:
            assert seg.cut(text) == seg.jieba_cut(text)
        assert "COVID-19" in seg.cut("COVID-19疫情防控")


# --- checks that report instead of stopping the run ----------------------------------------------------
def _sentences(texts):
    return pd.DataFrame({"doc_id": ["d"] * len(texts), "year": 2020, "para_id": 0,
                         "sent_id": list(range(len(texts))), "text": texts})


def test_agreement_check_samples_with_the_seed_and_states_its_size():
    texts = [f"第{i}句，于1-2年内完成。" for i in range(50)]
    segs = [tokenizer(hmm=True), tokenizer(hmm=False)]
    r = check_tokenizer_agreement(_sentences(texts), segs, sample=10, seed=7)
    assert (r.checked, r.population, r.n_problems) == (10, 50, 0)
    assert "a seeded random sample of 10 of the 50 sentences" in r.line()
    assert "10 (HMM on)" in r.note  # rjieba alone would have cut every one of them otherwise
    assert sample_rows(50, 10, 7).tolist() == sample_rows(50, 10, 7).tolist() != sample_rows(50, 10, 8).tolist()
    assert check_tokenizer_agreement(_sentences(texts[:5]), segs, sample=10).checked == 5  # all when fewer


def test_agreement_check_lists_a_disagreeing_sentence():
    class Off:  # a cutter that differs from jieba: the check must find it, not crash
        hmm = True
        def cut(self, t): return [t]
        def rjieba_cut(self, t): return [t]
        def jieba_cut(self, t): return list(t)
    r = check_tokenizer_agreement(_sentences(["好的", "是"]), [Off()])
    assert r.n_problems == 1 and r.problems.loc[0, "sent_id"] == 0
    assert list(r.problems.columns) == CHECK_COLUMNS and "好/的 -> 好的" in r.problems.loc[0, "detail"]


def test_lexicon_integrity_check_lists_the_sentences():
    sent = _sentences(["居民生活很好，民生改善", "民生", "别的"])
    cut = [["居民", "生活", "很", "好", "，", "民", "生", "改善"], ["民生"], ["别的"]]
    integrity = lexicon_integrity(sent["text"].tolist(), cut, {"民生"})
    r = check_lexicon_integrity(sent, cut, integrity)
    assert r.n_problems == 1 and r.problems.loc[0, "sent_id"] == 0
    assert r.problems.loc[0, "detail"] == "民生: 2 occurrence(s), 0 in tokens; cut 居民/生活, 民/生"
    exc = pd.DataFrame({"term": ["民生"], "context": ["居民生活"], "reason": ["straddles"]})
    r = check_lexicon_integrity(sent, cut, lexicon_integrity(sent["text"].tolist(), cut, {"民生"}, exc), exc)
    assert r.problems.loc[0, "detail"].startswith("民生: 1 occurrence(s), 0 in tokens")


def test_gold_coverage_and_hmm_checks_report():
    gold = pd.DataFrame({"doc_id": ["d", "d", "x"], "sent_id": [0, 1, 0], "tokens": [["a"], ["b"], ["c"]],
                         "text": ["好的", "别", "c"]})
    mapping = gold_mapping(gold, _sentences(["好 的", "是"]))
    assert mapping["mapped"].tolist() == [True, False, False] and mapping.loc[0, "input"] == "好 的"
    r = check_gold_coverage(mapping)
    assert r.n_problems == 2 and "another text" in r.problems.loc[0, "detail"]
    foreign = check_gold_coverage(gold_mapping(gold, _sentences(["别的"]).assign(doc_id="z")))
    assert foreign.n_problems == 0 and "None of the 3 gold lines" in foreign.note  # another corpus's gold
    scores = pd.DataFrame({"dictionary": ["project lexicon"] * 2, "HMM": ["on", "off"], "f1": [0.90, 0.95]})
    assert check_hmm_choice(scores, hmm=True).n_problems == 1 and check_hmm_choice(scores, hmm=False).n_problems == 0
    summary = checks_summary([r, check_hmm_choice(scores, hmm=True)])
    assert summary["problems"].tolist() == [2, 1]
    assert len(checks_details([r])) == 2 and list(checks_details([]).columns) == CHECK_COLUMNS


def test_tokens_that_do_not_rejoin_stop_the_run_naming_the_sentence(seg):
    sent = _sentences(["抓“六稳”。", "促“六保”。"])
    tokens = tokenize_sentences(sent, seg, frozenset())
    require_tokens_rejoin(tokens, sent)
    broken = tokens.copy()
    broken.loc[broken.index[-1], "token"] = "!"
    with pytest.raises(CorpusError, match=r"doc_id=d sent_id=1.*促“六保”"):
        require_tokens_rejoin(broken, sent)


# --- the held-out gold test, the score table and annotator agreement (issue 15) ----------------------------
from tifa.config import SEED
from tifa.segmentation import (
    GOLD_TEST_SEED,
    GOLD_TEST_SIZE,
    SCORE_COLUMNS,
    annotator_agreement,
    check_gold_test_draw,
    gold_test_sample,
    read_gold_sample,
    segmentation_score_row,
    segmentation_score_table,
)

GOLD_TEST = GOLD.parent / "segmentation_gold_test.txt"
GOLD_TEST_SAMPLE = GOLD.parent / "segmentation_gold_test_sample.tsv"


def _gold(rows):
    """A read_gold-like table from (doc_id, sent_id, tokens) tuples."""
    return pd.DataFrame([(d, s, t, "".join(t)) for d, s, t in rows], columns=["doc_id", "sent_id", "tokens", "text"])


def test_score_row_on_a_hand_checked_example():
    gold = [["我们", "爱", "四个意识", "。"]]
    pred = [["我们", "爱", "四个", "意识", "。"]]
    row = segmentation_score_row(gold, pred, {"四个意识", "六稳"})
    # spans: gold 4, predicted 5, shared 3 (我们, 爱, 。)
    assert row["precision"] == pytest.approx(3 / 5) and row["recall"] == pytest.approx(3 / 4)
    assert row["f1"] == pytest.approx(2 / 3)
    # without 。: gold 3, predicted 4, shared 2 -> P 1/2, R 2/3, F1 4/7
    assert row["f1_no_punct"] == pytest.approx(4 / 7)
    assert row["recall_lexicon_words"] == 0.0  # 四个意识 is cut
    assert row["recall_other_words"] == 1.0  # 我们, 爱 found; 。 counts in neither
    assert (row["n_sentences"], row["n_gold_tokens"]) == (1, 4)


def test_score_row_splits_recall_by_lexicon_membership():
    gold = [["抓", "六稳", "、", "促", "六保"], ["卫东区", "好"]]
    pred = [["抓", "六稳", "、", "促", "六", "保"], ["卫东", "区好"]]
    row = segmentation_score_row(gold, pred, {"六稳", "六保", "卫东区"})
    assert row["recall_lexicon_words"] == pytest.approx(1 / 3)  # 六稳 of 六稳, 六保, 卫东区
    assert row["recall_other_words"] == pytest.approx(2 / 3)  # 抓, 促 of 抓, 促, 好
    assert math.isnan(segmentation_score_row([["好"]], [["好"]], set())["recall_lexicon_words"])


def test_score_table_keeps_the_order_and_columns():
    golds = {"dev": [["六稳", "好"]], "test": [["六保"]]}
    preds = {("dev", "a"): [["六", "稳", "好"]], ("test", "a"): [["六保"]], ("dev", "b"): [["六稳", "好"]]}
    table = segmentation_score_table(golds, preds, {"六稳"})
    assert table.columns.tolist() == SCORE_COLUMNS
    assert table[["split", "configuration"]].values.tolist() == [["dev", "a"], ["test", "a"], ["dev", "b"]]
    assert table["f1"].tolist() == pytest.approx([0.4, 1.0, 1.0])
    assert table["n_sentences"].tolist() == [1, 1, 1]


def test_gold_test_sample_excludes_the_dev_gold_and_is_seeded():
    df = pd.DataFrame({"doc_id": ["a"] * 60 + ["b"] * 40, "sent_id": list(range(100)), "text": "x"})
    dev = df[df["sent_id"] % 2 == 0]
    s1, s2 = gold_test_sample(df, dev, 10, 7), gold_test_sample(df, dev, 10, 7)
    assert s1.equals(s2) and len(s1) == 10 and (s1["sent_id"] % 2 == 1).all()
    assert s1["doc_id"].value_counts().to_dict() == {"a": 6, "b": 4}
    assert GOLD_TEST_SEED == SEED + 1


def test_gold_test_draw_check():
    gold = _gold([("a", 1, ["好"]), ("a", 2, ["好"])])
    sample = pd.DataFrame({"doc_id": ["a", "a"], "sent_id": [1, 2], "text": ["好", "好"]})
    assert check_gold_test_draw(gold, sample, sample).n_problems == 0
    other = pd.DataFrame({"doc_id": ["a", "a"], "sent_id": [1, 3], "text": ["好", "坏"]})
    report = check_gold_test_draw(gold, sample, other)
    assert report.problems[["sent_id", "detail"]].values.tolist() == [
        [2, "not in the draw repeated"], [3, "not in the gold test nor the committed draw"]]
    elsewhere = pd.DataFrame({"doc_id": ["z"], "sent_id": [9], "text": ["好"]})
    report = check_gold_test_draw(gold, sample, elsewhere)
    assert report.n_problems == 0 and "does not come from this corpus" in report.note


def test_annotator_agreement_on_a_hand_checked_example():
    a = _gold([("d", 1, ["四个", "意识", "好"]), ("d", 2, ["我", "爱"]), ("d", 3, ["只", "在", "a"])])
    b = _gold([("d", 2, ["我", "爱"]), ("d", 1, ["四个意识", "好"]), ("d", 4, ["只在", "b"])])
    agree = annotator_agreement(a, b)
    # spans: a 3 + 2, b 2 + 2, shared 1 + 2 -> P 3/4, R 3/5; cut points: a {2,4}+{1}, b {4}+{1} -> P 1, R 2/3
    assert agree["word_f1"] == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert agree["boundary_f1"] == pytest.approx(0.8)
    assert agree["identical_share"] == 0.5
    assert (agree["n_sentences"], agree["only_a"], agree["only_b"]) == (2, 1, 1)
    assert annotator_agreement(a, a)["word_f1"] == 1.0 and annotator_agreement(a, a)["identical_share"] == 1.0
    with pytest.raises(ValueError, match="sent_id=1"):
        annotator_agreement(a, _gold([("d", 1, ["四个", "意思", "好"])]))


def test_gold_test_is_the_committed_draw_and_maps_back(sentences):
    test, dev = read_gold(GOLD_TEST), read_gold(GOLD)
    assert len(test) == GOLD_TEST_SIZE >= 60
    assert not set(zip(test["doc_id"], test["sent_id"])) & set(zip(dev["doc_id"], dev["sent_id"]))
    committed = read_gold_sample(GOLD_TEST_SAMPLE)
    drawn = gold_test_sample(sentences, dev)
    assert check_gold_test_draw(test, committed, drawn).n_problems == 0
    assert committed["text"].tolist() == drawn["text"].tolist()
    text = sentences.set_index(["doc_id", "sent_id"])["text"].map(lambda s: re.sub(r"\s", "", s))
    for row in test.itertuples():
        assert text.loc[(row.doc_id, row.sent_id)] == row.text, (row.doc_id, row.sent_id)
    apart = {w for w, freq, _ in read_userdict(LEXICON / "userdict.txt") if freq == 0}
    assert not apart & {tok for toks in test["tokens"] for tok in toks}


def test_an_indexed_second_annotation_takes_the_reference_ids_and_must_spell_its_text(tmp_path):
    from tifa.segmentation import annotator_agreement, read_indexed_annotation

    ref = tmp_path / "gold.txt"
    ref.write_text("# header\nd1\t3\t推进 乡村振兴 。\nd2\t7\t稳中 求进 。\n", encoding="utf-8")
    second = tmp_path / "second.txt"
    second.write_text("# blind\n1\t稳中求进 。\n", encoding="utf-8")
    b = read_indexed_annotation(second, ref)
    assert b[["doc_id", "sent_id"]].values.tolist() == [["d2", 7]] and b["tokens"][0] == ["稳中求进", "。"]
    agree = annotator_agreement(read_gold(ref), b)
    assert agree["n_sentences"] == 1 and agree["identical_share"] == 0
    second.write_text("1\t稳中求 进 ！\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="line 1: tokens do not spell sentence 1"):
        read_indexed_annotation(second, ref)
    second.write_text("# x\n5\t稳中求进 。\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="line 2: index 5 is past the 2 sentences"):
        read_indexed_annotation(second, ref)


@pytest.mark.parametrize("scheduler", ["processes", "local-dask"])
def test_tokenize_sentences_in_workers_gives_the_same_table(scheduler):
    """Cutting documents in worker processes (or on a Dask LocalCluster) gives exactly the serial table."""
    from tifa.segmentation import tokenize_sentences

    if scheduler == "local-dask":
        pytest.importorskip("dask.distributed")
    sentences = read_table(project_paths(), "sentences")
    sentences = sentences[sentences["sent_id"] <= 20]  # a few sentences of every document
    serial = tokenize_sentences(sentences, tokenizer(), scheduler="serial")
    parallel = tokenize_sentences(sentences, tokenizer(), scheduler=scheduler)
    pd.testing.assert_frame_equal(serial, parallel)
    assert serial["doc_id"].nunique() == sentences["doc_id"].nunique()
