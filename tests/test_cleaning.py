"""Notebook 01's cleaning rules, each tested on a short string taken from a real case in the corpus
(every example listed under 'Noise' in the corpus README), plus the conservation property: every
character of a raw text is kept in a paragraph or listed in the audit with a reason."""
from __future__ import annotations

import re
from pathlib import Path
import time

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tifa.config import LEXICON, Paths, RAW
from tifa.files import CorpusError, read_table, write_csv
from tifa.corpus import load_corpus, read_metadata
import tifa.cleaning
from tifa.cleaning import (
    account_for_characters, classify_line, clean_corpus, CLEANING_PROFILES_FILE,
    CLEANING_RULES_FILE, CLEANING_STEPS, DROP_ACTIONS, ends_open, load_cleaning_rules,
    split_sentences,
)
from tifa.normalise import denormalise, normalise
from conftest import write_corpus

RULES = load_cleaning_rules()
SEP = "\n\n"          # one blank line: running text
BOX = "\n\n\n\n"      # three blank lines: a layout box (photo frame) starts


def clean(text: str, layout: str | None = None):
    """Clean one document (by ``layout``, or with no layout column: the default); return (paragraphs,
    sentences, audit) and assert nothing was lost."""
    corpus = pd.DataFrame([{"doc_id": "t", "year": 1999, "text": text, **({"layout": layout} if layout else {})}])
    paras, sents, audit = clean_corpus(corpus, RULES)
    check = account_for_characters(corpus, paras, audit)
    assert check["balanced"].all(), check.T
    return paras, sents, audit


def body(paras) -> list[str]:
    return list(paras.loc[paras["kind"] == "body", "text"])


def heads(paras) -> list[str]:
    return list(paras.loc[paras["kind"] == "headline", "text"])


def dropped(audit, reason: str | None = None) -> list[str]:
    rows = audit[audit["action"].isin(DROP_ACTIONS)]
    if reason:
        rows = rows[rows["reason"] == reason]
    return list(rows["text"])


# ---------------------------------------------------------------------------
# Re-joining paragraphs broken by a column or page break
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("before, after, joined", [
    ("明确发展重点和优先顺序，确保融入全市", "“一盘棋”，共绘“一张图”。探索新模式就是要时刻绷紧外防输入、内防反弹这根弦。",
     "确保融入全市“一盘棋”，共绘“一张图”。"),
    ("会议强调，要完善基础设施，针对路面开裂、沉降、破损，窨井盖沉降、水篦子破损等突出问题开展道路维修，提",
     "高道路的平整度和舒适度。抓紧解决楼道墙体脱落、楼梯地面凹凸不平、污水横流等突出问题。",
     "开展道路维修，提高道路的平整度和舒适度。"),
    ("开展以共同思想凝聚、共同精准治污、共同志愿服务、共同协作监管为主题的“四",
     "同共治”助力环保活动，严格落实企业错峰生产、建筑工地“六个百分之百”、秸秆禁烧等管控措施。",
     "为主题的“四同共治”助力环保活动"),
])
def test_paragraph_broken_by_column_break_is_rejoined(before, after, joined):
    paras, sents, audit = clean(before + SEP + after + "\n")
    assert len(body(paras)) == 1 and joined in body(paras)[0]
    row = audit[audit["action"] == "join"].iloc[0]
    assert row["reason"] == "column_break" and (row["line_start"], row["line_end"]) == (1, 3)
    assert paras.iloc[0]["line_start"] == 1 and paras.iloc[0]["line_end"] == 3


def test_caption_dropped_into_a_sentence_goes_to_the_audit_and_the_sentence_is_rejoined():
    text = ("开启新征程,必须锐意创新、攻坚克难,聚焦发展支撑、聚焦发展动力、聚焦发展格局、聚焦发展前提、聚" + BOX
            + "卫东区十届人大七次会议现场 高鸿勋 摄" + SEP
            + "焦发展成效。开启新征程,必须防范风险、坚守底线,始终坚持人民至上、生命至上。\n")
    paras, sents, audit = clean(text)
    assert len(body(paras)) == 1
    assert "聚焦发展前提、聚焦发展成效。" in body(paras)[0]
    assert dropped(audit, "photo_caption") == ["卫东区十届人大七次会议现场 高鸿勋 摄"]
    assert audit.loc[audit["action"] == "join", "reason"].tolist() == ["photo_interruption"]
    assert "高鸿勋" not in "".join(sents["text"])


def test_no_join_into_a_new_article_or_across_a_headline():
    text = ("该区创文中心、各创建办组织联合督导组,分头对各街道社区、重点公共场所宣传落实公益广告" + SEP
            + "卫东区政协九届五次会议召开" + SEP
            + "本报(记者王孟鹤)2月22日至24日,中国人民政治协商会议第九届平顶山市卫东区委员会第五次会议召开。\n")
    paras, _, audit = clean(text)
    assert (audit["action"] == "join").sum() == 0
    assert dropped(audit, "fragment_end") == ["该区创文中心、各创建办组织联合督导组,分头对各街道社区、重点公共场所宣传落实公益广告"]
    assert heads(paras) == ["卫东区政协九届五次会议召开"]


# ---------------------------------------------------------------------------
# Photo captions, credits, labels
# ---------------------------------------------------------------------------
def test_photo_box_with_title_caption_text_and_credit_on_its_own_line():
    text = ("下一步，该区将持续以“五星”支部创建为抓手，书写卫东区建设新篇章。" + BOX + "夜经济火爆" + SEP
            + "6月26日，市民在位于开源路与大众路交叉口附近的美食音乐广场上品尝美食。" + SEP
            + "该美食音乐广场现有70个摊位，涵盖小龙虾、小笼包、炒河粉、炸串、冷饮等时尚小吃，不仅丰富了市民的" + SEP
            + "夜生活，而且刺激消费，推动了经济复苏。" + SEP + "罗通 摄" + SEP
            + "下好特色“产业棋” 争创“产业兴旺星”\n")
    paras, _, audit = clean(text)
    assert body(paras) == ["下一步，该区将持续以“五星”支部创建为抓手，书写卫东区建设新篇章。"]
    assert heads(paras) == ["下好特色“产业棋” 争创“产业兴旺星”"]
    assert dropped(audit, "photo_label") == ["夜经济火爆"]
    assert dropped(audit, "photo_credit") == ["罗通 摄"]
    assert "推动了经济复苏" in dropped(audit, "photo_caption")[0]


