"""Checks that describe a corpus (notebook 02): tokenizer agreement on a seeded sample, gold coverage and
the held-out draw, lexicon integrity, the HMM choice.  Each returns a :class:`CheckReport` (what was
checked, on how many units, the offending rows) instead of stopping the run; only a defect that would
make later tables wrong raises (``require_tokens_rejoin``), naming the sentence.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config import SEED
from .files import CorpusError
from .segmentation import SEGMENT_HMM, Segmenter, needle_hits
from .gold import segmentation_errors


AGREEMENT_SAMPLE = 2000  # sentences the tokenizer-agreement check cuts with jieba too (all, if fewer)
CHECK_DISPLAY_ROWS = 20  # offending rows a notebook shows per check; the CSV has them all
CHECK_COLUMNS = ["check", "doc_id", "sent_id", "text", "detail"]


@dataclass
class CheckReport:
    """What one check of a corpus found: what was checked, on how many units, and every offending row.

    ``problems`` has the columns ``CHECK_COLUMNS`` (check, doc_id, sent_id, text, detail), one row per
    offending sentence (or gold line, or setting).  A report never stops a run; ``note`` says how to read it.
    """

    check: str
    unit: str
    population: int
    checked: int
    problems: pd.DataFrame
    note: str = ""

    @property
    def n_problems(self) -> int:
        """Number of offending rows."""
        return len(self.problems)

    def summary(self) -> dict[str, object]:
        """One row of the summary table: check, unit, checked, of, problems, note."""
        return {"check": self.check, "unit": self.unit, "checked": self.checked, "of": self.population,
                "problems": self.n_problems, "note": self.note}

    def line(self) -> str:
        """The report in one sentence (what a notebook prints)."""
        where = (f"{self.checked:,} {self.unit}" if self.checked == self.population else
                 f"a seeded random sample of {self.checked:,} of the {self.population:,} {self.unit}")
        return (f"{self.check}: {self.n_problems:,} problem(s) in {where}."
                + (f" {self.note}" if self.note else ""))

    def shown(self, cap: int = CHECK_DISPLAY_ROWS) -> pd.DataFrame:
        """The first ``cap`` offending rows, for display (all of them go to the CSV)."""
        return self.problems.head(cap)


def _problems(check: str, rows: list[tuple]) -> pd.DataFrame:
    """A problems table of ``CHECK_COLUMNS`` from (doc_id, sent_id, text, detail) tuples."""
    return pd.DataFrame([(check, *r) for r in rows], columns=CHECK_COLUMNS)


def checks_summary(reports: list[CheckReport]) -> pd.DataFrame:
    """One row per check: check, unit, checked, of, problems, note."""
    return pd.DataFrame([r.summary() for r in reports], columns=["check", "unit", "checked", "of", "problems", "note"])


def checks_details(reports: list[CheckReport]) -> pd.DataFrame:
    """Every offending row of every check (``CHECK_COLUMNS``), in check order: the CSV notebook 02 writes."""
    frames = [r.problems for r in reports if len(r.problems)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CHECK_COLUMNS)


def sample_rows(n: int, size: int, seed: int = SEED) -> np.ndarray:
    """Row positions of a seeded simple random sample of ``size`` out of ``n`` (all if ``n <= size``), sorted."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def differing_stretches(reference: list[str], other: list[str]) -> str:
    """The stretches where two cuts of one text differ, as ``ref a/b · other ab`` joined by '; '."""
    err = segmentation_errors([reference], [other])
    return "; ".join(f"{g} -> {p}" for g, p in zip(err["gold"], err["predicted"]))


