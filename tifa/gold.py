"""The gold standard and its evaluation (notebook 02): reading the dev and held-out test files, the seeded
draws, word-span precision, recall and F1 (also without punctuation, and recall on lexicon words vs
other words), the score table, the disagreements, and agreement between two annotators.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .config import SEED
from .files import LexiconError
from .segmentation import is_punct


def sample_gold_sentences(sentences: pd.DataFrame, n: int, seed: int = SEED) -> pd.DataFrame:
    """Stratified random sample of ``n`` sentences: each document gets a share proportional to its
    number of sentences (largest remainders, at least one each), drawn with ``seed``; text order."""
    counts = sentences.groupby("doc_id", sort=True).size()
    quota = counts / counts.sum() * n
    alloc = np.maximum(np.floor(quota).astype(int), 1)
    rest = n - int(alloc.sum())
    if rest > 0:
        order = (quota - np.floor(quota)).sort_values(ascending=False, kind="stable").index
        for doc in list(order)[:rest]:
            alloc[doc] += 1
    rng = np.random.default_rng(seed)
    where = sentences.groupby("doc_id", sort=True).indices  # each document's rows, in text order
    picked = []
    for doc, k in alloc.items():
        rows = where[doc]
        idx = rng.choice(len(rows), size=min(int(k), len(rows)), replace=False)
        picked.append(rows[np.sort(idx)])
    return sentences.iloc[np.concatenate(picked)].reset_index(drop=True)


def _tab_lines(path: Path):
    """(line number, tab-separated fields) of every line of an annotation file that is neither blank
    nor a ``#`` header line."""
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            yield lineno, line.split("\t")


def read_gold(path: str | os.PathLike) -> pd.DataFrame:
    """Read the gold standard: ``doc_id<TAB>sent_id<TAB>tokens separated by single spaces``, `#` header.

    Returns doc_id, sent_id, tokens (list), text (tokens joined).  Errors name file and line.
    """
    path = Path(path)
    rows = []
    for lineno, parts in _tab_lines(path):
        if len(parts) != 3 or not re.fullmatch(r"\d+", parts[1]) or not parts[2]:
            raise LexiconError(f"{path} line {lineno}: expected 'doc_id<TAB>sent_id<TAB>tokens'")
        tokens = parts[2].split(" ")
        if "" in tokens:
            raise LexiconError(f"{path} line {lineno}: tokens must be separated by single spaces")
        rows.append((parts[0], int(parts[1]), tokens, "".join(tokens)))
    return pd.DataFrame(rows, columns=["doc_id", "sent_id", "tokens", "text"])


def word_spans(tokens: list[str]) -> set[tuple[int, int]]:
    """Character spans (start, end) of the tokens, whitespace tokens left out."""
    spans, pos = set(), 0
    for tok in tokens:
        if tok.strip():
            spans.add((pos, pos + len(tok)))
        pos += len(tok)
    return spans


def _strip_ws(tokens: list[str]) -> list[str]:
    """Remove whitespace inside and between tokens (the gold format has no whitespace tokens)."""
    return [t for t in (re.sub(r"\s", "", tok) for tok in tokens) if t]


def segmentation_scores(gold: list[list[str]], pred: list[list[str]]) -> dict[str, float]:
    """Precision, recall and F1 of predicted word spans against gold spans, pooled over sentences.

    Whitespace is removed from both sides first (the gold has none); each pair must join to the
    same string.
    """
    n_gold = n_pred = n_ok = 0
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        g, p = _strip_ws(g), _strip_ws(p)
        if "".join(g) != "".join(p):
            raise ValueError(f"sentence {i}: gold and predicted tokens spell different texts")
        gs, ps = word_spans(g), word_spans(p)
        n_gold, n_pred, n_ok = n_gold + len(gs), n_pred + len(ps), n_ok + len(gs & ps)
    precision, recall = n_ok / n_pred, n_ok / n_gold
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1,
            "gold_words": n_gold, "predicted_words": n_pred, "correct": n_ok}


def segmentation_errors(gold: list[list[str]], pred: list[list[str]]) -> pd.DataFrame:
    """Every disagreement: the smallest stretch where gold and predicted boundaries differ.

    Columns: sentence (index), gold (tokens joined by '/'), predicted (same).
    """
    rows = []
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        g, p = _strip_ws(g), _strip_ws(p)
        gb = set(np.cumsum([len(t) for t in g]).tolist())
        pb = set(np.cumsum([len(t) for t in p]).tolist())
        common = sorted(gb & pb)
        start = 0
        for end in common:
            gs = [t for t, e in zip(g, np.cumsum([len(t) for t in g])) if start < e <= end]
            ps = [t for t, e in zip(p, np.cumsum([len(t) for t in p])) if start < e <= end]
            if gs != ps:
                rows.append((i, "/".join(gs), "/".join(ps)))
            start = end
    return pd.DataFrame(rows, columns=["sentence", "gold", "predicted"])


