"""tifa.corpus: loading and validating a corpus (every error names the file or row; encodings are decoded,
not garbled), and the facts about its documents the stages share (years, gaps, genres, dates, comparisons)."""
from __future__ import annotations

import csv
import hashlib

import pandas as pd
import pytest

from tifa.config import RAW
from tifa.files import CorpusError
from tifa.corpus import (
    ALL_GENRES, body_chars, comparison_groups, date_bounds, DEFAULT_LAYOUT, document_date_bounds, genre_spans,
    LAYOUTS, load_corpus, missing_years, whole_months, year_axis,
)


TEXT_A = "卫东区坚持稳中求进工作总基调，持续打好“四张牌”。"
TEXT_B = "本报讯（记者王孟鹤）5月15日下午，卫东区委中心组举行集中学习。"


def two_docs():
    return [{"doc_id": "a", "year": 2001, "text": TEXT_A}, {"doc_id": "b", "year": 2002, "text": TEXT_B}]


def rewrite(folder, rows):
    with open(folder / "metadata.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def rows_of(folder):
    return list(csv.DictReader(open(folder / "metadata.csv", encoding="utf-8")))


# --- loading and validation ---------------------------------------------------------------------------
def test_project_corpus_loads_and_verifies():
    corpus = load_corpus(RAW)
    assert len(corpus) == len(rows_of(RAW))
    assert corpus["year"].dtype.kind == "i"
    assert (corpus["chars"] > 0).all()
    assert set(corpus["encoding"]) == {"utf-8"}


def test_utf8_with_bom_is_read_without_the_bom(tmp_path, corpus_writer):
    folder = corpus_writer(tmp_path, two_docs(), encoding={"a": "utf-8-sig"})
    corpus = load_corpus(folder).set_index("doc_id")
    assert corpus.loc["a", "text"] == TEXT_A
    assert corpus.loc["a", "encoding"] == "utf-8-sig"


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_gbk_file_is_decoded_and_reported(tmp_path, corpus_writer, codec):
    folder = corpus_writer(tmp_path, two_docs(), encoding={"b": codec})
    corpus = load_corpus(folder).set_index("doc_id")
    assert corpus.loc["b", "text"] == TEXT_B
    assert corpus.loc["b", "encoding"] == "gb18030"


def test_undecodable_file_names_the_file(tmp_path, corpus_writer):
    folder = corpus_writer(tmp_path, two_docs())
    bad = b"\xff\xfe\xfa\x00\x81" * 5
    (folder / "a.txt").write_bytes(bad)
    rows = rows_of(folder)
    rows[0]["sha256"] = hashlib.sha256(bad).hexdigest()
    rewrite(folder, rows)
    with pytest.raises(CorpusError, match=r"a\.txt.*(cannot decode|neither)"):
        load_corpus(folder)


def test_listed_file_missing_names_row_and_file(tmp_path, corpus_writer):
    folder = corpus_writer(tmp_path, two_docs())
    (folder / "b.txt").unlink()
    with pytest.raises(CorpusError, match=r"row 3 \(doc_id 'b'\).*b\.txt is missing"):
        load_corpus(folder)


def test_unlisted_file_is_an_error(tmp_path, corpus_writer):
    folder = corpus_writer(tmp_path, two_docs())
    (folder / "stray.txt").write_text("多余的文件", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"not listed.*stray\.txt"):
        load_corpus(folder)


def test_duplicate_doc_id(tmp_path, corpus_writer):
    folder = corpus_writer(tmp_path, two_docs())
    rows = rows_of(folder)
    rows[1]["doc_id"] = "a"
    rewrite(folder, rows)
    with pytest.raises(CorpusError, match=r"duplicate doc_id a"):
        load_corpus(folder)


@pytest.mark.parametrize("year", ["2019年", "twenty", "2019.5", ""])
def test_non_integer_year_names_the_row(tmp_path, corpus_writer, year):
    folder = corpus_writer(tmp_path, two_docs())
    rows = rows_of(folder)
    rows[1]["year"] = year
    rewrite(folder, rows)
    with pytest.raises(CorpusError, match=r"row 3 \(doc_id 'b'\).*year"):
        load_corpus(folder)


@pytest.mark.parametrize("text", ["", "  \n\u3000\t\n"])
def test_empty_or_whitespace_text(tmp_path, corpus_writer, text):
    docs = two_docs()
    docs[0]["text"] = text
    folder = corpus_writer(tmp_path, docs)
    with pytest.raises(CorpusError, match=r"a\.txt.*empty"):
        load_corpus(folder)


def test_sha256_mismatch_says_which_file_changed(tmp_path, corpus_writer):
    folder = corpus_writer(tmp_path, two_docs())
    (folder / "b.txt").write_text(TEXT_B + "改动", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"b\.txt: sha256 .* does not match"):
        load_corpus(folder)


def test_missing_metadata_column(tmp_path, corpus_writer):
    folder = corpus_writer(tmp_path, two_docs())
    rows = [{k: v for k, v in r.items() if k != "genre"} for r in rows_of(folder)]
    rewrite(folder, rows)
    with pytest.raises(CorpusError, match=r"metadata\.csv: missing column\(s\) genre"):
        load_corpus(folder)


def test_loading_never_writes_raw_files(tmp_path, corpus_writer):
    folder = corpus_writer(tmp_path, two_docs())
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()}
    load_corpus(folder)
    assert before == {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()}


