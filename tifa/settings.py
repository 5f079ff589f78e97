"""Research settings read from ``data/lexicon``: the thresholds of notebook 03 (and notebook 05's
coinage levels) in ``rhetoric_settings.csv``, with the false matches of ``false_matches.csv`` that
travel with them; the decisions of notebook 04 in ``priorities_settings.csv``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .config import LEXICON
from .files import CorpusError, read_lexicon_csv

@dataclass(frozen=True)
class RhetoricSettings:
    """The thresholds of notebook 03 and notebook 05's coinage levels (one row each in ``rhetoric_settings.csv``)."""

    numerals: str               # characters that count as numerals in a formula (一二两三 … 双)
    counting_units: str         # '|'-separated units that make numeral+unit an ordinary count (届|次|年 …)
    ordinal_prefix: str         # characters that make a following numeral an ordinal (第)
    weak_numerals: str          # numerals that alone do not make a numbered formula (一: 一盘棋, 一站式)
    big_numerals: str           # numerals N of 'N大' formulae (三大攻坚战, 四大班子)
    formula_max_len: int        # longest numbered formula the pattern proposes (characters)
    slogan_max_len: int         # a quoted span longer than this is a quotation, not a slogan
    parallel_min_run: int       # members needed for a parallel run
    parallel_max_gap: int       # clauses allowed between two members of a clause-level run
    parallel_min_prefix: int    # shortest shared opening of a prefix frame (characters)
    template_min_len: int       # template frames: shortest clause (characters)
    template_max_len: int       # template frames: longest clause (characters)
    kwic_width: int             # characters of context on each side in KWIC
    colloc_window: int          # content tokens on each side of the node
    colloc_min_freq: int        # minimum co-occurrence frequency of a collocate
    top_n: int                  # how many terms the figures and tables show
    wordcloud_width: int
    wordcloud_height: int
    wordcloud_max_words: int
    wordcloud_max_font_size: int
    wordcloud_min_chars: int
    coined_levels: str          # '|'-separated formulae.csv levels read as the district's own coinage (notebook 05)
    # (term, context, reason) rows of false_matches.csv: an occurrence of term inside context is not counted
    false_matches: tuple[tuple[str, str, str], ...] = ()


def read_false_matches(path: str | os.PathLike = LEXICON / "false_matches.csv") -> pd.DataFrame:
    """Read ``false_matches.csv`` (``term,context,reason`` with a ``#`` header).

    Errors name the file and line: an empty term or context, a context that does not contain its
    term (it could never exclude anything), a (term, context) pair listed twice.
    """
    path = Path(path)
    df = read_lexicon_csv(path, ["term", "context", "reason"])
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), 0)
    seen: dict[tuple[str, str], int] = {}
    for i, (term, context) in enumerate(zip(df["term"], df["context"].str.strip())):
        line = header + i + 2
        if not context:
            raise CorpusError(f"{path} line {line}: empty context")
        if term not in context:
            raise CorpusError(f"{path} line {line}: context '{context}' does not contain term '{term}'")
        if (term, context) in seen:
            raise CorpusError(f"{path} line {line}: same term and context as line {seen[(term, context)]}")
        seen[(term, context)] = line
    df["context"] = df["context"].str.strip()
    return df


def _typed_settings(path: str | os.PathLike, cls, key: str, note: str, skip: tuple[str, ...] = (),
                    defaults: dict[str, str] | None = None) -> dict:
    """Read a settings file (``key,value,note`` columns with a ``#`` header) into the fields of the
    dataclass ``cls``, each converted to its field's type (int, float or str).  Errors name the file
    and the setting: listed twice, missing (unless ``defaults`` gives it: a setting added after users
    made their own copies of the file), empty, or not a number where a number is required."""
    from dataclasses import fields

    df = read_lexicon_csv(path, [key, "value", note], term_column=key)
    dup = df[key][df[key].duplicated()]
    if len(dup):
        raise CorpusError(f"{path}: setting(s) listed twice: {', '.join(sorted(set(dup)))}")
    raw = {**(defaults or {}), **dict(zip(df[key], df["value"]))}
    values = {}
    for f in fields(cls):
        if f.name in skip:
            continue
        if f.name not in raw:
            raise CorpusError(f"{path}: setting '{f.name}' is missing")
        value = raw[f.name].strip()
        if f.type in ("int", int):
            if not re.fullmatch(r"\d+", value):
                raise CorpusError(f"{path}: setting '{f.name}' must be a non-negative integer, got {value!r}")
            values[f.name] = int(value)
        elif f.type in ("float", float):
            if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", value):
                raise CorpusError(f"{path}: setting '{f.name}' must be a non-negative number, got {value!r}")
            values[f.name] = float(value)
        else:
            if not value:
                raise CorpusError(f"{path}: setting '{f.name}' is empty")
            values[f.name] = value
    return values