def gold_mapping(gold: pd.DataFrame, sentences: pd.DataFrame) -> pd.DataFrame:
    """For each gold line: does it map back to this corpus's sentence (doc_id, sent_id, same text
    without whitespace)?  Returns doc_id, sent_id, mapped, input (the sentence as it stands in
    ``sentences`` when mapped, else the gold text), reason (empty when mapped)."""
    source = sentences.set_index(["doc_id", "sent_id"])["text"]
    rows = []
    for r in gold.itertuples():
        key = (r.doc_id, r.sent_id)
        if key not in source.index:
            rows.append((r.doc_id, r.sent_id, False, r.text, "no sentence with this doc_id and sent_id in the corpus"))
        elif "".join(source[key].split()) != r.text:
            rows.append((r.doc_id, r.sent_id, False, r.text, "the corpus sentence with this doc_id and sent_id has another text"))
        else:
            rows.append((r.doc_id, r.sent_id, True, source[key], ""))
    return pd.DataFrame(rows, columns=["doc_id", "sent_id", "mapped", "input", "reason"])


GOLD_TEST_SEED = SEED + 1  # the held-out draw's seed: derived from SEED, so it is not the dev draw
GOLD_TEST_SIZE = 60  # sentences in data/gold/segmentation_gold_test.txt
SCORE_COLUMNS = ["split", "configuration", "precision", "recall", "f1", "f1_no_punct", "recall_lexicon_words",
                 "recall_other_words", "n_sentences", "n_gold_tokens"]


def gold_test_sample(sentences: pd.DataFrame, dev_gold: pd.DataFrame, n: int = GOLD_TEST_SIZE,
                     seed: int = GOLD_TEST_SEED) -> pd.DataFrame:
    """The held-out draw: ``sample_gold_sentences`` over the sentences whose (doc_id, sent_id) is not
    in ``dev_gold``, with ``seed`` (stratified by document, text order).  Returns doc_id, sent_id, text."""
    dev = pd.MultiIndex.from_frame(dev_gold[["doc_id", "sent_id"]])
    rest = sentences[~pd.MultiIndex.from_frame(sentences[["doc_id", "sent_id"]]).isin(dev)]
    return sample_gold_sentences(rest, n, seed)[["doc_id", "sent_id", "text"]].reset_index(drop=True)


def read_gold_sample(path: str | os.PathLike) -> pd.DataFrame:
    """Read the committed draw of a gold test (``doc_id<TAB>sent_id<TAB>text`` with a header row, `#` lines)."""
    path = Path(path)
    df = pd.read_csv(path, sep="\t", comment="#", dtype={"doc_id": str, "text": str}, keep_default_na=False)
    missing = [c for c in ["doc_id", "sent_id", "text"] if c not in df.columns]
    if missing:
        raise LexiconError(f"{path}: missing column(s) {', '.join(missing)}")
    return df


def _span_counts(gold: list[str], pred: list[str], keep_gold, keep_pred) -> tuple[int, int, int]:
    """(gold spans, predicted spans, shared spans) over the tokens each ``keep_*`` predicate keeps."""
    def spans(tokens, keep):
        out, pos = set(), 0
        for tok in tokens:
            if keep(tok):
                out.add((pos, pos + len(tok)))
            pos += len(tok)
        return out
    gs, ps = spans(gold, keep_gold), spans(pred, keep_pred)
    return len(gs), len(ps), len(gs & ps)