# --- layout: the cleaning profile each text names --------------------------------------------------
def test_without_a_layout_column_every_text_is_a_newspaper_page(tmp_path, corpus_writer):
    corpus = load_corpus(corpus_writer(tmp_path, two_docs()))
    assert list(corpus["layout"]) == [DEFAULT_LAYOUT] * 2 == ["newspaper_page"] * 2
    assert not corpus["layout_given"].any()
    project = load_corpus(RAW)
    assert set(project["layout"]) == {"newspaper_page"} and not project["layout_given"].any()


def test_layout_column_is_read_per_row_and_an_empty_cell_is_the_default(tmp_path, corpus_writer):
    folder = corpus_writer(tmp_path, two_docs() + [{"doc_id": "c", "year": 2003, "text": TEXT_A + "三"}])
    rows = rows_of(folder)
    for r, layout in zip(rows, ["clean_text", "", " newspaper_page "]):
        r["layout"] = layout
    rewrite(folder, rows)
    corpus = load_corpus(folder).set_index("doc_id")
    assert corpus["layout"].to_dict() == {"a": "clean_text", "b": "newspaper_page", "c": "newspaper_page"}
    assert corpus["layout_given"].to_dict() == {"a": True, "b": False, "c": True}
    assert set(LAYOUTS) == {"newspaper_page", "clean_text"}


@pytest.mark.parametrize("layout", ["scanned", "Clean_Text", "clean text"])
def test_unknown_layout_names_the_row_and_the_allowed_values(tmp_path, corpus_writer, layout):
    folder = corpus_writer(tmp_path, two_docs())
    rows = rows_of(folder)
    rows[0]["layout"], rows[1]["layout"] = "clean_text", layout
    rewrite(folder, rows)
    with pytest.raises(CorpusError, match=rf"metadata\.csv row 3 \(doc_id 'b'\): layout '{layout}' is not one "
                                          r"of newspaper_page, clean_text"):
        load_corpus(folder)


# --- dates, years, genres ----------------------------------------------------------------------------
def test_date_bounds():
    assert date_bounds("2019") == (pd.Timestamp("2019-01-01"), pd.Timestamp("2019-12-31"))
    assert date_bounds("2020-02") == (pd.Timestamp("2020-02-01"), pd.Timestamp("2020-02-29"))
    assert date_bounds("2018-01-18") == (pd.Timestamp("2018-01-18"),) * 2
    with pytest.raises(ValueError, match="2019/05"):
        date_bounds("2019/05")


def test_missing_years_and_genre_spans():
    docs = pd.DataFrame({"doc_id": list("abcd"), "year": [2018, 2019, 2019, 2023],
                         "genre": ["report", "news", "news", "news"]})
    assert missing_years(docs["year"]) == [2020, 2021, 2022]
    spans = genre_spans(docs).set_index("genre")
    assert not spans.loc["report", "spans_several_years"]
    assert spans.loc["news", "spans_several_years"] and spans.loc["news", "documents"] == 3


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


@pytest.mark.parametrize("start, end, floor, ceil", [
    ("2018-01-18", "2018-01-18", 0, 0),
    ("2018-01-18", "2018-03-17", 1, 2),
    ("2018-01-18", "2018-03-18", 2, 2),
    ("2018-01-31", "2018-02-28", 1, 1),   # DateOffset clips 31 Jan + 1 month to 28 Feb
    ("2017-10-01", "2018-01-18", 3, 4),
    ("2018-03-01", "2018-01-01", -2, -2),
    ("2018-03-15", "2018-01-01", -3, -2),
])
def test_whole_months_floor_and_ceil(start, end, floor, ceil):
    assert whole_months(ts(start), ts(end), "floor") == floor
    assert whole_months(ts(start), ts(end), "ceil") == ceil


def test_whole_months_rejects_unknown_rounding():
    with pytest.raises(ValueError, match="rounding"):
        whole_months(ts("2018-01-01"), ts("2019-01-01"), "round")