def check_tokenizer_agreement(sentences: pd.DataFrame, segmenters: list[Segmenter],
                              sample: int = AGREEMENT_SAMPLE, seed: int = SEED) -> CheckReport:
    """Do the project's cuts equal ``jieba.lcut`` with the same lexicon, on a seeded sample of sentences?

    ``sentences`` has doc_id, sent_id, text; each segmenter (one per HMM setting) cuts every sampled
    sentence and jieba cuts it too.  A problem row names the sentence and the stretches that differ
    (``jieba cut -> project cut``).  The note says how many sampled sentences rjieba alone would have cut
    otherwise (the ASCII runs and rare ideographs ``Segmenter.cut`` mends).  jieba runs at about 1 MB/s,
    hence the sample (its size is stated in the report).
    """
    rows = sample_rows(len(sentences), sample, seed)
    picked = sentences.iloc[rows]
    problems, mended = [], {}
    for seg in segmenters:
        label = f"HMM {'on' if seg.hmm else 'off'}"
        mended[label] = 0
        for doc_id, sent_id, text in picked[["doc_id", "sent_id", "text"]].itertuples(index=False):
            ours, ref = seg.cut(text), seg.jieba_cut(text)
            mended[label] += seg.rjieba_cut(text) != ours
            if ours != ref:
                problems.append((doc_id, sent_id, text, f"{label}: {differing_stretches(ref, ours)}"))
    note = ("rjieba alone would have cut " + ", ".join(f"{n} ({k})" for k, n in mended.items())
            + " of them otherwise; those were mended to jieba's cut.")
    return CheckReport("tokenizer agrees with jieba", "sentences", len(sentences), len(picked),
                       _problems("tokenizer agreement", problems), note)


def check_gold_coverage(mapping: pd.DataFrame) -> CheckReport:
    """How many gold lines come from this corpus (``gold_mapping``)?

    When some map back and others do not, the others are problems (listed with the reason): a gold
    standard made for this corpus no longer matches its sentences.  When none maps back, the gold
    standard is another corpus's (the project's, on a user's texts): no problem rows, and the note says
    that the scores then describe the tokenizer on the gold texts, not this corpus.
    """
    miss = mapping[~mapping["mapped"]]
    if len(miss) == len(mapping):
        return CheckReport("gold sentences from this corpus", "gold sentences", len(mapping), len(mapping),
                           _problems("gold coverage", []),
                           f"None of the {len(mapping)} gold lines comes from this corpus: the scores describe the "
                           "tokenizer and lexicon on the gold texts, not this corpus.")
    rows = list(miss[["doc_id", "sent_id", "input", "reason"]].itertuples(index=False))
    note = "Unmapped lines are scored on the gold text itself." if rows else ""
    return CheckReport("gold sentences from this corpus", "gold sentences", len(mapping), len(mapping),
                       _problems("gold coverage", rows), note)


def check_lexicon_integrity(sentences: pd.DataFrame, tokens, integrity: pd.DataFrame,
                            exceptions: pd.DataFrame | None = None, batch: int = 20_000) -> CheckReport:
    """Which sentences hold a split counted term (``lexicon_integrity`` rows with ``ok`` False)?

    A problem row names a sentence where a split term occurs more often (less the documented
    exceptions of ``split_exceptions.csv`` found in that sentence) than the tokens containing it, and
    shows the cut of the stretch.  Such a term is undercounted in notebooks 03-05: add a user word or a
    split exception after reading the sentences.  ``tokens`` is the token table of ``sentences``
    (``tokenize_sentences``) or their cut (a list of token lists, one per sentence).  Only the sentences
    that contain a split term are looked at, each for the split terms it contains (found in one scan,
    ``split_terms_by_sentence``); their tokens are taken from the table ``batch`` sentences at a time.
    """
    split = integrity.loc[~integrity["ok"], "term"].tolist()
    contexts = [] if exceptions is None else list(exceptions[["term", "context"]].itertuples(index=False))
    if not isinstance(tokens, pd.DataFrame) and len(tokens) != len(sentences):
        raise ValueError(f"{len(tokens)} cut sentences for {len(sentences)} sentences")
    present = split_terms_by_sentence(sentences["text"].tolist(), split) if split else {}
    at = sorted(present)
    read = _token_reader(tokens, sentences) if isinstance(tokens, pd.DataFrame) and at else None
    excused: dict[str, list[str]] = {}
    for term, context in contexts:
        excused.setdefault(term, []).append(context)
    problems = []
    for k in range(0, len(at), batch):
        rows = sentences.iloc[at[k:k + batch]]
        doc_ids, sent_ids, texts = rows["doc_id"].tolist(), rows["sent_id"].tolist(), rows["text"].tolist()
        cuts = read(at[k:k + batch], doc_ids, sent_ids, texts) if read else [tokens[i] for i in at[k:k + batch]]
        for i, doc_id, sent_id, text, toks in zip(at[k:k + batch], doc_ids, sent_ids, texts, cuts, strict=True):
            joined = "\x00".join(toks)  # in no term (``token_pieces``): the count is the tokens' sum
            for term in present[i]:
                occ = text.count(term)
                expected = occ - sum(text.count(c) for c in excused.get(term, ()))
                got = joined.count(term)
                if got < expected:
                    problems.append((doc_id, sent_id, text, f"{term}: {expected} occurrence(s), {got} in tokens; cut "
                                     + ", ".join(_stretch_cut(toks, text, term))))
    note = f"{len(split)} term(s) split." if split else ""
    return CheckReport("no counted term is split", "sentences", len(sentences), len(sentences),
                       _problems("lexicon integrity", problems), note)