def _f1(precision: float, recall: float) -> float:
    """Harmonic mean of precision and recall (0 when both are 0)."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _ratio(a: int, b: int) -> float:
    """a / b, NaN when b is 0 (a recall over no tokens is undefined, not 0)."""
    return a / b if b else float("nan")


def segmentation_score_row(gold: list[list[str]], pred: list[list[str]], lexicon_words: set[str]) -> dict[str, float]:
    """The scores of one configuration on one gold set, pooled over sentences (the columns of ``SCORE_COLUMNS``
    after split and configuration).

    precision, recall, f1: word spans, as ``segmentation_scores``.  f1_no_punct: the same with every
    punctuation token (``is_punct``) left out on both sides.  recall_lexicon_words / recall_other_words:
    recall on the gold word tokens (punctuation left out) that are / are not in ``lexicon_words``
    (the entries of userdict.txt).  n_sentences, n_gold_tokens (punctuation included).
    """
    base = segmentation_scores(gold, pred)
    totals = {"np": [0, 0, 0], "lex": [0, 0], "other": [0, 0]}
    def word(tok: str) -> bool:
        return bool(tok.strip()) and not is_punct(tok)

    def any_token(tok: str) -> bool:
        return True

    def lexicon_word(tok: str) -> bool:
        return word(tok) and tok in lexicon_words

    def other_word(tok: str) -> bool:
        return word(tok) and tok not in lexicon_words

    for g, p in zip(gold, pred, strict=True):
        g, p = _strip_ws(g), _strip_ws(p)
        for i, n in enumerate(_span_counts(g, p, word, word)):
            totals["np"][i] += n
        for key, keep in [("lex", lexicon_word), ("other", other_word)]:
            n_g, _, n_ok = _span_counts(g, p, keep, any_token)
            totals[key][0] += n_g
            totals[key][1] += n_ok
    n_gold, n_pred, n_ok = totals["np"]
    return {"precision": base["precision"], "recall": base["recall"], "f1": base["f1"],
            "f1_no_punct": _f1(_ratio(n_ok, n_pred), _ratio(n_ok, n_gold)),
            "recall_lexicon_words": _ratio(totals["lex"][1], totals["lex"][0]),
            "recall_other_words": _ratio(totals["other"][1], totals["other"][0]),
            "n_sentences": len(gold), "n_gold_tokens": base["gold_words"]}


def segmentation_score_table(golds: dict[str, list[list[str]]], predictions: dict[tuple[str, str], list[list[str]]],
                             lexicon_words: set[str]) -> pd.DataFrame:
    """``segmentation_scores.csv``: one row per (split, configuration) key of ``predictions``, in its order;
    ``golds`` maps each split to its gold tokens.  Columns ``SCORE_COLUMNS``."""
    rows = [{"split": split, "configuration": config, **segmentation_score_row(golds[split], pred, lexicon_words)}
            for (split, config), pred in predictions.items()]
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def annotator_agreement(gold_a: pd.DataFrame, gold_b: pd.DataFrame) -> dict[str, float]:
    """Agreement of two annotations (``read_gold`` tables) on the sentences both hold, by (doc_id, sent_id).

    word_f1: F1 of word spans of b against a (symmetric: swapping a and b swaps precision and recall);
    boundary_f1: F1 of the internal cut points (a boundary between two characters, the sentence ends
    left out); identical_share: the share of shared sentences segmented identically.  n_sentences counts
    the shared sentences, only_a / only_b those held by one file only.  A shared sentence whose texts
    differ raises ValueError naming it.
    """
    a = {(d, s): t for d, s, t in gold_a[["doc_id", "sent_id", "tokens"]].itertuples(index=False)}
    b = {(d, s): t for d, s, t in gold_b[["doc_id", "sent_id", "tokens"]].itertuples(index=False)}
    shared = [k for k in a if k in b]
    if not shared:
        raise ValueError("the two gold files share no sentence (doc_id, sent_id)")
    span = [0, 0, 0]
    cuts = [0, 0, 0]
    same = 0
    for key in shared:
        ta, tb = _strip_ws(a[key]), _strip_ws(b[key])
        if "".join(ta) != "".join(tb):
            raise ValueError(f"sentence doc_id={key[0]} sent_id={key[1]}: the two annotations spell different texts")
        sa, sb = word_spans(ta), word_spans(tb)
        span = [span[0] + len(sa), span[1] + len(sb), span[2] + len(sa & sb)]
        ca = set(np.cumsum([len(t) for t in ta])[:-1].tolist())
        cb = set(np.cumsum([len(t) for t in tb])[:-1].tolist())
        cuts = [cuts[0] + len(ca), cuts[1] + len(cb), cuts[2] + len(ca & cb)]
        same += ta == tb
    word_f1 = _f1(_ratio(span[2], span[1]), _ratio(span[2], span[0]))
    boundary_f1 = _f1(_ratio(cuts[2], cuts[1]), _ratio(cuts[2], cuts[0])) if cuts[0] or cuts[1] else 1.0
    return {"n_sentences": len(shared), "only_a": len(a) - len(shared), "only_b": len(b) - len(shared),
            "word_f1": word_f1, "boundary_f1": boundary_f1, "identical_share": same / len(shared)}


def read_indexed_annotation(path: str | os.PathLike, reference: str | os.PathLike) -> pd.DataFrame:
    """Read a second annotation written as ``<index>\\t<tokens>`` lines (``#`` header), where ``index``
    counts the non-comment, non-empty lines of the ``reference`` gold file from 0, and give it the
    reference's doc_id and sent_id (only the ids of the reference are used, never its tokens).
    Returns a ``read_gold`` table.  Errors name the file and line: a bad line, an index out of range,
    or tokens that do not spell the reference sentence's text."""
    path = Path(path)
    ref = read_gold(reference)
    rows = []
    for lineno, parts in _tab_lines(path):
        if len(parts) != 2 or not re.fullmatch(r"\d+", parts[0]) or not parts[1]:
            raise LexiconError(f"{path} line {lineno}: expected '<index><TAB>tokens'")
        index = int(parts[0])
        if index >= len(ref):
            raise LexiconError(f"{path} line {lineno}: index {index} is past the {len(ref)} sentences of {reference}")
        tokens = parts[1].split(" ")
        if "" in tokens:
            raise LexiconError(f"{path} line {lineno}: tokens must be separated by single spaces")
        doc_id, sent_id, text = ref.iloc[index][["doc_id", "sent_id", "text"]]
        if "".join(tokens) != text:
            raise LexiconError(f"{path} line {lineno}: tokens do not spell sentence {index} of {reference}")
        rows.append((doc_id, int(sent_id), tokens, "".join(tokens)))
    return pd.DataFrame(rows, columns=["doc_id", "sent_id", "tokens", "text"])
