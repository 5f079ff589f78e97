"""Normalisation with a log that can be undone (notebook 01): script variants, NFKC (full-width digits and
letters), half-width punctuation in Chinese text, spaces inside numbers, whitespace, and traditional
characters converted to simplified.  ``normalise`` returns the text and one edit per changed run;
``denormalise`` undoes the edits, so cleaning's conservation check can restore the raw characters.
"""
from __future__ import annotations

import re
import unicodedata


_PROTECTED_PUNCT = "！（），：；？～…"      # Chinese punctuation that NFKC would turn into ASCII: kept
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_CJK_CONTEXT = re.compile(  # Chinese text: ideographs, CJK and full-width punctuation, curly quotes
    f"[{_CJK}\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65“”‘’—…·]")
_CJK_CHAR = re.compile(f"[{_CJK}]")


def _cluster_spans(text: str):
    """(start, end) of each character with the combining marks that follow it."""
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        yield i, j
        i = j


def _find_script(text: str) -> list[tuple[int, int, str]]:
    """TeX-style sub/superscripts after a letter or digit: PM_{2.5} -> PM2.5."""
    pat = re.compile(r"(?<=[A-Za-z0-9])[_^](?:\{([0-9A-Za-z.+\-]{1,10})\}|([0-9]{1,3}))")
    return [(m.start(), m.end(), m.group(1) or m.group(2)) for m in pat.finditer(text)]


def _find_nfkc(text: str) -> list[tuple[int, int, str]]:
    """Runs of characters that NFKC changes, Chinese punctuation excepted."""
    spans = []
    for s, e in _cluster_spans(text):
        chunk = text[s:e]
        if chunk in _PROTECTED_PUNCT or unicodedata.normalize("NFKC", chunk) == chunk:
            continue
        if spans and spans[-1][1] == s:
            spans[-1] = (spans[-1][0], e)
        else:
            spans.append((s, e))
    return [(s, e, unicodedata.normalize("NFKC", text[s:e])) for s, e in spans]


def _find_fullwidth(text: str) -> list[tuple[int, int, str]]:
    """Half-width , ; : ! ? ( ) next to Chinese text -> full-width (not between two digits)."""
    def cjk(i: int) -> bool:
        return 0 <= i < len(text) and bool(_CJK_CONTEXT.match(text[i]))

    spans = {}
    for i, c in enumerate(text):
        if c in ",;:!?":
            between_digits = i > 0 and i + 1 < len(text) and text[i - 1].isdigit() and text[i + 1].isdigit()
            if (cjk(i - 1) or cjk(i + 1)) and not between_digits:
                spans[i] = _HALF_TO_FULL[c]
    for m in re.finditer(r"\(([^()]*)\)", text):
        if _CJK_CHAR.search(m.group(1)) or cjk(m.start() - 1) or cjk(m.end()):
            spans[m.start()] = "（"
            spans[m.end() - 1] = "）"
    return [(i, i + 1, r) for i, r in sorted(spans.items())]


def _find_number_space(text: str) -> list[tuple[int, int, str]]:
    """Whitespace between a number (or a code with a digit, e.g. PM2.5) and Chinese text or %: removed."""
    token = set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.%+-")
    spans = []
    for m in re.finditer(r"\s+", text):
        s, e = m.start(), m.end()
        ls = s
        while ls > 0 and text[ls - 1] in token:
            ls -= 1
        re_ = e
        while re_ < len(text) and text[re_] in token:
            re_ += 1
        lnum = any(c.isdigit() for c in text[ls:s])
        rnum = any(c.isdigit() for c in text[e:re_])
        before, after = text[s - 1] if s else "", text[e] if e < len(text) else ""
        if (lnum and after and _CJK_CONTEXT.match(after)) or (rnum and before and _CJK_CONTEXT.match(before)) \
                or (before.isdigit() and after and after in "%‰"):
            spans.append((s, e, ""))
    return spans