def split_terms_by_sentence(texts: list[str], terms: list[str]) -> dict[int, list[str]]:
    """For each text that contains some of ``terms``: those terms, in the order of ``terms`` (one scan
    for all terms, ``needle_hits``; a text without any is left out)."""
    rank = {term: r for r, term in enumerate(terms)}
    pairs = []  # text index * len(terms) + rank of the term, one per occurrence
    for first, offsets, hits in needle_hits(texts, set(terms)):
        for term, starts in hits.items():
            pairs.append((first + np.searchsorted(offsets, starts, side="right") - 1) * len(terms) + rank[term])
    if not pairs:
        return {}
    text_at, term_at = np.divmod(np.unique(np.concatenate(pairs)), len(terms))
    cuts = (np.flatnonzero(np.diff(text_at)) + 1).tolist()
    names = [terms[r] for r in term_at.tolist()]
    return {int(text_at[s]): names[s:e] for s, e in zip([0] + cuts, cuts + [len(names)])}


def _token_reader(table: pd.DataFrame, sentences: pd.DataFrame):
    """A function from sentences (their positions in ``sentences``, and lists of doc_id, sent_id, text)
    to their tokens, read from their token table ``table`` (doc_id, sent_id, token; each sentence one run
    of rows in text order, as ``tokenize_sentences`` writes it).

    The runs are found once, from where doc_id or sent_id changes.  When they are the sentences one to
    one, in order (the table of these sentences), a sentence's run is found by its position, else by its
    key.  Its tokens are then a slice, taken for many sentences at once.  A sentence whose tokens do not
    spell its text is an error: the table is not the cut of these sentences.
    """
    doc, sent = table["doc_id"], table["sent_id"]
    start = np.flatnonzero((doc.ne(doc.shift()) | sent.ne(sent.shift())).to_numpy(dtype=bool, na_value=True))
    end = np.append(start[1:], len(table))
    aligned = (len(start) == len(sentences) and (sent.to_numpy()[start] == sentences["sent_id"].to_numpy()).all()
               and (doc.iloc[start].to_numpy() == sentences["doc_id"].to_numpy()).all())
    run: dict = {}
    if not aligned:
        run = dict(zip(zip(doc.iloc[start].tolist(), sent.iloc[start].tolist()), range(len(start))))
        if len(run) < len(start):
            raise CorpusError("token table: a sentence's tokens are not in one run of rows")
    token = table["token"]

    def read(at: list[int], doc_ids: list, sent_ids: list, texts: list[str]) -> list[list[str]]:
        keys = list(zip(doc_ids, sent_ids))
        which = np.array(at if aligned else [run.get(key, -1) for key in keys], dtype=np.int64)
        lengths = np.where(which >= 0, end[which] - start[which], 0)
        ends = np.cumsum(lengths)  # where each sentence's tokens end in the rows taken
        flat = token.take(np.repeat(start[which] - (ends - lengths), lengths) + np.arange(ends[-1] if len(ends) else 0))
        flat = flat.tolist()
        cuts = [flat[e - n:e] for e, n in zip(ends.tolist(), lengths.tolist())]
        for (doc_id, sent_id), text, toks in zip(keys, texts, cuts):
            if "".join(toks) != text:
                raise CorpusError(f"doc_id '{doc_id}' sentence {sent_id}: the token table does not spell its text")
        return cuts
    return read


def _stretch_cut(tokens: list[str], text: str, term: str) -> list[str]:
    """How each occurrence of ``term`` in ``text`` that no single token holds is cut ('居民/生活')."""
    ends, pos = [], 0
    for tok in tokens:
        pos += len(tok)
        ends.append(pos)
    out, i = [], text.find(term)
    while i >= 0:
        first = next(k for k, e in enumerate(ends) if e > i)
        last = next(k for k, e in enumerate(ends) if e >= i + len(term))
        if first != last:
            out.append("/".join(tokens[first:last + 1]))
        i = text.find(term, i + 1)
    return out


