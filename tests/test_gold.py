"""tifa.gold: the gold standard files, the seeded draws, the scores (dev and held-out test) and
agreement between annotators."""
from __future__ import annotations
import math
import re
import pandas as pd
import pytest
from tifa.config import GOLD
from tifa.files import LexiconError
from tifa.segmentation import (
    plain_jieba, SEGMENT_HMM,
    tokenizer,
)
from tifa.gold import read_gold, sample_gold_sentences, segmentation_errors, segmentation_scores
from tifa.config import SEED
from tifa.gold import (
    annotator_agreement, gold_test_sample, GOLD_TEST_SEED, SCORE_COLUMNS, segmentation_score_row, segmentation_score_table,
)
from test_segmentation import GOLD, _gold, sentences  # noqa: F401 (shared fixtures and helpers)


def test_gold_standard_maps_back_to_the_clean_sentences(sentences):
    gold = read_gold(GOLD)
    assert len(gold) >= 200 and not gold.duplicated(["doc_id", "sent_id"]).any()
    assert set(gold["doc_id"]) == set(sentences["doc_id"])  # stratified: every document sampled
    text = sentences.set_index(["doc_id", "sent_id"])["text"].map(lambda s: re.sub(r"\s", "", s))
    for row in gold.itertuples():
        assert text.loc[(row.doc_id, row.sent_id)] == row.text, (row.doc_id, row.sent_id)



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



def test_stratified_sample_is_the_per_document_draw():
    """The draw takes each document's rows by one groupby, not a scan per document: the same rows as
    the plain loop (a filter per document, in doc_id order, one rng), on unsorted documents of any size."""
    import numpy as np
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"doc_id": rng.choice(list("qwertyuiop"), 500), "sent_id": range(500),
                       "text": [f"s{i}" for i in range(500)]})
    for n in (1, 10, 37, 200):
        got = sample_gold_sentences(df, n, 11)
        counts = df.groupby("doc_id", sort=True).size()
        quota = counts / counts.sum() * n
        alloc = np.maximum(np.floor(quota).astype(int), 1)
        for doc in list((quota - np.floor(quota)).sort_values(ascending=False, kind="stable").index)[:max(n - int(alloc.sum()), 0)]:
            alloc[doc] += 1
        draw = np.random.default_rng(11)
        picked = []
        for doc, k in alloc.items():
            rows = df[df["doc_id"] == doc]
            picked.append(rows.iloc[np.sort(draw.choice(len(rows), size=min(int(k), len(rows)), replace=False))])
        assert got.equals(pd.concat(picked).reset_index(drop=True))


def test_hmm_setting_is_the_one_the_gold_standard_prefers():
    gold = read_gold(GOLD)
    f1 = {hmm: segmentation_scores(gold["tokens"].tolist(), [tokenizer(hmm=hmm).cut(t) for t in gold["text"]])["f1"]
          for hmm in (True, False)}
    assert max(f1, key=f1.get) == SEGMENT_HMM
    plain = plain_jieba()
    plain_f1 = segmentation_scores(gold["tokens"].tolist(), [plain.lcut(t) for t in gold["text"]])["f1"]
    assert f1[SEGMENT_HMM] > plain_f1 + 0.03  # the lexicon must earn its keep



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



def test_an_indexed_second_annotation_takes_the_reference_ids_and_must_spell_its_text(tmp_path):
    from tifa.gold import annotator_agreement, read_indexed_annotation

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