def test_single_genre_corpus_has_no_separate_within_genre_comparison():
    docs = pd.DataFrame({"doc_id": ["a", "b"], "year": [2001, 2002], "genre": ["news", "news"]})
    assert [label for label, _ in comparison_groups(docs)] == [ALL_GENRES]


def test_body_chars_counts_non_space_characters_of_body_paragraphs_only():
    paragraphs = pd.DataFrame({"doc_id": ["a", "a", "b"], "year": [2001, 2001, 2003],
                               "kind": ["headline", "body", "body"], "text": ["标题", "坚持 六稳。", "落\u3000实\n"]})
    assert body_chars(paragraphs).to_dict() == {"a": 5, "b": 2}
    assert body_chars(paragraphs, by="year").to_dict() == {2001: 5, 2003: 2}


def test_year_axis_comparisons_and_document_date_bounds():
    docs = pd.DataFrame({"doc_id": ["r", "n1", "n2"], "year": [2018, 2019, 2021], "date": ["2018-01-18", "2019", "2021-02"],
                         "genre": ["report", "news", "news"]})
    assert year_axis(docs) == [2018, 2019, 2020, 2021]                     # the gap year is on the axis
    assert comparison_groups(docs) == [(ALL_GENRES, ["n1", "n2", "r"]), ("news only", ["n1", "n2"])]
    b = document_date_bounds(docs).set_index("doc_id")
    assert (b.loc["n1", "date_lo"], b.loc["n1", "date_hi"]) == (pd.Timestamp("2019-01-01"), pd.Timestamp("2019-12-31"))
    assert b.loc["n2", "date_hi"] == pd.Timestamp("2021-02-28") and b.loc["r", "date_lo"] == pd.Timestamp("2018-01-18")


# --- script: traditional characters detected per document (data/lexicon/script_settings.csv) --------------
TRAD = "過去一年，我們堅持穩中求進工作總基調，全面貫徹新發展理念，經濟社會發展取得新成績。"
SIMP = "过去一年，我们坚持稳中求进工作总基调，全面贯彻新发展理念，经济社会发展取得新成绩。"


def test_traditional_text_is_detected_and_simplified_text_is_not():
    from tifa.corpus import detect_script, load_script_settings, to_simplified

    settings = load_script_settings()
    assert to_simplified(TRAD, settings.converter) == SIMP
    trad, simp = detect_script(TRAD, settings), detect_script(SIMP, settings)
    assert trad["script"] == "traditional" and trad["converted"] == sum(a != b for a, b in zip(TRAD, SIMP)) > 10
    assert trad["t2s_share"] >= settings.traditional_min_share
    assert simp == {"script": "simplified", "t2s_share": 0.0, "converted": 0}
    # one stray traditional character in a simplified text (a name) is below the threshold: left as it is
    stray = detect_script(SIMP * 3 + "鳧山", settings)
    assert stray["script"] == "simplified" and stray["converted"] == 0 and 0 < stray["t2s_share"] < 0.1
    # too few Chinese characters to tell
    assert detect_script("經濟", settings)["script"] == "simplified"


def test_load_corpus_records_the_script_of_every_document(tmp_path, corpus_writer):
    folder = corpus_writer(tmp_path, two_docs() + [{"doc_id": "t", "year": 2003, "text": TRAD}])
    corpus = load_corpus(folder).set_index("doc_id")
    assert corpus["script"].to_dict() == {"a": "simplified", "b": "simplified", "t": "traditional"}
    assert corpus.loc["t", "converted"] > 0 and corpus.loc["a", "converted"] == 0
    assert corpus.loc["t", "text"] == TRAD                          # the text itself is never changed
    project = load_corpus(RAW)
    assert set(project["script"]) == {"simplified"} and (project["converted"] == 0).all()


def test_script_settings_are_data_and_a_bad_file_names_the_setting(tmp_path):
    import shutil
    from tifa.config import LEXICON
    from tifa.corpus import SCRIPT_SETTINGS_FILE, load_script_settings

    src = (LEXICON / SCRIPT_SETTINGS_FILE).read_text(encoding="utf-8")
    assert src.startswith("#")
    for bad, match in [("traditional_min_share,0.1,", "traditional_min_share,lots,"),
                       ("converter,t2s,", "converter,nonsense_config,")]:
        (tmp_path / SCRIPT_SETTINGS_FILE).write_text(src.replace(bad, match), encoding="utf-8")
        with pytest.raises(CorpusError, match=SCRIPT_SETTINGS_FILE):
            load_script_settings(tmp_path)
    (tmp_path / SCRIPT_SETTINGS_FILE).write_text(src.replace("traditional_min_share,0.1,", "traditional_min_share,0.5,"),
                                                 encoding="utf-8")
    assert load_script_settings(tmp_path).traditional_min_share == 0.5
    shutil.rmtree(tmp_path)