def test_credit_at_the_end_of_caption_text_and_credit_without_blank_line():
    text = ("据统计，当日共办理业务。" + BOX + "百余对新人牵手“5·20”" + SEP + "5月20日，一对新人领取结婚证后，欣喜留念。"
            + SEP + "随着疫情好转，5月20日迎来结婚登记高峰。卫东区民政" + SEP
            + "局提前周密安排，精心部署。据统计，该局当日共办理结婚登记145对。魏国伟 摄" + BOX + "戏曲进校园" + SEP
            + "近日，区关心下一代工作委员会组织双凤剧团走进平马路小学，教唱" + SEP
            + "非遗经典戏曲，让学生感受戏曲的艺术魅力。\n古国凡 摄")
    paras, _, audit = clean(text)
    assert body(paras) == ["据统计，当日共办理业务。"]
    assert dropped(audit, "photo_label") == ["百余对新人牵手“5·20”", "戏曲进校园"]
    assert dropped(audit, "photo_credit") == ["古国凡 摄"]
    captions = dropped(audit, "photo_caption")
    assert captions[0].endswith("魏国伟 摄") and "非遗经典戏曲" in captions[1]


def test_a_credit_alone_does_not_swallow_the_paragraph_before_it():
    text = ("本报讯（记者张三）6月1日，某区召开会议，部署“创文”工作。" + SEP
            + "会议要求，聚焦项目建设、聚焦招商引资、聚焦营商环境，确保各项任务落实。" + SEP + "李四 摄" + SEP
            + "会议强调，要落实“门前五包”责任制，推进乡村振兴。\n")
    paras, _, audit = clean(text)
    assert len(body(paras)) == 3 and dropped(audit, "photo_credit") == ["李四 摄"]


def test_credits_block_is_dropped_as_one_row():
    text = ("卫东区各中小学积极开展“小手拉大手、文明一起走”活动，宣传普及创文知识。" + SEP
            + "统筹 李雨帆 刘晓芬\n文字 田秀忠 何 洋 胡文哲\n图片 高鹤鸣 魏国伟 古国凡")
    paras, _, audit = clean(text)
    assert len(body(paras)) == 1
    rows = audit[audit["reason"] == "credits"]
    assert len(rows) == 1 and (rows.iloc[0]["line_start"], rows.iloc[0]["line_end"]) == (3, 5)


@pytest.mark.parametrize("label", ["东城苑", "智能制造", "门楼张清代民居建筑群", "国学教育", "文明志愿服务", "金斗山石榴熟了"])
def test_short_photo_label_standing_alone_is_dropped(label):
    text = ("卫东区坚定不移贯彻新发展理念，在转型发展之路上步履铿锵。" + BOX + label + BOX + "市科技大市场项目签约" + SEP
            + "改善民生 绘就幸福新画卷" + SEP + "卫东区不断加大“民生工程”投入，让发展成果更有“温度”。\n")
    paras, _, audit = clean(text)
    assert dropped(audit, "photo_label") == [label, "市科技大市场项目签约"]
    assert heads(paras) == ["改善民生 绘就幸福新画卷"]
    assert len(body(paras)) == 2


def test_section_head_after_a_box_gap_is_a_headline_not_a_label():
    text = ("近年来，卫东区以习近平新时代中国特色社会主义思想为指导，不断增强人民群众的获得感。" + BOX
            + "党建引领 激发干事新活力" + SEP + "卫东区深入贯彻落实新时代党的建设总要求，大抓基层、大抓支部。\n")
    paras, _, audit = clean(text)
    assert heads(paras) == ["党建引领 激发干事新活力"] and not dropped(audit)


# ---------------------------------------------------------------------------
# Bylines
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("byline", ["本报讯（记者王孟鹤）", "本报(记者王孟鹤)", "本报讯（记者朱江森 通讯员王奕丁）", "又讯（记者王孟鹤）"])
def test_byline_is_removed_and_the_paragraph_kept(byline):
    rest = "5月15日下午，卫东区委中心组举行中心组（扩大）集中学习，传达学习市两会精神。"
    paras, sents, audit = clean("卫东区委中心组集中学习传达市两会精神" + SEP + byline + rest + "\n")
    assert body(paras) == [rest]
    assert dropped(audit, "byline") == [byline]
    assert not sents["text"].str.contains("记者").any()


def test_byline_pattern_does_not_fire_inside_a_paragraph():
    text = "5月26日，记者跟随卫东区人大代表调研组走进土寨沟村看到，本报（记者王某）曾报道此事。\n"
    paras, _, audit = clean(text)
    assert body(paras) == [text.strip()] and not dropped(audit)


# ---------------------------------------------------------------------------
# Duplicates
# ---------------------------------------------------------------------------
CULTURE = ("卫东区把基层文化建设纳入城乡建设总体规划，以构建公共文化服务体系、提高服务效能作为切入点，"
           "极大丰富了居民的精神文化生活。")


def test_section_printed_twice_keeps_the_first_and_logs_the_repeat():
    text = ("文化惠民 点亮美好新生活" + SEP + CULTURE + SEP
            + "文明创建 塑造卫东新形象" + SEP + "自8月22日我市召开创建全国文明城市工作推进会以来，卫东区积极推进各项创建工作。" + SEP
            + "文化惠民 点亮美好新生活" + SEP + CULTURE + SEP
            + "文明创建 塑造卫东新形象" + SEP + "卫东区各中小学积极开展“小手拉大手、文明一起走”活动，宣传普及创文知识。\n")
    paras, _, audit = clean(text)
    assert body(paras).count(CULTURE) == 1 and len(body(paras)) == 3
    # the repeated head of a new paragraph stays; the repeated head of a repeated paragraph goes
    assert heads(paras) == ["文化惠民 点亮美好新生活", "文明创建 塑造卫东新形象", "文明创建 塑造卫东新形象"]
    dup = audit[audit["action"] == "dedupe"]
    assert list(dup["text"]) == ["文化惠民 点亮美好新生活", CULTURE]
    assert list(dup["line_start"]) == [9, 11] and dup["result"].str.contains("same as lines").all()


