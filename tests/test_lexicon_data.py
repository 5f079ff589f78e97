"""The research-decision lexicon files under data/lexicon/: they parse, they are internally consistent,
and their claims about the corpus hold (a corpus-listed formula occurs; a central formula is never
found in a text dated before its introduction).
"""
from __future__ import annotations

import re
import unicodedata

import pandas as pd
import pytest

from tifa.config import LEXICON, RAW
from tifa.files import read_lexicon_csv
from tifa.corpus import date_bounds, load_corpus
from tifa.segmentation import JIEBA_TOKEN_CHARS
from tifa.priorities import read_priorities
from tifa.adoption import read_central_formulae

LEX = LEXICON
REQUIRED = {
    "formulae.csv": ["term", "head", "numeral", "kind", "english", "note"],
    "not_formulae.csv": ["term", "reason"],
    "mobilisation.csv": ["term", "subtype", "english", "note"],
    "ideology.csv": ["term", "subtype", "english", "note"],
    "priorities.csv": ["category", "category_zh", "category_en", "term", "scope_note"],
    "central_formulae.csv": ["term", "introduced", "occasion", "source", "level", "english", "note"],
    "glossary.csv": ["term", "pinyin", "english"],
}
CATEGORIES = {"economy", "party", "clean_gov", "environment", "livelihood", "urban", "rural", "civilised",
              "epidemic", "safety", "reform", "culture"}
MOBILISATION_SUBTYPES = {"directive verb", "intensifier", "quality marker"}
IDEOLOGY_SUBTYPES = {"leader thought", "party congress/plenum", "campaign/education", "loyalty formula",
                     "regime doctrine"}
FORMULA_KINDS = {"ideological", "policy", "mechanism", "institution", "plan period", "technical"}
FORMULA_LEVELS = {"central", "central (Henan-specific)", "provincial", "municipal", "district", "grassroots", "national", "unclear"}
FORMULA_STRUCTURES = {"N+head", "N+head+N+head", "N+N", "prefix+N+head", "digits"}
PINYIN_SYLLABLE = re.compile(r"[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+")
DATE = re.compile(r"\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?")


def load(name: str) -> pd.DataFrame:
    return read_lexicon_csv(LEX / name, REQUIRED[name])


def variants(central: pd.DataFrame) -> list[str]:
    return [v for cell in central.get("variants", pd.Series(dtype=str)) for v in cell.split("|") if v]


@pytest.fixture(scope="module")
def corpus_texts() -> pd.DataFrame:
    """The raw texts as the cleaning step normalises them (NFKC), with whitespace removed so that
    words broken across lines by the print layout (四 / 同共治) are whole again."""
    docs = load_corpus(RAW)
    docs["flat"] = docs["text"].map(lambda t: re.sub(r"\s+", "", unicodedata.normalize("NFKC", t)))
    return docs


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_file_parses_with_header_and_required_columns(name):
    df = load(name)
    assert len(df) > 0
    first = (LEX / name).read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("#"), f"{name}: must open with a # header (source, rules)"
    header = "\n".join(line for line in (LEX / name).read_text(encoding="utf-8").splitlines() if line.startswith("#"))
    assert "2026-11-28" in header, f"{name}: header must give the date of compilation"
    assert "source" in header.lower(), f"{name}: header must name its source"


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_terms_are_nonempty_unique_and_tokenizable(name):
    terms = load(name)["term"]
    assert terms.str.len().gt(0).all()
    dup = sorted(set(terms[terms.duplicated()]))
    assert not dup, f"{name}: duplicate terms {dup}"
    for t in terms:
        assert unicodedata.normalize("NFKC", t) == t, f"{name}: {t!r} is not NFKC-normalised"
        assert JIEBA_TOKEN_CHARS.match(t), f"{name}: {t!r} holds characters jieba never keeps in a token"


def test_formulae_columns_follow_their_coding_rules():
    f = load("formulae.csv")
    assert set(f["kind"]) <= FORMULA_KINDS
    assert set(f["level"]) <= FORMULA_LEVELS
    assert set(f["structure"]) <= FORMULA_STRUCTURES
    assert set(f["listed_because"]) == {"corpus", "reference"}
    for _, r in f.iterrows():
        assert r["english"].strip() and r["note"].strip(), r["term"]
        if r["structure"] == "prefix+N+head":
            assert r["term"].endswith(r["numeral"] + r["head"]), r["term"]
        else:
            assert r["term"] == r["numeral"] + r["head"], r["term"]


