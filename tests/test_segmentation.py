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
    codebook_terms, is_punct, lexicon_integrity, needle_hits, occurrence_counts, parallel_tokens, protected_terms,
    RARE_IDEOGRAPHS, read_split_exceptions, read_userdict, read_wordlist, STOPWORD_FILES, stopwords, token_pieces, tokenize_sentences, tokenizer,
)
from tifa.gold import read_gold

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


_SCAN_CHARS = "民生活居哈a1、\U00020000"  # a non-BMP ideograph too


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.text(alphabet=_SCAN_CHARS, max_size=30), max_size=8),
       needles=st.sets(st.text(alphabet=_SCAN_CHARS, min_size=1, max_size=5), max_size=8),
       weights=st.lists(st.integers(0, 5), min_size=8, max_size=8), chunk=st.integers(1, 40))
def test_one_scan_counts_as_str_count_does(texts, needles, weights, chunk):
    """occurrence_counts / needle_hits (one scan for all needles, in chunks) against the plain
    per-needle ``str.count``: overlapping needles (哈哈 in 哈哈哈), prefixes of each other, 1 to 5
    characters, weights, chunks of any size."""
    w = weights[:len(texts)]
    assert occurrence_counts(texts, needles, chunk_chars=chunk) == {n: sum(t.count(n) for t in texts) for n in needles}
    assert occurrence_counts(texts, needles, w, chunk) == {n: sum(k * t.count(n) for t, k in zip(texts, w)) for n in needles}
    present: dict[int, set[str]] = {}
    for first, offsets, hits in needle_hits(texts, needles, chunk):
        for n, starts in hits.items():
            for s in starts:
                i = first + int((offsets <= s).sum()) - 1
                assert texts[i].startswith(n, s - offsets[i - first]) and s + len(n) < offsets[i - first + 1]
                present.setdefault(i, set()).add(n)
    assert present == {i: {n for n in needles if n in t} for i, t in enumerate(texts) if any(n in t for n in needles)}


def test_lexicon_integrity_takes_the_token_column_as_well_as_the_cut(seg, sentences):
    """The token column of the table gives the same report as the cut (only the multiset of tokens counts)."""
    texts = sentences["text"].tolist()[:400]
    cut = [seg.cut(t) for t in texts]
    terms = {p for t in protected_terms() for p in token_pieces(t)} | {"民生", "哈哈"}
    column = pd.Series([tok for toks in cut for tok in toks])
    report = lexicon_integrity(texts, cut, terms, read_split_exceptions())
    assert report.equals(lexicon_integrity(texts, column, terms, read_split_exceptions()))
    sep = "\x00"
    plain = {t: (sep.join(texts).count(t), sep.join(column).count(t)) for t in terms}
    assert {r.term: (r.occurrences, r.in_tokens) for r in report.itertuples()} == plain


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


_REFERENCE: dict = {}


def _jieba_pos_tokenizer(seg):
    """jieba's own POSTokenizer over the segmenter's jieba (its Viterbi in Python): the reference
    (built once: reading jieba's tag table takes half a second)."""
    import jieba.posseg

    if id(seg) not in _REFERENCE:
        pt = jieba.posseg.POSTokenizer(seg.jieba)
        pt.word_tag_tab = dict(seg.posseg.word_tag_tab)
        _REFERENCE[id(seg)] = (seg, pt)
    return _REFERENCE[id(seg)][1]


@pytest.mark.parametrize("hmm", [True, False])
def test_the_numpy_viterbi_tags_exactly_as_jieba_on_the_corpus(seg, sentences, hmm):
    reference = _jieba_pos_tokenizer(seg)
    assert type(seg.posseg).__name__ == "FastPOSTokenizer" and type(reference).__name__ == "POSTokenizer"
    for text in sentences["text"]:
        assert [(p.word, p.flag) for p in seg.posseg.lcut(text, HMM=hmm)] == \
            [(p.word, p.flag) for p in reference.lcut(text, HMM=hmm)], text


_HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
_ANY = st.one_of(_HAN, st.sampled_from(list("的了是在和与及，。、0123456789ABCabcＡ１·—“”《》%-")),
                 st.characters(codec="utf-8"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=_HAN, min_size=1, max_size=14))
def test_the_numpy_viterbi_returns_what_jieba_returns(obs):
    """Score and route equal for any run of Chinese characters (what posseg hands the Viterbi)."""
    import jieba.posseg as posseg
    from jieba.posseg.viterbi import viterbi

    from tifa.segmentation import _pos_viterbi

    assert _pos_viterbi()(obs) == viterbi(obs, posseg.char_state_tab_P, posseg.start_P, posseg.trans_P, posseg.emit_P)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=_ANY, min_size=1, max_size=30))
def test_posseg_with_the_numpy_viterbi_tags_any_text_as_jieba(seg, text):
    reference = _jieba_pos_tokenizer(seg)
    for hmm in (True, False):
        assert [(p.word, p.flag) for p in seg.posseg.lcut(text, HMM=hmm)] == \
            [(p.word, p.flag) for p in reference.lcut(text, HMM=hmm)]


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


def test_gold_standard_keeps_the_lexicon_entries_whole():
    gold = read_gold(GOLD)
    entries = [w for w, freq, _ in read_userdict(LEXICON / "userdict.txt") if freq > 0]
    for row in gold.itertuples():
        for term in entries:
            n = row.text.count(term)
            if n:
                assert sum(tok.count(term) for tok in row.tokens) == n, (row.doc_id, row.sent_id, term)


def test_gold_never_holds_a_kept_apart_word():
    apart = {w for w, freq, _ in read_userdict(LEXICON / "userdict.txt") if freq == 0}
    gold = read_gold(GOLD)
    assert not apart & {tok for toks in gold["tokens"] for tok in toks}


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


# --- the held-out gold test, the score table and annotator agreement (issue 15) ----------------------------

GOLD_TEST = GOLD.parent / "segmentation_gold_test.txt"
GOLD_TEST_SAMPLE = GOLD.parent / "segmentation_gold_test_sample.tsv"


def _gold(rows):
    """A read_gold-like table from (doc_id, sent_id, tokens) tuples."""
    return pd.DataFrame([(d, s, t, "".join(t)) for d, s, t in rows], columns=["doc_id", "sent_id", "tokens", "text"])


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