def _find_converted(text: str, convert) -> list[tuple[int, int, str]]:
    """Runs of characters that ``convert`` (traditional -> simplified) changes, with their conversion.

    The whole text is converted at once (the converter is phrase-aware); where that changes the length,
    each character is converted alone and one that would change length stays as it is."""
    out = convert(text)
    if len(out) != len(text):
        out = "".join(c2 if len(c2 := convert(c)) == 1 else c for c in text)
    spans = []
    for i, (a, b) in enumerate(zip(text, out)):
        if a == b:
            continue
        if spans and spans[-1][1] == i:
            spans[-1][1] = i + 1
        else:
            spans.append([i, i + 1])
    return [(s, e, out[s:e]) for s, e in spans]


def _find_whitespace(text: str) -> list[tuple[int, int, str]]:
    """Any other run of whitespace -> one space."""
    return [(m.start(), m.end(), " ") for m in re.finditer(r"\s+", text) if m.group() != " "]


_NORMALISERS = [("script", _find_script), ("nfkc", _find_nfkc), ("fullwidth_punct", _find_fullwidth),
               ("number_space", _find_number_space), ("whitespace", _find_whitespace)]

TRADITIONAL_REASON = "traditional_to_simplified"


def normalise(text: str, convert=None) -> tuple[str, list[dict]]:
    """Apply the normalisation rules in order; return the text and one edit per changed span.

    ``convert`` (a function traditional -> simplified, for a text detected as traditional) runs first,
    as the rule ``traditional_to_simplified``: each run of converted characters is one edit.

    Each edit: ``original`` (raw text), ``result`` (its replacement), ``offset`` (where ``result``
    starts in the returned text), ``orig_offset`` (where ``original`` starts in ``text``) and
    ``reason`` (rule names joined by '+').  Replacing every ``result`` by its ``original``
    (right to left) gives back ``text`` exactly: see ``denormalise``.
    """
    cells = [[c, c, ()] for c in text]          # [original, current, reasons]
    finders = _NORMALISERS if convert is None else \
        [(TRADITIONAL_REASON, lambda t: _find_converted(t, convert)), *_NORMALISERS]
    for reason, finder in finders:
        cur = "".join(c[1] for c in cells)
        spans = finder(cur)
        if not spans:
            continue
        starts, pos = [], 0
        for c in cells:
            starts.append(pos)
            pos += len(c[1])
        out, ci = [], 0
        for s, e, r in spans:
            while ci < len(cells) and starts[ci] + len(cells[ci][1]) <= s:
                out.append(cells[ci])
                ci += 1
            first = ci
            while ci < len(cells) and starts[ci] < e:
                ci += 1
            merged = cells[first:ci]
            if not merged:
                continue
            head = cur[starts[first]:s]
            tail = cur[e:starts[ci - 1] + len(cells[ci - 1][1])]
            reasons = tuple(dict.fromkeys(sum((m[2] for m in merged), ()) + (reason,)))
            out.append(["".join(m[0] for m in merged), head + r + tail, reasons])
        out.extend(cells[ci:])
        cells = out
    edits, pos, opos = [], 0, 0
    for orig, new, reasons in cells:
        if orig != new:
            edits.append({"original": orig, "result": new, "offset": pos, "orig_offset": opos,
                          "reason": "+".join(reasons)})
        pos += len(new)
        opos += len(orig)
    return "".join(c[1] for c in cells), edits


def denormalise(text: str, edits: list[tuple[int, str, str]]) -> str:
    """Undo normalisations: ``edits`` are (offset, result, original); raises if one does not fit."""
    for offset, result, original in sorted(edits, reverse=True):
        if text[offset:offset + len(result)] != result:
            raise ValueError(f"normalisation log does not fit the text at offset {offset}: "
                             f"expected {result!r}, found {text[offset:offset + len(result)]!r}")
        text = text[:offset] + original + text[offset + len(result):]
    return text