def test_not_formulae_and_formulae_are_disjoint_and_never_nested():
    f = set(load("formulae.csv")["term"])
    nf = set(load("not_formulae.csv")["term"])
    assert not f & nf
    # an exclusion that contained a formula (or sat inside one) would suppress a real formula
    assert not [(e, t) for e in nf for t in f if e in t or t in e]
    assert load("not_formulae.csv")["reason"].str.strip().str.len().gt(0).all()


def test_corpus_formulae_occur_and_reference_formulae_do_not(corpus_texts):
    f = load("formulae.csv")
    text = "\n".join(corpus_texts["flat"])
    missing = [t for t in f.loc[f["listed_because"] == "corpus", "term"] if t not in text]
    present = [t for t in f.loc[f["listed_because"] == "reference", "term"] if t in text]
    assert not missing, f"listed as read in the corpus but not found: {missing}"
    assert not present, f"listed as absent from the corpus but found: {present}"


def test_no_exclusion_overlaps_a_formula_occurrence_in_the_corpus(corpus_texts):
    formulae = list(load("formulae.csv")["term"])
    exclusions = list(load("not_formulae.csv")["term"])
    clashes = []
    for text in corpus_texts["flat"]:
        blocked = [(m.start(), m.end(), e) for e in exclusions for m in re.finditer(re.escape(e), text)]
        for term in formulae:
            for m in re.finditer(re.escape(term), text):
                clashes += [(term, e) for s, end, e in blocked if m.start() < end and s < m.end()]
    assert not clashes


def test_mobilisation_and_ideology_subtypes_are_from_the_allowed_sets():
    assert set(load("mobilisation.csv")["subtype"]) == MOBILISATION_SUBTYPES
    assert set(load("ideology.csv")["subtype"]) == IDEOLOGY_SUBTYPES


def test_priorities_have_twelve_labelled_categories_and_each_term_in_one():
    p = load("priorities.csv")
    assert set(p["category"]) == CATEGORIES
    assert p["category"].str.fullmatch(r"[a-z_]+").all()
    labels = p.groupby("category")[["category_zh", "category_en"]].nunique()
    assert (labels == 1).all().all(), "one Chinese and one English label per category"
    assert p["category_zh"].str.contains(r"[\u4e00-\u9fff]").all()
    assert p["category_en"].str.fullmatch(r"[A-Za-z ,()\-.]+").all()
    assert p.groupby("category")["scope_note"].first().str.len().gt(40).all()
    per_term = p.groupby("term")["category"].nunique()
    assert (per_term == 1).all() and not p["term"].duplicated().any()
    sizes = p["category"].value_counts()
    assert sizes.between(10, 30).all(), sizes.to_dict()
    read_priorities(LEX / "priorities.csv")  # notebook 04's reader accepts it


def test_central_formulae_are_dated_sourced_and_span_2012_to_2023():
    c = load("central_formulae.csv")
    assert len(c) >= 25
    for _, r in c.iterrows():
        assert DATE.fullmatch(r["introduced"]), f"{r['term']}: introduced {r['introduced']!r}"
        date_bounds(r["introduced"])
        assert r["source"].strip() and r["occasion"].strip(), r["term"]
        assert r["level"].startswith("central"), r["term"]
        if r["confidence"] != "high":
            assert r["note"].strip(), f"{r['term']}: a {r['confidence']}-confidence date needs a note"
    assert set(c["confidence"]) <= {"high", "medium", "low"}
    assert set(c["date_basis"]) <= {"first use", "formal adoption", "relaunch"}
    years = c["introduced"].str[:4].astype(int)
    assert years.min() <= 2012 and years.max() >= 2023
    assert (years.between(2012, 2023)).sum() >= 25
    read_central_formulae(LEX / "central_formulae.csv")  # notebook 05's reader accepts it


def test_central_variants_never_nest_in_their_term_or_each_other():
    c = load("central_formulae.csv")
    forms = list(c["term"]) + variants(c)
    assert len(forms) == len(set(forms)), "a term or variant is listed twice"
    for term, cell in zip(c["term"], c["variants"]):
        row = [term] + [v for v in cell.split("|") if v]
        assert not [(a, b) for a in row for b in row if a != b and a in b], term


def test_no_central_formula_occurs_before_it_was_introduced(corpus_texts):
    c = load("central_formulae.csv")
    early = []
    for _, r in c.iterrows():
        start, _ = date_bounds(r["introduced"])
        forms = [r["term"]] + [v for v in r["variants"].split("|") if v]
        for _, d in corpus_texts.iterrows():
            _, latest = date_bounds(d["date"])
            if latest < start and any(f in d["flat"] for f in forms):
                early.append((r["term"], r["introduced"], d["doc_id"]))
    assert not early, f"found in a text dated before the formula's introduction: {early}"


