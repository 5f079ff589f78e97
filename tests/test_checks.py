"""tifa.checks: the corpus checks of notebook 02 report what they found and never stop a run, except
for a defect that would make later tables wrong."""
from __future__ import annotations
import re
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tifa.config import GOLD, LEXICON
from tifa.segmentation import (
    lexicon_integrity, read_userdict, tokenize_sentences, tokenizer,
)
from tifa.gold import gold_mapping, read_gold
from tifa.checks import (
    CHECK_COLUMNS, check_gold_coverage, check_hmm_choice, check_lexicon_integrity,
    check_tokenizer_agreement, checks_details, checks_summary, require_tokens_rejoin, sample_rows,
    split_terms_by_sentence,
)
from tifa.files import CorpusError
from tifa.gold import (
    gold_test_sample, GOLD_TEST_SIZE, read_gold_sample,
)
from tifa.checks import check_gold_test_draw
from test_segmentation import GOLD, GOLD_TEST, GOLD_TEST_SAMPLE, _gold, _sentences, seg, sentences, tokens  # noqa: F401 (shared fixtures and helpers)


def test_lexicon_integrity_check_takes_the_token_table_as_well_as_the_cut(seg):
    """From the token table only the runs of the sentences with a split term are read; the rows are the
    same as from the cut, also when a sentence id repeats across documents; a table that does not spell
    the sentences is an error."""
    texts = ["居民生活很好，民生改善", "民生", "别的", "居民生活", "民生民生"]
    sent = pd.DataFrame({"doc_id": ["a", "a", "b", "c", "c"], "year": 2020, "para_id": 0, "sent_id": [0, 1, 0, 0, 1],
                         "text": texts})
    cut = [["居民", "生活", "很", "好", "，", "民", "生", "改善"], ["民生"], ["别的"], ["居民", "生活"], ["民生", "民", "生"]]
    table = pd.DataFrame([(d, s, tok) for (d, s), toks in zip(zip(sent["doc_id"], sent["sent_id"]), cut) for tok in toks],
                         columns=["doc_id", "sent_id", "token"])
    integrity = lexicon_integrity(texts, cut, {"民生"})
    from_cut = check_lexicon_integrity(sent, cut, integrity)
    assert from_cut.n_problems == 3
    assert check_lexicon_integrity(sent, table, integrity).problems.equals(from_cut.problems)
    other_order = table.sort_values("doc_id", ascending=False, kind="stable")  # not the sentences' order: by key
    assert check_lexicon_integrity(sent, other_order, integrity).problems.equals(from_cut.problems)
    assert check_lexicon_integrity(sent, table, integrity, batch=1).problems.equals(from_cut.problems)
    assert check_lexicon_integrity(sent, cut, integrity, batch=2).problems.equals(from_cut.problems)
    with pytest.raises(CorpusError, match="does not spell"):
        check_lexicon_integrity(sent, table.drop(index=0), integrity)
    with pytest.raises(CorpusError, match="one run"):
        check_lexicon_integrity(sent, pd.concat([table.drop(index=1), table.loc[[1]]]), integrity)
    tokens = tokenize_sentences(sent, seg)
    assert check_lexicon_integrity(sent, tokens, integrity).problems.equals(
        check_lexicon_integrity(sent, [seg.cut(t) for t in texts], integrity).problems)


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(alphabet="民生活居哈a", max_size=20), max_size=6),
       terms=st.lists(st.text(alphabet="民生活居哈a", min_size=1, max_size=4), unique=True, max_size=6))
def test_split_terms_by_sentence_is_the_plain_membership(texts, terms):
    assert split_terms_by_sentence(texts, terms) == {i: [t for t in terms if t in text] for i, text in enumerate(texts)
                                                      if any(t in text for t in terms)}


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