def test_short_repeated_paragraph_is_not_a_duplicate():
    text = "会议要求：抓落实。\n\n他说：“抓落实。”\n\n会议要求：抓落实。\n"
    paras, _, audit = clean(text)
    assert len(body(paras)) == 3 and not (audit["action"] == "dedupe").any()


# ---------------------------------------------------------------------------
# Fragments cut by the layout
# ---------------------------------------------------------------------------
def test_fragment_starting_mid_word_after_a_photo_label_and_ending_mid_sentence():
    text = ("卫东区以现代物流、现代商贸和智能制造业为“三大主导产业”，在转型发展之路上步履铿锵。" + BOX + "东城苑" + SEP
            + "业快速发展。目前，该区现代服务业逐渐以建设路为轴心，形成新的城市商圈，集聚效应初显。2018年，该区完成第三产业增加值"
            + SEP + "扎实开展“大学习、大调研、大走访”活动，全区党员干部的“四个意识”更加牢固。\n")
    paras, _, audit = clean(text)
    assert dropped(audit, "fragment_start") == ["业快速发展。"]
    assert dropped(audit, "fragment_end") == ["2018年，该区完成第三产业增加值"]
    assert body(paras)[1] == "目前，该区现代服务业逐渐以建设路为轴心，形成新的城市商圈，集聚效应初显。"
    assert body(paras)[2].startswith("扎实开展")   # not glued to the fragment before it


def test_fragment_inside_a_photo_box_without_credit():
    text = ("各有关责任单位要认真落实好防控措施。" + BOX + "严防防控促复工复产" + SEP + "5月28日，消费者在万达广场选购商品。" + SEP
            + "引顾客前来购物。截至目前，卫东区各综合商贸体复工复产率100%。" + SEP + "环境卫生向好 文明新风扑面\n")
    paras, sents, audit = clean(text)
    assert body(paras) == ["各有关责任单位要认真落实好防控措施。"]
    assert "引顾客前来购物。" in dropped(audit, "photo_caption")[0]
    assert not sents["text"].str.contains("引顾客").any()


def test_long_first_sentence_after_a_photo_box_is_not_a_fragment():
    text = ("活动当日，现场12家企业签约贷款500余万元。" + BOX + "东城苑" + SEP
            + "近年来，卫东区坚定不移贯彻新发展理念，以“三产”为主攻方向培育发展新优势。\n")
    paras, _, audit = clean(text)
    assert body(paras)[1].startswith("近年来") and not dropped(audit, "fragment_start")


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("raw, clean_text", [
    ("2月23日至25日,卫东区第十届人民代表大会第七次会议举行。", "2月23日至25日，卫东区第十届人民代表大会第七次会议举行。"),
    ("要重点做好七个方面的工作:聚力载体建设,提升产业结构能级;实施项目带动。",
     "要重点做好七个方面的工作：聚力载体建设，提升产业结构能级；实施项目带动。"),
    ("本次会议(扩大)召开!你知道吗?", "本次会议（扩大）召开！你知道吗？"),
    ("地方公共财政预算收入 5.6 亿元，增长 7.6%；", "地方公共财政预算收入5.6亿元，增长7.6%；"),
    ("〔共印 560 份〕", "〔共印560份〕"),
    ("二、2018 年工作安排", "二、2018年工作安排"),
    ("确保 PM₁₀、PM_{2.5} 浓度稳定下降。", "确保PM10、PM2.5浓度稳定下降。"),
    ("全年ＧＤＰ增长２０２４元。", "全年GDP增长2024元。"),
    ("涉及 1,000 户，10:30 开会，共 3 家(A,B,C)", "涉及1,000户，10:30开会，共3家（A,B,C）"),
    ("In 2020 (see p. 3), Weidong District: 5 G", "In 2020 (see p. 3), Weidong District: 5 G"),
])
def test_normalise(raw, clean_text):
    text, edits = normalise(raw)
    assert text == clean_text
    assert denormalise(text, [(e["offset"], e["result"], e["original"]) for e in edits]) == raw


def test_nfkc_keeps_chinese_punctuation():
    raw = "“四个意识”，坚定！（一）是吗？是；如下：……～"
    assert normalise(raw) == (raw, [])


def test_normalisations_are_logged_with_the_original_text():
    paras, _, audit = clean("确保 PM₁₀、PM_{2.5} 浓度稳定下降,空气优良天数完成市定目标。\n")
    assert body(paras) == ["确保PM10、PM2.5浓度稳定下降，空气优良天数完成市定目标。"]
    norm = audit[audit["action"] == "normalise"]
    assert set(norm["reason"]) == {"nfkc", "script", "number_space", "fullwidth_punct"}
    assert ("₁₀", "10") in set(zip(norm["text"], norm["result"]))
    assert ("_{2.5}", "2.5") in set(zip(norm["text"], norm["result"]))


@pytest.mark.parametrize("typo", ["全国义务教育均衡发展均衡区", "深入实施“名师、名校、名校”工程，东环路小学教师李慧转入选中原名师。"])
def test_source_typos_are_data_and_stay(typo):
    text = "- 卫东名片\n全国社区建设示范区\n全国义务教育均衡发展均衡区\n全国文化先进区" + SEP + \
        "深入实施“名师、名校、名校”工程，东环路小学教师李慧转入选中原名师。\n"
    paras, _, _ = clean(text)
    assert typo in list(paras["text"])
    assert list(paras.loc[paras["role"] == "list_item", "text"])[:2] == ["卫东名片", "全国社区建设示范区"]


