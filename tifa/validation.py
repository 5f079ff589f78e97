"""Validation as data (issue 15): which compound tokens the codebook leaves uncounted and how each is
decided (``codebook_decisions.csv``), and the arithmetic of precision estimates (Wilson interval, a
seeded sample of hits drawn before judging).
"""
from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd

from .files import CorpusError, lexicon_header_line, read_lexicon_csv

DECISIONS = ("code", "exclude")
DECISION_COLUMNS = ["token", "decision", "category", "reason"]


def read_codebook_decisions(path: str | os.PathLike, categories: list[str] | None = None) -> pd.DataFrame:
    """Read ``codebook_decisions.csv`` (``#`` header): token, decision (code | exclude), category, reason.

    Raises CorpusError naming the file and line for: a decision other than code or exclude, a coded
    token without a category (or, with ``categories`` given, with a category not in the codebook), an
    excluded token with a category, an empty reason, or a token decided twice (so no token is both
    coded and excluded).
    """
    df = read_lexicon_csv(path, DECISION_COLUMNS, term_column="token")
    first = lexicon_header_line(path) + 1
    for col in DECISION_COLUMNS:
        df[col] = df[col].fillna("").astype(str).str.strip()
    seen: dict[str, int] = {}
    for i, r in enumerate(df.itertuples(index=False)):
        where = f"{path} line {first + i} ({r.token})"
        if r.decision not in DECISIONS:
            raise CorpusError(f"{where}: decision must be code or exclude, got '{r.decision}'")
        if r.decision == "code" and not r.category:
            raise CorpusError(f"{where}: a coded token needs a category")
        if r.decision == "code" and categories is not None and r.category not in set(categories):
            raise CorpusError(f"{where}: category '{r.category}' is not in the codebook")
        if r.decision == "exclude" and r.category:
            raise CorpusError(f"{where}: an excluded token has no category (got '{r.category}')")
        if not r.reason:
            raise CorpusError(f"{where}: empty reason")
        if r.token in seen:
            raise CorpusError(f"{where}: token decided twice (also line {seen[r.token]})")
        seen[r.token] = first + i
    return df


def compound_tokens(tokens: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Token types (punctuation left out) that contain a codebook term without being one:
    token, occurrences, n_docs, contained (the terms inside, longest first, ";"-joined),
    categories (their categories, sorted, ";"-joined).  Sorted by token."""
    terms = dict(zip(codebook["term"], codebook["category"]))
    tok = tokens[~tokens["is_punct"].astype(bool)] if "is_punct" in tokens.columns else tokens
    types = tok.groupby(tok["token"].astype(str)).agg(occurrences=("doc_id", "size"), n_docs=("doc_id", "nunique"))
    rows = []
    for word, r in types.iterrows():
        if word in terms:
            continue
        inside = sorted((t for t in terms if t in word), key=lambda t: (-len(t), t))
        if inside:
            rows.append((word, int(r.occurrences), int(r.n_docs), ";".join(inside),
                         ";".join(sorted({terms[t] for t in inside}))))
    return pd.DataFrame(rows, columns=["token", "occurrences", "n_docs", "contained", "categories"])


def undecided_compounds(tokens: pd.DataFrame, codebook: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """The compound tokens (``compound_tokens``) that ``decisions`` does not decide: on a new corpus the
    first list to read, each to be coded or excluded in codebook_decisions.csv."""
    c = compound_tokens(tokens, codebook)
    return c[~c["token"].isin(set(decisions["token"]))].reset_index(drop=True)


def apply_codebook_decisions(codebook: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """The codebook with every coded compound added as a term of its category (labels and scope note
    copied from the category; ``term_source`` 'codebook' or 'codebook_decisions.csv').  Excluded tokens
    add nothing.  A coded token that is already a term, or whose category the codebook lacks, is an error."""
    coded = decisions[decisions["decision"] == "code"]
    clash = sorted(set(coded["token"]) & set(codebook["term"]))
    if clash:
        raise CorpusError(f"codebook_decisions.csv codes token(s) that are already codebook terms: {', '.join(clash)}")
    labels = codebook.drop_duplicates("category").set_index("category")
    missing = sorted(set(coded["category"]) - set(labels.index))
    if missing:
        raise CorpusError(f"codebook_decisions.csv names category(ies) not in the codebook: {', '.join(missing)}")
    extra = labels.loc[coded["category"]].reset_index().assign(term=coded["token"].to_numpy())
    out = pd.concat([codebook.assign(term_source="codebook"),
                     extra[codebook.columns].assign(term_source="codebook_decisions.csv")], ignore_index=True)
    return out


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion of ``k`` successes in ``n`` trials (Wilson 1927):
    centre (k + z²/2) / (n + z²), half-width z·sqrt(k(n-k)/n + z²/4) / (n + z²).  (nan, nan) if n == 0."""
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    z2 = z * z
    centre = (k + z2 / 2) / (n + z2)
    half = z * math.sqrt(k * (n - k) / n + z2 / 4) / (n + z2)
    return (max(0.0, centre - half), min(1.0, centre + half))


def draw_precision_sample(hits: pd.DataFrame, per_category: int, seed: int) -> pd.DataFrame:
    """A seeded random sample of up to ``per_category`` hits of every category (all of them if fewer),
    drawn before any judging: the same hits table and seed always give the same rows.  Rows keep their
    columns, sorted by category then the sample order; ``sample_rank`` numbers them within a category."""
    if per_category < 1:
        raise ValueError("per_category must be at least 1")
    rng = np.random.default_rng(seed)
    parts = []
    for cat in sorted(hits["category"].unique()):
        g = hits[hits["category"] == cat]
        pick = rng.permutation(len(g))[:per_category]
        parts.append(g.iloc[pick].assign(sample_rank=np.arange(1, len(pick) + 1)))
    cols = list(hits.columns) + ["sample_rank"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
