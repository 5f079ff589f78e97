"""A test corpus shaped like the corpora researchers actually have (issue 13), made by the tests themselves.

``write_realistic_corpus(folder)`` writes texts and a ``metadata.csv`` (with a ``layout`` column) into
``folder``: 25 years (1998-2023 without 2005), two genres (district newspaper pages, cleaned as
``newspaper_page`` (named, or by default where the cell is empty), and government work reports,
``clean_text``), 2-4 documents a year, 73 in all (about 0.65 MB).  The prose is
composed from a bank of official-sounding sentences (written for these tests) with numbers and places
drawn by a seeded generator, plus the hard cases real corpora contain: URLs, e-mail addresses, number
ranges (1-2, 2019-2023, 3.5%-4%), mixed ASCII and English, full-width digits, CRLF line endings,
a very long single-paragraph document, one report in traditional characters (OpenCC s2t of a composed
report), one GBK-encoded file, headlines and photo credits on newspaper pages, numbered sections, lead-ins
ending in ：, 各位代表：, a dateline and page numbers in reports.  The same seed gives the same bytes.
"""
from __future__ import annotations

import csv
import hashlib
import random
from pathlib import Path

YEARS = [y for y in range(1998, 2024) if y != 2005]
GAP_YEAR = 2005
TRADITIONAL_DOC = "r2012_trad"       # a work report in traditional characters
GBK_DOC = "n2003_a"                  # a newspaper page saved in GBK
LONG_DOC = "r2020_long"              # one very long single-paragraph report
CRLF_EVERY = 4                       # every 4th document is written with CRLF line endings
LONG_CHARS = 200_000                 # characters of the long document's one paragraph

PLACES = ["东城街道", "西湖街道", "北环路街道", "光华路街道", "五一路街道", "建设路街道", "东高皇街道", "蒲城街道"]
REPORTERS = ["张晓明", "李红", "王建国", "刘芳", "陈志强", "赵丽"]
TOPICS = ["城市更新", "营商环境", "生态环境保护", "安全生产", "民生实事", "项目建设", "党风廉政建设", "文明城市创建"]

