"""Adoption (notebook 05): when formulae introduced by the centre (``central_formulae.csv``) first
appear in the corpus, as intervals between partial dates, and which formulae are local and at what
level (``formulae.csv``).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .files import CorpusError, read_lexicon_csv
from .corpus import date_bounds, document_date_bounds, whole_months
from .settings import RhetoricSettings
from .terms import count_terms, kwic, normalise_span

# When does a central formula reach the district?  Every date in the corpus is an interval
# (h.date_bounds), and one text per year only brackets the first local use: the first use lies
# after the last text without the term and no later than the first text with it.  Lags are whole
# months, rounded outwards (lower bound down, upper bound up), so [lag_months_min, lag_months_max]
# always contains every lag the dates allow.
ADOPTION_STATUS = {
    "adopted": "in a text after its introduction; a text without it, possibly dated after the "
               "introduction, precedes the first text with it (first use bounded on both sides, the "
               "lower bound resting on reading that text's silence as 'not yet in use')",
    "present in first text": "in the first text that may postdate its introduction (for a local formula: "
                             "in the first text of the corpus); the lower bound is the introduction "
                             "(or unknown): left-censored, only an upper bound on the lag is known",
    "absent": "not found in any text dated after its introduction (at least one text certainly is); "
              "with a few sampled texts this is not evidence that the district skipped it",
    "introduced after last text": "every text is dated before its introduction: cannot be observed",
    "undetermined": "in no text; no text is certainly dated after its introduction (dates overlap)",
    "dating conflict": "in a text dated entirely before its introduction: no lag is computed",
}
_QUOTES = "“”‘’\"'「」『』《》"


def normalise_formula(term: str) -> str:
    """The form in which formulae are compared: notebook 03's normalise_span without quote marks
    (NFKC, no whitespace, ASCII clause punctuation as full-width): '“四个意识”' -> '四个意识'."""
    return normalise_span(str(term).translate({ord(q): None for q in _QUOTES}))


def read_central_formulae(path: str | os.PathLike) -> pd.DataFrame:
    """Read ``central_formulae.csv`` (``#`` header) and validate it for notebook 05.

    Requires term and introduced; every ``introduced`` must be YYYY, YYYY-MM or YYYY-MM-DD and every
    term unique after normalise_formula.  An optional ``variants`` column lists other spellings
    separated by ``;`` or ``|``; they become a list column ``variant_list``.  Errors name the file and line.
    """
    path = Path(path)
    df = read_lexicon_csv(path, ["term", "introduced"])
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.strip() and not line.startswith("#"))
    seen: dict[str, int] = {}
    variants = []
    for i, row in df.iterrows():
        where = f"{path} line {header + i + 2} ({row['term']})"
        try:
            date_bounds(row["introduced"])
        except ValueError as err:
            raise CorpusError(f"{where}: introduced: {err}") from None
        key = normalise_formula(row["term"])
        if key in seen:
            raise CorpusError(f"{where}: same formula as line {seen[key]}")
        seen[key] = header + i + 2
        raw = row["variants"] if "variants" in df.columns else ""
        variants.append([v.strip() for v in re.split(r"[;|；]", raw) if v.strip()])
    df["introduced"] = df["introduced"].str.strip()
    df["variant_list"] = variants
    return df


def count_formulae(body: pd.DataFrame, terms: list[str], st: RhetoricSettings,
                   variants: dict[str, str] | None = None) -> pd.DataFrame:
    """Occurrences of each formula per document: doc_id, term, count, nested (rows where count > 0).

    Counting is notebook 03's (``count_terms`` on ``body_paragraphs``): non-overlapping occurrences
    of each term, a term opening with a numeral not matched after a numeral or ordinal (三产 in
    第三产业); ``count`` is the term's own count, ``nested`` the occurrences inside a longer listed
    term (``count - nested`` is what a total adds so no stretch of text counts twice).  ``variants``
    maps another spelling to its term; a variant that contains its own term is left out (the term
    is found anyway, and counting both would count one occurrence twice).
    """
    variants = {v: t for v, t in (variants or {}).items() if t not in v and v not in terms}
    forms = sorted(set(terms) | set(variants))
    c = count_terms(body, forms, st) if forms and len(body) else pd.DataFrame(columns=["doc_id", "term", "count", "nested"])
    c = c.assign(term=c["term"].map(lambda f: variants.get(f, f)))
    out = c.groupby(["doc_id", "term"], as_index=False)[["count", "nested"]].sum()
    out = out.astype({"doc_id": str, "term": str, "count": int, "nested": int})
    return out.sort_values(["doc_id", "term"], kind="stable").reset_index(drop=True)


class _DatedDocuments(NamedTuple):
    """The texts of a ``bounds`` table as ``first_use_interval`` reads them, built once per table
    (``_dated_documents``) so that dating many formulae does not re-sort or re-scan the texts."""

    rows: list                      # (doc_id, date, date_lo, date_hi), sorted by date_lo, date_hi, doc_id
    lo: np.ndarray                  # date_lo of each row, as int64 nanoseconds (the Timestamps' own values)
    hi: np.ndarray                  # date_hi likewise
    latest_rank: np.ndarray         # each row's place in the order date_hi, date_lo, doc_id
    index_of: dict[str, list[int]]  # doc_id -> its row(s)


def _dated_documents(bounds: pd.DataFrame) -> _DatedDocuments:
    """The rows of ``bounds`` (doc_id, date, date_lo, date_hi) sorted by date_lo, date_hi, doc_id: the
    order ``first_use_interval`` reads them in, with their bounds as arrays (computed once per table
    by ``adoption_table``)."""
    rows = sorted(bounds[["doc_id", "date", "date_lo", "date_hi"]].itertuples(index=False),
                  key=lambda d: (d.date_lo, d.date_hi, d.doc_id))
    lo = np.array([d.date_lo.value for d in rows], dtype=np.int64)
    hi = np.array([d.date_hi.value for d in rows], dtype=np.int64)
    by_latest = sorted(range(len(rows)), key=lambda i: (rows[i].date_hi, rows[i].date_lo, rows[i].doc_id))
    latest_rank = np.empty(len(rows), dtype=np.int64)
    latest_rank[by_latest] = np.arange(len(rows))
    index_of: dict[str, list[int]] = {}
    for i, d in enumerate(rows):
        index_of.setdefault(d.doc_id, []).append(i)
    return _DatedDocuments(rows, lo, hi, latest_rank, index_of)


def first_use_interval(bounds: pd.DataFrame, present: set[str] | list[str], introduced: str = "",
                       dated: _DatedDocuments | None = None) -> dict:
    """Bracket the first local use of one formula by the corpus' dated texts.

    ``bounds`` is document_date_bounds(documents); ``present`` the doc_ids of texts containing the
    formula; ``introduced`` its central introduction date ("" for a local formula).  Rules:

    - first text with it = the one whose latest possible date is earliest (ties: date_lo, doc_id);
      the first use is no later than that date (``first_use_latest``).
    - last text without it = among texts without it that are certainly earlier than the first text
      with it (date_hi < its date_lo) and may postdate the introduction (date_hi >= introduced's
      earliest day), the latest (by date_lo, date_hi, doc_id).  Absence there is read as "not yet
      in use", so the first use came after that text was written; since the text may have been
      written on its earliest possible day, ``first_use_earliest`` = its date_lo + 1 day (not its
      date_hi + 1: that would assume the latest possible date and could exclude the true first use).
      It is never before the introduction: max(introduction's earliest day, date_lo + 1 day).
    - if there is no such text, the first use is bounded below only by the introduction: status
      "present in first text", ``left_censored`` True, lag_months_min 0.
    - lag_months_min = whole months, floor, from the introduction's latest day to first_use_earliest
      (0 if that is earlier); lag_months_max = whole months, ceil, from the introduction's earliest
      day to first_use_latest.  Partial dates thus widen the interval; they never narrow it.
    - a formula in a text dated entirely before its introduction: status "dating conflict", no lag.
    Statuses are the keys of ADOPTION_STATUS.  Dates are returned as ISO strings ("" if none).
    ``dated``: ``_dated_documents(bounds)``, if the caller has it already (one sort for many formulae).
    The texts are compared as arrays of their bounds; tests/test_adoption.py checks the result against
    the rules above written as plain loops over the texts.
    """
    present = set(present)
    docs = _dated_documents(bounds) if dated is None else dated
    unknown = {p for p in present if p not in docs.index_of}
    if unknown:
        raise ValueError(f"doc_id(s) not in the documents table: {', '.join(sorted(unknown))}")
    iso = lambda t: "" if t is None else pd.Timestamp(t).strftime("%Y-%m-%d")  # noqa: E731
    intro_lo, intro_hi = date_bounds(introduced) if str(introduced).strip() else (None, None)
    rec = {"first_seen_doc": "", "first_seen_date": "", "last_absent_doc": "", "last_absent_date": "",
           "first_use_earliest": "", "first_use_latest": "", "lag_months_min": None,
           "lag_months_max": None, "left_censored": False,
           # date_lo is sorted: the texts with date_lo >= intro_hi are the ones after its insertion point
           "texts_after_introduction": len(docs.rows) - int(np.searchsorted(docs.lo, intro_hi.value, "left"))
           if intro_hi is not None else None}
    with_it = sorted(i for p in present for i in docs.index_of[p])
    if not with_it:
        if intro_lo is None or rec["texts_after_introduction"]:
            rec["status"] = "absent"
        elif not (docs.hi >= intro_lo.value).any():
            rec["status"] = "introduced after last text"
        else:
            rec["status"] = "undetermined"
        return rec
    first = docs.rows[with_it[int(np.argmin(docs.latest_rank[with_it]))]]
    rec.update(first_seen_doc=first.doc_id, first_seen_date=first.date, first_use_latest=iso(first.date_hi))
    # a text with date_hi < first.date_lo has date_lo < first.date_lo: it lies before that insertion point;
    # and it lacks the formula (a text with it has date_hi >= first.date_hi >= first.date_lo)
    k = int(np.searchsorted(docs.lo, first.date_lo.value, "left"))
    before = docs.hi[:k] < first.date_lo.value
    if intro_lo is not None:
        before &= docs.hi[:k] >= intro_lo.value
    earliest = None
    if before.any():
        last = docs.rows[k - 1 - int(np.argmax(before[::-1]))]  # the latest (rows sorted by date_lo, date_hi, doc_id)
        rec.update(last_absent_doc=last.doc_id, last_absent_date=last.date)
        earliest = last.date_lo + pd.Timedelta(days=1)
    if intro_lo is not None and first.date_hi < intro_lo:
        rec.update(status="dating conflict", first_use_earliest=iso(earliest))
        return rec
    if intro_lo is not None:
        rec["left_censored"] = earliest is None or earliest <= intro_lo
        earliest = intro_lo if rec["left_censored"] else earliest
        rec["lag_months_min"] = max(0, whole_months(intro_hi, earliest, "floor"))
        rec["lag_months_max"] = max(0, whole_months(intro_lo, first.date_hi, "ceil"))
    else:
        rec["left_censored"] = earliest is None
    rec["first_use_earliest"] = iso(earliest)
    rec["status"] = "present in first text" if rec["left_censored"] else "adopted"
    return rec


def adoption_table(counts: pd.DataFrame, documents: pd.DataFrame, formulae: pd.DataFrame) -> pd.DataFrame:
    """One row per formula: when it was introduced, first seen, how long it took, how often it occurs.

    ``counts``: doc_id, term, count (count_formulae); ``documents``: doc_id, year, date (+ genre);
    ``formulae``: term, origin ("central" or "local"), introduced ("" for local), optional english,
    level, kind.  Columns: term, origin, english, level, kind, introduced, status, first_seen_doc,
    first_seen_date, last_absent_doc, last_absent_date, first_use_earliest, first_use_latest,
    lag_months_min, lag_months_max, left_censored, texts_after_introduction, occurrences, nested (of
    them, inside a longer listed formula; 0 if ``counts`` has no ``nested``), n_docs,
    years_present (";"-joined), n_years_present, n_years_observed (years with a text from the
    first-seen year on) and last_seen_date.  Sorted by origin, introduced, term.
    """
    bounds = document_date_bounds(documents)
    bad = sorted(set(counts["doc_id"].tolist()) - set(bounds["doc_id"]))
    if bad:
        raise CorpusError(f"counts name doc_id(s) absent from the documents table: {', '.join(bad)}")
    bad_origin = sorted(set(formulae["origin"]) - {"central", "local"})
    if bad_origin:
        raise ValueError(f"origin must be 'central' or 'local', got {', '.join(map(str, bad_origin))}")
    year_of = dict(zip(bounds["doc_id"], bounds["year"].astype(int)))
    all_years = set(year_of.values())
    order = {d: i for i, d in enumerate(bounds["doc_id"])}
    pos = counts[counts["count"] > 0]
    docs_of: dict[str, set[str]] = {}
    for term, doc_id in zip(pos["term"].tolist(), pos["doc_id"].tolist()):
        docs_of.setdefault(term, set()).add(doc_id)
    total_of = pos.groupby("term")["count"].sum().to_dict()
    nested_of = pos.groupby("term")["nested"].sum().to_dict() if "nested" in pos.columns else {}
    rows = []
    dated = _dated_documents(bounds)
    dates = bounds["date"].tolist()
    for f in formulae.itertuples(index=False):
        present = docs_of.get(f.term, set())
        intro = str(getattr(f, "introduced", "") or "").strip() if f.origin == "central" else ""
        rec = {"term": f.term, "origin": f.origin, "english": getattr(f, "english", ""),
               "level": getattr(f, "level", ""), "kind": getattr(f, "kind", ""), "introduced": intro}
        rec.update(first_use_interval(bounds, present, intro, dated))
        present_years = sorted({year_of[d] for d in present})
        last_seen = max(present, key=order.get) if present else None
        rec.update(occurrences=int(total_of.get(f.term, 0)), nested=int(nested_of.get(f.term, 0)),
                   n_docs=len(present),
                   years_present=";".join(map(str, present_years)), n_years_present=len(present_years),
                   n_years_observed=sum(y >= present_years[0] for y in all_years) if present_years else 0,
                   last_seen_date=dates[order[last_seen]] if last_seen else "")
        rows.append(rec)
    cols = ["term", "origin", "english", "level", "kind", "introduced", "status", "first_seen_doc", "first_seen_date",
            "last_absent_doc", "last_absent_date", "first_use_earliest", "first_use_latest",
            "lag_months_min", "lag_months_max", "left_censored", "texts_after_introduction", "occurrences",
            "nested", "n_docs", "years_present", "n_years_present", "n_years_observed", "last_seen_date"]
    out = pd.DataFrame(rows, columns=cols)
    for c in ["lag_months_min", "lag_months_max", "texts_after_introduction"]:
        out[c] = out[c].astype("Int64")
    out["_intro"] = out["introduced"].map(lambda d: date_bounds(d)[0] if d else pd.Timestamp.max)
    out = out.sort_values(["origin", "_intro", "term"], kind="stable").drop(columns="_intro")
    return out.reset_index(drop=True)


def adoption_by_year(counts: pd.DataFrame, documents: pd.DataFrame, formulae: pd.DataFrame,
                     chars_by_year: pd.Series) -> pd.DataFrame:
    """Long table term x year (years that have a text only; missing years stay missing).

    Columns: term, origin, year, n_texts, occurrences (0 if absent that year), nested (of those, inside
    a longer listed formula; 0 if ``counts`` has no ``nested``), per_10k (occurrences per 10,000 body
    characters of that year, ``chars_by_year`` = h.body_chars(paragraphs, "year")).
    """
    years = sorted(int(y) for y in documents["year"].unique())
    missing = [y for y in years if y not in chars_by_year.index or not chars_by_year.get(y)]
    if missing:
        raise ValueError(f"no body characters for year(s) {missing}: cannot compute rates")
    doc_year = documents.set_index("doc_id")["year"].astype(int)
    counts = counts if "nested" in counts.columns else counts.assign(nested=0)
    c = counts.assign(year=counts["doc_id"].map(doc_year)).groupby(["term", "year"])[["count", "nested"]].sum()
    found = {key: (int(n), int(k)) for key, n, k in zip(c.index, c["count"].tolist(), c["nested"].tolist())}
    n_texts = documents.groupby("year")["doc_id"].nunique()
    n_texts = {y: int(n_texts[y]) for y in years}
    rows = [(f.term, f.origin, y, n_texts[y], *found.get((f.term, y), (0, 0)))
            for f in formulae.itertuples(index=False) for y in years]
    out = pd.DataFrame(rows, columns=["term", "origin", "year", "n_texts", "occurrences", "nested"])
    out["per_10k"] = out["occurrences"] / out["year"].map(chars_by_year).astype(float) * 1e4
    return out.sort_values(["origin", "term", "year"], kind="stable").reset_index(drop=True)


def density_by_origin(by_year: pd.DataFrame, chars_by_year: pd.Series) -> pd.DataFrame:
    """Per year and origin: formula occurrences, body characters and occurrences per 10,000 characters.

    An occurrence nested in a longer listed formula is left out (``occurrences - nested``), so each
    stretch of text counts once, for the longest formula covering it.
    """
    g = by_year.assign(occurrences=by_year["occurrences"] - by_year["nested"])
    g = g.groupby(["year", "origin"], as_index=False)["occurrences"].sum()
    g["body_chars"] = g["year"].map(chars_by_year).astype(int)
    g["per_10k"] = g["occurrences"] / g["body_chars"] * 1e4
    return g.sort_values(["year", "origin"], kind="stable").reset_index(drop=True)


PATTERN_ONLY = "pattern only (not in formulae.csv)"  # level of a local formula that formulae.csv does not list


def formula_inventory(central: pd.DataFrame, rhetoric: pd.DataFrame, formula_lexicon: pd.DataFrame,
                      glossary: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The formulae notebook 05 dates: every central formula (``read_central_formulae``) and every
    formula notebook 03 detected (``rhetoric.csv``, device formula) that is not central, by
    normalised form (variants included).

    Returns (formulae, local_terms, detected_central): ``formulae`` has term, origin (central/local),
    introduced ('' for local), english (central list, else glossary.csv), level (central list; for
    a local formula the level ``formulae.csv`` records, or ``PATTERN_ONLY``) and kind (notebook 03's
    subtype, '' if not detected)."""
    central_forms = {normalise_formula(t) for t in central["term"]}
    central_forms |= {normalise_formula(v) for vs in central["variant_list"] for v in vs}
    detected = sorted(set(rhetoric.loc[rhetoric["device"] == "formula", "term"]))
    local_terms = [t for t in detected if normalise_formula(t) not in central_forms]
    detected_central = [t for t in detected if normalise_formula(t) in central_forms]
    english = dict(zip(glossary["term"], glossary["english"])) if "english" in glossary.columns else {}
    level_of = {normalise_formula(t): lv for t, lv in zip(formula_lexicon["term"], formula_lexicon["level"])}
    formulae = pd.concat([
        central.assign(origin="central")[["term", "origin", "introduced"]
                                         + [c for c in ["english", "level"] if c in central.columns]],
        pd.DataFrame({"term": local_terms, "origin": "local", "introduced": "",
                      "english": [english.get(t, "") for t in local_terms],
                      "level": [level_of.get(normalise_formula(t), PATTERN_ONLY) for t in local_terms]}),
    ], ignore_index=True).fillna("")
    kind = rhetoric[rhetoric["device"] == "formula"].drop_duplicates("term").set_index("term")["subtype"]
    formulae["kind"] = formulae["term"].map(kind).fillna("")
    return formulae, local_terms, detected_central


def first_contexts(adoption: pd.DataFrame, central: pd.DataFrame, body: pd.DataFrame,
                   st: RhetoricSettings) -> pd.DataFrame:
    """For every central formula that occurs, its first occurrence in the document where it is first
    seen (any listed spelling), as KWIC: formula, first_seen_date, left, match, right."""
    forms_of = {t: [t] + vs for t, vs in zip(central["term"], central["variant_list"])}
    contexts = []
    for f in adoption[(adoption["origin"] == "central") & (adoption["occurrences"] > 0)].itertuples():
        doc_body = body[body["doc_id"] == f.first_seen_doc]
        k = pd.concat([kwic(doc_body, form, st) for form in forms_of[f.term]], ignore_index=True)
        if len(k):
            first = k.sort_values("para_id", kind="stable").iloc[0]
            contexts.append((f.term, f.first_seen_date, first["left"], first["term"], first["right"]))
    return pd.DataFrame(contexts, columns=["formula", "first_seen_date", "left", "match", "right"])


def within_genre_changes(adoption: pd.DataFrame, counts: pd.DataFrame, documents: pd.DataFrame,
                         formulae: pd.DataFrame, genres: list[str]) -> pd.DataFrame:
    """Re-date every formula within each of ``genres`` alone (its documents only) and list the
    formulae whose first document or status then differs from the whole-corpus ``adoption`` table:
    genre, term, origin, status, status_within, first_seen_date(_within), lag_months_min/max_within."""
    changes = []
    for genre in genres:
        docs_g = documents[documents["genre"] == genre]
        within = adoption_table(counts[counts["doc_id"].isin(docs_g["doc_id"])], docs_g, formulae)
        both = adoption.merge(within, on=["term", "origin"], suffixes=("", "_within"))
        moved = both[(both["first_seen_doc"] != both["first_seen_doc_within"]) | (both["status"] != both["status_within"])]
        changes.append(moved.assign(genre=genre)[["genre", "term", "origin", "status", "status_within",
                                                  "first_seen_date", "first_seen_date_within",
                                                  "lag_months_min_within", "lag_months_max_within"]])
    return (pd.concat(changes, ignore_index=True) if changes
            else pd.DataFrame(columns=["genre", "origin", "status", "status_within"]))


# --- paraphrases: a central formula written in other words (rules as data, paraphrases.csv) ------------
def read_paraphrases(path: str | os.PathLike, central_terms: list[str] | None = None) -> pd.DataFrame:
    """Read ``paraphrases.csv`` (``#`` header): term, pattern (a regular expression), reason.

    Every pattern must compile, must not match its own term (the term is counted anyway, and a
    pattern that matched it would count one occurrence twice) and, if ``central_terms`` is given,
    name a term of the central list.  Errors name the file and line.
    """
    path = Path(path)
    df = read_lexicon_csv(path, ["term", "pattern", "reason"])
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.strip() and not line.startswith("#"))
    for i, row in df.iterrows():
        where = f"{path} line {header + i + 2} ({row['term']})"
        try:
            rx = re.compile(row["pattern"])
        except re.error as err:
            raise CorpusError(f"{where}: pattern does not compile: {err}") from None
        if rx.search(row["term"]):
            raise CorpusError(f"{where}: pattern matches the term itself")
        if central_terms is not None and row["term"] not in set(central_terms):
            raise CorpusError(f"{where}: term is not on the central list")
    return df


def paraphrase_matches(body: pd.DataFrame, paraphrases: pd.DataFrame, width: int = 15) -> pd.DataFrame:
    """Every match of a paraphrase rule in the body paragraphs (``body_paragraphs``), as KWIC:
    doc_id, year, para_id, term (the formula it stands for), match, left, right, pattern.
    Matches of one pattern do not overlap; the caller shows each one before it is counted."""
    rows = []
    for rule in paraphrases.itertuples(index=False):
        rx = re.compile(rule.pattern)
        for doc_id, year, para_id, text in body[["doc_id", "year", "para_id", "text"]].itertuples(index=False):
            for m in rx.finditer(text):
                rows.append((doc_id, year, para_id, rule.term, m.group(0), text[max(0, m.start() - width):m.start()],
                             text[m.end():m.end() + width], rule.pattern))
    cols = ["doc_id", "year", "para_id", "term", "match", "left", "right", "pattern"]
    return pd.DataFrame(rows, columns=cols).sort_values(["doc_id", "para_id", "term"], kind="stable").reset_index(drop=True)


def add_paraphrase_counts(counts: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """``counts`` (count_formulae) with every paraphrase match counted as one occurrence of its term
    (``nested`` unchanged: a paraphrase lies inside no listed formula's spelling)."""
    if not len(matches):
        return counts
    extra = matches.groupby(["doc_id", "term"]).size().rename("count").reset_index().assign(nested=0)
    out = pd.concat([counts, extra], ignore_index=True).groupby(["doc_id", "term"], as_index=False)[["count", "nested"]].sum()
    out = out.astype({"doc_id": str, "term": str, "count": int, "nested": int})
    return out.sort_values(["doc_id", "term"], kind="stable").reset_index(drop=True)


# --- the dating rule: lags under the alternative dates ---------------------------------------------------
def with_alternative_dates(formulae: pd.DataFrame, central: pd.DataFrame) -> pd.DataFrame:
    """``formulae`` (formula_inventory) with each central formula's ``introduced`` replaced by the
    ``alternative_date`` of central_formulae.csv where one is given (rows without one unchanged)."""
    if "alternative_date" not in central.columns:
        return formulae.copy()
    alt = {t: d.strip() for t, d in zip(central["term"], central["alternative_date"].fillna("")) if d.strip()}
    for t, d in alt.items():
        try:
            date_bounds(d)
        except ValueError as err:
            raise CorpusError(f"central_formulae.csv ({t}): alternative_date: {err}") from None
    out = formulae.copy()
    is_alt = (out["origin"] == "central") & out["term"].isin(alt)
    out.loc[is_alt, "introduced"] = out.loc[is_alt, "term"].map(alt)
    return out


def lags_under_alternative_dates(adoption: pd.DataFrame, adoption_alt: pd.DataFrame,
                                 central: pd.DataFrame) -> pd.DataFrame:
    """One row per central formula that has an alternative date: its date_basis and introduction,
    status and lag under the file's rule, then the alternative (alternative_basis, alternative_date,
    status_alt, lag_months_min_alt, lag_months_max_alt) and ``changed`` (status or a lag bound differs)."""
    cols = ["term", "introduced", "status", "lag_months_min", "lag_months_max"]
    both = adoption.loc[adoption["origin"] == "central", cols].merge(
        adoption_alt.loc[adoption_alt["origin"] == "central", cols], on="term", suffixes=("", "_alt"))
    info = central[["term", "date_basis", "alternative_date", "alternative_basis"]] if "alternative_date" in central.columns \
        else pd.DataFrame(columns=["term", "date_basis", "alternative_date", "alternative_basis"])
    both = info[info["alternative_date"].fillna("").str.strip() != ""].merge(both, on="term")
    same = lambda a, b: (a == b) | (a.isna() & b.isna())  # noqa: E731
    both["changed"] = ~(same(both["status"], both["status_alt"]) & same(both["lag_months_min"], both["lag_months_min_alt"])
                        & same(both["lag_months_max"], both["lag_months_max_alt"]))
    return both[["term", "date_basis", "introduced", "status", "lag_months_min", "lag_months_max",
                 "alternative_date", "alternative_basis", "status_alt", "lag_months_min_alt", "lag_months_max_alt",
                 "changed"]].reset_index(drop=True)
