"""tifa.parallelism: clause units, parallel runs by prefix and template frames, and the typing of title
lists and noun enumerations (parallelism_rules.csv)."""
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
from test_rhetoric import ST, rules_file, seg, sents_of  # noqa: F401 (shared helpers)


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



def test_run_kind_types_title_lists_and_noun_enumerations(tmp_path):
    from tifa.parallelism import read_parallelism_rules, run_kind, Unit

    rules = read_parallelism_rules(rules_file(tmp_path))
    verbs = [Unit("聚焦发展支撑", tags=("v", "vn", "v")), Unit("聚焦发展动力", tags=("v", "vn", "n")),
             Unit("聚焦发展格局", tags=("v", "vn", "n"))]
    assert run_kind(verbs, rules) == "parallelism"
    assert run_kind(verbs, None) == "parallelism"
    titles = [Unit("社区环境卫生专项整治的通知"), Unit("社区创建工作方案"), Unit("社区和物业公司开展环境卫生大整治")]
    assert run_kind(titles, rules) == "title list"            # one member ends in a title head
    bracketed = [Unit("求是", titled=True), Unit("学习", tags=("v",)), Unit("人民", tags=("n",))]
    assert run_kind(bracketed, rules) == "title list"         # a member inside 《》
    nouns = [Unit("文明村镇", tags=("nr", "n")), Unit("文明校园", tags=("nr", "n")), Unit("文明单位", tags=("n",))]
    assert run_kind(nouns, rules) == "noun enumeration"
    rare_verbs = [Unit("厚植大生态", tags=("x", "nz")), Unit("连通大管网", tags=("a", "nz")), Unit("畅通大交通", tags=("a", "nz"))]
    assert run_kind(rare_verbs, rules) == "parallelism"       # nouns only, not 'no verb tag'
    two = read_parallelism_rules(rules_file(tmp_path, "title_heads,通知|方案,x\ntitle_min_members,2,x\nnoun_tags,n,x\n"))
    assert run_kind(titles, two) == "title list" and run_kind(titles[:1] + verbs[:2], two) == "parallelism"



def test_parallel_runs_type_a_real_title_list(seg, tmp_path):
    from tifa.parallelism import read_parallelism_rules

    rules = read_parallelism_rules(rules_file(tmp_path))
    text = "省委下发《关于表彰河南省文明城市、文明村镇、文明校园、文明家庭的决定》，聚焦发展支撑、聚焦发展动力、聚焦发展格局。"
    toks = seg.cut(text)
    tokens = pd.DataFrame({"doc_id": "d", "sent_id": 1, "token_id": range(len(toks)), "token": toks,
                           "pos": [seg.tag(t) for t in toks]})
    sents = pd.DataFrame({"doc_id": ["d"], "year": [2020], "para_id": [1], "sent_id": [1], "text": [text]})
    runs = parallel_runs(sents, ST, tokens, rules).set_index("frame")
    assert runs.loc["文明…", "kind"] == "title list" and runs.loc["聚焦发展…", "kind"] == "parallelism"
    assert set(parallel_runs(sents, ST, tokens)["kind"]) == {"parallelism"}   # no rules: nothing typed



def test_parallelism_rules_reader_names_its_errors(tmp_path):
    from tifa.files import CorpusError
    from tifa.parallelism import read_parallelism_rules

    with pytest.raises(CorpusError, match="missing rule"):
        read_parallelism_rules(rules_file(tmp_path, "title_heads,通知,x\n"))
    with pytest.raises(CorpusError, match="positive integer"):
        read_parallelism_rules(rules_file(tmp_path, "title_heads,通知,x\ntitle_min_members,zero,x\nnoun_tags,n,x\n"))
    with pytest.raises(CorpusError, match="twice"):
        read_parallelism_rules(rules_file(tmp_path, "title_heads,通知,x\ntitle_heads,决定,x\ntitle_min_members,1,x\nnoun_tags,n,x\n"))
    assert read_parallelism_rules(LEXICON / "parallelism_rules.csv").title_min_members >= 1



def test_shared_reach_bounds_the_frames_a_unit_can_open():
    """The reach of a unit is the longest opening it shares with parallel_min_run - 1 others: every
    prefix run found is made of units whose reach is at least its frame length."""
    from tifa.parallelism import _shared_reach

    keys = ["聚焦发展支撑", "聚焦发展动力", "聚焦发展格局", "聚焦民生", "开启新征程"]
    assert _shared_reach(keys, 3) == [4, 4, 4, 2, 0]
    assert _shared_reach(keys, 1) == [len(k) for k in keys]
    assert _shared_reach(keys[:2], 3) == [0, 0]