# Sentences of the kind official texts are made of, each with the first year it may appear in (a central formula
# only after its introduction, as in data/lexicon/central_formulae.csv); {slots} are filled from the seeded generator.
BANK = [
    (2016, "过去一年，我们坚持稳中求进工作总基调，全面贯彻新发展理念，经济社会发展取得新成绩。"),
    (0, "全年地区生产总值增长{pct}%，一般公共预算收入完成{money}亿元，城乡居民人均可支配收入分别增长{pct}%和{pct2}%。"),
    (2016, "我们坚持以人民为中心的发展思想，着力保障和改善民生，办好了{n}件民生实事。"),
    (0, "坚持把项目建设作为稳增长的主抓手，全年实施重点项目{n}个，完成投资{money}亿元。"),
    (2016, "深入推进“放管服”改革，{n}项政务服务事项实现“一网通办”，企业开办时间压缩至{small}个工作日。"),
    (2018, "持续打好污染防治攻坚战，空气质量优良天数达到{n}天，PM2.5平均浓度下降{pct}%。"),
    (2018, "扎实推进乡村振兴战略，新建高标准农田{n}亩，农村人居环境整治成效明显。"),
    (2015, "全面加强党的建设，认真落实全面从严治党主体责任，党风廉政建设和反腐败斗争深入推进。"),
    (2019, "我们牢固树立“四个意识”，坚定“四个自信”，坚决做到“两个维护”。"),
    (2021, "聚焦“六稳”“六保”，全力稳就业、保市场主体，新增城镇就业{n}人。"),
    (0, "加快推进老旧小区改造，改造小区{small}个，惠及居民{n}户。"),
    (0, "坚持教育优先发展，新建改扩建中小学和幼儿园{small}所，新增学位{n}个。"),
    (2018, "深化平安建设，扎实开展扫黑除恶专项斗争，群众安全感和满意度持续提升。"),
    (2020, "统筹推进疫情防控和经济社会发展，筑牢群防群控严密防线。"),
    (2020, "大力发展数字经济，建成5G基站{n}座，5G-A试点网络覆盖主要商圈。"),
    (0, "群众可通过电子邮箱wdqzf{small}@163.com或政府网站https://www.wd-gov.cn/zwgk/index.html反映意见建议。"),
    (0, "详细信息请登录www.pds.gov.cn查询，咨询电话0375-{tel}。"),
    (0, "今后{small}-{small2}年，重点推进{n}个重大项目，力争2019-2023年累计完成投资{money}亿元。"),
    (0, "预期目标是：地区生产总值增长3.5%-4%，居民收入增长与经济增长基本同步。"),
    (0, "每个社区配备1-2名专职网格员，实现网格化管理全覆盖。"),
    (0, "The district government held a press conference on the new development zone."),
    (0, "会议邀请了来自Tsinghua University的专家作专题辅导，主题为Digital Government 2.0。"),
    (0, "全年接待游客２０３万人次，实现旅游收入１５.６亿元，ＧＤＰ增速居全市前列。"),
    (0, "坚持以高质量党建引领基层治理，推动党组织全面进小区、进楼院。"),
    (2018, "我们要以更加饱满的精神状态、更加务实的工作作风，奋力谱写新时代高质量发展新篇章。"),
    (0, "会议强调，要聚焦项目建设、聚焦招商引资、聚焦营商环境，确保各项目标任务落到实处。"),
    (0, "要坚持问题导向，坚持目标导向，坚持结果导向，以钉钉子精神抓好工作落实。"),
    (0, "区委书记在讲话中指出，要把思想和行动统一到中央和省委、市委的决策部署上来。"),
    (0, "各级各部门要强化责任担当，切实把为民办实事各项任务落到实处。"),
    (0, "截至{month}月底，全区累计发放惠民补贴{money}亿元，覆盖困难群众{n}人。"),
]
LEAD_INS = ["具体要做好以下工作：", "重点抓好十个方面工作：", "一年来的主要工作是：", "今年要着力抓好以下几项工作："]
NUMERALS = "一二三四五六七八九十"


def _fill(sentence: str, rng: random.Random) -> str:
    """One sentence of the bank with its slots filled."""
    return sentence.format(pct=round(rng.uniform(3, 9), 1), pct2=round(rng.uniform(3, 9), 1),
                           money=round(rng.uniform(5, 300), 1), n=rng.randint(12, 9000),
                           small=rng.randint(2, 9), small2=rng.randint(10, 15), month=rng.randint(1, 12),
                           tel=rng.randint(2000000, 8999999))


def _bank(year: int) -> list[str]:
    """The sentences of the bank a text of ``year`` may contain."""
    return [sentence for since, sentence in BANK if since <= year]


def _paragraph(rng: random.Random, k: int, year: int) -> str:
    """``k`` sentences of the bank for ``year``, in a seeded order."""
    bank = _bank(year)
    return "".join(_fill(rng.choice(bank), rng) for _ in range(k))


def _newspaper_page(year: int, rng: random.Random) -> str:
    """A district news page: headlines, a byline, body paragraphs, a photo box with credit, a second article,
    and a paragraph broken by a column break (re-joined by the newspaper_page profile)."""
    place, topic = rng.choice(PLACES), rng.choice(TOPICS)
    head = f"{place}扎实推进{topic}"
    lines = [head, "", f"本报讯（记者{rng.choice(REPORTERS)}）{rng.randint(1, 12)}月{rng.randint(1, 28)}日，"
             f"{place}召开{topic}工作推进会。" + _paragraph(rng, 2, year), "", _paragraph(rng, 3, year), ""]
    broken = _paragraph(rng, 2, year)
    lines += [broken + "会议要求，要进一步提高政治站位，", "", "切实增强做好" + topic + "工作的责任感和紧迫感。", ""]
    lines += ["", "", "群众在活动现场咨询政策", f"{rng.choice(REPORTERS)} 摄", "", "",
              f"{rng.choice(TOPICS)} 激发干事新活力", "", _paragraph(rng, 3, year), "", _paragraph(rng, 2, year)]
    return "\n".join(lines) + "\n"


