"""Figures of notebooks 00 and 01: document lengths by year; characters kept and dropped.
"""
from __future__ import annotations

import pandas as pd

from ..corpus import missing_years
from ..notebook import attach_data as _attach_data
from ..style import OKABE_ITO
from .common import (
    _draw_summary, _many_docs, _per_year_summary, DOC_ROWS_MAX, document_bar_slots, genre_colors,
    mark_missing_years, set_year_axis, YEAR_LABELS_MAX,
)


def plot_length_by_year(documents: pd.DataFrame):
    """Notebook 00: one bar per document (raw non-whitespace characters, ``chars``) on a year axis,
    coloured by genre; documents of one year side by side; years without a text shaded."""
    import matplotlib.pyplot as plt

    gaps = missing_years(documents["year"])
    colors = genre_colors(sorted(documents["genre"].unique()))
    span = list(range(int(documents["year"].min()), int(documents["year"].max()) + 1))
    fig, ax = plt.subplots(figsize=(6.5 if len(span) <= YEAR_LABELS_MAX else 8.5, 3.2))
    if _many_docs(documents):
        data = _per_year_summary(documents, "chars")
        _draw_summary(ax, data, "chars", colors)
        title = ("Length of documents by year: median and range per genre (n = documents)\n各年份文本长度"
                 "（中位数与范围）")
        data = data.rename(columns={"median": "chars_median", "min": "chars_min", "max": "chars_max"})
    else:
        for d, x, width in document_bar_slots(documents):
            ax.bar(x, d.chars, width=width * 0.95, color=colors[d.genre], label=d.genre)
        title = "Length of each document by year 各年份文本长度"
        data = documents[["year", "doc_id", "genre", "chars"]].sort_values(["year", "doc_id"], kind="stable")
    mark_missing_years(ax, gaps, label="bottom" if len(span) <= YEAR_LABELS_MAX else None)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(dict(zip(labels, handles)).values(), dict(zip(labels, handles)).keys(), loc="upper left",
              bbox_to_anchor=(1.0, 1.0))
    set_year_axis(ax, span)
    ax.set_xlabel("Year 年份")
    ax.set_ylabel("Characters (raw, non-whitespace) 字数")
    ax.set_title(title)
    return _attach_data(fig, data)


_DROP_REASON_LABELS = {  # display names of the drop reasons of tifa.cleaning (codes are the data)
    "photo_caption": "photo caption 图片说明", "photo_label": "photo label 图片标题", "photo_credit": "photo credit 摄影署名",
    "credits": "credits block 版面署名", "byline": "byline 电头", "furniture": "document furniture 公文格式",
    "duplicate": "printed twice 重复", "fragment_start": "fragment, start 残句（句首）",
    "fragment_end": "fragment, end 残句（句尾）", "bullet": "list bullet 列表符号",
}


def plot_chars_kept_dropped(table: pd.DataFrame):
    """Notebook 01: per document, kept vs dropped characters (left) and dropped characters by reason
    (right).  ``table`` is ``account_for_characters`` with ``year``, one row per document in display
    order; its ``dropped_<reason>`` columns with any characters are drawn, the largest first.  Past
    ``DOC_ROWS_MAX`` documents the rows are years (the documents of a year summed, their number in the
    label)."""
    import matplotlib.pyplot as plt

    reasons = sorted((c for c in table.columns if c.startswith("dropped_") and table[c].sum() > 0),
                     key=lambda c: (-table[c].sum(), c))
    by_year = len(table) > DOC_ROWS_MAX
    if by_year:
        n_docs = table.groupby("year").size()
        table = table.groupby("year", as_index=False)[["kept", "dropped"] + reasons].sum()
        table.insert(0, "documents", table["year"].map(n_docs))
        ylabels = [f"{y} ({n} docs)" for y, n in zip(table["year"], table["documents"])]
        keys = ["year", "documents"]
    else:
        ylabels = [f"{d} ({y})" for d, y in zip(table["doc_id"], table["year"])]
        keys = ["doc_id", "year"]
    data = table[keys + ["kept", "dropped"] + reasons].melt(id_vars=keys, var_name="measure", value_name="chars")
    data["measure"] = data["measure"].str.removeprefix("dropped_").where(data["measure"] != "dropped", "dropped")
    ypos = list(range(len(table)))
    row = 0.55 if len(table) <= YEAR_LABELS_MAX else 0.32
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 1.4 + row * len(table)), sharey=True,
                                   gridspec_kw={"width_ratios": [1, 1.2]})
    ax1.barh(ypos, table["kept"], color=OKABE_ITO[0], label="kept 保留")
    ax1.barh(ypos, table["dropped"], left=table["kept"], color=OKABE_ITO[5], label="dropped 删除")
    for y, (k, d) in enumerate(zip(table["kept"], table["dropped"])):
        ax1.text(k + d, y, f" {d / (k + d):.1%} dropped", va="center", fontsize=8)
    ax1.set_xlim(0, (table["kept"] + table["dropped"]).max() * 1.45)
    ax1.set_yticks(ypos, ylabels)
    ax1.invert_yaxis()
    ax1.set_xlabel("Characters (non-whitespace) 字数")
    ax1.set_title("Kept vs dropped 保留与删除")
    left = pd.Series(0, index=table.index)
    for i, col in enumerate(reasons):  # Okabe-Ito colours; past eight reasons the colours repeat, hatched
        code_ = col.removeprefix("dropped_")
        ax2.barh(ypos, table[col], left=left, color=OKABE_ITO[i % len(OKABE_ITO)], edgecolor="white", lw=0.3,
                 hatch="////" if i >= len(OKABE_ITO) else None, label=_DROP_REASON_LABELS.get(code_, code_))
        left = left + table[col]
    ax2.set_xlabel("Dropped characters 删除字数")
    ax2.set_title("Dropped, by reason 删除原因")
    if reasons:
        ax2.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8)
    fig.tight_layout()
    box1 = ax1.get_position()  # the kept/dropped key hangs below the left panel, clear of its axis label
    fig.legend(*ax1.get_legend_handles_labels(), loc="upper center", bbox_to_anchor=((box1.x0 + box1.x1) / 2, 0),
               ncol=2)
    if by_year:
        fig.suptitle(f"More than {DOC_ROWS_MAX} documents: one row per year (its documents summed)", fontsize=9,
                     x=0.01, ha="left", y=1.0, va="bottom")
    return _attach_data(fig, data)