# ---------------------------------------------------------------------------
# Document furniture
# ---------------------------------------------------------------------------
def test_document_furniture_is_dropped():
    text = ("区十届人大二次会议文件（十二）" + SEP + "政府工作报告" + SEP + "各位代表：" + SEP
            + "现在，我代表区人民政府，向大会报告工作，请予审议。" + SEP
            + "各位代表，形势催人奋进，实干铸就辉煌。" + SEP
            + "区十届人大二次会议秘书处" + SEP + "2018年1月16日" + SEP + "〔共印 560 份〕")
    paras, _, audit = clean(text)
    assert heads(paras) == ["政府工作报告"]
    assert body(paras) == ["现在，我代表区人民政府，向大会报告工作，请予审议。", "各位代表，形势催人奋进，实干铸就辉煌。"]
    furniture = audit[audit["reason"] == "furniture"]
    assert list(furniture["text"])[:2] == ["区十届人大二次会议文件（十二）", "各位代表："]
    last = furniture.iloc[-1]   # the secretariat block is one row
    assert (last["line_start"], last["line_end"]) == (11, 15) and "共印" in last["text"]


# ---------------------------------------------------------------------------
# Sentences
# ---------------------------------------------------------------------------
def test_sentences_split_after_stop_marks_with_their_closing_quotes():
    text = ("“下一步，我们将加大创建工作力度。”卫东区创文指挥部有关负责人说。要坚定信念！能否完成？"
            "城镇新增就业12122人；发放创业担保贷款2790万元。没有句号的尾巴")
    assert split_sentences(text, RULES) == [
        "“下一步，我们将加大创建工作力度。”", "卫东区创文指挥部有关负责人说。", "要坚定信念！", "能否完成？",
        "城镇新增就业12122人；", "发放创业担保贷款2790万元。", "没有句号的尾巴"]


def test_sentence_and_paragraph_ids():
    text = "标题一行" + SEP + "第一句话在这里。第二句话在这里。" + SEP + "第三句话在这里！\n"
    paras, sents, _ = clean(text)
    assert list(paras["para_id"]) == [1, 2, 3] and list(paras["kind"]) == ["headline", "body", "body"]
    assert list(sents["para_id"]) == [2, 2, 3] and list(sents["sent_id"]) == [1, 2, 3]


# ---------------------------------------------------------------------------
# Conservation: nothing lost
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def project():
    corpus = load_corpus(RAW)
    start = time.perf_counter()
    paras, sents, audit = clean_corpus(corpus, RULES)
    return corpus, paras, sents, audit, time.perf_counter() - start


def test_every_character_of_the_five_texts_is_accounted_for(project):
    corpus, paras, _, audit, seconds = project
    check = account_for_characters(corpus, paras, audit)
    assert len(check) == len(corpus) and check["balanced"].all(), check.T
    assert (check["kept"] > 0).all() and (check["dropped"] > 0).all()
    assert seconds < 5


def test_conservation_also_holds_for_the_tables_as_written_and_read_back(project, tmp_path):
    corpus, paras, sents, audit, _ = project
    paths = Paths(raw=RAW, processed=tmp_path, figures=tmp_path)
    for df, name in [(paras, "paragraphs"), (audit, "cleaning_audit")]:
        write_csv(df, tmp_path / f"{name}.csv")
    back = account_for_characters(corpus, read_table(paths, "paragraphs"), read_table(paths, "cleaning_audit"))
    assert back["balanced"].all(), back.T


def test_the_checker_catches_a_lost_character_a_lost_line_and_a_reordering(project):
    corpus, paras, _, audit, _ = project
    doc = corpus["doc_id"].iloc[0]
    lost = audit.drop(audit[(audit["doc_id"] == doc) & (audit["action"] == "drop")].index[0])
    assert not account_for_characters(corpus, paras, lost).set_index("doc_id").loc[doc, "balanced"]
    swapped = paras.copy()
    i = swapped[(swapped["doc_id"] == doc) & (swapped["kind"] == "body")].index[0]
    t = swapped.at[i, "text"]
    swapped.at[i, "text"] = t[len(t) // 2:] + t[:len(t) // 2]
    row = account_for_characters(corpus, swapped, audit).set_index("doc_id").loc[doc]
    assert row["unaccounted"] == 0 and row["order_mismatches"] > 0 and not row["balanced"]


def test_a_kept_paragraph_is_never_also_dropped(project):
    _, paras, _, audit, _ = project
    for doc, grp in audit[audit["action"] == "dedupe"].groupby("doc_id"):
        kept = paras[paras["doc_id"] == doc]
        for _, row in grp.iterrows():
            overlap = kept[(kept["line_start"] <= row["line_end"]) & (kept["line_end"] >= row["line_start"])]
            assert overlap.empty


def test_outputs_have_the_contract_columns(project):
    _, paras, sents, audit, _ = project
    assert {"doc_id", "year", "para_id", "kind", "line_start", "line_end", "text"} <= set(paras.columns)
    assert set(paras["kind"]) == {"body", "headline"}
    assert list(sents.columns[:5]) == ["doc_id", "year", "para_id", "sent_id", "text"]
    assert {"doc_id", "line_start", "line_end", "action", "reason", "text"} <= set(audit.columns)
    for doc, grp in paras.groupby("doc_id"):
        assert list(grp["para_id"]) == list(range(1, len(grp) + 1))
        assert (grp["line_start"].diff().dropna() > 0).all()
    for doc, grp in sents.groupby("doc_id"):
        assert list(grp["sent_id"]) == list(range(1, len(grp) + 1))
        body_ids = set(paras[(paras["doc_id"] == doc) & (paras["kind"] == "body")]["para_id"])
        assert set(grp["para_id"]) == body_ids
    assert not sents["text"].str.contains(r"本报讯|\s摄$").any()


def test_works_on_another_corpus_with_a_gbk_file(tmp_path):
    docs = [
        {"doc_id": "t_report", "year": 2009, "text": "政府工作报告\n\n各位代表：\n\n过去一年，我们坚持稳中求进工作总基调，"
                                                        "扎实做好“六稳”工作。\n"},
        {"doc_id": "t_news", "year": 2011, "text": "深化改革 推动发展\n\n本报讯（记者张三）6月1日,某区召开会议,部署“创文”工作。\n"},
    ]
    corpus = load_corpus(write_corpus(tmp_path, docs, encoding={"t_news": "gbk"}))
    paras, sents, audit = clean_corpus(corpus, RULES)
    assert account_for_characters(corpus, paras, audit)["balanced"].all()
    assert set(sents["year"]) == {2009, 2011}
    assert "6月1日，某区召开会议，部署“创文”工作。" in list(sents["text"])


def test_no_document_ids_or_years_in_the_cleaning_code():
    """The cleaning module is generic: no document id, file name or year of the project corpus in it."""
    import tifa.normalise

    section = "".join(Path(m.__file__).read_text(encoding="utf-8") for m in (tifa.cleaning, tifa.normalise))
    meta = read_metadata(RAW)
    for literal in list(meta["doc_id"]) + [f.rsplit(".", 1)[0] for f in meta["file"]]:
        assert literal not in section
    assert not re.search(r"(?<!\d)20[12]\d(?!\d)", section)


def test_bad_rules_file_names_the_rule(tmp_path):
    text = (LEXICON / CLEANING_RULES_FILE).read_text(encoding="utf-8")
    (tmp_path / CLEANING_RULES_FILE).write_text(text.replace("max_caption_chars,120", "max_caption_chars,many"),
                                                  encoding="utf-8")
    with pytest.raises(CorpusError, match="max_caption_chars"):
        load_cleaning_rules(tmp_path)


# ---------------------------------------------------------------------------
# Property tests: generated texts with injected layout noise
# ---------------------------------------------------------------------------
ALPHABET = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后"
            "多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业去把性好应开它合"
            "还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条")
