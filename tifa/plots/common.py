"""Shared by the figures: the layout rules by size (constants), year axes, genre colours, bars per
document, per-year summaries and the 'no text' band.
"""
from __future__ import annotations

import pandas as pd

from ..style import OKABE_ITO

YEAR_LABELS_MAX = 12     # a year axis labels every year up to this many years, every k-th year past it
DOCS_PER_YEAR_MAX = 4    # one bar/dot per document up to this many documents in a year; else per-year summaries
DOC_ROWS_MAX = 30        # a figure with one row per document (01) draws one row per year past this many documents
KEYNESS_ROWS_MAX = 8     # plot_keyness: one row per year up to this many years; else a grid of panels with keywords
KEYNESS_GRID_COLS = 4    # plot_keyness: columns of that grid
WORDCLOUD_PANEL_MAX = 12  # plot_wordcloud_panel: at most this many clouds in the panel figure


def _wrap(text: str, width: int = 14) -> str:
    """Wrap a label onto lines of at most ``width`` characters (at spaces)."""
    import textwrap
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def mark_missing_years(ax, gaps: list[int], label: str | None = "top") -> None:
    """Shade every year without a text (``missing_years``) as a grey band on a year axis, labelled
    'no text 无文本' at the ``"top"`` or ``"bottom"`` of the axes, or not labelled (``None``)."""
    if label not in ("top", "bottom", None):
        raise ValueError(f"label should be 'top', 'bottom' or None, not {label!r}")
    for y in gaps:
        ax.axvspan(y - 0.4, y + 0.4, color="0.93", lw=0, zorder=0)
        if label:
            ax.text(y, 0.97 if label == "top" else 0.01, "no text\n无文本", ha="center",
                    va="top" if label == "top" else "bottom", fontsize=7, color="0.4",
                    transform=ax.get_xaxis_transform())


def genre_colors(genres: list[str]) -> dict[str, tuple]:
    """One colour per genre (sorted genre names -> the Okabe-Ito colours of tifa.style, in order; cycled
    past eight genres)."""
    return {g: OKABE_ITO[i % len(OKABE_ITO)] for i, g in enumerate(genres)}


def document_bar_slots(documents: pd.DataFrame) -> list[tuple[object, float, float]]:
    """Where each document's bar goes on a year axis: the documents of one year share the year's
    0.8-wide slot side by side, in table order.  Returns (row, x centre, slot width) per document."""
    slots = []
    for year, docs in documents.groupby("year"):
        width = 0.8 / len(docs)
        for i, row in enumerate(docs.itertuples(index=False)):
            slots.append((row, year - 0.4 + width * (i + 0.5), width))
    return slots


def year_label_step(n_years: int, max_labels: int = YEAR_LABELS_MAX) -> int:
    """Label every k-th year of an axis of ``n_years`` years so at most ``max_labels`` are labelled:
    1 up to ``max_labels`` years, ceil(n_years / max_labels) past that."""
    return max(1, -(-int(n_years) // max_labels))


def set_year_axis(ax, span: list[int], labels: list[str] | None = None, fontsize: float | None = None,
                  rotate: bool = False) -> None:
    """Every year of ``span`` gets a tick; up to ``YEAR_LABELS_MAX`` years each is labelled (with
    ``labels`` if given), past that only every k-th (``year_label_step``) from the first year is
    labelled, with the year alone, rotated 90 degrees (``rotate`` rotates a short axis too)."""
    span = [int(y) for y in span]
    step = year_label_step(len(span))
    if step == 1:
        if labels is None and fontsize is None:   # the default formatter labels each year (as before)
            ax.set_xticks(span)
            ax.tick_params(axis="x", labelrotation=90 if rotate else 0)
        else:
            ax.set_xticks(span, labels if labels is not None else [str(y) for y in span], fontsize=fontsize,
                          rotation=90 if rotate else 0)
        return
    ax.set_xticks(span, [str(y) if i % step == 0 else "" for i, y in enumerate(span)], fontsize=fontsize,
                  rotation=90)


def _many_docs(documents: pd.DataFrame) -> bool:
    """True when some year has more than ``DOCS_PER_YEAR_MAX`` documents (per-year summaries are drawn)."""
    return len(documents) > 0 and int(documents.groupby("year").size().max()) > DOCS_PER_YEAR_MAX


def _year_ticks(ax, years: list[int], gaps: list[int], label: str | None = "top") -> None:
    """Every year from the first to the last as a tick; missing years stay visible as gaps, never filled."""
    set_year_axis(ax, list(range(min(years), max(years) + 1)))
    ax.set_xlim(min(years) - 0.6, max(years) + 0.6)
    # past YEAR_LABELS_MAX years a 'no text' label would overrun its neighbours: the band alone marks the gap
    mark_missing_years(ax, gaps, label=label if max(years) - min(years) < YEAR_LABELS_MAX else None)


def _per_year_summary(table: pd.DataFrame, value: str) -> pd.DataFrame:
    """Per year and genre: the number of documents with a value and the median, minimum and maximum of
    ``value`` (what a per-year summary figure draws)."""
    g = table.dropna(subset=[value]).groupby(["year", "genre"])[value]
    return pd.DataFrame({"documents": g.size(), "median": g.median(), "min": g.min(),
                         "max": g.max()}).reset_index()


def _draw_summary(ax, summary: pd.DataFrame, value: str, colors: dict, n_labels: bool = True) -> None:
    """Draw a ``_per_year_summary``: per year, the genres side by side in the year's slot, each a line
    from the minimum to the maximum with a dot at the median (and its number of documents above)."""
    for rec, x, width in document_bar_slots(summary):
        ax.vlines(x, rec.min, rec.max, color=colors[rec.genre], lw=1.6, alpha=0.8)
        ax.plot(x, rec.median, "o", color=colors[rec.genre], ms=4, label=rec.genre, zorder=3)
        if n_labels:
            ax.annotate(str(rec.documents), (x, rec.max), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=5.5, color="0.35")
    top = float(summary["max"].max()) if len(summary) else 0.0
    ax.set_ylim(0, max(top, 1.0) * 1.12)


def _year_list(years) -> str:
    """'2019, 2020, 2021, 2023' with runs of consecutive years joined: '2019–2021, 2023'."""
    years, parts = sorted(int(y) for y in years), []
    for y in years:
        if parts and y == parts[-1][1] + 1:
            parts[-1][1] = y
        else:
            parts.append([y, y])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in parts)
