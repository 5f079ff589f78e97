"""Parallelism (排比, notebook 03): sentences split into clause units, runs of three or more clauses sharing an
opening frame (prefix) or a template, and the typing of runs that are title lists or noun enumerations,
not parallelism (``parallelism_rules.csv``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import pandas as pd

from .files import CorpusError
from .settings import RhetoricSettings
from .terms import sentence_tokens


_CLAUSE_MARKS = "，、；：,;:！？!?。"
_DROP_IN_CLAUSES = "“”‘’「」『』《》（）()"
_NAME_TAGS = ("ns", "nr", "nt", "nrt", "nrfg")


@dataclass(frozen=True)
class Unit:
    """A clause or sentence compared for parallelism: its text, the offsets in it where a word
    boundary lies (None when no segmentation is given: every offset counts), whether it is one
    proper name (a token tagged as a place, person or organisation), the POS tags of its tokens in
    order (empty without tags), and whether all of it stood inside title brackets 《》."""

    text: str
    bounds: frozenset | None = None
    is_name: bool = False
    tags: tuple = ()
    titled: bool = False


def _split_units(text: str, tokens: list[str] | None = None, pos: list[str] | None = None,
                marks: str = _CLAUSE_MARKS) -> list[Unit]:
    """Split ``text`` at the characters of ``marks`` into units, with quote marks, brackets and
    whitespace removed first (so “四个意识” and 四个意识 open a clause alike).

    With ``tokens`` (which must join to ``text``) each unit carries its word boundaries; with
    ``pos`` too, its tags, and a unit that is exactly one token tagged in ``_NAME_TAGS`` is marked
    as a name.  A unit whose every character lay inside 《》 is marked ``titled``.
    A token without a mark, a dropped character or whitespace is taken whole; the others character
    by character.
    """
    if tokens is None:
        tokens = list(text)
        bounded = False
    else:
        if "".join(tokens) != text:
            raise ValueError("tokens do not join to the text")
        bounded = True
    special = frozenset(marks + _DROP_IN_CLAUSES)
    tagged = bounded and pos is not None
    units: list[Unit] = []
    pieces: list[str] = []    # the current unit's text, in pieces
    starts: list[int] = []    # offsets in it where a word starts
    order: list[int] = []     # its tokens (indices), in order
    size, titled, depth = 0, True, 0

    def close() -> None:
        nonlocal size, titled
        if not size:
            return
        s = "".join(pieces)
        b = frozenset(starts + [size]) if bounded else None
        name = (tagged and len(order) == 1 and pos[order[0]] in _NAME_TAGS and tokens[order[0]].strip() == s)
        tags = tuple([pos[k] for k in order]) if tagged else ()
        units.append(Unit(s, b, bool(name), tags, titled))
        pieces.clear()
        starts.clear()
        order.clear()
        size, titled = 0, True

    if text and special.isdisjoint(text) and text.split() == [text]:   # the whole text is one unit, as it stands
        for k, tok in enumerate(tokens):
            if tok:
                starts.append(size)
                order.append(k)
                size += len(tok)
        pieces.append(text)
        titled = False   # no 《 in the text
        close()
        return units
    for k, tok in enumerate(tokens):
        if tok and special.isdisjoint(tok) and tok.split() == [tok]:   # plain: no mark, dropped char, space
            starts.append(size)
            pieces.append(tok)
            order.append(k)
            size += len(tok)
            titled = titled and depth > 0
            continue
        for j, c in enumerate(tok):
            if c == "《":
                depth += 1
            elif c == "》":
                depth = max(0, depth - 1)
            if c in marks:
                close()
            elif c in _DROP_IN_CLAUSES or c.isspace():
                continue
            else:
                if j == 0 or not size:
                    starts.append(size)
                pieces.append(c)
                if not order or order[-1] != k:
                    order.append(k)
                size += 1
                titled = titled and depth > 0
    close()
    return units


# Typing parallel runs: title lists and noun enumerations are not parallelism ----------------------
PARALLELISM_RULES_FILE = "parallelism_rules.csv"
RUN_KINDS = ("parallelism", "title list", "noun enumeration")


@dataclass(frozen=True)
class ParallelismRules:
    """The rule that types a parallel run (``parallelism_rules.csv``): ``title_heads`` are nouns that
    end the title of a document (通知, 方案, 决定 …), ``title_min_members`` how many members ending in
    one (or standing in 《》) make the run a title list; ``noun_tags`` are POS tag prefixes: a run
    whose members consist of noun-tagged tokens only is a noun enumeration."""

    title_heads: tuple = ()
    title_min_members: int = 1
    noun_tags: tuple = ()


def read_parallelism_rules(path) -> ParallelismRules:
    """Read ``parallelism_rules.csv`` (``rule,value,note`` with a ``#`` header; lists written with
    '|').  Errors name the file: a missing or repeated rule, a ``title_min_members`` that is not a
    positive integer."""
    from .files import read_lexicon_csv

    df = read_lexicon_csv(path, ["rule", "value", "note"])
    dup = df["rule"][df["rule"].duplicated()].tolist()
    if dup:
        raise CorpusError(f"{path}: rule(s) listed twice: {', '.join(dup)}")
    values = dict(zip(df["rule"].str.strip(), df["value"].fillna("").astype(str).str.strip()))
    missing = [r for r in ["title_heads", "title_min_members", "noun_tags"] if r not in values]
    if missing:
        raise CorpusError(f"{path}: missing rule(s) {', '.join(missing)}")
    try:
        n = int(values["title_min_members"])
    except ValueError:
        n = 0
    if n < 1:
        raise CorpusError(f"{path}: title_min_members must be a positive integer, got {values['title_min_members']!r}")

    def split(v: str) -> tuple:
        return tuple(x for x in v.split("|") if x)

    return ParallelismRules(split(values["title_heads"]), n, split(values["noun_tags"]))


def run_kind(members: list[Unit], rules: ParallelismRules | None) -> str:
    """'title list' if at least ``title_min_members`` members stand in 《》 or end in a title head;
    'noun enumeration' if the members carry POS tags and every token of every member has a noun tag
    (文明/nr 村镇/n | 文明/nr 校园/n …); else 'parallelism'.  Without rules every run is parallelism."""
    if rules is None:
        return "parallelism"
    titles = sum(u.titled or (bool(rules.title_heads) and u.text.endswith(rules.title_heads)) for u in members)
    if titles >= rules.title_min_members:
        return "title list"
    if rules.noun_tags and members and all(u.tags for u in members) and all(
            t.startswith(rules.noun_tags) for u in members for t in u.tags):
        return "noun enumeration"
    return "parallelism"


@lru_cache(maxsize=32)
def _mask_table(numerals: str) -> dict[int, str]:
    """The ``str.translate`` table of ``_mask``: each numeral to '#'."""
    return {ord(c): "#" for c in numerals}


def _mask(s: str, st: RhetoricSettings) -> str:
    """Numerals replaced by '#', so 一是 / 二是 / 三是 share the opening '#是'."""
    return s.translate(_mask_table(st.numerals))


def _shared_reach(keys: list[str], min_run: int) -> list[int]:
    """For each key, the length of the longest prefix it shares with at least ``min_run - 1`` other
    keys (with ``min_run`` <= 1: its own length).  A frame of k characters needs ``min_run`` members
    that share their first k characters, so a key whose reach is below k opens no frame of k."""
    if min_run <= 1:
        return [len(k) for k in keys]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    common = []   # common prefix length of neighbours in sorted order
    for a, b in pairwise(order):
        x, y = keys[a], keys[b]
        n, i = min(len(x), len(y)), 0
        while i < n and x[i] == y[i]:
            i += 1
        common.append(i)
    reach = [0] * len(keys)
    for s in range(len(order) - min_run + 1):
        m = min(common[s:s + min_run - 1])
        for p in order[s:s + min_run]:
            reach[p] = max(reach[p], m)
    return reach


def _prefix_runs(units: list[Unit], st: RhetoricSettings, max_gap: int) -> list[tuple[list[int], str]]:
    """Runs of ``parallel_min_run`` or more units that open with the same frame.

    A frame is a shared opening of at least ``parallel_min_prefix`` characters (numerals masked),
    ending on a word boundary of every member when the units carry boundaries (so 市政协… and
    市政府… share no frame), after which every member still has text of its own.  Members may be
    separated by up to ``max_gap`` other units.  Longer frames are taken first (五年大… before
    五年…), and a unit belongs to one run at most.  Returns (member indices, frame ending in '…';
    a masked numeral is written N: 'N是…' for 一是…二是…三是…).
    """
    masked = [_mask(u.text, st) for u in units]
    used: set[int] = set()
    runs = []
    longest = max((len(u.text) for u in units), default=0) - 1
    reach = _shared_reach(masked, st.parallel_min_run)   # units that cannot open a run of frame k are skipped
    top = max(reach, default=-1)
    for k in range(min(longest, top), st.parallel_min_prefix - 1, -1):
        groups: dict[str, list[int]] = {}
        for i, m in enumerate(masked):
            if reach[i] >= k and i not in used and len(m) > k and (units[i].bounds is None or k in units[i].bounds):
                groups.setdefault(m[:k], []).append(i)
        for key, idx in sorted(groups.items()):
            chain = [idx[0]]
            for i in idx[1:] + [None]:
                if i is not None and i - chain[-1] - 1 <= max_gap:
                    chain.append(i)
                    continue
                if len(chain) >= st.parallel_min_run:
                    runs.append((chain, (units[chain[0]].text[:k] if "#" not in key else key.replace("#", "N")) + "…"))
                    used.update(chain)
                if i is not None:
                    chain = [i]
    return sorted(runs)


def _template_runs(units: list[Unit], st: RhetoricSettings, skip: set[int] = frozenset()) -> list[tuple[list[int], str]]:
    """Runs of ``parallel_min_run`` or more adjacent clauses of equal length (``template_min_len`` to
    ``template_max_len``) that agree on the characters at one or more of the same positions:
    幼有所育、学有所教、劳有所得 (frame …有所…), 厚植大生态、连通大管网、畅通大交通 (…大…),
    经济强区、宜居市区、和谐城区 (…区).  Clauses in ``skip`` (already in a prefix run) are left
    out, and so is a run whose members are mostly proper names (平顶山、张寨山、马棚山: a list)."""
    runs, i = [], 0
    texts = [u.text for u in units]
    while i < len(units):
        j = i
        while (i not in skip and j + 1 < len(units) and j + 1 not in skip
               and len(texts[j + 1]) == len(texts[i])
               and st.template_min_len <= len(texts[i]) <= st.template_max_len):
            j += 1
        names = sum(u.is_name for u in units[i:j + 1])
        if j - i + 1 >= st.parallel_min_run and 2 * names <= j - i + 1:
            cols = list(zip(*texts[i:j + 1]))
            same = [len(set(c)) == 1 for c in cols]
            if any(same) and not all(same):
                frame = "".join(c[0] if s else "…" for c, s in zip(cols, same))
                runs.append((list(range(i, j + 1)), re.sub("…+", "…", frame)))
                i = j + 1
                continue
        i += 1
    return runs


def parallel_runs(sentences: pd.DataFrame, st: RhetoricSettings, tokens: pd.DataFrame | None = None,
                  rules: ParallelismRules | None = None) -> pd.DataFrame:
    """Parallelism found by two general rules over ``sentences`` (doc_id, year, para_id, sent_id, text).

    - level 'clause': within one sentence, clauses opening with the same frame (``_prefix_runs`` with
      gap ``parallel_max_gap``; rule 'prefix'), and, among the clauses left, adjacent equal-length
      clauses sharing characters in place (``_template_runs``; rule 'template');
    - level 'sentence': within one paragraph, consecutive sentences opening with the same frame
      (开启新征程，必须… four times; rule 'prefix', no gap).
    With ``tokens`` (tokens.csv rows of the same sentences) frames end on word boundaries and lists
    of proper names are not runs.  One row per run: doc_id, year, para_id, sent_id (first member's),
    level, rule, frame, members (how many), example (the members joined by ' | '), kind (``run_kind``
    with ``rules``: parallelism, title list or noun enumeration; every run is parallelism without rules).
    """
    cols = ["doc_id", "year", "para_id", "sent_id", "level", "rule", "frame", "members", "example", "kind"]
    sents = sentences[["doc_id", "year", "para_id", "sent_id", "text"]].sort_values(
        ["doc_id", "para_id", "sent_id"], kind="stable")
    seg = sentence_tokens(tokens) if tokens is not None else {}
    rows = []
    by_para: dict = {}
    for doc_id, year, para_id, sent_id, text in sents.itertuples(index=False):
        toks, pos = seg.get((doc_id, sent_id), (None, None))
        if toks is not None and "".join(toks) != text:
            toks = pos = None   # tokens of another version of the text: compare characters only
        clauses = _split_units(text, toks, pos)
        pre = _prefix_runs(clauses, st, st.parallel_max_gap)
        used = {i for idx, _ in pre for i in idx}
        for rule, found in [("prefix", pre), ("template", _template_runs(clauses, st, used))]:
            for idx, frame in found:
                rows.append((doc_id, year, para_id, sent_id, "clause", rule, frame, len(idx),
                             " | ".join(clauses[i].text for i in idx), run_kind([clauses[i] for i in idx], rules)))
        whole = _split_units(text, toks, pos, marks="")
        if whole:
            by_para.setdefault((doc_id, para_id), []).append((year, sent_id, whole[0], clauses[0].text if clauses else ""))
    for (doc_id, para_id), items in sorted(by_para.items()):
        for idx, frame in _prefix_runs([u for _, _, u, _ in items], st, 0):
            year, sent_id = items[idx[0]][0], items[idx[0]][1]
            rows.append((doc_id, year, para_id, sent_id, "sentence", "prefix", frame, len(idx),
                         " | ".join(items[i][3] + "…" for i in idx), run_kind([items[i][2] for i in idx], rules)))
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["doc_id", "para_id", "sent_id", "level", "frame"], kind="stable").reset_index(drop=True)
