"""Shared fixtures: the project root on sys.path, a writer of small corpora for tests, and small synthetic
tables (body paragraphs, token tables, a coded corpus, an adoption corpus) used by several test files."""
from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def write_corpus(folder: Path, docs: list[dict], encoding: dict[str, str] | None = None) -> Path:
    """Write texts and a metadata.csv (with correct sha256) into ``folder``.

    Each doc: doc_id, year, text, and optionally date, genre, subgenre, title, file.
    ``encoding`` maps doc_id to a codec (default UTF-8).
    """
    folder.mkdir(parents=True, exist_ok=True)
    encoding = encoding or {}
    rows = []
    for d in docs:
        name = d.get("file", f"{d['doc_id']}.txt")
        data = d["text"].encode(encoding.get(d["doc_id"], "utf-8"))
        (folder / name).write_bytes(data)
        rows.append({"doc_id": d["doc_id"], "file": name, "year": d["year"], "date": d.get("date", str(d["year"])),
                     "genre": d.get("genre", "newspaper"), "subgenre": d.get("subgenre", ""),
                     "title": d.get("title", d["doc_id"]), "date_note": "", "sha256": hashlib.sha256(data).hexdigest()})
    with open(folder / "metadata.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return folder


@pytest.fixture
def corpus_writer():
    return write_corpus


# --- small synthetic tables shared by several test files ------------------------------------------
def body_of(*paras: str, doc_id: str = "d", year: int = 2020) -> pd.DataFrame:
    """Body paragraphs (``body_paragraphs``) of one document from the given texts, numbered from 1."""
    from tifa.terms import body_paragraphs

    return body_paragraphs(pd.DataFrame({"doc_id": doc_id, "year": year, "para_id": range(1, len(paras) + 1),
                                         "kind": "body", "text": list(paras)}))


def settings_with(tmp_path: Path, rows: str):
    """The project's rhetoric settings with a false_matches file of the given CSV rows: (settings, its path)."""
    from tifa.settings import rhetoric_settings

    p = tmp_path / "false_matches.csv"
    p.write_text("# source: test; rule: term inside context is not counted\nterm,context,reason\n" + rows,
                 encoding="utf-8")
    return rhetoric_settings(false_matches=p), p


def token_table(sentences: list[tuple[str, int, int, list[str]]]) -> pd.DataFrame:
    """(doc_id, year, para_id, tokens) per sentence -> a token table shaped like tokens.csv."""
    from tifa.segmentation import is_punct

    rows = []
    for sent_id, (doc, year, para, toks) in enumerate(sentences):
        rows += [(doc, year, para, sent_id, t) for t in toks]
    df = pd.DataFrame(rows, columns=["doc_id", "year", "para_id", "sent_id", "token"])
    df.insert(4, "token_id", df.groupby("doc_id").cumcount())
    df["pos"] = "x"
    df["is_punct"] = df["token"].map(is_punct)
    df["is_stop"] = df["token"].isin({"的", "和"})
    return df


def paragraph_table(tokens: pd.DataFrame) -> pd.DataFrame:
    """Body paragraphs whose text is the concatenation of their tokens."""
    return (tokens.groupby(["doc_id", "year", "para_id"], sort=True)["token"].agg("".join)
            .rename("text").reset_index().assign(kind="body"))


# A three-category codebook and a three-document corpus coded with it (notebook 04's tables).
CODEBOOK = pd.DataFrame({
    "category": ["party", "party", "economy", "rural", "rural"],
    "category_zh": ["党的建设", "党的建设", "经济发展", "乡村振兴", "乡村振兴"],
    "category_en": ["Party building", "Party building", "Economy", "Rural revitalisation", "Rural revitalisation"],
    "term": ["党建", "党风廉政", "营商环境", "乡村振兴", "乡村"],
    "scope_note": ["", "", "", "", ""],
})
CATS = ["party", "economy", "rural"]


def coded_corpus() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(tokens, paragraphs, documents): a 2001 report with coded terms, two 2003 news texts (one uncoded)."""
    tok = token_table([("a", 2001, 0, ["加强", "党建", "，", "优化", "营商环境", "。"]),
                       ("a", 2001, 1, ["推进", "乡村振兴", "和", "党建", "。"]),
                       ("a", 2001, 2, ["党建", "引领", "。"]),
                       ("b", 2003, 0, ["发展", "工作", "。"]),                       # no coded term at all
                       ("b", 2003, 1, ["推进", "工作", "。"]),
                       ("c", 2003, 0, ["营商环境", "乡村", "。"])])
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "year": [2001, 2003, 2003],
                         "genre": ["report", "news", "news"]})
    return tok, paragraph_table(tok), docs


# A corpus shaped like the project's for notebook 05: one text a year, dates known to the day, month or
# year only; central and local formulae and their counts in it.
ADOPTION_DOCS = pd.DataFrame({
    "doc_id": ["r2018", "f2019", "n2020", "n2021", "n2023"],
    "year": [2018, 2019, 2020, 2021, 2023],
    "date": ["2018-01-18", "2019", "2020-05", "2021-02", "2023-06"],
    "genre": ["work report", "newspaper", "newspaper", "newspaper", "newspaper"],
})
ADOPTION_FORMULAE = pd.DataFrame({
    "term": ["四个意识", "两个确立", "中国式现代化", "三区建设"],
    "origin": ["central", "central", "central", "local"],
    "introduced": ["2016-01", "2021-11", "2022-10", ""],
})
ADOPTION_COUNTS = pd.DataFrame({"doc_id": ["n2021", "n2023", "n2020", "n2021"],
                                "term": ["四个意识", "四个意识", "三区建设", "三区建设"], "count": [3, 1, 2, 1],
                                "nested": [1, 0, 0, 0]})
ADOPTION_CHARS = pd.Series({2018: 10000, 2019: 2000, 2020: 5000, 2021: 5000, 2023: 4000})


def committed_table(name: str) -> pd.DataFrame:
    """A committed table of ``data/processed`` (the test is skipped if it is not built yet)."""
    from tifa.config import PROCESSED

    path = PROCESSED / f"{name}.csv"
    if not path.exists():
        pytest.skip(f"{path.name} not built yet")
    return pd.read_csv(path, keep_default_na=False, na_values=[""])
