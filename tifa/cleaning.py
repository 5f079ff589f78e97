"""Cleaning (notebook 01): each raw text becomes kept paragraphs (body / headline) and an audit of
every action.  The rules (thresholds, patterns) are read from ``data/lexicon/cleaning_rules.csv``.
Conservation: every non-whitespace character of a raw text is either in a kept paragraph (after
undoing the logged normalisations) or in an audit row whose action drops text (drop, dedupe).
Whitespace is layout: it carries no words and is not counted.
Profiles: each text is cleaned by the profile its metadata names (``layout``: newspaper_page or
clean_text); which steps a profile applies is data in ``data/lexicon/cleaning_profiles.csv``.

The normalisations it logs are in :mod:`tifa.normalise`.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .config import LEXICON
from .corpus import (
    DEFAULT_LAYOUT, detect_script, LAYOUTS, load_script_settings, ScriptSettings, to_simplified,
)
from .files import CorpusError, lexicon_header_line, read_lexicon_csv
from .normalise import denormalise, normalise


# Cleaning turns each raw text into kept paragraphs (body / headline) and an audit of every
# action.  The rules (thresholds, patterns) are read from data/lexicon/cleaning_rules.csv.
# "Accounted for" (see account_for_characters): every non-whitespace character of a raw text is
# either in a kept paragraph (after undoing the logged normalisations) or in an audit row whose
# action drops text (drop, dedupe).  Whitespace is layout: it carries no words and is not counted.
CLEANING_RULES_FILE = "cleaning_rules.csv"
CLEANING_PROFILES_FILE = "cleaning_profiles.csv"
CLEANING_STEPS = ("furniture", "dateline", "page_number", "credits", "photo_boxes", "lists", "byline", "bullet",
                  "join", "fragment_start", "fragment_end", "duplicate", "long_numbered_heading")
DROP_ACTIONS = ("drop", "dedupe")
PARAGRAPH_COLUMNS = ["doc_id", "year", "para_id", "kind", "line_start", "line_end", "text", "role"]
SENTENCE_COLUMNS = ["doc_id", "year", "para_id", "sent_id", "text"]
AUDIT_COLUMNS = ["doc_id", "line_start", "line_end", "action", "reason", "text", "result",
                 "para_id", "offset", "scope"]
_SENTENCE_PUNCT = re.compile(r"[。！？；!?;]")
_CLAUSE_COMMA = re.compile(r"[，,]")
_LATIN_SENTENCE_END = re.compile(r"[A-Za-z]{2}[.!?]$")   # a word of two or more letters, then . ! or ?


@dataclass(frozen=True)
class CleaningRules:
    """Thresholds and patterns of the cleaning step (from ``cleaning_rules.csv``)."""

    thresholds: dict
    patterns: dict
    sentence_end: str
    closing_quotes: str
    profiles: dict          # layout -> frozenset of the CLEANING_STEPS it applies
    script: ScriptSettings = ScriptSettings()   # detection and conversion of traditional text (script_settings.csv)

    def steps(self, profile: str) -> frozenset:
        """The steps the profile applies; a CorpusError for a profile the profiles file does not define."""
        try:
            return self.profiles[profile]
        except KeyError:
            raise CorpusError(f"cleaning profile '{profile}' is not one of {', '.join(self.profiles)}") from None

    def __getattr__(self, name: str) -> int:
        """Thresholds read as attributes: ``rules.max_headline_chars``."""
        if name.startswith("_") or name in ("thresholds", "script"):
            raise AttributeError(name)
        try:
            return self.thresholds[name]
        except KeyError:
            raise AttributeError(name) from None

    def match(self, rule: str, text: str) -> re.Match | None:
        """First match of any pattern named ``rule`` (patterns with one name are alternatives)."""
        for pattern in self.patterns.get(rule, []):
            m = pattern.search(text)
            if m:
                return m
        return None


_REQUIRED_THRESHOLDS = ["box_gap_lines", "max_headline_chars", "max_label_chars", "max_caption_chars",
                       "max_box_blocks", "min_list_lines", "min_duplicate_chars", "max_orphan_head_chars",
                       "max_numbered_heading_chars"]
_REQUIRED_PATTERNS = ["byline", "photo_credit", "credits_line", "furniture", "outline_number", "bullet",
                      "dateline", "page_number"]


def load_cleaning_profiles(lexicon_dir: str | os.PathLike = LEXICON) -> dict:
    """Read and validate ``cleaning_profiles.csv``: layout -> frozenset of the steps it applies.

    One row per step of ``CLEANING_STEPS`` (each exactly once), one yes/no column per layout of
    ``tifa.corpus.LAYOUTS`` (each present, no other); errors name the file, the line and the cell.
    """
    path = Path(lexicon_dir) / CLEANING_PROFILES_FILE
    df = read_lexicon_csv(path, ["step", *LAYOUTS, "description"], term_column="step")
    extra = [c for c in df.columns if c not in ("step", "description", *LAYOUTS)]
    if extra:
        raise CorpusError(f"{path}: column(s) {', '.join(extra)} are not layouts metadata.csv may name "
                          f"({', '.join(LAYOUTS)})")
    first = lexicon_header_line(path) + 1      # line of the first data row
    for i, step in enumerate(df["step"]):
        if step not in CLEANING_STEPS:
            raise CorpusError(f"{path} line {first + i}: step '{step}' is not one of {', '.join(CLEANING_STEPS)}")
        for layout in LAYOUTS:
            if df[layout].iloc[i].strip() not in ("yes", "no"):
                raise CorpusError(f"{path} line {first + i}: {layout} for step '{step}' is "
                                  f"'{df[layout].iloc[i]}', not yes or no")
    dup = sorted(set(df["step"][df["step"].duplicated()]))
    missing = [s for s in CLEANING_STEPS if s not in set(df["step"])]
    if dup or missing:
        raise CorpusError(f"{path}: every step once; " + "; ".join(
            ([f"listed twice: {', '.join(dup)}"] if dup else []) + ([f"missing: {', '.join(missing)}"] if missing else [])))
    return {layout: frozenset(df.loc[df[layout].str.strip() == "yes", "step"]) for layout in LAYOUTS}


def load_cleaning_rules(lexicon_dir: str | os.PathLike = LEXICON) -> CleaningRules:
    """Read and validate ``cleaning_rules.csv``, ``cleaning_profiles.csv`` and ``script_settings.csv``;
    errors name the file and the rule."""
    path = Path(lexicon_dir) / CLEANING_RULES_FILE
    df = read_lexicon_csv(path, ["rule", "value", "kind"], term_column="value")
    thresholds, patterns, chars = {}, {}, {}
    for i, row in df.iterrows():
        where = f"{path} rule '{row['rule']}' (data row {i + 1})"
        if row["kind"] == "threshold":
            if not re.fullmatch(r"\d+", row["value"]):
                raise CorpusError(f"{where}: threshold '{row['value']}' is not a non-negative integer")
            thresholds[row["rule"]] = int(row["value"])
        elif row["kind"] == "regex":
            try:
                patterns.setdefault(row["rule"], []).append(re.compile(row["value"]))
            except re.error as err:
                raise CorpusError(f"{where}: bad regular expression ({err})") from None
        elif row["kind"] == "characters":
            chars[row["rule"]] = row["value"]
        else:
            raise CorpusError(f"{where}: kind '{row['kind']}' is not threshold, regex or characters")
    missing = [r for r in _REQUIRED_THRESHOLDS if r not in thresholds]
    missing += [r for r in _REQUIRED_PATTERNS if r not in patterns]
    missing += [r for r in ["sentence_end", "closing_quotes"] if r not in chars]
    if missing:
        raise CorpusError(f"{path}: missing rule(s) {', '.join(missing)}")
    return CleaningRules(thresholds, patterns, chars["sentence_end"], chars["closing_quotes"],
                         load_cleaning_profiles(lexicon_dir), load_script_settings(lexicon_dir))


def nonspace(text: str) -> str:
    """``text`` without whitespace (the characters that conservation counts)."""
    return "".join(c for c in text if not c.isspace())


def _raw_lines(text: str) -> list[str]:
    """Lines of a raw text as numbered in the audit (line breaks: \\n, \\r\\n or \\r)."""
    return re.split(r"\r\n|\r|\n", text)


def ends_open(text: str, rules: CleaningRules) -> bool:
    """True if ``text`` stops mid-sentence: its last character is no sentence end, once closing quotes
    and a final bracketed note after a sentence end (……。（完）) are set aside.  A Latin word of two or more
    letters followed by . ! or ? (an English sentence) is a sentence end."""
    core = text.rstrip().rstrip(rules.closing_quotes)
    core = re.sub(r"(?<=[" + re.escape(rules.sentence_end + "!?;…") + r"])[（(][^（）()]*[）)]$", "", core)
    core = core.rstrip(rules.closing_quotes)
    if _LATIN_SENTENCE_END.search(core):
        return False      # an English sentence's full stop (… development zone.) ends the text too
    return not core or core[-1] not in rules.sentence_end + "!?;…"


def split_sentences(text: str, rules: CleaningRules) -> list[str]:
    """Split a paragraph after each run of 。！？； (with the closing quotes that follow)."""
    end = re.compile(f"[{re.escape(rules.sentence_end)}]+[{re.escape(rules.closing_quotes)}]*")
    out, start = [], 0
    for m in end.finditer(text):
        out.append(text[start:m.end()])
        start = m.end()
    out.append(text[start:])
    return [s.strip() for s in out if s.strip()]


def _headline_shaped(text: str, rules: CleaningRules, max_chars: int | None = None) -> bool:
    """A short line (at most ``max_chars``, default ``max_headline_chars``) with no sentence punctuation,
    not a salutation, with its quotes and brackets closed, and no clause comma unless it starts with
    outline numbering (（一）…，…)."""
    core = nonspace(text)
    limit = rules.max_headline_chars if max_chars is None else max_chars
    if not core or len(core) > limit or _SENTENCE_PUNCT.search(core):
        return False
    if core[-1] in "：:，,、":
        return False
    if any(core.count(a) != core.count(b) for a, b in ["“”", "‘’", "《》", "（）", "()", "「」"]):
        return False      # a quote or bracket left open: the line is cut, not a head
    return not _CLAUSE_COMMA.search(core) or bool(rules.match("outline_number", core))


# ---- blocks: one per non-blank line ----
@dataclass
class Block:
    """A non-blank line of a raw text, with its layout context and its class."""

    line: int                 # 1-based line number in the raw text
    text: str                 # the line without leading/trailing whitespace
    gap: int                  # blank lines before it (-1 for the first block of the text)
    cls: str = "body"         # body, headline, list, furniture, credits, label, caption, credit
    byline: int = 0           # length of a byline at its start
    box: int = -1             # photo box id, or -1


def _split_blocks(text: str) -> list[Block]:
    """Non-blank lines of ``text`` (see ``_raw_lines``) with the number of blank lines before each."""
    blocks, blank = [], 0
    for i, line in enumerate(_raw_lines(text), start=1):
        if not line.strip():
            blank += 1
            continue
        blocks.append(Block(line=i, text=line.strip(), gap=blank if blocks else -1))
        blank = 0
    return blocks


def classify_line(text: str, rules: CleaningRules, profile: str = DEFAULT_LAYOUT) -> str:
    """Class of a line from its own text: furniture, dateline, page_number, credits, credit, caption,
    headline or body (only the classes of the steps ``profile`` applies)."""
    steps = rules.steps(profile)
    core = nonspace(text)
    if "furniture" in steps and len(core) <= rules.max_headline_chars and rules.match("furniture", text):
        return "furniture"
    for step in ("dateline", "page_number"):
        if step in steps and rules.match(step, text):
            return step
    if "credits" in steps and len(core) <= rules.max_headline_chars and rules.match("credits_line", text):
        return "credits"
    m = rules.match("photo_credit", text) if "photo_boxes" in steps else None
    if m and not rules.match("byline", text):
        return "credit" if not text[:m.start()].strip() else "caption"
    if _headline_shaped(text, rules):
        return "headline"
    if "long_numbered_heading" in steps and rules.match("outline_number", core) \
            and _headline_shaped(text, rules, rules.max_numbered_heading_chars):
        return "headline"
    return "body"


def _is_box_gap(block: Block, rules: CleaningRules) -> bool:
    """True if enough blank lines stand before ``block`` to open a layout box (photo frame)."""
    return block.gap >= rules.box_gap_lines


def _caption_like(block: Block, rules: CleaningRules) -> bool:
    """True if ``block`` could be caption text: body-like, no byline, at most ``max_caption_chars``."""
    return (block.cls in ("body", "caption") and not block.byline
            and len(nonspace(block.text)) <= rules.max_caption_chars)


def _orphan_head(text: str, rules: CleaningRules) -> int:
    """Length of a leading sentence short enough to be the cut tail of a sentence (0 if none)."""
    cut = _first_sentence_end(text, rules)
    short = cut and len(nonspace(text[:cut])) <= rules.max_orphan_head_chars
    return cut if short and nonspace(text[cut:]) else 0


def _two_part(text: str) -> bool:
    """True for a head made of phrases separated by spaces (党建引领 激发干事新活力)."""
    return len(text.split()) >= 2


def _mark_lists(blocks: list[Block], rules: CleaningRules) -> None:
    """Runs of ``min_list_lines`` or more headline-shaped lines with no blank line between: lists."""
    i = 0
    while i < len(blocks):
        j = i + 1
        while j < len(blocks) and blocks[j].gap == 0:
            j += 1
        if j - i >= rules.min_list_lines and all(b.cls == "headline" for b in blocks[i:j]):
            for b in blocks[i:j]:
                b.cls = "list"
        i = j


def _mark_credited_boxes(blocks: list[Block], rules: CleaningRules, box: int) -> int:
    """A credit (NAME 摄) closes a photo box: walk back over caption lines to the title or the box gap.

    The lines walked over join the box only if the walk ends at a title or a box gap; otherwise the
    box is the credit line alone (a credit never swallows the paragraph before it).  Returns the
    next free box id.
    """
    for i, b in enumerate(blocks):
        if b.cls not in ("credit", "caption") or b.box >= 0:
            continue
        members, k, closed = [], i, _is_box_gap(b, rules)
        while not closed and k > 0 and len(members) < rules.max_box_blocks:
            prev = blocks[k - 1]
            if prev.box >= 0:
                break
            if prev.cls == "headline" and len(nonspace(prev.text)) <= rules.max_label_chars:
                members.append((prev, "label"))
                closed = True
            elif _caption_like(prev, rules):
                members.append((prev, "caption"))
                closed = _is_box_gap(prev, rules)
            else:
                break
            k -= 1
        b.box = box
        if closed:
            for m, cls in members:
                m.cls, m.box = cls, box
        box += 1
    return box


def _mark_label_boxes(blocks: list[Block], rules: CleaningRules, box: int) -> int:
    """A short headline-shaped line after a box gap is a photo label, unless an article or section
    starts under it (a byline follows, or a two-part head stands over body text).  Short blocks under
    the label are its caption if a head, a box gap or furniture closes them and the first does not
    start with the cut tail of a sentence (running text goes on after a photo).  Returns the next box id.
    """
    for i, b in enumerate(blocks):
        if b.cls != "headline" or i == 0 or b.box >= 0 or not _is_box_gap(b, rules) \
                or len(nonspace(b.text)) > rules.max_label_chars:
            continue
        k = i + 1
        while k < len(blocks) and k - i <= 2 and blocks[k].cls == "headline" and not _is_box_gap(blocks[k], rules):
            k += 1
        nxt = blocks[k] if k < len(blocks) and not _is_box_gap(blocks[k], rules) else None
        if nxt is not None and nxt.cls == "body" and (nxt.byline or (k == i + 1 and _two_part(b.text))):
            continue
        b.cls, b.box = "label", box
        k = i + 1
        while (k < len(blocks) and not _is_box_gap(blocks[k], rules) and blocks[k].box < 0
               and _caption_like(blocks[k], rules) and k - i <= rules.max_box_blocks):
            k += 1
        closed = k < len(blocks) and (_is_box_gap(blocks[k], rules) or blocks[k].cls not in ("body", "caption"))
        if k > i + 1 and closed and not _orphan_head(blocks[i + 1].text, rules):
            for m in blocks[i + 1:k]:
                m.cls, m.box = "caption", box
        box += 1
    return box


def _classify_blocks(blocks: list[Block], rules: CleaningRules, profile: str = DEFAULT_LAYOUT,
                     convert=None) -> list[Block]:
    """Classify every block in its layout context; modifies and returns ``blocks``.

    ``convert`` (traditional text: to simplified) gives the view of each line the rules are matched on,
    where it keeps the line's length (the patterns are written in simplified characters); the blocks keep
    their raw text.

    Order: each line by its own text (``classify_line``) and its byline; lists; photo boxes closed by
    a credit; photo boxes opened by a label; any caption or credit left alone is a box of its own
    (each only if ``profile`` applies the step: byline, lists, photo_boxes).
    """
    steps = rules.steps(profile)
    for b in blocks:
        view = convert(b.text) if convert else b.text
        view = view if len(view) == len(b.text) else b.text
        b.cls = classify_line(view, rules, profile)
        m = rules.match("byline", view) if "byline" in steps else None
        b.byline = m.end() if m else 0
        if b.byline and b.cls == "headline":
            b.cls = "body"
    if "lists" in steps:
        _mark_lists(blocks, rules)
    box = 0
    if "photo_boxes" in steps:
        box = _mark_credited_boxes(blocks, rules, box)
        box = _mark_label_boxes(blocks, rules, box)
    for b in blocks:
        if b.cls in ("caption", "credit") and b.box < 0:
            b.box = box
            box += 1
    return blocks


# ---- one document ----
_DROP_REASONS = {"label": "photo_label", "caption": "photo_caption", "credit": "photo_credit",
                "credits": "credits", "furniture": "furniture", "dateline": "dateline", "page_number": "page_number"}


def _first_sentence_end(text: str, rules: CleaningRules) -> int:
    m = re.search(f"[{re.escape(rules.sentence_end)}]+[{re.escape(rules.closing_quotes)}]*", text)
    return m.end() if m else 0


def _last_sentence_end(text: str, rules: CleaningRules) -> int:
    ends = list(re.finditer(f"[{re.escape(rules.sentence_end)}]+[{re.escape(rules.closing_quotes)}]*", text))
    return ends[-1].end() if ends else 0


def _body_paragraph(blocks: list[Block], i: int, rules: CleaningRules, consumed: set[int], log,
                    steps: frozenset = frozenset(CLEANING_STEPS)) -> dict:
    """Build the body paragraph that starts at block ``i``: byline or leading fragment cut, breaks
    re-joined (across a photo box too), unfinished last sentence cut (each only if it is in ``steps``).
    ``log`` records audit rows; blocks joined in are added to ``consumed``."""
    b = blocks[i]
    para = {"kind": "body", "role": "body", "line_start": b.line, "line_end": b.line,
            "segs": [(0, b.line)], "dedupe": None}
    raw, orphan = b.text, False
    if b.byline:
        log("drop", "byline", b.line, b.line, raw[:b.byline], "prefix", para)
        raw = raw[b.byline:]
    elif "fragment_start" in steps and i > 0 and blocks[i - 1].box >= 0:
        cut = _orphan_head(raw, rules)
        if cut:   # text resuming after a photo box with the cut tail of a sentence printed elsewhere
            log("drop", "fragment_start", b.line, b.line, raw[:cut], "prefix", para)
            raw, orphan = raw[cut:], True
    cur = i
    while "join" in steps and ends_open(raw, rules) and not orphan:
        k = cur + 1
        while k < len(blocks) and blocks[k].box >= 0:
            k += 1
        if k >= len(blocks) or blocks[k].cls != "body" or blocks[k].byline or k in consumed:
            break
        nxt = blocks[k]
        reason = "photo_interruption" if k > cur + 1 else "column_break"
        log("join", reason, blocks[cur].line, nxt.line, f"{raw[-12:]} | {nxt.text[:12]}", "join", para,
            result=raw[-12:] + nxt.text[:12])
        para["segs"].append((len(raw), nxt.line))
        raw += nxt.text
        consumed.add(k)
        para["line_end"], cur = nxt.line, k
    if "fragment_end" in steps and ends_open(raw, rules):
        cut = _last_sentence_end(raw, rules)
        if nonspace(raw[cut:]):
            line = [ln for off, ln in para["segs"] if off <= cut][-1]
            log("drop", "fragment_end", line, para["line_end"], raw[cut:], "suffix", para)
            raw = raw[:cut]
    para["raw"] = raw
    return para


def _mark_duplicates(paras: list[dict], rules: CleaningRules) -> None:
    """Set ``dedupe`` (the first copy) on a body paragraph printed again in the same text, and on a
    repeated headline right before it; a repeated headline over new text stays."""
    seen_body: dict[str, dict] = {}
    seen_head: dict[str, dict] = {}
    for j, p in enumerate(paras):
        key = nonspace(p["text"])
        if p["kind"] == "headline":
            seen_head.setdefault(key, p)
        elif len(key) >= rules.min_duplicate_chars and key not in seen_body:
            seen_body[key] = p
        elif len(key) >= rules.min_duplicate_chars:
            p["dedupe"] = seen_body[key]
            prev = paras[j - 1] if j else None
            if prev is not None and prev["role"] == "headline":
                first = seen_head.get(nonspace(prev["text"]))
                if first is not None and first is not prev:
                    prev["dedupe"] = first


def clean_document(text: str, rules: CleaningRules, profile: str = DEFAULT_LAYOUT, script: str = "simplified"
                   ) -> tuple[list[dict], list[dict]]:
    """Clean one raw text by the steps of ``profile``; return (paragraphs, audit) as lists of dicts, in text order.

    ``script`` 'traditional': lines are classified on their simplified view and kept text is converted to
    simplified (rules.script.converter), each converted run an audit row (normalise, traditional_to_simplified).

    Paragraph dicts: para_id, kind, role, line_start, line_end, text, raw (before normalisation).
    Audit dicts: the AUDIT_COLUMNS except doc_id.  Steps: classify every line in its layout context
    (``_classify_blocks``); drop photo boxes, credits and furniture (a run of blocks dropped alike is
    one row); build body paragraphs (``_body_paragraph``); cut a list bullet from a headline;
    normalise (``normalise``); drop duplicates (``_mark_duplicates``); number what is kept.
    """
    steps = rules.steps(profile)
    if script not in ("simplified", "traditional"):
        raise CorpusError(f"script '{script}' is not simplified or traditional")
    convert = (lambda t: to_simplified(t, rules.script.converter)) if script == "traditional" else None
    blocks = _classify_blocks(_split_blocks(text), rules, profile, convert)
    audit: list[dict] = []
    paras: list[dict] = []

    def log(action, reason, line_start, line_end, txt, scope="lines", para=None, result=""):
        row = {"line_start": line_start, "line_end": line_end, "action": action, "reason": reason,
               "text": txt, "result": result, "para_id": None, "offset": None, "scope": scope, "_para": para}
        audit.append(row)
        return row

    consumed: set[int] = set()
    last_drop: tuple[int, dict] | None = None
    for i, b in enumerate(blocks):
        if i in consumed:
            continue
        if b.cls in _DROP_REASONS:
            reason = _DROP_REASONS[b.cls]
            if last_drop and last_drop[0] == i - 1 and last_drop[1]["reason"] == reason \
                    and blocks[i - 1].box == b.box:
                last_drop[1]["line_end"] = b.line
                last_drop[1]["text"] += "\n" + b.text
                last_drop = (i, last_drop[1])
            else:
                last_drop = (i, log("drop", reason, b.line, b.line, b.text))
        elif b.cls in ("headline", "list"):
            para = {"kind": "headline", "role": "headline" if b.cls == "headline" else "list_item",
                    "line_start": b.line, "line_end": b.line, "segs": [(0, b.line)], "dedupe": None,
                    "raw": b.text}
            m = rules.match("bullet", b.text) if "bullet" in steps else None
            if m and m.end() and b.text[m.end():].strip():
                log("drop", "bullet", b.line, b.line, b.text[:m.end()], "prefix", para)
                para["raw"] = b.text[m.end():]
            paras.append(para)
        else:
            paras.append(_body_paragraph(blocks, i, rules, consumed, log, steps))

    kept = [p for p in paras if nonspace(p["raw"])]
    for p in kept:
        p["text"], p["edits"] = normalise(p["raw"], convert)
    if "duplicate" in steps:
        _mark_duplicates(kept, rules)
    out = []
    for p in kept:
        if p["dedupe"] is not None:
            first = p["dedupe"]
            log("dedupe", "duplicate", p["line_start"], p["line_end"], p["raw"],
                result=f"same as lines {first['line_start']}-{first['line_end']}")
            for row in audit:
                if row["_para"] is p:
                    row["_para"] = None
            continue
        p["para_id"] = len(out) + 1
        out.append(p)
    for p in out:
        for e in p["edits"]:
            first_line = [ln for off, ln in p["segs"] if off <= e["orig_offset"]][-1]
            end = e["orig_offset"] + max(len(e["original"]) - 1, 0)
            last_line = [ln for off, ln in p["segs"] if off <= end][-1]
            row = log("normalise", e["reason"], first_line, last_line, e["original"], "inline", p, e["result"])
            row["offset"] = e["offset"]
    for row in audit:
        para = row.pop("_para")
        row["para_id"] = para.get("para_id") if para is not None else None
    audit.sort(key=lambda r: (r["line_start"], r["line_end"]))
    paragraphs = [{k: p[k] for k in ("para_id", "kind", "role", "line_start", "line_end", "text", "raw")}
                  for p in out]
    return paragraphs, audit


def clean_one_document(doc: dict, rules: CleaningRules) -> tuple[list[dict], list[dict], list[dict]]:
    """Clean one document (a dict with doc_id, year, text and optionally layout) by its profile; return
    its (paragraph rows, sentence rows, audit rows) as ``clean_corpus`` tabulates them.  A pure function
    of one document, so workers can run it (``tifa.pipeline.map_documents``)."""
    layout = doc.get("layout", DEFAULT_LAYOUT)
    layout = DEFAULT_LAYOUT if pd.isna(layout) or not str(layout).strip() else str(layout).strip()
    if layout not in rules.profiles:
        raise CorpusError(f"doc_id '{doc['doc_id']}': layout '{layout}' is not one of {', '.join(rules.profiles)}")
    script = doc.get("script")
    if script is None or pd.isna(script) or not str(script).strip():
        script = detect_script(doc["text"], rules.script)["script"]
    paras, audit = clean_document(doc["text"], rules, layout, str(script).strip())
    p_rows, s_rows = [], []
    sent_id = 0
    for p in paras:
        p_rows.append({"doc_id": doc["doc_id"], "year": doc["year"], **{k: p[k] for k in PARAGRAPH_COLUMNS[2:]}})
        if p["kind"] != "body":
            continue
        for s in split_sentences(p["text"], rules):
            sent_id += 1
            s_rows.append({"doc_id": doc["doc_id"], "year": doc["year"], "para_id": p["para_id"],
                           "sent_id": sent_id, "text": s})
    return p_rows, s_rows, [{"doc_id": doc["doc_id"], **row} for row in audit]


class _CleanWith:
    """``clean_one_document`` with fixed rules, as a picklable callable for worker processes."""

    def __init__(self, rules: CleaningRules):
        self.rules = rules

    def __call__(self, doc: dict) -> tuple[dict[str, list], ...]:
        """The document's three tables as columns (one list per column): a worker returns, and the
        main process holds, a few lists per document instead of one dict per row."""
        return tuple(_columns(rows, cols) for rows, cols in
                     zip(clean_one_document(doc, self.rules), (PARAGRAPH_COLUMNS, SENTENCE_COLUMNS, AUDIT_COLUMNS)))


def _columns(rows: list[dict], columns: list[str]) -> dict[str, list]:
    """Row dicts as {column: values}; a key a row lacks is NaN, as ``pd.DataFrame(rows, columns=...)`` makes it."""
    return {c: [r.get(c, float("nan")) for r in rows] for c in columns}


def _frame_from_columns(parts: list[dict[str, list]], columns: list[str]) -> pd.DataFrame:
    """One DataFrame from per-document column dicts, in document order (no rows: the empty table
    ``pd.DataFrame([], columns=...)`` gives, whose columns are object, not inferred from empty lists)."""
    if not any(part[columns[0]] for part in parts):
        return pd.DataFrame([], columns=columns)
    return pd.DataFrame({c: [v for part in parts for v in part[c]] for c in columns}, columns=columns)


def clean_corpus(corpus: pd.DataFrame, rules: CleaningRules | None = None, scheduler: str = ""
                 ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Clean every text of ``corpus`` (``load_corpus`` output); return (paragraphs, sentences, audit).

    Each text is cleaned by the profile in its ``layout`` column (``DEFAULT_LAYOUT`` where the column is
    absent or the cell empty); an unknown profile raises a CorpusError naming the doc_id.  Documents are
    cleaned one at a time by ``tifa.pipeline.map_documents`` (``scheduler``: '' = serial for a small
    corpus, local worker processes for a large one, or a Dask cluster); the tables are the same whichever
    runs it.

    paragraphs: PARAGRAPH_COLUMNS (kind body/headline; role body, headline or list_item).
    sentences: SENTENCE_COLUMNS, body paragraphs only; para_id and sent_id count from 1 per document.
    audit: AUDIT_COLUMNS, one row per action (drop, join, dedupe, normalise) with the original text.
    """
    from .pipeline import map_documents

    rules = rules or load_cleaning_rules()
    missing = [c for c in ["doc_id", "year", "text"] if c not in corpus.columns]
    if missing:
        raise CorpusError(f"corpus table lacks column(s) {', '.join(missing)}")
    docs = [{k: v for k, v in row.items()} for row in corpus.to_dict("records")]
    results = map_documents(_CleanWith(rules), docs, scheduler=scheduler, label=lambda d: f"doc_id '{d['doc_id']}'",
                            desc="cleaning")
    paragraphs = _frame_from_columns([r[0] for r in results], PARAGRAPH_COLUMNS)
    sentences = _frame_from_columns([r[1] for r in results], SENTENCE_COLUMNS)
    audit = _frame_from_columns([r[2] for r in results], AUDIT_COLUMNS)
    del results
    audit["para_id"] = audit["para_id"].astype("Int64")
    audit["offset"] = audit["offset"].astype("Int64")
    return paragraphs, sentences, audit