clause = st.text(alphabet=ALPHABET, min_size=7, max_size=20)
name = st.text(alphabet=ALPHABET, min_size=2, max_size=3)


@st.composite
def paragraph(draw) -> str:
    """A clean body paragraph: sentences of two clauses (first sentence longer than any orphan head)."""
    n = draw(st.integers(1, 3))
    return "".join(draw(clause) + "，" + draw(clause) + draw(st.sampled_from("。。！；")) for _ in range(n))


@st.composite
def noisy_document(draw) -> tuple[str, list[str]]:
    """(noisy text, the clean body paragraphs it was made from)."""
    paras = draw(st.lists(paragraph(), min_size=1, max_size=5, unique=True))
    parts, clean_paras = [], []
    for i, p in enumerate(paras):
        if draw(st.booleans()):
            parts.append(draw(st.text(alphabet=ALPHABET, min_size=4, max_size=12)))      # a headline
        noisy = p
        if draw(st.booleans()):
            noisy = noisy.replace("，", ",")                                           # half-width commas
        if draw(st.booleans()):
            noisy = noisy[:-1] + "共计 5.6 亿元" + noisy[-1]                            # spaced number
            p = p[:-1] + "共计5.6亿元" + p[-1]
        if draw(st.booleans()):
            noisy = "本报讯（记者" + draw(name) + "）" + noisy                           # byline
        comma = noisy.find(",") if "," in noisy else noisy.find("，")
        cut = draw(st.integers(comma + 1, len(noisy) - 1))                            # a break after a clause,
        cut += noisy[cut - 1] in "。！；"                                                # inside a sentence
        kind = draw(st.sampled_from(["none", "column", "caption"]))
        if kind == "column":
            noisy = noisy[:cut] + SEP + noisy[cut:]
        elif kind == "caption":
            noisy = noisy[:cut] + BOX + draw(clause) + "现场 " + draw(name) + " 摄" + SEP + noisy[cut:]
        parts.append(noisy)
        clean_paras.append(p)
        if draw(st.booleans()) and len(p) >= RULES.min_duplicate_chars:
            parts.append(p)                                                            # printed twice
        if draw(st.booleans()):
            parts.append("\n\n" + draw(st.text(alphabet=ALPHABET, min_size=3, max_size=10)) + SEP
                         + draw(clause) + "。" + draw(name) + " 摄")                   # photo box
    return SEP.join(parts) + "\n", clean_paras


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(noisy_document())
def test_noisy_generated_texts_clean_back_to_their_source(doc):
    text, source = doc
    paras, sents, audit = clean(text)
    expected = [s for p in source for s in split_sentences(p, RULES)]
    assert list(sents["text"]) == expected, text


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_any_text_is_fully_accounted_for(text):
    if not text.strip():
        return
    clean(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=ALPHABET + "，。、：；！？“”（）,;:()!? 0123456789.%_{}₁₀摄本报讯记者\n",
                                   max_size=40), st.sampled_from(["", "\n", BOX, "各位代表：", "罗通 摄", "本报讯（记者王某）"])),
                min_size=1, max_size=20))
def test_corpus_like_text_is_fully_accounted_for(pieces):
    text = "\n".join(pieces)
    if text.strip():
        clean(text)


@pytest.mark.parametrize("text, is_open", [
    ("聚焦发展前提、聚", True), ("确保融入全市", True), ("扣好人生第一粒扣子，", True), ("王迎波说。", False),
    ("“确保完成今年创文任务。”", False), ("我们一定高度重视。（完）", False), ("种植面积650亩（1亩≈666.67平方米）", True),
    ("致以崇高的敬意和衷心的感谢！", False), ("“文明健康有你我”“文明创建你我参与”……", False),
])
def test_ends_open(text, is_open):
    assert ends_open(text, RULES) is is_open


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_windows_and_old_mac_line_breaks_give_the_same_lines(newline):
    text = "会议强调，要完善基础设施，开展道路维修，提\n\n高道路的平整度和舒适度。\n\n罗通 摄\n"
    paras, _, audit = clean(text)
    paras2, _, audit2 = clean(text.replace("\n", newline))
    assert paras.equals(paras2) and audit.equals(audit2)


@pytest.mark.parametrize("line, is_furniture", [
    ("各位代表：", True), ("各位委员、同志们：", True), ("同志们:", True), ("主要预期目标是：", False),
    ("区十届人大二次会议秘书处", True), ("2018年1月16日", True), ("〔共印 560 份〕", True),
    ("区十届人大二次会议文件（十二）", True), ("政府工作报告", False), ("二、2018 年工作安排", False),
])
def test_furniture_patterns(line, is_furniture):
    assert (classify_line(line, RULES) == "furniture") is is_furniture