def check_hmm_choice(scores: pd.DataFrame, hmm: bool = SEGMENT_HMM) -> CheckReport:
    """Does the gold standard still prefer ``hmm`` (higher F1 with the project lexicon)?

    ``scores`` has dictionary, HMM ('on'/'off') and f1 rows.  If the other setting scores higher (a new
    lexicon can do that), one problem row says so; the run goes on with ``SEGMENT_HMM``, a decision
    recorded in tifa/segmentation.py (change it there, and re-run, if the other setting should win).
    """
    project = scores[scores["dictionary"] == "project lexicon"].set_index("HMM")["f1"]
    best = project.idxmax()
    rows = []
    if (best == "on") != hmm:
        rows.append(("", "", "", f"F1 with HMM on {project['on']:.4f}, off {project['off']:.4f}: the gold standard "
                     f"prefers HMM {best}, but SEGMENT_HMM = {hmm} (kept; change it in tifa/segmentation.py)"))
    return CheckReport("the HMM setting is the one the gold standard prefers", "settings", 1, 1,
                       _problems("HMM choice", rows))


def require_tokens_rejoin(tokens: pd.DataFrame, sentences: pd.DataFrame) -> None:
    """Stop the run if the tokens of a sentence do not join back to its text (later counts would be wrong).

    The error names the first such sentence (doc_id, sent_id, its text and what the tokens spell) and
    what to do: it is a defect of the tokenizer, not of the corpus.
    """
    joined = tokens.groupby(["doc_id", "sent_id"], sort=False)["token"].agg("".join)
    text = sentences.set_index(["doc_id", "sent_id"])["text"]
    missing = text.index.difference(joined.index)
    if len(missing) and (text.loc[missing] != "").any():
        doc_id, sent_id = next(k for k in missing if text.loc[k] != "")
        raise CorpusError(f"sentence doc_id={doc_id} sent_id={sent_id} has no tokens: {text.loc[(doc_id, sent_id)]!r}. "
                          "This is a tokenizer defect: report it with this sentence.")
    common = text.index.intersection(joined.index)
    bad = [k for k in common if joined.loc[k] != text.loc[k]]
    if bad:
        doc_id, sent_id = bad[0]
        raise CorpusError(f"{len(bad)} sentence(s) whose tokens do not spell their text, first doc_id={doc_id} "
                          f"sent_id={sent_id}: text {text.loc[bad[0]]!r}, tokens spell {joined.loc[bad[0]]!r}. "
                          "This is a tokenizer defect: report it with this sentence.")


def check_gold_test_draw(test_gold: pd.DataFrame, committed: pd.DataFrame, drawn: pd.DataFrame) -> CheckReport:
    """Is the held-out gold exactly the seeded draw?  ``committed`` is the sample file written before
    annotating, ``drawn`` the draw repeated on this corpus (``gold_test_sample``).

    A problem row names each sentence that is in one of the three and not in the others.  When no
    committed sentence is in this corpus's draw, the gold test is another corpus's: no problem rows,
    and the note says so.
    """
    keys = {name: list(zip(df["doc_id"], df["sent_id"])) for name, df in
            [("gold test", test_gold), ("committed draw", committed), ("draw repeated", drawn)]}
    if not set(keys["committed draw"]) & set(keys["draw repeated"]):
        return CheckReport("held-out gold is the seeded draw", "gold test sentences", len(test_gold), len(test_gold),
                           _problems("gold test draw", []),
                           "The committed draw does not come from this corpus: the test scores describe the "
                           "tokenizer on the project's gold texts.")
    text = dict(zip(keys["committed draw"], committed["text"]))
    rows = []
    for key in sorted(set().union(*map(set, keys.values()))):
        absent = [name for name, k in keys.items() if key not in set(k)]
        if absent:
            rows.append((key[0], key[1], text.get(key, ""), "not in the " + " nor the ".join(absent)))
    return CheckReport("held-out gold is the seeded draw", "gold test sentences", len(test_gold), len(test_gold),
                       _problems("gold test draw", rows))
