"""tifa.articles: the article splitter on the corpus README's examples (a page with one article, a page
with several headlines, a headline group, a report with and without numbered sections), the rules file,
and article ids carried to sentences."""
from __future__ import annotations

import pandas as pd
import pytest

from tifa.articles import add_article_ids, assign_articles, document_layouts, document_rule, read_article_rules
from tifa.config import LEXICON
from tifa.files import CorpusError

RULES = read_article_rules(LEXICON)


def page(doc_id: str, items: list[tuple[str, str]]) -> pd.DataFrame:
    """(kind, text) pairs -> a paragraph table of one document, para_id from 1."""
    return pd.DataFrame({"doc_id": doc_id, "year": 2020, "para_id": range(1, len(items) + 1),
                         "kind": [k for k, _ in items], "text": [t for _, t in items]})


H, B = "headline", "body"


def test_page_with_one_article():
    p = page("d", [(H, "卫东区开展“六一”儿童节慰问活动"), (B, "5月28日上午，张伟等慰问儿童。"), (B, "张伟指出，少年儿童是祖国的未来。")])
    out, arts = assign_articles(p, RULES)
    assert out["article_id"].tolist() == [1, 1, 1]
    assert arts[["article_id", "rule", "headline", "paragraphs", "body_paragraphs"]].values.tolist() == [
        [1, "headline_group", "卫东区开展“六一”儿童节慰问活动", 3, 2]]
    assert arts["body_chars"].tolist() == [len("5月28日上午，张伟等慰问儿童。张伟指出，少年儿童是祖国的未来。")]


def test_page_with_several_headlines_and_a_headline_group():
    p = page("d", [(H, "增进共识 凝心聚力 高质量推进“三区建设”"), (H, "卫东区委中心组集中学习传达市两会精神"),
                   (B, "5月15日下午，卫东区委中心组举行集中学习。"), (B, "王迎波强调，要凝心聚力。"),
                   (H, "卫东区开展“六一”儿童节慰问活动"), (B, "5月28日上午，张伟等慰问儿童。"),
                   (H, "环境卫生向好 文明新风扑面"), (H, "卫东区“组合拳”巩固提升创文成果"), (B, "今年是攻坚战年。")])
    out, arts = assign_articles(p, RULES)
    assert out["article_id"].tolist() == [1, 1, 1, 1, 2, 2, 3, 3, 3]
    assert arts["headline"].tolist() == ["增进共识 凝心聚力 高质量推进“三区建设” / 卫东区委中心组集中学习传达市两会精神",
                                         "卫东区开展“六一”儿童节慰问活动",
                                         "环境卫生向好 文明新风扑面 / 卫东区“组合拳”巩固提升创文成果"]
    assert arts[["first_para_id", "last_para_id"]].values.tolist() == [[1, 4], [5, 6], [7, 9]]
    assert set(arts["rule"]) == {"headline_group"}


def test_body_before_the_first_headline_is_its_own_article():
    p = page("d", [(B, "市重点项目，紧盯开工建设。"), (H, "卫东区十届人大七次会议举行"), (B, "2月23日至25日会议举行。")])
    out, arts = assign_articles(p, RULES)
    assert out["article_id"].tolist() == [1, 2, 2]
    assert arts["rule"].tolist() == ["leading_body", "headline_group"]
    assert arts["headline"].tolist() == ["", "卫东区十届人大七次会议举行"]


def test_report_without_numbered_sections_is_one_article():
    p = page("r", [(B, "现在，我代表区人民政府，向大会报告工作。"), (B, "过去的一年，经济社会发展取得新成绩。"),
                   (B, "各位代表，形势催人奋进。")])
    out, arts = assign_articles(p, RULES, layouts={"r": "clean_text"})
    assert out["article_id"].tolist() == [1, 1, 1]
    assert arts["rule"].tolist() == ["whole_text"] and arts["paragraphs"].tolist() == [3]


def test_report_with_numbered_sections_splits_at_top_level_only():
    p = page("r", [(H, "政府工作报告"), (B, "现在，我代表区人民政府，向大会报告工作。"), (H, "一、2017年工作回顾"),
                   (B, "过去的一年，取得新成绩。"), (H, "二、2018 年工作安排"), (B, "2018年是开局之年。"),
                   (H, "（一）推进产业结构优化升级"), (B, "突出项目带动。"), (B, "一是经济发展总量不够大。"),
                   (H, "三、全面加强政府自身建设"), (B, "（一）坚持依法行政，规范干事。")])
    out, arts = assign_articles(p, RULES)   # no layout: the text rule finds three sections
    assert out["article_id"].tolist() == [1, 1, 2, 2, 3, 3, 3, 3, 3, 4, 4]
    assert arts["rule"].tolist() == ["leading_body"] + ["numbered_section"] * 3
    assert arts["headline"].tolist() == ["政府工作报告", "一、2017年工作回顾", "二、2018 年工作安排", "三、全面加强政府自身建设"]


