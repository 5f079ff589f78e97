"""Articles (notebook 01): the unit a reader of a page or a report recognises, and the unit of
independence for the bootstrap of notebook 04 and the dispersion rule of its keyness.

On a newspaper page an article is a headline, or a run of consecutive headlines (a headline group:
kicker, head, subhead), and the body paragraphs under it; in a work report, one numbered top-level
section (一、 二、 …); a text with neither is one article.  Body text before the first boundary is an
article of its own.  Which rule applies, and the section pattern, are data
(``data/lexicon/article_rules.csv``, read by ``read_article_rules``).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import pandas as pd

from .files import CorpusError
from .settings import _typed_settings

ARTICLE_RULES_FILE = "article_rules.csv"
ARTICLE_COLUMNS = ["doc_id", "article_id", "rule", "first_para_id", "last_para_id", "headline", "paragraphs",
                   "body_paragraphs", "body_chars"]


@dataclass(frozen=True)
class ArticleRules:
    """The article rules (one row each in ``article_rules.csv``)."""

    section_layouts: str    # '|'-separated layouts split at numbered sections
    headline_layouts: str   # '|'-separated layouts split at headline groups
    section_genres: str     # '|'-separated genres split at numbered sections whatever their layout
    section_pattern: str    # regex: start of a top-level section heading (一、)
    section_max_chars: int  # a body paragraph matching the pattern is a heading only up to this length
    min_sections: int       # text rule: this many section headings make a sectioned text


def read_article_rules(path: str | os.PathLike) -> ArticleRules:
    """Read ``article_rules.csv`` (``setting,value,rationale`` with a ``#`` header); a file path or the
    lexicon folder.  Errors name the file and the setting (missing, twice, wrong type, bad regex)."""
    path = Path(path)
    if path.is_dir():
        path = path / ARTICLE_RULES_FILE
    rules = ArticleRules(**_typed_settings(path, ArticleRules, "setting", "rationale"))
    try:
        re.compile(rules.section_pattern)
    except re.error as err:
        raise CorpusError(f"{path}: setting 'section_pattern' is not a valid regular expression: {err}") from err
    if rules.min_sections < 1:
        raise CorpusError(f"{path}: setting 'min_sections' must be at least 1")
    return rules


def _names(value: str) -> set[str]:
    return {v.strip() for v in value.split("|") if v.strip()}


def _is_section(kind: str, text: str, rules: ArticleRules) -> bool:
    """A paragraph opens a numbered top-level section: it matches the pattern and is a headline, or a
    body line no longer than ``section_max_chars``."""
    if not re.match(rules.section_pattern, text):
        return False
    return kind == "headline" or len(re.sub(r"\s", "", text)) <= rules.section_max_chars


def document_layouts(corpus: pd.DataFrame) -> dict[str, str]:
    """doc_id -> layout for the documents whose metadata names a layout (column ``layout``; where the
    corpus also has ``layout_given``, only the rows where it is True: a default filled in for a missing
    cell is no evidence of structure).  Empty when the corpus has no layout column."""
    if "layout" not in corpus.columns:
        return {}
    given = corpus["layout_given"].astype(bool) if "layout_given" in corpus.columns else corpus["layout"].notna()
    rows = corpus[given & corpus["layout"].astype(str).str.strip().ne("")]
    return dict(zip(rows["doc_id"], rows["layout"].astype(str).str.strip()))


def document_rule(doc: pd.DataFrame, rules: ArticleRules, layout: str | None = None, genre: str | None = None) -> str:
    """Which split applies to one document's paragraphs: 'numbered_section' or 'headline_group'.

    A genre in ``section_genres`` gives numbered sections; else a known layout decides
    (``section_layouts`` / ``headline_layouts``); otherwise the text rule: at least ``min_sections``
    section headings make a sectioned text, else headline groups.
    """
    if genre is not None and not pd.isna(genre) and str(genre).strip() in _names(rules.section_genres):
        return "numbered_section"
    if layout is not None and not pd.isna(layout):
        if str(layout) in _names(rules.section_layouts):
            return "numbered_section"
        if str(layout) in _names(rules.headline_layouts):
            return "headline_group"
    n = sum(_is_section(k, str(t), rules) for k, t in zip(doc["kind"], doc["text"]))
    return "numbered_section" if n >= rules.min_sections else "headline_group"


def _starts(doc: pd.DataFrame, rule: str, rules: ArticleRules) -> list[bool]:
    """Per paragraph (text order): does an article start here?"""
    kinds, texts = list(doc["kind"]), [str(t) for t in doc["text"]]
    if rule == "numbered_section":
        return [_is_section(k, t, rules) for k, t in zip(kinds, texts)]
    return [k == "headline" and (i == 0 or kinds[i - 1] != "headline") for i, k in enumerate(kinds)]


def assign_articles(paragraphs: pd.DataFrame, rules: ArticleRules,
                    layouts: Mapping[str, str] | pd.Series | None = None,
                    genres: Mapping[str, str] | pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give every paragraph its ``article_id`` and list the articles of each document.

    ``paragraphs`` has doc_id, para_id, kind (body/headline) and text; ``layouts`` maps doc_id ->
    layout and ``genres`` doc_id -> genre (both optional; see ``document_rule``).  ``article_id`` is an int counting from 1 within each
    document, in text order; every paragraph belongs to exactly one article.  Returns (paragraphs with
    ``article_id`` added after ``para_id``, rows in their input order, the article table): one row per article with doc_id,
    article_id, rule (what opened it: 'headline_group', 'numbered_section', 'leading_body' for text
    before the first boundary, 'whole_text' for a text without any boundary), first_para_id,
    last_para_id, headline (texts of its opening headline group or section heading; for leading
    body text or a whole text, the headlines it opens with; ' / '-joined, '' if none), paragraphs, body_paragraphs and body_chars (non-whitespace characters of
    its body paragraphs).  The input is not changed.
    """
    layouts = {} if layouts is None else dict(layouts)
    genres = {} if genres is None else dict(genres)
    out = paragraphs.reset_index(drop=True).sort_values(["doc_id", "para_id"], kind="stable")
    ids, rows = [], []
    for doc_id, doc in out.groupby("doc_id", sort=False):
        rule = document_rule(doc, rules, layouts.get(doc_id), genres.get(doc_id))
        starts = _starts(doc, rule, rules)
        kinds, texts, paras = list(doc["kind"]), [str(t) for t in doc["text"]], list(doc["para_id"])
        groups: list[tuple[str, list[int]]] = []
        for i, start in enumerate(starts):
            if start or not groups:
                how = rule if start else ("leading_body" if any(starts) else "whole_text")
                groups.append((how, []))
            groups[-1][1].append(i)
            ids.append(len(groups))
        for a, (how, local) in enumerate(groups, start=1):
            if how == "headline_group":
                n_head = next((j for j, i in enumerate(local) if kinds[i] != "headline"), len(local))
                head = [texts[i] for i in local[:n_head]]
            elif how == "numbered_section":
                head = [texts[local[0]]]
            else:  # text before the first boundary, or a text without one: its own leading headlines
                n_head = next((j for j, i in enumerate(local) if kinds[i] != "headline"), len(local))
                head = [texts[i] for i in local[:n_head]]
            body = [texts[i] for i in local if kinds[i] == "body"]
            rows.append((doc_id, a, how, int(paras[local[0]]), int(paras[local[-1]]), " / ".join(head), len(local),
                         len(body), sum(len(re.sub(r"\s", "", t)) for t in body)))
    out.insert(list(out.columns).index("para_id") + 1, "article_id", pd.Series(ids, index=out.index, dtype=int))
    return out.sort_index(), pd.DataFrame(rows, columns=ARTICLE_COLUMNS)


def add_article_ids(table: pd.DataFrame, paragraphs: pd.DataFrame) -> pd.DataFrame:
    """``table`` (sentences, tokens: any table with doc_id and para_id) with the ``article_id`` of its
    paragraph inserted after ``para_id``.  A row whose paragraph is unknown is an error."""
    known = pd.MultiIndex.from_arrays([paragraphs["doc_id"], paragraphs["para_id"]])
    if not known.is_unique:
        raise CorpusError(f"the paragraph table lists a paragraph twice: {known[known.duplicated()][:3].tolist()}")
    row = known.get_indexer(pd.MultiIndex.from_arrays([table["doc_id"], table["para_id"]]))
    if (row < 0).any():      # looked up, not merged: a large token table is not copied
        bad = table.loc[row < 0, ["doc_id", "para_id"]].drop_duplicates().head(3)
        raise CorpusError(f"rows whose paragraph is not in the paragraph table: {bad.to_records(index=False).tolist()}")
    out = table.drop(columns=["article_id"], errors="ignore").set_axis(pd.RangeIndex(len(table)), axis=0)
    out.insert(out.columns.get_loc("para_id") + 1, "article_id", paragraphs["article_id"].to_numpy()[row].astype(int))
    return out
