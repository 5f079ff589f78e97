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
from .priorities import terms_inside

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
    tok = tokens[["token", "doc_id"]]
    if "is_punct" in tokens.columns:
        tok = tok[~tokens["is_punct"].astype(bool).to_numpy()]
    types = tok.groupby(tok["token"].astype(str)).agg(occurrences=("doc_id", "size"), n_docs=("doc_id", "nunique"))
    rows = []
    holding = terms_inside(types.index, list(terms))
    for word, occurrences, n_docs in zip(types.index, types["occurrences"], types["n_docs"]):
        if word in terms or word not in holding:
            continue
        inside = sorted(holding[word], key=lambda t: (-len(t), t))
        rows.append((word, int(occurrences), int(n_docs), ";".join(inside),
                     ";".join(sorted({terms[t] for t in inside}))))
    return pd.DataFrame(rows, columns=["token", "occurrences", "n_docs", "contained", "categories"])


def undecided_compounds(tokens: pd.DataFrame, codebook: pd.DataFrame, decisions: pd.DataFrame,
                        compounds: pd.DataFrame | None = None) -> pd.DataFrame:
    """The compound tokens (``compound_tokens``) that ``decisions`` does not decide: on a new corpus the
    first list to read, each to be coded or excluded in codebook_decisions.csv.  ``compounds``: the
    result of ``compound_tokens(tokens, codebook)`` if already computed (not computed again)."""
    c = compound_tokens(tokens, codebook) if compounds is None else compounds
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


def hit_spans(hits: pd.DataFrame, tokens: pd.DataFrame) -> pd.DataFrame:
    """``hits`` with the character span of each hit in its paragraph's text as the tokens spell it
    (the tokens of the paragraph joined in token order, i.e. the clean text without whitespace):
    adds ``para_text``, ``start`` and ``end`` (end exclusive, covering all ``n_tokens`` tokens)."""
    needed = hits[["doc_id", "para_id"]].drop_duplicates()
    tok = tokens[["doc_id", "para_id", "token_id", "token"]]
    tok = tok[tok["doc_id"].isin(set(needed["doc_id"])).to_numpy()]     # the hits' documents first: a cheap filter
    tok = tok.merge(needed, on=["doc_id", "para_id"])
    tok = tok.sort_values(["doc_id", "token_id"], kind="stable").reset_index(drop=True)  # the hits' paragraphs
    words = tok["token"].astype(str).tolist()
    length = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    para = tok.groupby(["doc_id", "para_id"], sort=False).ngroup().to_numpy()
    offset = pd.Series(length).groupby(para).cumsum().to_numpy() - length     # characters before, in its paragraph
    by_para = np.argsort(para, kind="stable")                                   # each paragraph's tokens, in order
    cuts = np.flatnonzero(np.diff(para[by_para])) + 1
    text_of = {(tok.at[int(idx[0]), "doc_id"], tok.at[int(idx[0]), "para_id"]): "".join(words[i] for i in idx)
               for idx in (np.split(by_para, cuts) if len(by_para) else [])}
    where = pd.MultiIndex.from_arrays([tok["doc_id"], tok["token_id"]])

    def row_of(token_ids: pd.Series) -> np.ndarray:
        at = where.get_indexer(pd.MultiIndex.from_arrays([hits["doc_id"], token_ids]))
        if (at < 0).any():
            i = int(np.flatnonzero(at < 0)[0])
            raise KeyError((hits["doc_id"].iloc[i], int(token_ids.iloc[i])))
        return at

    first, last = row_of(hits["token_id"]), row_of(hits["token_id"] + hits["n_tokens"] - 1)
    out = hits.copy()
    out["para_text"] = [text_of.get((d, p), "") for d, p in zip(out["doc_id"], out["para_id"])]
    out["start"] = offset[first]
    out["end"] = offset[last] + length[last]
    return out