def test_glossary_covers_every_lexicon_term_with_pinyin_and_the_same_english():
    g = load("glossary.csv")
    gloss = dict(zip(g["term"], g["english"]))
    assert g["pinyin"].str.strip().str.len().gt(0).all() and g["english"].str.strip().str.len().gt(0).all()
    needed: set[str] = set()
    for name in ["formulae.csv", "ideology.csv", "mobilisation.csv", "priorities.csv", "central_formulae.csv"]:
        df = load(name)
        needed |= set(df["term"])
        if "english" in df.columns:
            differ = [(t, e, gloss.get(t)) for t, e in zip(df["term"], df["english"]) if gloss.get(t) != e]
            assert not differ, f"{name}: English differs from glossary.csv: {differ[:5]}"
    needed |= set(variants(load("central_formulae.csv")))
    missing = sorted(needed - set(gloss))
    assert not missing, f"glossary.csv lacks {missing}"
    for local in ["卫东区", "平顶山", "鹰城"]:
        assert local in gloss


def test_glossary_pinyin_has_one_syllable_per_chinese_character():
    g = load("glossary.csv")
    for t, py in zip(g["term"], g["pinyin"]):
        n_cjk = len(re.findall(r"[\u4e00-\u9fff]", t))
        syllables = [s for s in py.split() if PINYIN_SYLLABLE.fullmatch(s)]
        assert len(syllables) == n_cjk, f"{t}: {py}"


def test_every_term_has_one_gloss_across_glossary_and_lexicon_files():
    """A term is glossed once: glossary.csv lists it once, and every lexicon file that has an `english`
    column gives it that same gloss (issue 15: 卫生城市 and its campaign were glossed two ways)."""
    g = load("glossary.csv")
    dup = sorted(g.loc[g["term"].duplicated(), "term"])
    assert not dup, f"glossary.csv lists these terms twice: {dup}"
    glosses: dict[str, set[str]] = {t: {e} for t, e in zip(g["term"], g["english"])}
    for name in ["formulae.csv", "ideology.csv", "mobilisation.csv", "central_formulae.csv"]:
        df = load(name)
        for t, e in zip(df["term"], df["english"]):
            glosses.setdefault(t, set()).add(e)
    several = {t: sorted(e) for t, e in glosses.items() if len(e) > 1}
    assert not several, f"terms with more than one gloss: {several}"
    # the codebook's category labels use the glossary's rendering of the campaign they name
    cb = read_priorities(LEX / "priorities.csv")
    label = cb.loc[cb["term"] == "卫生城市", "category_en"].iloc[0]
    assert glosses["卫生城市"] == {"hygienic city"} and "hygienic-city" in label and "health-city" not in label


@pytest.mark.parametrize("term, gloss", [
    ("一府两院", "the government, the court and the procuratorate"),
    ("五星", "Five-Star Party Branch campaign"),
    ("政治生态", "political climate"),
])
def test_corrected_glosses(term, gloss):
    g = load("glossary.csv")
    assert g.loc[g["term"] == term, "english"].tolist() == [gloss]


def test_formula_records_corrected_in_issue_15():
    """三清 is central and dated; 四张牌 and 四个着力 have one level in both files; 生命至上 is its own formula;
    共同富裕 and 中国式现代化 are dated by first use with the relaunch kept as alternative_date; every
    level-central formula of formulae.csv that occurs in the corpus is dated, the others say why not."""
    f = load("formulae.csv").set_index("term")
    c = read_central_formulae(LEX / "central_formulae.csv").set_index("term")
    assert f.at["三清", "level"] == "central" and c.at["三清", "introduced"] == "2013-01-22"
    for t in ["四张牌", "四个着力"]:
        assert f.at[t, "level"] == c.at[t, "level"] == "central (Henan-specific)"
    assert "生命至上" in c.index and c.at["人民至上", "variant_list"] == []
    assert (c.at["共同富裕", "introduced"], c.at["共同富裕", "alternative_date"]) == ("2020-10-29", "2021-08-17")
    assert (c.at["中国式现代化", "introduced"], c.at["中国式现代化", "alternative_date"]) == ("2021-07-01", "2022-10-16")
    for t, r in c.iterrows():
        assert r["source"].strip(), t
        if r["alternative_date"].strip():
            date_bounds(r["alternative_date"])
            assert r["alternative_basis"].strip(), t
    central_level = f[f["level"] == "central"]
    undated = central_level[~central_level.index.isin(c.index)]
    assert undated["undated_reason"].str.strip().ne("").all(), list(undated.index[undated["undated_reason"] == ""])
    assert set(undated.index) & set(c.index) == set()
    assert (undated["listed_because"] == "reference").all(), "a central formula found in the corpus is undated"
    assert f.loc[~f.index.isin(undated.index), "undated_reason"].eq("").all()