def account_for_characters(corpus: pd.DataFrame, paragraphs: pd.DataFrame, audit: pd.DataFrame) -> pd.DataFrame:
    """Prove that cleaning lost nothing: one row per document, ``balanced`` True if all checks pass.

    A non-whitespace character of a raw text is *accounted for* if it is in a kept paragraph once
    the logged normalisations are undone (audit rows action=normalise give para_id, offset, result
    and the original text) or in the text of an audit row whose action drops text (drop, dedupe).
    Whitespace (blank lines, line breaks, spaces) is layout and is counted apart.  Three checks:
    ``unaccounted`` = characters missing or extra when the raw counts are compared with kept +
    dropped (must be 0); ``lines_uncovered`` = non-blank raw lines that no paragraph or dropping
    audit row spans (0); ``order_mismatches`` = kept paragraphs whose restored text is not their raw
    lines in order, less the dropped lines, prefixes and suffixes logged for them (0).
    Works on the tables in memory or as read back from CSV (empty strings read as missing).
    Columns: doc_id, raw_chars, whitespace, kept, dropped, dropped_<reason>..., the three checks, balanced.
    """
    from collections import Counter

    audit = audit.assign(text=audit["text"].fillna(""), result=audit["result"].fillna(""))
    drops = audit[audit["action"].isin(DROP_ACTIONS)]
    edits: dict[tuple, list] = {}
    for r in audit[audit["action"] == "normalise"].itertuples(index=False):
        edits.setdefault((r.doc_id, int(r.para_id)), []).append((int(r.offset), r.result, r.text))
    drops_by_doc = {d: g for d, g in drops.groupby("doc_id", sort=False)}
    paras_by_doc = {d: g for d, g in paragraphs.groupby("doc_id", sort=False)}
    empty_drops, empty_paras = drops.iloc[:0], paragraphs.iloc[:0]
    rows = []
    for doc_id, raw in zip(corpus["doc_id"], corpus["text"]):
        lines = _raw_lines(raw)
        paras = paras_by_doc.get(doc_id, empty_paras)
        d_drops = drops_by_doc.get(doc_id, empty_drops)
        restored = {int(p.para_id): denormalise(p.text, edits.get((doc_id, int(p.para_id)), []))
                    for p in paras.itertuples(index=False)}
        kept = Counter(nonspace("".join(restored.values())))
        dropped = Counter(nonspace("".join(d_drops["text"])))
        want = Counter(nonspace(raw))
        unaccounted = sum(((kept + dropped) - want).values()) + sum((want - (kept + dropped)).values())
        covered = set()
        for a, b in list(zip(paras["line_start"], paras["line_end"])) + list(zip(d_drops["line_start"],
                                                                                 d_drops["line_end"])):
            covered.update(range(int(a), int(b) + 1))
        uncovered = [i for i, ln in enumerate(lines, 1) if ln.strip() and i not in covered]
        whole = [(int(a), int(b)) for a, b, sc in zip(d_drops["line_start"], d_drops["line_end"], d_drops["scope"])
                 if sc == "lines"]
        pieces: dict[int, list] = {}
        for r in d_drops.itertuples(index=False):
            if r.scope in ("prefix", "suffix") and pd.notna(r.para_id):
                pieces.setdefault(int(r.para_id), []).append((r.scope, nonspace(r.text)))
        mismatches = 0
        for p in paras.itertuples(index=False):
            a, b = int(p.line_start), int(p.line_end)
            inside = {i for s_, e_ in whole if a <= s_ and e_ <= b for i in range(s_, e_ + 1)}
            span = nonspace("".join(lines[i - 1] for i in range(a, b + 1) if i not in inside))
            mine = pieces.get(int(p.para_id), [])
            for piece in [t for sc, t in mine if sc == "prefix"]:
                span = span[len(piece):] if span.startswith(piece) else span + "\0"
            for piece in [t for sc, t in mine if sc == "suffix"][::-1]:
                span = span[:len(span) - len(piece)] if span.endswith(piece) else span + "\0"
            mismatches += span != nonspace(restored[int(p.para_id)])
        row = {"doc_id": doc_id, "raw_chars": len(raw), "whitespace": sum(c.isspace() for c in raw),
               "kept": sum(kept.values()), "dropped": sum(dropped.values())}
        for reason, grp in d_drops.groupby("reason", sort=True):
            row[f"dropped_{reason}"] = len(nonspace("".join(grp["text"])))
        row.update({"unaccounted": unaccounted, "lines_uncovered": len(uncovered),
                    "order_mismatches": mismatches})
        rows.append(row)
    out = pd.DataFrame(rows).fillna(0)
    first = ["doc_id", "raw_chars", "whitespace", "kept", "dropped"]
    reasons = sorted(c for c in out.columns if c.startswith("dropped_") and c != "dropped")
    checks = ["unaccounted", "lines_uncovered", "order_mismatches"]
    out = out[first + reasons + checks]
    out[reasons] = out[reasons].astype(int)
    out["balanced"] = (out[checks] == 0).all(axis=1) & (
        out["raw_chars"] == out["whitespace"] + out["kept"] + out["dropped"])
    return out
