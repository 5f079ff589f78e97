"""Research settings read from ``data/lexicon``: the thresholds of notebook 03 (and notebook 05's
coinage levels) in ``rhetoric_settings.csv``, with the false matches of ``false_matches.csv`` that
travel with them.
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


def rhetoric_settings(path: str | os.PathLike = LEXICON / "rhetoric_settings.csv",
                      false_matches: str | os.PathLike | None = None) -> RhetoricSettings:
    """Read the settings file (``name,value,note`` with a ``#`` header); errors name file and setting.

    The exclusions of ``false_matches.csv`` (``read_false_matches``) travel with the settings, so every
    count made with them (``find_term``, ``count_terms``, ``kwic``) honours them; the file is read from
    ``false_matches`` or, by default, from the folder of the settings file.
    """
    from dataclasses import fields

    df = read_lexicon_csv(path, ["name", "value", "note"], term_column="name")
    dup = df["name"][df["name"].duplicated()]
    if len(dup):
        raise CorpusError(f"{path}: setting(s) listed twice: {', '.join(sorted(set(dup)))}")
    raw = dict(zip(df["name"], df["value"]))
    values = {}
    for f in fields(RhetoricSettings):
        if f.name == "false_matches":
            continue
        if f.name not in raw:
            raise CorpusError(f"{path}: setting '{f.name}' is missing")
        value = raw[f.name].strip()
        if f.type in ("int", int):
            if not re.fullmatch(r"\d+", value):
                raise CorpusError(f"{path}: setting '{f.name}' must be a non-negative integer, got {value!r}")
            values[f.name] = int(value)
        else:
            if not value:
                raise CorpusError(f"{path}: setting '{f.name}' is empty")
            values[f.name] = value
    fm = read_false_matches(Path(path).parent / "false_matches.csv" if false_matches is None else false_matches)
    values["false_matches"] = tuple(zip(fm["term"], fm["context"], fm["reason"]))
    return RhetoricSettings(**values)