# ---------------------------------------------------------------------------
# Profiles: a newspaper page and text that comes already clean (layout in metadata.csv)
# ---------------------------------------------------------------------------
LEAD_INS = ["一年来的主要工作是：", "重点抓好十个方面工作：", "具体要做好以下工作："]
HEADINGS = ["第一部分 过去五年工作回顾", "一、2022年工作回顾", "（一）坚持项目为王，经济运行稳中向好",
            "二、2023年工作安排", "（二）聚焦产业转型，着力推动高质量发展"]
DATELINE = "——2023年1月10日在卫东区第十一届人民代表大会第二次会议上"
WORK_REPORT = SEP.join([
    "政府工作报告", DATELINE, "各位代表：",
    "现在，我代表区人民政府，向大会报告工作，请予审议，并请区政协委员和其他列席人员提出意见。",
    HEADINGS[0], HEADINGS[1], LEAD_INS[0], HEADINGS[2],
    "全年地区生产总值增长5.2%，固定资产投资增长10.1%。",
    HEADINGS[3], LEAD_INS[1], HEADINGS[4], LEAD_INS[2],
    "加快建设现代物流园区，推进智能制造项目落地。", "- 3 -",
    "各位代表，新征程催人奋进，新使命呼唤担当！",
]) + "\n"


def test_clean_text_keeps_lead_ins_and_headings_and_drops_only_front_matter():
    paras, sents, audit = clean(WORK_REPORT, "clean_text")
    assert heads(paras) == ["政府工作报告", *HEADINGS]
    assert set(paras.loc[paras["kind"] == "headline", "role"]) == {"headline"}
    for lead_in in LEAD_INS:                      # a sentence ending in ： is prose: its own paragraph
        assert lead_in in body(paras) and lead_in in list(sents["text"])
    assert (audit["action"] == "join").sum() == 0
    drops = audit[audit["action"].isin(DROP_ACTIONS)]
    assert list(zip(drops["reason"], drops["text"])) == [
        ("dateline", DATELINE), ("furniture", "各位代表："), ("page_number", "- 3 -")]
    assert not (audit["action"] == "dedupe").any()


def test_the_same_report_as_a_newspaper_page_is_cleaned_as_before():
    """The page rules on a work report: lead-ins dropped as fragments and joined across 'column breaks'
    (the behaviour clean_text exists to avoid), the dateline kept as a headline, 各位代表： dropped."""
    paras, _, audit = clean(WORK_REPORT, "newspaper_page")
    default = clean(WORK_REPORT)
    assert paras.equals(default[0]) and audit.equals(default[2])      # no layout column = newspaper_page
    assert dropped(audit, "fragment_end") == LEAD_INS[:2]
    assert list(audit.loc[audit["action"] == "join", "reason"]) == ["column_break"]
    assert "具体要做好以下工作：加快建设现代物流园区，推进智能制造项目落地。" in body(paras)
    assert DATELINE in heads(paras) and dropped(audit, "furniture") == ["各位代表："]
    assert not dropped(audit, "dateline") and not dropped(audit, "page_number")


def test_clean_text_does_not_apply_the_page_rules():
    """Photo credits, bylines, credits blocks, duplicates and mid-sentence breaks are left alone in clean text."""
    text = ("本报讯（记者张三）6月1日，某区召开会议，部署“创文”工作。" + SEP + CULTURE + SEP + "罗通 摄" + SEP
            + "会议强调，要完善基础设施，开展道路维修，提" + SEP + "高道路的平整度和舒适度。" + SEP + CULTURE + SEP
            + "统筹 李雨帆 刘晓芬\n文字 田秀忠 何 洋\n图片 高鹤鸣 魏国伟")
    paras, _, audit = clean(text, "clean_text")
    assert not audit["action"].isin(["drop", "join", "dedupe"]).any(), audit
    assert body(paras)[0].startswith("本报讯（记者张三）") and body(paras).count(CULTURE) == 2
    assert "会议强调，要完善基础设施，开展道路维修，提" in body(paras)
    page = clean(text, "newspaper_page")[2]
    assert {"byline", "photo_credit", "credits", "column_break", "duplicate"} <= set(page["reason"])   # page rules fire


@pytest.mark.parametrize("line, reason", [
    (DATELINE, "dateline"), ("（2023年1月10日在卫东区第十一届人民代表大会第二次会议上）", "dateline"),
    ("——二〇二三年一月十日在区十一届人大二次会议上的报告", "dateline"), ("（2023年1月10日）", "dateline"),
    ("- 12 -", "page_number"), ("—3—", "page_number"), ("第3页 共12页", "page_number"), ("3/12", "page_number"),
    ("7", "page_number"), ("各位代表：", "furniture"), ("2018年1月16日", "furniture"),
    ("一年来的主要工作是：", "body"), ("2023年1月10日，区委召开全会。", "body"), ("一、2022年工作回顾", "headline"),
    ("在2023年1月10日的会议上", "headline"), ("全年增长3个百分点", "headline"),
    ("（三）坚持以人民为中心的发展思想，着力保障和改善民生，人民群众获得感幸福感安全感持续增强", "headline"),
    ("（三）坚持以人民为中心的发展思想，着力保障和改善民生，人民群众获得感幸福感安全感持续增强。", "body"),
    ("坚持以人民为中心的发展思想，着力保障和改善民生，人民群众获得感幸福感安全感持续增强", "body"),
])
def test_clean_text_line_classes(line, reason):
    assert classify_line(line, RULES, "clean_text") == reason


def test_unknown_profile_in_a_table_names_the_document():
    corpus = pd.DataFrame([{"doc_id": "x1", "year": 2001, "text": "一句话。", "layout": "scanned"}])
    with pytest.raises(CorpusError, match=r"doc_id 'x1'.*'scanned'.*newspaper_page, clean_text"):
        clean_corpus(corpus, RULES)