def test_layout_decides_over_the_text_rule():
    p = page("r", [(H, "一、回顾"), (B, "甲。"), (H, "小标题"), (B, "乙。"), (H, "二、安排"), (B, "丙。")])
    assert document_rule(p, RULES) == "numbered_section"
    assert assign_articles(p, RULES)[0]["article_id"].tolist() == [1, 1, 1, 1, 2, 2]
    assert assign_articles(p, RULES, {"r": "newspaper_page"})[0]["article_id"].tolist() == [1, 1, 2, 2, 3, 3]
    # one numbered heading alone is no structure (min_sections 2): headline groups
    assert document_rule(p.iloc[:4], RULES) == "headline_group"


def test_section_heading_kept_as_a_short_body_line_in_clean_text():
    p = page("r", [(B, "各位代表："), (B, "一、过去五年工作回顾"), (B, "五年来，我们砥砺前行。"),
                   (B, "二、今后五年的主要目标任务"), (B, "一、坚持稳中求进，这一段是开头带编号但很长的正文段落，超过四十个字符，不能算作章节标题，只能算作正文。")])
    out, arts = assign_articles(p, RULES, {"r": "clean_text"})
    assert out["article_id"].tolist() == [1, 2, 2, 3, 3]
    assert arts["body_paragraphs"].tolist() == [1, 2, 2]


def test_ids_are_per_document_in_text_order_and_sentences_get_them():
    a = page("a", [(H, "甲"), (B, "一。"), (H, "乙"), (B, "二。")])
    b = page("b", [(B, "三。")])
    out, arts = assign_articles(pd.concat([b, a], ignore_index=True).sample(frac=1, random_state=1), RULES)
    assert out.groupby("doc_id")["article_id"].apply(list).to_dict() == {"a": [1, 1, 2, 2], "b": [1]}
    assert list(out.columns).index("article_id") == list(out.columns).index("para_id") + 1
    sentences = pd.DataFrame({"doc_id": ["a", "a", "b"], "year": 2020, "para_id": [4, 2, 1], "sent_id": [2, 1, 3],
                              "text": ["二。", "一。", "三。"]})
    with_ids = add_article_ids(sentences, out)
    assert with_ids["article_id"].tolist() == [2, 1, 1]
    assert list(with_ids.columns) == ["doc_id", "year", "para_id", "article_id", "sent_id", "text"]
    with pytest.raises(CorpusError, match="not in the paragraph table"):
        add_article_ids(sentences.assign(para_id=[9, 2, 1]), out)
    with pytest.raises(CorpusError, match="lists a paragraph twice"):
        add_article_ids(sentences, pd.concat([out, out.head(1)], ignore_index=True))
    shuffled = sentences.iloc[[2, 0, 1]].set_axis([7, 8, 9])     # any index in; rows keep their order
    assert add_article_ids(shuffled, out)["article_id"].tolist() == [1, 2, 1]
    assert add_article_ids(shuffled, out).index.tolist() == [0, 1, 2]


def test_rules_file_errors_name_the_setting(tmp_path):
    text = (LEXICON / "article_rules.csv").read_text(encoding="utf-8")
    bad = tmp_path / "article_rules.csv"
    bad.write_text(text.replace("^[一二三四五六七八九十]+、", "^[一二(+、"), encoding="utf-8")
    with pytest.raises(CorpusError, match="section_pattern"):
        read_article_rules(bad)
    bad.write_text("\n".join(line for line in text.splitlines() if not line.startswith("min_sections")),
                   encoding="utf-8")
    with pytest.raises(CorpusError, match="min_sections"):
        read_article_rules(tmp_path)


def test_genre_decides_first_and_only_given_layouts_count():
    p = page("r", [(H, "一、回顾"), (B, "甲。"), (H, "小标题"), (B, "乙。")])  # one section heading: no structure
    assert document_rule(p, RULES) == "headline_group"
    assert document_rule(p, RULES, layout="newspaper_page", genre="government work report") == "numbered_section"
    corpus = pd.DataFrame({"doc_id": ["a", "b"], "layout": ["clean_text", "newspaper_page"],
                           "layout_given": [True, False]})
    assert document_layouts(corpus) == {"a": "clean_text"}
    assert document_layouts(corpus.drop(columns="layout_given")) == {"a": "clean_text", "b": "newspaper_page"}
    assert document_layouts(corpus.drop(columns=["layout", "layout_given"])) == {}