def _false_match_rule(term: str, text: str, start: int,
                      rules: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The first (context, reason) of ``rules`` (for ``term``, in file order) with an occurrence of
    context in ``text`` that holds ``term`` at character ``start``; None if no rule applies."""
    for context, reason in rules:
        at = text.find(context)
        while at >= 0:
            inner = context.find(term)
            while inner >= 0:
                if at + inner == start:
                    return (context, reason)
                inner = context.find(term, inner + 1)
            at = text.find(context, at + 1)
    return None


def split_false_matches(hits: pd.DataFrame, tokens: pd.DataFrame,
                        false_matches: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Codebook hits split by ``false_matches.csv`` (term, context, reason): a hit of ``term`` whose
    characters lie inside an occurrence of ``context`` in its paragraph (clean text as the tokens spell
    it, as notebooks 03 and 05 read it) is not a use of the term and is removed.

    Returns (kept, removed): kept has the columns of ``hits``; removed adds ``context`` and ``reason``
    of the rule that removed each hit.  Rules for terms that are no codebook term remove nothing."""
    cols = list(hits.columns)
    rules = false_matches[false_matches["term"].isin(set(hits["term"]))]
    if hits.empty or rules.empty:
        return hits.reset_index(drop=True), hits.iloc[:0].assign(context="", reason="")
    rules_of: dict[str, list[tuple[str, str]]] = {}
    for term, context, reason in zip(rules["term"], rules["context"], rules["reason"]):
        rules_of.setdefault(term, []).append((context, reason))
    candidate = np.flatnonzero(hits["term"].isin(set(rules_of)).to_numpy())
    found: list[tuple[str, str] | None] = [None] * len(hits)
    spans = hit_spans(hits.iloc[candidate], tokens)
    for pos, term, text, start in zip(candidate, spans["term"], spans["para_text"], spans["start"]):
        found[pos] = _false_match_rule(term, text, start, rules_of[term])
    gone = np.array([f is not None for f in found], dtype=bool)
    removed = hits[gone].assign(context=[f[0] for f in found if f], reason=[f[1] for f in found if f])
    return hits[~gone][cols].reset_index(drop=True), removed.reset_index(drop=True)


def hit_context(hits: pd.DataFrame, tokens: pd.DataFrame, width: int = 30) -> pd.Series:
    """Each hit in its paragraph, ``width`` characters either side, the hit in 【】 (… where cut)."""
    s = hit_spans(hits, tokens)
    return pd.Series([("…" if a > width else "") + t[max(0, a - width):a] + "【" + t[a:b] + "】" + t[b:b + width]
                      + ("…" if b + width < len(t) else "")
                      for t, a, b in zip(s["para_text"], s["start"], s["end"])], index=hits.index, dtype=object)


# Hits judged per category for codebook precision (issue 15: "at least 20 hits"; all of them if fewer).
PRECISION_PER_CATEGORY = 20

JUDGEMENT_COLUMNS = ["category", "term", "doc_id", "context", "correct", "note", "token_id", "sample_rank"]


def precision_sample_table(hits: pd.DataFrame, tokens: pd.DataFrame, per_category: int, seed: int,
                           width: int = 30) -> pd.DataFrame:
    """The rows to judge: ``draw_precision_sample(hits, per_category, seed)`` with each hit in context,
    ``correct`` and ``note`` empty (the columns of ``codebook_judgements.csv``)."""
    s = draw_precision_sample(hits, per_category, seed).reset_index(drop=True)
    return s.assign(context=hit_context(s, tokens, width), correct="", note="")[JUDGEMENT_COLUMNS]


def read_codebook_judgements(path: str | os.PathLike) -> pd.DataFrame:
    """Read ``codebook_judgements.csv`` (``#`` header with the judging rule): the columns of
    ``JUDGEMENT_COLUMNS``.  Errors name the file and line: ``correct`` not 0 or 1, a 0 without a
    note, one hit (doc_id, token_id) judged twice."""
    df = read_lexicon_csv(path, JUDGEMENT_COLUMNS, term_column="term")
    first = lexicon_header_line(path) + 1
    df["note"] = df["note"].fillna("").astype(str).str.strip()
    seen: dict[tuple, int] = {}
    for i, r in enumerate(df.itertuples(index=False)):
        where = f"{path} line {first + i} ({r.term}, {r.doc_id} token {r.token_id})"
        if str(r.correct).strip() not in ("0", "1"):
            raise CorpusError(f"{where}: correct must be 1 or 0, got '{r.correct}'")
        if str(r.correct).strip() == "0" and not r.note:
            raise CorpusError(f"{where}: a hit judged wrong (0) needs a note")
        key = (r.doc_id, int(r.token_id))
        if key in seen:
            raise CorpusError(f"{where}: hit judged twice (also line {seen[key]})")
        seen[key] = first + i
    return df.assign(correct=df["correct"].astype(int), token_id=df["token_id"].astype(int),
                     sample_rank=df["sample_rank"].astype(int))


def codebook_validation(judgements: pd.DataFrame, kept_hits: pd.DataFrame, z: float = 1.96,
                        categories: list[str] | None = None) -> pd.DataFrame:
    """codebook_validation.csv: per category the judged hits that remain after the false-match rules
    (a judged hit not in ``kept_hits``, by doc_id and token_id, was removed by a rule and leaves the
    count), n_correct among them, precision and its Wilson interval; for the record n_removed (judged
    hits a rule removed) and precision_before_rules (correct over all judged hits of the category, the
    removed ones included: the precision of the codebook before the rules that this judging led to).
    With ``categories`` given, one row per category in that order (a category without a judged hit has
    n_judged 0 and precision NaN).
    Columns: category, n_judged, n_correct, precision, ci_low, ci_high, n_removed, precision_before_rules."""
    live = set(zip(kept_hits["doc_id"], kept_hits["token_id"].astype(int)))
    j = judgements.assign(remains=[(d, int(t)) in live for d, t in zip(judgements["doc_id"], judgements["token_id"])])
    rows = []
    for cat, g in j.groupby("category", sort=True):
        r = g[g["remains"]]
        n, k = len(r), int(r["correct"].sum())
        lo, hi = wilson_interval(k, n, z)
        rows.append((cat, n, k, k / n if n else math.nan, lo, hi, int((~g["remains"]).sum()),
                     float(g["correct"].mean())))
    cols = ["category", "n_judged", "n_correct", "precision", "ci_low", "ci_high", "n_removed",
            "precision_before_rules"]
    out = pd.DataFrame(rows, columns=cols)
    if categories is not None:
        out = out.set_index("category").reindex(list(categories)).rename_axis("category").reset_index()
        for c in ("n_judged", "n_correct", "n_removed"):
            out[c] = out[c].fillna(0).astype(int)
    return out[cols]


def compiled_date(path: str | os.PathLike) -> str:
    """The date a lexicon file's ``#`` header gives as 'Compiled YYYY-MM-DD' ('' if it gives none)."""
    import re
    head = "".join(line for line in open(path, encoding="utf-8") if line.startswith("#"))
    m = re.search(r"Compiled (\d{4}-\d{2}-\d{2})", head)
    return m.group(1) if m else ""


# Detector precision from hand judgements (notebook 03) ------------------------------------------
VALIDATION_COLUMNS = ["detector", "n_judged", "n_correct", "precision", "ci_low", "ci_high"]


def read_judgements(path, keys: list[str]) -> pd.DataFrame:
    """A judgement file (``#`` header; ``keys`` + correct + note): ``correct`` read as a boolean
    (true/false, any case); another value, or a key listed twice with different verdicts, is an error
    naming the file."""
    df = read_lexicon_csv(path, keys + ["correct", "note"])
    val = df["correct"].astype(str).str.strip().str.lower()
    bad = df.loc[~val.isin(["true", "false"]), keys].head(3)
    if len(bad):
        raise CorpusError(f"{path}: 'correct' must be true or false, not in rows {bad.to_dict('records')}")
    df["correct"] = val == "true"
    for k in keys:
        if k == "sent_id":
            df[k] = df[k].astype(int)
    clash = df.groupby(keys)["correct"].nunique()
    if (clash > 1).any():
        raise CorpusError(f"{path}: contradictory judgements for {clash[clash > 1].index.tolist()[:3]}")
    return df


def judged_precision(sample: pd.DataFrame, judgements: pd.DataFrame, keys: list[str],
                     detector: str) -> tuple[dict, pd.DataFrame]:
    """Precision of a detector on its drawn ``sample`` from the hand ``judgements`` joined on ``keys``:
    (row of ``VALIDATION_COLUMNS`` with a 95% Wilson interval, sample rows that have no judgement).
    Only judged rows count; the rows left out are returned so the notebook can name them."""
    j = judgements.drop_duplicates(keys)[keys + ["correct"]]
    merged = sample.merge(j, on=keys, how="left")
    missing = merged[merged["correct"].isna()].drop(columns=["correct"])
    judged = merged.dropna(subset=["correct"])
    n, k = len(judged), int(judged["correct"].astype(bool).sum())
    lo, hi = wilson_interval(k, n)
    return ({"detector": detector, "n_judged": n, "n_correct": k, "precision": k / n if n else np.nan,
             "ci_low": lo, "ci_high": hi}, missing)