def test_mixed_layouts_in_one_corpus_and_empty_layout_is_the_default():
    corpus = pd.DataFrame([{"doc_id": "a", "year": 2001, "text": WORK_REPORT, "layout": "clean_text"},
                           {"doc_id": "b", "year": 2001, "text": WORK_REPORT, "layout": ""},
                           {"doc_id": "c", "year": 2001, "text": WORK_REPORT, "layout": None}])
    _, _, audit = clean_corpus(corpus, RULES)
    joins = audit[audit["action"] == "join"].groupby("doc_id").size()
    assert joins.get("a", 0) == 0 and joins["b"] == joins["c"] == 1
    assert account_for_characters(corpus, *clean_corpus(corpus, RULES)[::2])["balanced"].all()


def test_profiles_are_data_and_a_bad_profiles_file_names_the_cell(tmp_path):
    clean_only = {"dateline", "page_number", "long_numbered_heading"}
    assert RULES.steps("clean_text") < RULES.steps("newspaper_page") | clean_only
    assert RULES.steps("newspaper_page") == set(CLEANING_STEPS) - clean_only
    text = (LEXICON / CLEANING_PROFILES_FILE).read_text(encoding="utf-8")
    (tmp_path / CLEANING_RULES_FILE).write_text((LEXICON / CLEANING_RULES_FILE).read_text(encoding="utf-8"),
                                                  encoding="utf-8")
    (tmp_path / CLEANING_PROFILES_FILE).write_text(text.replace("join,yes,no", "join,yes,maybe"), encoding="utf-8")
    with pytest.raises(CorpusError, match=r"cleaning_profiles\.csv line \d+: clean_text for step 'join' is 'maybe'"):
        load_cleaning_rules(tmp_path)
    (tmp_path / CLEANING_PROFILES_FILE).write_text(text.replace("\njoin,yes,no", "\njoins,yes,no"), encoding="utf-8")
    with pytest.raises(CorpusError, match=r"step 'joins' is not one of"):
        load_cleaning_rules(tmp_path)


@pytest.mark.parametrize("layout", ["newspaper_page", "clean_text"])
@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_line_endings_clean_like_lf_under_both_profiles(layout, newline):
    for text in [WORK_REPORT, "会议强调，要完善基础设施，开展道路维修，提\n\n高道路的平整度和舒适度。\n\n罗通 摄\n"]:
        paras, sents, audit = clean(text, layout)
        paras2, sents2, audit2 = clean(text.replace("\n", newline), layout)
        assert paras.equals(paras2) and sents.equals(sents2) and audit.equals(audit2)
        assert not paras2["text"].str.contains("\r").any() and not audit2["text"].str.contains("\r").any()


def test_crlf_corpus_file_loads_and_cleans_like_lf(tmp_path):
    docs = [{"doc_id": "lf", "year": 2001, "text": WORK_REPORT},
            {"doc_id": "crlf", "year": 2001, "text": WORK_REPORT.replace("\n", "\r\n")}]
    folder = write_corpus(tmp_path, docs)
    meta = (folder / "metadata.csv").read_text(encoding="utf-8").splitlines()
    (folder / "metadata.csv").write_text("\r\n".join([meta[0] + ",layout"] + [m + ",clean_text" for m in meta[1:]])
                                         + "\r\n", encoding="utf-8")
    corpus = load_corpus(folder)
    assert set(corpus["layout"]) == {"clean_text"}
    paras, sents, audit = clean_corpus(corpus, RULES)
    assert account_for_characters(corpus, paras, audit)["balanced"].all()
    by = {d: g.drop(columns="doc_id").reset_index(drop=True) for d, g in paras.groupby("doc_id")}
    assert by["lf"].equals(by["crlf"])
    assert (audit.groupby("doc_id").size()["lf"] == audit.groupby("doc_id").size()["crlf"])