def _work_report(year: int, rng: random.Random, sections: int = 3) -> str:
    """A government work report: title, dateline, salutation, opening, numbered sections with sub-headings,
    lead-ins ending in ：, a page number standing alone."""
    lines = ["政府工作报告", "", f"——{year}年{rng.randint(1, 3)}月{rng.randint(5, 28)}日在区第八届人民代表大会第"
             f"{NUMERALS[rng.randint(0, 5)]}次会议上", "", "各位代表：", "",
             "现在，我代表区人民政府，向大会报告工作，请予审议，并请各位政协委员和列席人员提出意见。", ""]
    for s in range(sections):
        lines += [f"{NUMERALS[s]}、{year - 1 if s == 0 else year}年{rng.choice(TOPICS)}工作", "",
                  rng.choice(LEAD_INS), ""]
        for sub in range(2):
            lines += [f"（{NUMERALS[sub]}）着力抓好{rng.choice(TOPICS)}", "", _paragraph(rng, 4, year), ""]
        if s == 0:
            lines += [f"- {rng.randint(2, 9)} -", ""]
    lines += ["各位代表！使命呼唤担当，实干成就未来。让我们团结一心，砥砺奋进，为全面建设现代化强区而努力奋斗！"]
    return "\n".join(lines) + "\n"


def _long_report(year: int, rng: random.Random, chars: int = LONG_CHARS) -> str:
    """A database export: a title and one paragraph of ``chars`` characters (no line break inside)."""
    body, n = [], 0
    bank = _bank(year)
    while n < chars:
        s = _fill(rng.choice(bank), rng)
        body.append(s)
        n += len(s)
    return f"{year}年政府工作报告（全文）\n\n" + "".join(body)[:chars].rstrip() + "。\n"


def realistic_documents(seed: int = 13) -> list[dict]:
    """The documents (doc_id, year, date, genre, layout, title, text, encoding, newline), seeded."""
    import opencc

    rng = random.Random(seed)
    docs = []
    for year in YEARS:
        for k in "ab" if year % 5 else "a":     # two news pages a year, one in every fifth year
            docs.append({"doc_id": f"n{year}_{k}", "year": year, "genre": "newspaper",
                         "date": f"{year}-{rng.randint(1, 12):02d}" if k == "a" else str(year),
                         "layout": "newspaper_page" if k == "a" else "", "text": _newspaper_page(year, rng)})
        docs.append({"doc_id": f"r{year}", "year": year, "genre": "government work report",
                     "date": f"{year}-{rng.randint(1, 3):02d}-{rng.randint(5, 28):02d}", "layout": "clean_text",
                     "text": _work_report(year, rng)})
    trad = opencc.OpenCC("s2t").convert(_work_report(2012, rng))
    docs.append({"doc_id": TRADITIONAL_DOC, "year": 2012, "genre": "government work report", "date": "2012-02",
                 "layout": "clean_text", "text": trad})
    docs.append({"doc_id": LONG_DOC, "year": 2020, "genre": "government work report", "date": "2020",
                 "layout": "clean_text", "text": _long_report(2020, rng)})
    for j, d in enumerate(docs):
        d["title"] = d["text"].splitlines()[0]
        d["encoding"] = "gbk" if d["doc_id"] == GBK_DOC else "utf-8"
        d["newline"] = "\r\n" if j % CRLF_EVERY == 1 else "\n"
    return docs


def write_realistic_corpus(folder: Path, seed: int = 13) -> Path:
    """Write the realistic corpus (texts + metadata.csv with sha256 and layout) into ``folder``; return it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for d in realistic_documents(seed):
        name = f"{d['doc_id']}.txt"
        data = d["text"].replace("\n", d["newline"]).encode(d["encoding"])
        (folder / name).write_bytes(data)
        rows.append({"doc_id": d["doc_id"], "file": name, "year": d["year"], "date": d["date"], "genre": d["genre"],
                     "subgenre": "", "title": d["title"], "date_note": "generated for the tests",
                     "layout": d["layout"], "sha256": hashlib.sha256(data).hexdigest()})
    with open(folder / "metadata.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return folder