def rhetoric_settings(path: str | os.PathLike = LEXICON / "rhetoric_settings.csv",
                      false_matches: str | os.PathLike | None = None) -> RhetoricSettings:
    """Read the settings file (``name,value,note`` with a ``#`` header); errors name file and setting.

    The exclusions of ``false_matches.csv`` (``read_false_matches``) travel with the settings, so every
    count made with them (``find_term``, ``count_terms``, ``kwic``) honours them; the file is read from
    ``false_matches`` or, by default, from the folder of the settings file.
    """
    values = _typed_settings(path, RhetoricSettings, "name", "note", skip=("false_matches",))
    fm = read_false_matches(Path(path).parent / "false_matches.csv" if false_matches is None else false_matches)
    values["false_matches"] = tuple(zip(fm["term"], fm["context"], fm["reason"]))
    return RhetoricSettings(**values)


G2_FORMS = ("two_term", "four_cell")
BOOTSTRAP_UNITS = ("article", "paragraph")   # as tifa.priorities.BOOTSTRAP_UNITS
P_ADJUST = ("holm", "bh")                    # as tifa.priorities.P_ADJUST_METHODS


@dataclass(frozen=True)
class PrioritySettings:
    """The research decisions of notebook 04 (one row each in ``priorities_settings.csv``)."""

    n_resamples: int    # bootstrap replicates (at least 1,000)
    ci: float           # level of the percentile intervals (0 < ci < 1)
    min_freq: int       # keyness: minimum frequency of a term, target + reference
    alpha: float        # keyness: family-wise error rate; per-term threshold alpha / m (Bonferroni)
    g2_form: str        # keyness: 'two_term' (UCREL) or 'four_cell' (full 2x2 G-test)
    top_n: int          # keywords drawn per year in the keyness figure
    top_table: int      # keywords listed per comparison and year in the table and findings
    audit_rows: int     # terms shown in the substring audit
    bootstrap_unit: str  # unit resampled within each document: 'article' (clusters) or 'paragraph'
    p_adjust: str       # multiplicity adjustment of the change p-values: 'holm' or 'bh' (Benjamini-Hochberg)
    min_articles: int   # keyness: a term is tested only if it occurs in at least this many target articles
    shared_draws_min_documents: int  # keyness intervals: one draw set per comparison from this many documents
    intervals_significant_only_min_documents: int  # keyness intervals: only significant tests from this many documents


def priorities_settings(path: str | os.PathLike = LEXICON / "priorities_settings.csv") -> PrioritySettings:
    """Read notebook 04's decisions (``setting,value,rationale`` with a ``#`` header).  Errors name the
    file and the setting: missing, listed twice, of the wrong type, or out of range (``ci`` and
    ``alpha`` strictly between 0 and 1, ``n_resamples`` at least 1,000, ``g2_form`` one of ``G2_FORMS``,
    ``bootstrap_unit`` one of ``BOOTSTRAP_UNITS``, ``p_adjust`` one of ``P_ADJUST``)."""
    values = _typed_settings(path, PrioritySettings, "setting", "rationale",
                             defaults={"shared_draws_min_documents": "200",    # both added with issue 17
                                       "intervals_significant_only_min_documents": "200"})
    for name in ("ci", "alpha"):
        if not 0 < values[name] < 1:
            raise CorpusError(f"{path}: setting '{name}' must lie strictly between 0 and 1, got {values[name]}")
    if values["n_resamples"] < 1000:
        raise CorpusError(f"{path}: setting 'n_resamples' should be at least 1000, got {values['n_resamples']}")
    for name, allowed in (("bootstrap_unit", BOOTSTRAP_UNITS), ("p_adjust", P_ADJUST)):
        if values[name] not in allowed:
            raise CorpusError(f"{path}: setting '{name}' must be one of {', '.join(allowed)}, got {values[name]!r}")
    if values["g2_form"] not in G2_FORMS:
        raise CorpusError(f"{path}: setting 'g2_form' must be one of {', '.join(G2_FORMS)}, got {values['g2_form']!r}")
    return PrioritySettings(**values)
