"""The term explorer (notebook 06): ask the processed tables where a term, a regular expression or a
codebook category occurs, how often per year and genre (hits per 10,000 body characters with a
bootstrap interval), and in which sentences (KWIC), and export the answer as CSV.

Everything here reads only the tables earlier notebooks wrote (``documents``, ``paragraphs``,
``sentences``, ``tokens``) and the codebook; nothing is recomputed from the raw texts.  The widget
callbacks of notebook 06 are one-line wrappers over :func:`run_query`, :func:`filter_kwic` and
:func:`export_csv`.

Counting rules (stated once, used by every function):
- **term** and **category** count on *tokens*, as notebook 04 does (:func:`tifa.priorities.match_terms`):
  a hit is a run of consecutive tokens of one sentence that spells the term exactly, so 党建 is not
  found inside the token 党建引领.  A category's hits are those of the whole codebook matched at once
  and then kept for that category, so they are exactly the hits behind ``priorities.csv``.
- **regex** counts non-empty matches of a regular expression in each sentence's text with all
  whitespace removed (:func:`tifa.terms.squeeze`); a match never crosses a sentence boundary, and it
  may lie inside a token (a regex is a substring search).
- The denominator is the project's one: non-whitespace characters of the clean body paragraphs
  (:func:`tifa.corpus.body_chars`).

Scale: each step is one vectorised pandas operation over a table, and a query first narrows the
token table to the sentences that can hold a hit.  Where issue 17 provides the token, sentence and
paragraph tables as partitioned Parquet, the steps marked "DuckDB:" below become queries over those
files (out of core) and return the same frames.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .config import Paths, SEED
from .corpus import year_axis
from .files import read_table, write_csv
from .priorities import codebook_categories, match_terms, read_priorities
from .stats import percentile_interval
from .terms import _doc_codes, _doc_token_order, _sentence_numbers, squeeze

QUERY_KINDS = ("term", "regex", "category")
TOKEN_COLUMNS = ["doc_id", "year", "para_id", "sent_id", "token_id", "token"]
HIT_COLUMNS = ["doc_id", "year", "para_id", "sent_id", "token_id", "n_tokens", "start", "end", "term", "category"]
EXPORTS = "exports"  # sub-folder of a run's output folder that receives the explorer's CSV files


@dataclass(frozen=True)
class ExplorerTables:
    """The processed tables the explorer reads, prepared once per session.

    ``documents``: documents.csv.  ``units``: one row per body paragraph (doc_id, year, para_id, chars =
    non-whitespace characters, and ``article_id`` when paragraphs.csv carries it), in text order.
    ``sentences``: doc_id, year, para_id, sent_id, text (whitespace removed), offset (where the
    sentence starts in its paragraph's context text).  ``contexts``: (doc_id, para_id) -> the
    paragraph's sentences joined, the text KWIC lines are cut from.  ``tokens``: tokens.csv's
    position columns and ``token``, plus ``sent_key`` (one integer per sentence) and ``chars``
    (non-whitespace characters of the token).  ``codebook``: priorities.csv, validated.
    """

    documents: pd.DataFrame
    units: pd.DataFrame
    sentences: pd.DataFrame
    contexts: pd.Series
    tokens: pd.DataFrame
    codebook: pd.DataFrame

    @property
    def years(self) -> list[int]:
        """Every year from the first to the last document (years without a text included)."""
        return year_axis(self.documents)

    @property
    def genres(self) -> list[str]:
        """The genres of the corpus, sorted."""
        return sorted(self.documents["genre"].astype(str).unique())

    @property
    def categories(self) -> pd.DataFrame:
        """The codebook's categories (``codebook_categories``), in codebook order."""
        return codebook_categories(self.codebook)


def _read_processed(paths: Paths, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Read ``processed/<name>`` (CSV, or the Parquet folder of a large table; ``read_table``), only
    ``columns`` (and ``article_id`` where the table has it) if given, with a clear error if it is absent."""
    return read_table(paths, name, None if columns is None else [*columns, "article_id"])


def prepare_tables(documents: pd.DataFrame, paragraphs: pd.DataFrame, sentences: pd.DataFrame,
                   tokens: pd.DataFrame, codebook: pd.DataFrame) -> ExplorerTables:
    """Build :class:`ExplorerTables` from the tables as read (see ``load_explorer_tables``)."""
    body = paragraphs[paragraphs["kind"] == "body"]
    keep = ["doc_id", "year", "para_id"] + (["article_id"] if "article_id" in body.columns else [])
    units = body[keep].copy()
    units["chars"] = body["text"].fillna("").astype(str).str.replace(r"\s+", "", regex=True).str.len()
    units = units.sort_values(["doc_id", "para_id"], kind="stable").reset_index(drop=True)

    sent = sentences.take(_doc_token_order(sentences, position="sent_id")).reset_index(drop=True)
    sent = sent[[c for c in ["doc_id", "year", "para_id", "sent_id", "article_id", "text"] if c in sent.columns]].copy()
    sent["text"] = sent["text"].fillna("").astype(str).str.replace(r"\s+", "", regex=True)
    lengths = sent["text"].str.len()
    sent["offset"] = lengths.groupby([sent["doc_id"], sent["para_id"]]).cumsum() - lengths
    contexts = sent.groupby(["doc_id", "para_id"], sort=False)["text"].agg("".join)

    doc_code = _doc_codes(tokens)
    order = _doc_token_order(tokens, doc_code)
    tok = tokens.take(order).reset_index(drop=True)
    tok["token"] = tok["token"].fillna("").astype(str)
    tok["sent_key"] = _sentence_numbers(tokens, order, doc_code)   # as groupby(...).ngroup() numbers them
    tok["chars"] = tok["token"].str.replace(r"\s+", "", regex=True).str.len()
    docs = documents.copy()
    docs["genre"] = docs["genre"].fillna("").astype(str)
    return ExplorerTables(documents=docs, units=units, sentences=sent, contexts=contexts, tokens=tok,
                          codebook=codebook)


def load_explorer_tables(paths: Paths) -> ExplorerTables:
    """Read documents, paragraphs, sentences and tokens from ``paths.processed`` (tokens: the position
    columns and the token only) and the codebook from ``paths.lexicon / "priorities.csv"``.

    Reads nothing else, writes nothing.  ``article_id`` is kept wherever a table carries it (issue 14).
    """
    return prepare_tables(
        documents=_read_processed(paths, "documents"),
        paragraphs=_read_processed(paths, "paragraphs", ["doc_id", "year", "para_id", "kind", "text"]),
        sentences=_read_processed(paths, "sentences", ["doc_id", "year", "para_id", "sent_id", "text"]),
        tokens=_read_processed(paths, "tokens", TOKEN_COLUMNS),
        codebook=read_priorities(paths.lexicon / "priorities.csv"))


# Matching -----------------------------------------------------------------------------------------
def _empty_hits() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object if c in ("doc_id", "term", "category") else "Int64")
                         for c in HIT_COLUMNS})


def _token_hits(tables: ExplorerTables, codebook: pd.DataFrame) -> pd.DataFrame:
    """Whole-token hits of ``codebook``'s terms, with their character span in the squeezed sentence.

    Only sentences holding a token that begins one of the terms can hold a hit, so the token table is
    first narrowed to those sentences (one ``isin`` over the token column); ``match_terms`` then runs on
    whole sentences, and its result is the same as on the full table.
    DuckDB: ``WHERE token IN (<prefixes>)`` on the Parquet token table gives the sentence keys.
    """
    tok = tables.tokens
    prefixes = {t[:i] for t in codebook["term"] for i in range(1, len(t) + 1)}
    keys = tok.loc[tok["token"].isin(prefixes), "sent_key"].unique()
    sub = tok[tok["sent_key"].isin(keys)]
    if sub.empty:
        return _empty_hits()
    hits = match_terms(sub, codebook)
    if hits.empty:
        return _empty_hits()
    offset = sub["chars"].groupby(sub["sent_key"]).cumsum() - sub["chars"]
    start = pd.Series(offset.to_numpy(), index=pd.MultiIndex.from_arrays([sub["doc_id"], sub["token_id"]]))
    hits["start"] = start.reindex(pd.MultiIndex.from_arrays([hits["doc_id"], hits["token_id"]])).to_numpy()
    hits["end"] = hits["start"] + hits["term"].str.replace(r"\s+", "", regex=True).str.len()
    return hits


def _regex_hits(tables: ExplorerTables, pattern: str) -> pd.DataFrame:
    """Non-empty matches of ``pattern`` in each squeezed sentence (category: the codebook's, if the
    matched text is a codebook term).  DuckDB: ``regexp_matches`` narrows the sentences first."""
    try:
        rx = re.compile(pattern)
    except re.error as err:
        raise ValueError(f"not a valid regular expression: {pattern!r} ({err})") from None
    sent = tables.sentences
    with warnings.catch_warnings():  # pandas warns about groups in the pattern; only the test is used here
        warnings.simplefilter("ignore", UserWarning)
        cand = sent[sent["text"].str.contains(rx, regex=True)]
    rows = [(d, y, p, s, m.start(), m.end(), m.group(0))
            for d, y, p, s, text in cand[["doc_id", "year", "para_id", "sent_id", "text"]].itertuples(index=False)
            for m in rx.finditer(text) if m.end() > m.start()]
    if not rows:
        return _empty_hits()
    hits = pd.DataFrame(rows, columns=["doc_id", "year", "para_id", "sent_id", "start", "end", "term"])
    hits["category"] = hits["term"].map(dict(zip(tables.codebook["term"], tables.codebook["category"])))
    return hits


def match_query(tables: ExplorerTables, query: str, kind: str = "term") -> pd.DataFrame:
    """Every hit of a query, in text order.

    ``kind`` "term": ``query`` (whitespace removed) matched on whole tokens, as notebook 04 matches codebook
    terms; "category": every codebook term of the category ``query`` (its id, e.g. ``party``), matched with
    the whole codebook at once so that the hits are notebook 04's; "regex": non-empty matches of the
    regular expression ``query`` in the whitespace-free sentence texts (a substring search, not a token
    one).  Columns: doc_id, year, para_id, sent_id, token_id and n_tokens (token matches; empty for a
    regex), start, end (character span in the whitespace-free sentence), term (the text matched),
    category (the codebook category of that text, if any), and article_id when the tables carry it.
    Raises ValueError for an unknown kind, an empty query, an unknown category or an invalid regex.
    """
    if kind not in QUERY_KINDS:
        raise ValueError(f"kind must be one of {', '.join(QUERY_KINDS)}, not {kind!r}")
    query = query if kind == "regex" else squeeze(str(query))
    if not query:
        raise ValueError("empty query: type a term, a regular expression or pick a category")
    cb = tables.codebook
    if kind == "term":
        hits = _token_hits(tables, pd.DataFrame({"term": [query], "category": [""]}))
        hits["category"] = hits["term"].map(dict(zip(cb["term"], cb["category"])))
    elif kind == "category":
        if query not in set(cb["category"]):
            raise ValueError(f"no category {query!r} in the codebook (categories: {', '.join(cb['category'].unique())})")
        hits = _token_hits(tables, cb)
        hits = hits[hits["category"] == query]
    else:
        hits = _regex_hits(tables, query)
    for col in ("token_id", "n_tokens", "start", "end"):
        hits[col] = pd.array(hits[col] if col in hits.columns else [pd.NA] * len(hits), dtype="Int64")
    hits = hits[HIT_COLUMNS]
    if "article_id" in tables.sentences.columns and len(hits):
        art = tables.sentences.set_index(["doc_id", "sent_id"])["article_id"]
        hits = hits.assign(article_id=art.reindex(pd.MultiIndex.from_frame(hits[["doc_id", "sent_id"]])).to_numpy())
    return hits.sort_values(["doc_id", "sent_id", "start"], kind="stable").reset_index(drop=True)


def top_codebook_terms(tables: ExplorerTables, n: int = 10) -> pd.DataFrame:
    """The ``n`` codebook terms with most whole-token hits in the corpus: term, category, hits
    (ties broken by term).  Notebook 06 takes its static example from the first row."""
    hits = _token_hits(tables, tables.codebook)
    out = hits.groupby(["term", "category"]).size().rename("hits").reset_index()
    return out.sort_values(["hits", "term"], ascending=[False, True], kind="stable").head(n).reset_index(drop=True)


# Counts with a bootstrap interval -----------------------------------------------------------------
def hits_per_unit(tables: ExplorerTables, hits: pd.DataFrame, unit: str = "para_id") -> pd.DataFrame:
    """The resampling units of every document with their hits and body characters, zeros kept.

    ``unit`` names a column of the body-paragraph table: ``para_id`` (a paragraph) or, once paragraphs
    carry it, ``article_id`` (an article, issue 14).  Returns doc_id, unit, hits, chars, one row per unit in
    text order (a unit's position is its first paragraph).  A hit is placed by its (doc_id, para_id);
    a hit outside every body paragraph is an error.
    DuckDB: a GROUP BY over the paragraph table joined to the hit counts.
    """
    units = tables.units
    if unit not in units.columns:
        raise ValueError(f"the paragraph table has no column {unit!r} to resample by")
    per_para = hits.groupby(["doc_id", "para_id"]).size()
    idx = pd.MultiIndex.from_frame(units[["doc_id", "para_id"]])
    stray = per_para.index.difference(idx)
    if len(stray):
        raise ValueError(f"hits in paragraphs that are not body paragraphs: {list(stray[:3])} (doc_id, para_id)")
    frame = units.assign(hits=per_para.reindex(idx, fill_value=0).to_numpy())
    out = frame.groupby(["doc_id", unit], sort=False).agg(hits=("hits", "sum"), chars=("chars", "sum"),
                                                          first=("para_id", "min")).reset_index()
    out = out.sort_values(["doc_id", "first"], kind="stable").drop(columns="first").rename(columns={unit: "unit"})
    return out.reset_index(drop=True)


def resample_hits(units: pd.DataFrame, doc_ids: list[str], n_resamples: int, seed: int = SEED,
                   max_cells: int = 4_000_000) -> dict[str, np.ndarray]:
    """Bootstrap replicates per document: its units drawn with replacement, within the document.

    A document of n units gets, per replicate, a multinomial(n, 1/n, ..., 1/n) weight per unit (the same
    as drawing n units), and the replicate's hits and characters are the weighted sums.  Returns
    doc_id -> array (n_resamples, 2): hits, chars.  One numpy Generator seeded with ``seed``, documents in
    sorted order, exactly as :func:`tifa.priorities.resample_paragraphs` draws: with ``para_id`` units the
    replicates are notebook 04's.  Replicates are drawn in chunks of at most ``max_cells`` weights (the
    stream, and so the result, does not depend on the chunk size); a document without units gets zeros.
    (``tifa.priorities.resample_units`` of issue 14 draws the same way for a count matrix of categories;
    once it is settled, this function can become a call of it with one column.)
    """
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    rng = np.random.default_rng(seed)
    groups = {d: g[["hits", "chars"]].to_numpy(dtype=float) for d, g in units.groupby("doc_id", sort=False)}
    out = {}
    for doc in sorted(set(doc_ids)):
        m = groups.get(doc, np.zeros((0, 2)))
        n = len(m)
        if n == 0:
            out[doc] = np.zeros((n_resamples, 2))
            continue
        step = max(1, max_cells // n)
        out[doc] = np.vstack([rng.multinomial(n, np.full(n, 1.0 / n), size=min(step, n_resamples - i)) @ m
                              for i in range(0, n_resamples, step)])
    return out


def _grouped_counts(tables: ExplorerTables, hits: pd.DataFrame, group_of: pd.Series, n_resamples: int,
                    seed: int, unit: str, ci: float) -> pd.DataFrame:
    """documents, count, body_chars, per_10k and its interval per value of ``group_of`` (doc_id -> group)."""
    units = hits_per_unit(tables, hits, unit)
    units = units[units["doc_id"].isin(group_of.index)]
    draws = resample_hits(units, list(group_of.index), n_resamples, seed)
    per_doc = units.groupby("doc_id")[["hits", "chars"]].sum().reindex(group_of.index, fill_value=0)
    rows = []
    for group, docs in group_of.groupby(group_of, sort=True):
        ids = sorted(docs.index)
        count, chars = per_doc.loc[ids, "hits"].sum(), per_doc.loc[ids, "chars"].sum()
        rep = sum(draws[d] for d in ids)
        with np.errstate(invalid="ignore", divide="ignore"):
            lo, hi = percentile_interval((rep[:, 0] / rep[:, 1] * 1e4)[:, None], ci)
        rows.append((group, len(ids), int(count), int(chars), count / chars * 1e4 if chars else np.nan, lo[0], hi[0]))
    return pd.DataFrame(rows, columns=["group", "documents", "count", "body_chars", "per_10k",
                                       "per_10k_ci_low", "per_10k_ci_high"])


def counts_by_year(tables: ExplorerTables, hits: pd.DataFrame, n_resamples: int = 2000, seed: int = SEED,
                   unit: str = "para_id", genre: str | None = None, ci: float = 0.95) -> pd.DataFrame:
    """Hits per year: year, has_text, genres, documents, count, body_chars, per_10k, per_10k_ci_low,
    per_10k_ci_high.

    Every year of the corpus' axis (first to last document year) has a row; a year without a text (of
    ``genre``, if one is given) has ``has_text`` False, 0 documents and empty counts — a gap, never a
    zero.  The interval is a percentile bootstrap (level ``ci``, ``n_resamples`` replicates, ``seed``)
    resampling ``unit`` (paragraphs; ``article_id`` once issue 14's articles exist) within each document;
    a year sums its documents' replicates, so a year keeps its documents: the interval says how much the
    rate depends on which paragraphs the texts happen to contain, not how typical the texts are.
    """
    docs = tables.documents if genre is None else tables.documents[tables.documents["genre"] == genre]
    group_of = pd.Series(docs["year"].astype(int).to_numpy(), index=docs["doc_id"].to_numpy())
    hits = hits[hits["doc_id"].isin(group_of.index)]
    counted = _grouped_counts(tables, hits, group_of, n_resamples, seed, unit, ci).rename(columns={"group": "year"})
    genres = docs.groupby("year")["genre"].agg(lambda g: "; ".join(sorted(set(g))))
    out = pd.DataFrame({"year": tables.years}).merge(counted, on="year", how="left")
    out["has_text"] = out["year"].isin(counted["year"])
    out["genres"] = out["year"].map(genres).fillna("")
    out["documents"] = out["documents"].fillna(0).astype(int)
    for col in ("count", "body_chars"):
        out[col] = pd.array(out[col], dtype="Int64")
    return out[["year", "has_text", "genres", "documents", "count", "body_chars", "per_10k",
                "per_10k_ci_low", "per_10k_ci_high"]]


def counts_by_genre(tables: ExplorerTables, hits: pd.DataFrame, n_resamples: int = 2000, seed: int = SEED,
                    unit: str = "para_id", ci: float = 0.95) -> pd.DataFrame:
    """Hits per genre: genre, documents, first_year, last_year, count, body_chars, per_10k and its
    bootstrap interval (as in ``counts_by_year``), one row per genre of the corpus, sorted by genre.
    Year and genre are confounded where a genre covers few years: read the years beside the rate."""
    docs = tables.documents
    group_of = pd.Series(docs["genre"].to_numpy(), index=docs["doc_id"].to_numpy())
    out = _grouped_counts(tables, hits, group_of, n_resamples, seed, unit, ci).rename(columns={"group": "genre"})
    span = docs.groupby("genre")["year"].agg(first_year="min", last_year="max")
    out = out.merge(span, left_on="genre", right_index=True)
    return out[["genre", "documents", "first_year", "last_year", "count", "body_chars", "per_10k",
                "per_10k_ci_low", "per_10k_ci_high"]]


# KWIC ---------------------------------------------------------------------------------------------
def kwic_lines(tables: ExplorerTables, hits: pd.DataFrame, width: int = 20) -> pd.DataFrame:
    """One keyword-in-context line per hit: doc_id, year, genre, (article_id,) para_id, sent_id, left,
    term, right.

    Context is ``width`` characters each side, cut from the hit's paragraph (its sentences joined,
    whitespace removed), so it may run into the neighbouring sentence but never into another paragraph.
    Lines are in text order (year, doc_id, sentence, position).
    """
    art = ["article_id"] if "article_id" in hits.columns else []
    cols = ["doc_id", "year", "genre", *art, "para_id", "sent_id", "left", "term", "right"]
    if hits.empty:
        return pd.DataFrame(columns=cols)
    offset = tables.sentences.set_index(["doc_id", "sent_id"])["offset"]
    keys = pd.MultiIndex.from_frame(hits[["doc_id", "sent_id"]])
    a = (offset.reindex(keys).to_numpy() + hits["start"].to_numpy(dtype=float)).astype(int)
    b = a + hits["term"].str.len().to_numpy()
    ctx = tables.contexts.reindex(pd.MultiIndex.from_frame(hits[["doc_id", "para_id"]])).fillna("").to_numpy()
    left = [c[max(0, i - width):i] for c, i in zip(ctx, a)]
    right = [c[j:j + width] for c, j in zip(ctx, b)]
    genre = hits["doc_id"].map(dict(zip(tables.documents["doc_id"], tables.documents["genre"])))
    out = hits.assign(genre=genre.to_numpy(), left=left, right=right)[cols]
    return out.sort_values(["year", "doc_id", "sent_id"], kind="stable").reset_index(drop=True)


def filter_kwic(kwic: pd.DataFrame, year: int | list[int] | None = None, genre: str | list[str] | None = None,
                doc_id: str | list[str] | None = None, contains: str = "") -> pd.DataFrame:
    """The KWIC lines of the given year(s), genre(s) and document(s) (None: all) whose line
    (left + term + right) contains ``contains`` (plain text, "" keeps every line)."""
    keep = pd.Series(True, index=kwic.index)
    for col, value in (("year", year), ("genre", genre), ("doc_id", doc_id)):
        if value is not None:
            keep &= kwic[col].isin(value if isinstance(value, (list, tuple, set)) else [value])
    if contains:
        line = kwic["left"].astype(str) + kwic["term"].astype(str) + kwic["right"].astype(str)
        keep &= line.str.contains(contains, regex=False)
    return kwic[keep].reset_index(drop=True)


# One query, and its export ------------------------------------------------------------------------
@dataclass(frozen=True)
class QueryResult:
    """What the explorer shows for one query: the hits, counts per year and per genre, the KWIC lines."""

    query: str
    kind: str
    hits: pd.DataFrame
    by_year: pd.DataFrame
    by_genre: pd.DataFrame
    kwic: pd.DataFrame


def run_query(tables: ExplorerTables, query: str, kind: str = "term", genre: str | None = None,
              n_resamples: int = 2000, seed: int = SEED, unit: str = "para_id", width: int = 20) -> QueryResult:
    """``match_query``, then ``counts_by_year`` (within ``genre`` if given), ``counts_by_genre`` and
    ``kwic_lines``: everything the explorer shows for one query (the widget's search callback)."""
    hits = match_query(tables, query, kind)
    return QueryResult(query=query, kind=kind, hits=hits,
                       by_year=counts_by_year(tables, hits, n_resamples, seed, unit, genre),
                       by_genre=counts_by_genre(tables, hits, n_resamples, seed, unit),
                       kwic=kwic_lines(tables, hits, width))


def export_folder(paths: Paths) -> Path:
    """The run's output folder for explorer exports: ``<OUT>/exports`` beside ``processed/`` and
    ``figures/`` (``data/exports`` for the committed run); never processed/ or figures/ themselves."""
    return paths.processed.parent / EXPORTS


def export_name(query: str, kind: str) -> str:
    """A file-name stem for a query: kind, then the query with every character that is not a letter,
    digit or CJK character replaced by '_' (at most 40 characters), e.g. ``term_两个维护``."""
    slug = re.sub(r"\W+", "_", str(query)).strip("_")[:40] or "query"
    return f"{kind}_{slug}"


def export_csv(out_folder: str | Path, kwic: pd.DataFrame, counts: pd.DataFrame,
               by_genre: pd.DataFrame | None = None, query: str = "", kind: str = "term") -> list[Path]:
    """Write the current KWIC lines and counts as CSV (``tifa.files.write_csv``: UTF-8, atomic) into
    ``out_folder`` (``export_folder(paths)``), named ``<export_name>_kwic.csv``, ``_by_year.csv`` and,
    if given, ``_by_genre.csv``; each table gets ``query`` and ``kind`` as its first columns.  Refuses a
    folder named processed or figures.  Returns the paths written."""
    out_folder = Path(out_folder)
    if out_folder.name in ("processed", "figures"):
        raise ValueError(f"{out_folder}: explorer exports never go into processed/ or figures/")
    stem = export_name(query, kind)
    written = []
    for suffix, table in (("kwic", kwic), ("by_year", counts), ("by_genre", by_genre)):
        if table is not None:
            labelled = table.copy()
            labelled.insert(0, "kind", kind)
            labelled.insert(0, "query", query)
            written.append(write_csv(labelled, out_folder / f"{stem}_{suffix}.csv"))
    return written