@pytest.mark.parametrize("layout", ["newspaper_page", "clean_text"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(doc=noisy_document(), crlf=st.booleans())
def test_generated_noisy_texts_are_accounted_for_under_every_profile(layout, doc, crlf):
    text = doc[0].replace("\n", "\r\n") if crlf else doc[0]
    clean(text, layout)


@pytest.mark.parametrize("layout", ["newspaper_page", "clean_text"])
@settings(max_examples=60, deadline=None)
@given(pieces=st.lists(st.one_of(
    st.text(alphabet=ALPHABET + "，。、：；！？“”（）,;:()!? 0123456789.%—-\r\n", max_size=40),
    st.sampled_from(["", "\n", "\r\n", BOX, "各位代表：", DATELINE, "- 3 -", *HEADINGS, *LEAD_INS])),
    min_size=1, max_size=20))
def test_report_like_text_is_accounted_for_under_every_profile(layout, pieces):
    text = "\n".join(pieces)
    if text.strip():
        paras, _, audit = clean(text, layout)
        if layout == "clean_text":
            assert not audit["action"].isin(["join", "dedupe"]).any()
            assert set(audit.loc[audit["action"] == "drop", "reason"]) <= {"furniture", "dateline", "page_number",
                                                                            "bullet"}


def test_clean_text_on_the_project_corpus_is_accounted_for(project):
    corpus = project[0].assign(layout="clean_text")
    paras, _, audit = clean_corpus(corpus, RULES)
    assert account_for_characters(corpus, paras, audit)["balanced"].all()
    assert not audit["action"].isin(["join", "dedupe"]).any()


# --- traditional characters: converted for segmentation and matching, logged, conservation holds ----------
TRAD_REPORT = ("政府工作報告\n\n——2012年2月10日在區第八屆人民代表大會第三次會議上\n\n各位代表：\n\n"
               "現在，我代表區人民政府，向大會報告工作，請予審議。\n\n一、過去一年的工作\n\n具體要做好以下工作：\n\n"
               "我們堅持穩中求進工作總基調，深入推進“放管服”改革，經濟社會發展取得新成績。\n")


@pytest.mark.parametrize("layout", ["newspaper_page", "clean_text"])
def test_traditional_text_is_converted_logged_and_accounted_for(layout):
    from tifa.corpus import to_simplified

    corpus = pd.DataFrame([{"doc_id": "t", "year": 2012, "text": TRAD_REPORT, "layout": layout,
                            "script": "traditional"}])
    paras, sents, audit = clean_corpus(corpus, RULES)
    assert account_for_characters(corpus, paras, audit)["balanced"].all()
    conv = audit[audit["reason"] == "traditional_to_simplified"]
    assert len(conv) and set(conv["action"]) == {"normalise"}
    assert all(to_simplified(t) == r and t != r for t, r in zip(conv["text"], conv["result"]))
    assert sents["text"].str.endswith("我们坚持稳中求进工作总基调，深入推进“放管服”改革，经济社会发展取得新成绩。").any()
    assert not any(c in "".join(paras["text"]) for c in "們區屆會議發")
    if layout == "clean_text":     # the rules, written in simplified, see the simplified view of each line
        drops = audit[audit["action"] == "drop"]
        assert set(drops["reason"]) == {"dateline", "furniture"}
        assert "具体要做好以下工作：" in set(paras["text"]) and "一、过去一年的工作" in set(
            paras.loc[paras["kind"] == "headline", "text"])
        assert drops["text"].str.contains("屆").any()          # dropped text is the original, unconverted


def test_script_is_detected_when_the_corpus_table_does_not_say():
    corpus = pd.DataFrame([{"doc_id": "t", "year": 2012, "text": TRAD_REPORT, "layout": "clean_text"},
                           {"doc_id": "s", "year": 2012, "text": "我们坚持稳中求进工作总基调，鳧山的经济社会发展取得新成绩。"}])
    paras, _, audit = clean_corpus(corpus, RULES)
    assert account_for_characters(corpus, paras, audit)["balanced"].all()
    conv = audit[audit["reason"] == "traditional_to_simplified"]
    assert set(conv["doc_id"]) == {"t"}                   # the simplified text with a stray 鳧 is left as it is
    assert "鳧" in "".join(paras.loc[paras["doc_id"] == "s", "text"])


@pytest.mark.parametrize("text", ["The district government held a press conference.",
                                  "会议邀请专家作辅导，主题为Digital Government.", "会议强调：Go!"])
def test_an_english_sentence_end_closes_a_paragraph(text):
    assert not ends_open(text, RULES)
    paras, _, audit = clean(f"{text}\n\n会议指出，要抓好落实。\n")
    assert not audit["action"].isin(["join", "drop"]).any() and len(paras) == 2


def test_the_realistic_corpus_is_accounted_for_and_its_traditional_report_converted(tmp_path):
    from realistic_corpus import GBK_DOC, LONG_CHARS, LONG_DOC, TRADITIONAL_DOC, write_realistic_corpus

    corpus = load_corpus(write_realistic_corpus(tmp_path))
    by = corpus.set_index("doc_id")
    assert by.loc[TRADITIONAL_DOC, "script"] == "traditional" and (by.drop(TRADITIONAL_DOC)["script"] == "simplified").all()
    assert by.loc[GBK_DOC, "encoding"] == "gb18030" and by.loc[LONG_DOC, "chars"] > LONG_CHARS * 0.95
    paras, sents, audit = clean_corpus(corpus, RULES)
    assert account_for_characters(corpus, paras, audit)["balanced"].all()
    assert set(audit.loc[audit["reason"] == "traditional_to_simplified", "doc_id"]) == {TRADITIONAL_DOC}
    reports = set(corpus.loc[corpus["layout"] == "clean_text", "doc_id"])
    acted = audit[audit["doc_id"].isin(reports) & (audit["action"] != "normalise")]
    assert set(acted["reason"]) <= {"furniture", "dateline", "page_number", "bullet"}
    for lead_in in ["具体要做好以下工作：", "一年来的主要工作是：", "重点抓好十个方面工作："]:
        in_paras = paras[paras["doc_id"].isin(reports) & (paras["text"] == lead_in)]
        assert len(in_paras) == 0 or (in_paras["kind"] == "body").all()
    assert (paras["doc_id"] == LONG_DOC).sum() == 2                 # its title and its one paragraph
    assert not paras["text"].str.contains("[０-９Ｇ]").any()          # full-width digits normalised (logged)


# clean_corpus assembles its tables from per-document columns (issue 17b) ---------------------------------
def _tables_from_row_dicts(corpus, rules):
    """The assembly before issue 17: every row dict of the corpus, then ``pd.DataFrame(rows, columns=...)``."""
    from tifa.cleaning import AUDIT_COLUMNS, clean_one_document, PARAGRAPH_COLUMNS, SENTENCE_COLUMNS

    results = [clean_one_document(dict(row), rules) for row in corpus.to_dict("records")]
    tables = [pd.DataFrame([r for doc in results for r in doc[k]], columns=cols)
              for k, cols in enumerate((PARAGRAPH_COLUMNS, SENTENCE_COLUMNS, AUDIT_COLUMNS))]
    tables[2]["para_id"] = tables[2]["para_id"].astype("Int64")
    tables[2]["offset"] = tables[2]["offset"].astype("Int64")
    return tables


def test_clean_corpus_tables_equal_the_row_dict_assembly_on_the_project_corpus():
    corpus = load_corpus(RAW)
    new = clean_corpus(corpus, RULES)
    for got, want in zip(new, _tables_from_row_dicts(corpus, RULES)):
        assert list(got.dtypes.astype(str)) == list(want.dtypes.astype(str))
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert len(new[0]) > 0 and len(new[1]) > 0 and len(new[2]) > 0


def test_clean_corpus_small_and_empty_tables_keep_the_row_dict_dtypes(tmp_path):
    """A short clean text (few or no audit rows), and a table without rows, as the row-dict assembly made them."""
    from tifa.cleaning import _frame_from_columns, AUDIT_COLUMNS

    write_corpus(tmp_path, [{"doc_id": "2020_x", "year": 2020, "text": "一、总体要求\n\n坚持党的领导。推进改革。\n"}])
    corpus = load_corpus(tmp_path)
    for got, want in zip(clean_corpus(corpus, RULES), _tables_from_row_dicts(corpus, RULES)):
        assert list(got.dtypes.astype(str)) == list(want.dtypes.astype(str))
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    empty = _frame_from_columns([{c: [] for c in AUDIT_COLUMNS}], AUDIT_COLUMNS)
    pd.testing.assert_frame_equal(empty, pd.DataFrame([], columns=AUDIT_COLUMNS))
