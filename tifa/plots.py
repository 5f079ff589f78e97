"""Every figure of the notebooks: tables in, a matplotlib figure out, no file written (notebooks save
with :func:`tifa.notebook.save_figure`).  Call :func:`tifa.style.setup_style` first.

**Figure data.** Every plot function attaches to the figure it returns the table of exactly the numbers
it draws (:func:`tifa.notebook.attach_data`; a tidy long table with labelled columns such as ``year``,
``doc_id``, ``category``, ``per_10k``, ``ci_low``, ``ci_high``, ``count``), and ``save_figure`` writes
it beside the PNG and PDF as ``<name>.csv``; read it back with :func:`tifa.notebook.figure_data`.

**Layouts by size** (so a figure holds from 1 to 30+ years and from 5 to thousands of documents):

* year axes label every year up to ``YEAR_LABELS_MAX`` (12) years; past that every k-th year is
  labelled (k = ceil(years / 12); every year keeps a tick) and labels are rotated;
* a figure that draws one bar or dot per document does so while no year has more than
  ``DOCS_PER_YEAR_MAX`` (4) documents; past that it draws per-year summaries (per genre: the median
  and the range of the documents' values, and their number), and says so;
* the keyness figure keeps one row per year up to ``KEYNESS_ROWS_MAX`` (8) years; past that it draws
  only the panels with a significant keyword, in a grid of ``KEYNESS_GRID_COLS`` columns, and lists
  the other years in a note;
* the word-cloud panel holds at most ``WORDCLOUD_PANEL_MAX`` (12) clouds (:func:`wordcloud_panel_years`
  says which years, and the figure says by which rule).
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from .config import SEED
from .corpus import ALL_GENRES, date_bounds, missing_years
from .settings import RhetoricSettings
from .terms import gloss_label
from .priorities import codebook_categories, direction_label
from .style import OKABE_ITO, PNG_DPI
from .notebook import attach_data as _attach_data

YEAR_LABELS_MAX = 12     # a year axis labels every year up to this many years, every k-th year past it
DOCS_PER_YEAR_MAX = 4    # one bar/dot per document up to this many documents in a year; else per-year summaries
DOC_ROWS_MAX = 30        # a figure with one row per document (01) draws one row per year past this many documents
KEYNESS_ROWS_MAX = 8     # plot_keyness: one row per year up to this many years; else a grid of panels with keywords
KEYNESS_GRID_COLS = 4    # plot_keyness: columns of that grid
WORDCLOUD_PANEL_MAX = 12  # plot_wordcloud_panel: at most this many clouds in the panel figure


def wordcloud_array(freqs: dict[str, int], st: RhetoricSettings, font_path: str | os.PathLike) -> np.ndarray:
    """A word cloud (RGB array) from frequencies only (never from joined text), seeded with SEED."""
    from wordcloud import WordCloud

    if not freqs:
        raise ValueError("no frequencies to draw")
    wc = WordCloud(font_path=str(font_path), width=st.wordcloud_width, height=st.wordcloud_height,
                   max_words=st.wordcloud_max_words, max_font_size=st.wordcloud_max_font_size,
                   background_color="white", random_state=SEED,
                   prefer_horizontal=1.0, colormap="viridis", collocations=False)
    return wc.generate_from_frequencies(freqs).to_array()


# Shared by the figures ---------------------------------------------------------------------------
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


# Figures of notebook 03 -------------------------------------------------------------------------
_DEVICE_TITLES = {"formula": "formulae 提法", "slogan": "quoted spans 引号", "mobilisation": "mobilisation 动员",
                 "ideology": "ideology 意识形态", "parallelism": "parallel runs 排比"}


def plot_formula_density_by_doc(docs: pd.DataFrame, formula_split: pd.DataFrame, ci: pd.DataFrame | None = None,
                                ci_label: str = "whisker = bootstrap interval"):
    """Notebook 03: numbered formulae per 10,000 body characters, one bar per document on a year
    axis, coloured by genre, split into formulae of the lexicon and pattern-only ones (hatched).

    ``docs``: doc_id, year, genre, body_chars; ``formula_split``: index doc_id (every document),
    columns ``in lexicon`` and ``pattern only`` (occurrences, nested ones removed).  ``ci`` (index
    doc_id, columns ci_low, ci_high: an interval of each document's total rate, computed elsewhere)
    adds a whisker to each document's bar, named in the title by ``ci_label``.

    When a year has more than ``DOCS_PER_YEAR_MAX`` documents, one bar per year and genre instead: the
    formulae of its documents per 10,000 of their body characters (pooled), split the same way, with a
    whisker from the lowest to the highest document's rate."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    years = sorted(docs["year"].unique())
    genres = sorted(docs["genre"].unique())
    genre_color = genre_colors(genres)
    kinds = [("in lexicon", None), ("pattern only", "///")]
    long_axis = max(years) - min(years) >= YEAR_LABELS_MAX
    fig, ax = plt.subplots(figsize=(8.5 if long_axis else 6.5, 3.3))
    per_doc = docs[["year", "doc_id", "genre", "body_chars"]].copy()
    for kind, _ in kinds:
        per_doc[kind] = formula_split[kind].reindex(per_doc["doc_id"]).fillna(0).to_numpy(float)
    summary = _many_docs(docs)
    if summary:
        rates = per_doc[per_doc["body_chars"] > 0].assign(
            rate=lambda d: (d["in lexicon"] + d["pattern only"]) * 10_000 / d["body_chars"])
        bars = per_doc.groupby(["year", "genre"], as_index=False)[["body_chars", "in lexicon", "pattern only"]].sum()
        rng = rates.groupby(["year", "genre"])["rate"].agg(doc_per_10k_min="min", doc_per_10k_max="max")
        bars = bars.join(rng, on=["year", "genre"])
        bars.insert(2, "documents", bars.set_index(["year", "genre"]).index.map(per_doc.groupby(["year", "genre"]).size()))
        keys = ["year", "genre", "documents", "body_chars", "doc_per_10k_min", "doc_per_10k_max"]
    else:
        bars = per_doc
        keys = ["year", "doc_id", "genre", "body_chars"]
    bars = bars.reset_index(drop=True)
    chars = bars["body_chars"].to_numpy(float)
    for kind, _ in kinds:   # the drawn rate of each part (0 for a document without body text)
        bars[f"{kind} per_10k"] = np.divide(bars[kind].to_numpy(float) * 10_000, chars, out=np.zeros(len(bars)),
                                            where=chars > 0)
    for rec, x, width in document_bar_slots(bars):
        bottom = 0.0
        for i, (kind, hatch) in enumerate(kinds):
            v = rec[len(bars.columns) - len(kinds) + i]   # the "<kind> per_10k" columns, in order
            ax.bar(x, v, width=width * 0.9, bottom=bottom, color=genre_color[rec.genre], hatch=hatch, edgecolor="white")
            bottom += v
        if summary and pd.notna(rec.doc_per_10k_min):
            ax.vlines(x, rec.doc_per_10k_min, rec.doc_per_10k_max, color="0.2", lw=0.7)
        elif not summary:
            top = bottom
            if ci is not None and rec.doc_id in ci.index and pd.notna(ci.loc[rec.doc_id, "ci_low"]):
                ax.vlines(x, ci.loc[rec.doc_id, "ci_low"], ci.loc[rec.doc_id, "ci_high"], color="0.2", lw=0.8)
                top = max(bottom, ci.loc[rec.doc_id, "ci_high"])
            if not long_axis:
                ax.text(x, top, f"{bottom:.0f}", ha="center", va="bottom", fontsize=8)
    data = pd.concat([bars[keys].assign(kind=kind, count=bars[kind], per_10k=bars[f"{kind} per_10k"])
                      for kind, _ in kinds], ignore_index=True)
    data = data.sort_values([k for k in ("year", "genre", "doc_id") if k in keys] + ["kind"], kind="stable")
    if ci is not None and not summary:   # the whisker: an interval of the document's total rate
        data["total_ci_low"] = data["doc_id"].map(ci["ci_low"])
        data["total_ci_high"] = data["doc_id"].map(ci["ci_high"])
    ax.set_ylim(0, max(ax.get_ylim()[1], 1) * 1.15)
    _year_ticks(ax, years, missing_years(docs["year"]))
    legend = [Patch(color=genre_color[g], label=g) for g in genres]
    if formula_split["pattern only"].sum() > 0:
        legend.append(Patch(facecolor="0.6", edgecolor="white", hatch="///", label="pattern only (not in formulae.csv)"))
    ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_xlabel("Year 年份 (bar colour = genre: a year comparison is also a genre comparison)")
    ax.set_ylabel("Numbered formulae per 10,000 chars")
    ax.set_title("Density of numbered formulae 数字式提法密度" + (
        f"\n(more than {DOCS_PER_YEAR_MAX} texts in a year: one bar per year and genre, pooled; "
        "whisker = lowest to highest text)" if summary else f"\n({ci_label})" if ci is not None else ""),
        fontsize=None if not summary and ci is None else 10)
    return _attach_data(fig, data)


def plot_top_formulae(formula_rows: pd.DataFrame, top_formulae: list[str], docs: pd.DataFrame,
                      glosses: dict[str, str]):
    """Notebook 03: bubble chart of the most frequent formulae (rows, glossed) by year: circle area =
    rate per 10,000 body characters of that year, number = count, '·' = none; years without a text
    are shaded and their tick says 'no text'.  ``formula_rows``: doc_id, year, term, count.

    Over more than ``YEAR_LABELS_MAX`` years the bubbles would overlap: a heatmap instead (colour =
    rate, number = count, hatched = no text), the genres of each year in a caption."""
    import textwrap

    import matplotlib.pyplot as plt

    years = sorted(docs["year"].unique())
    gaps = missing_years(docs["year"])
    genre_of_year = docs.groupby("year")["genre"].agg(lambda g: ", ".join(sorted(set(g))))
    fy = (formula_rows[formula_rows["term"].isin(top_formulae)].groupby(["term", "year"])["count"].sum()
          .unstack("year").reindex(index=top_formulae, columns=range(min(years), max(years) + 1)))
    fy.loc[:, [y for y in fy.columns if y not in gaps]] = fy.loc[:, [y for y in fy.columns if y not in gaps]].fillna(0)
    year_chars = docs.groupby("year")["body_chars"].sum()
    rate = fy.div(year_chars.reindex(fy.columns), axis=1) * 10_000
    data = (pd.DataFrame({"count": fy.stack(), "per_10k": rate.stack()}).rename_axis(["term", "year"])
            .reset_index().dropna(subset=["count"]))
    data = data.assign(year=data["year"].astype(int), count=data["count"].astype(int))
    if len(fy.columns) > YEAR_LABELS_MAX:
        return _attach_data(_top_formulae_heatmap(fy, rate, gaps, genre_of_year, top_formulae, glosses), data)
    fig, ax = plt.subplots(figsize=(7.2, 0.42 * len(top_formulae) + 1.6))
    scale = 900 / max(float(np.nanmax(rate.to_numpy())), 1e-9)
    for i, term in enumerate(top_formulae):
        for y in fy.columns:
            if y in gaps:
                continue
            n = fy.loc[term, y]
            if n > 0:
                ax.scatter(y, i, s=rate.loc[term, y] * scale, color="#3b6ea5", alpha=0.75, edgecolor="white")
                ax.text(y + 0.28, i, f"{int(n)}", va="center", fontsize=7.5, color="0.25")
            else:
                ax.text(y, i, "·", ha="center", va="center", color="0.6")
    ax.set_yticks(range(len(top_formulae)), [gloss_label(t, glosses) for t in top_formulae])
    ax.invert_yaxis()
    ax.set_xticks(list(fy.columns), [f"{y}\n" + "\n".join(textwrap.wrap(genre_of_year.get(y, "no text"), 12))
                                     for y in fy.columns], fontsize=7.5)
    ax.set_xlim(min(years) - 0.6, max(years) + 0.8)
    mark_missing_years(ax, gaps, label=None)  # the tick label already says "no text"
    ax.set_title("Most frequent numbered formulae by year 高频数字式提法\n(circle area = rate per 10,000 characters; "
                 "number = count)", fontsize=10)
    ax.spines[["left", "bottom"]].set_visible(False)
    ax.tick_params(length=0)
    return _attach_data(fig, data)


def _top_formulae_heatmap(fy: pd.DataFrame, rate: pd.DataFrame, gaps: list[int], genre_of_year: pd.Series,
                          top_formulae: list[str], glosses: dict[str, str]):
    """plot_top_formulae over many years: formulae x years, colour = rate, number = count."""
    import matplotlib.pyplot as plt

    span = list(fy.columns)
    fig, ax = plt.subplots(figsize=(3.4 + 0.3 * len(span), 0.36 * len(top_formulae) + 2.2))
    grid = rate.to_numpy(float)
    im = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap="Blues", vmin=0)
    vmax = np.nanmax(grid) if np.isfinite(grid).any() else 1.0
    for i in range(len(top_formulae)):
        for j, y in enumerate(span):
            n = fy.iat[i, j]
            if pd.notna(n):
                ax.text(j, i, f"{int(n)}" if n > 0 else "·", ha="center", va="center", fontsize=6,
                        color="white" if grid[i, j] > 0.6 * vmax else "0.2")
    for j, y in enumerate(span):
        if y in gaps:
            ax.add_patch(plt.Rectangle((j - 0.5, -0.5), 1, len(top_formulae), facecolor="0.93", hatch="//",
                                       edgecolor="0.75", linewidth=0))
    ax.set_yticks(range(len(top_formulae)), [gloss_label(t, glosses) for t in top_formulae], fontsize=8)
    ax.set_xticks(range(len(span)), [str(y) for y in span], rotation=90, fontsize=7)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.01).set_label("per 10,000 characters 每万字", fontsize=8)
    by_genre = genre_of_year.groupby(genre_of_year, sort=False).apply(lambda s: _year_list(s.index))
    caption = "Texts: " + "; ".join(f"{g} ({ys})" for g, ys in by_genre.items())
    if gaps:
        caption += f"; hatched = no text 无文本 ({_year_list(gaps)})"
    ax.set_xlabel(_wrap(caption, 140), fontsize=7.5, color="0.3")
    ax.set_title(f"The {len(top_formulae)} most frequent numbered formulae (over all years), by year 高频数字式提法\n"
                 "(colour = rate per 10,000 characters; number = count; · = none)", fontsize=10)
    return fig


def plot_device_mix(device_rate: pd.DataFrame, devices: list[str]):
    """Notebook 03: one small panel per rhetorical device, its rate per 10,000 body characters per
    document (dots coloured by genre) on a year axis.  ``device_rate``: index doc_id, columns year,
    genre and one column per device (NaN for a document without body text).

    Over more than ``YEAR_LABELS_MAX`` years the panels go in rows of three; when a year has more than
    ``DOCS_PER_YEAR_MAX`` documents each genre's documents of a year are drawn as their median (dot)
    and range (line) instead of one dot each."""
    import matplotlib.pyplot as plt

    years = sorted(device_rate["year"].unique())
    gaps = missing_years(device_rate["year"])
    genres = sorted(device_rate["genre"].unique())
    genre_color = genre_colors(genres)
    long_axis = max(years) - min(years) >= YEAR_LABELS_MAX
    ncols = min(3, len(devices)) if long_axis else len(devices)
    nrows = -(-len(devices) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(11 if not long_axis else 12, 2.9 * nrows), sharex=True,
                             squeeze=False)
    rows = device_rate.rename_axis("doc_id").reset_index().melt(id_vars=["doc_id", "year", "genre"], value_vars=devices,
                                          var_name="device", value_name="per_10k")
    summary = _many_docs(device_rate)
    parts = []
    for ax, device in zip(axes.flat, devices):
        d = rows[rows["device"] == device]
        if summary:
            s = _per_year_summary(d, "per_10k")
            _draw_summary(ax, s, "per_10k", genre_color, n_labels=False)
            parts.append(s.assign(device=device))
        else:
            for rec in d.itertuples():
                if pd.notna(rec.per_10k):
                    ax.scatter(rec.year, rec.per_10k, color=genre_color[rec.genre], s=28, label=rec.genre, zorder=3)
            parts.append(d)
        top = d["per_10k"].max(skipna=True)
        ax.set_ylim(0, max(float(top) if pd.notna(top) else 0.0, 1.0) * 1.2)
        _year_ticks(ax, years, gaps)
        ax.tick_params(axis="x", labelrotation=90)
        ax.set_title(_DEVICE_TITLES.get(device, device), fontsize=9)
    for ax in axes.flat[len(devices):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("per 10,000 chars")
    if summary:
        data = pd.concat(parts, ignore_index=True).rename(
            columns={"median": "per_10k_median", "min": "per_10k_min", "max": "per_10k_max"})
        data = data[["year", "genre", "device", "documents", "per_10k_median", "per_10k_min", "per_10k_max"]]
    else:
        data = pd.concat(parts, ignore_index=True).dropna(subset=["per_10k"])[["year", "doc_id", "genre", "device",
                                                                               "per_10k"]]
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(dict(zip(labels, handles)).values(), dict(zip(labels, handles)).keys(), loc="lower center",
               ncol=len(genres), bbox_to_anchor=(0.5, -0.08 / nrows))
    fig.suptitle("Rhetorical devices by year (colour = genre) 修辞手段的年度分布" + (
        f"\nmore than {DOCS_PER_YEAR_MAX} texts in a year: dot = median of a genre's texts, line = lowest to highest"
        if summary else ""), fontsize=11)
    fig.tight_layout()
    return _attach_data(fig, data)


def wordcloud_words(freqs: dict[str, int], st: RhetoricSettings) -> pd.DataFrame:
    """The frequencies a word cloud is given (term, count): the ``wordcloud_max_words`` most frequent,
    in the cloud's own order (count descending, ties in the order of ``freqs``), as wordcloud takes them
    (a word too small to fit once the cloud is full is not drawn)."""
    top = sorted(freqs.items(), key=lambda kv: kv[1], reverse=True)[:st.wordcloud_max_words]
    return pd.DataFrame(top, columns=["term", "count"]).astype({"term": str, "count": int})


def wordcloud_panel_years(groups: list, max_n: int = WORDCLOUD_PANEL_MAX) -> list:
    """Which groups (years) the word-cloud panel shows: all of them up to ``max_n``; past that ``max_n``
    spread evenly from the first to the last (both included), in order."""
    groups = list(groups)
    if len(groups) <= max_n:
        return groups
    idx = sorted(set(np.linspace(0, len(groups) - 1, max_n).round().astype(int)))
    return [groups[i] for i in idx]


def plot_wordcloud(image: np.ndarray, title: str, words: pd.DataFrame):
    """Notebook 03: one word cloud (an RGB array of ``wordcloud_array``) on axes of the image's own
    pixel size at the saved resolution (``PNG_DPI``), so the PNG shows it without resampling.
    ``words`` (``wordcloud_words``: term, count) is the figure's data."""
    import matplotlib.pyplot as plt

    height, width = image.shape[:2]
    fig = plt.figure(figsize=(width / PNG_DPI, height / PNG_DPI + 0.2))
    ax = fig.add_axes((0, 0, 1, height / PNG_DPI / fig.get_figheight()))
    ax.imshow(image, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title, fontsize=6)
    return _attach_data(fig, words[["term", "count"]])


def plot_wordcloud_panel(clouds: dict[object, np.ndarray], titles: dict[object, str],
                         words: dict[object, pd.DataFrame], ncol_max: int | None = None, note: str = ""):
    """Notebook 03: the word clouds of several groups (years) in one panel figure, at most ``ncol_max``
    per row (default 3 up to six clouds, else 4), each panel close to the cloud's own pixel size at
    ``PNG_DPI`` (not blown up).  ``words`` ({group: ``wordcloud_words`` table}) is the figure's data
    (year, term, count); ``note``, if given, goes under the title (e.g. which years are shown and why)."""
    import matplotlib.pyplot as plt

    height, width = next(iter(clouds.values())).shape[:2]
    ncol_max = ncol_max or (3 if len(clouds) <= 6 else 4)
    ncol = min(ncol_max, len(clouds))
    nrow = -(-len(clouds) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(ncol * (width / PNG_DPI + 0.1),
                                                  nrow * (height / PNG_DPI + 0.5)), squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, (group, img) in zip(axes.flat, clouds.items()):
        ax.imshow(img, interpolation="antialiased")
        ax.set_title(titles[group], fontsize=8)
    fig.suptitle("Most frequent words by year (stopwords removed) 各年份高频词" + (f"\n{note}" if note else ""),
                 fontsize=10)
    fig.tight_layout(h_pad=1.0)
    data = pd.concat([words[g][["term", "count"]].assign(year=g) for g in clouds], ignore_index=True)
    return _attach_data(fig, data[["year", "term", "count"]])

# Figures of notebook 04 ---------------------------------------------------------------------------
def plot_attention_heatmap(by_year: pd.DataFrame, codebook: pd.DataFrame, years: list[int],
                           comparison: str = ALL_GENRES, value: str = "per_10k"):
    """Heatmap categories (rows, bilingual) x years (columns, with their genres); a year without a
    document is a hatched grey column marked 'no text'.  Cells are annotated with their value.  Over
    more than ``YEAR_LABELS_MAX`` years the columns narrow, the ticks carry the year only (rotated) and
    the genres of the years go into a caption."""
    import matplotlib.pyplot as plt

    cats = codebook_categories(codebook)
    d = by_year[by_year["comparison"] == comparison]
    grid = d.pivot(index="category", columns="year", values=value).reindex(index=cats["category"], columns=years)
    genres = d.groupby("year")["genres"].first().reindex(years)
    many = len(years) > YEAR_LABELS_MAX
    fig, ax = plt.subplots(figsize=(2.2 + (0.42 if many else 1.05) * len(years), 1.3 + 0.42 * len(cats)))
    data = np.ma.masked_invalid(grid.to_numpy(float))
    im = ax.imshow(data, aspect="auto", cmap="YlOrRd", vmin=0)
    vmax = np.nanmax(grid.to_numpy(float)) if np.isfinite(grid.to_numpy(float)).any() else 1
    for j, y in enumerate(years):
        if pd.isna(genres[y]):
            ax.add_patch(plt.Rectangle((j - 0.5, -0.5), 1, len(cats), facecolor="0.93", hatch="//",
                                       edgecolor="0.75", linewidth=0))
            ax.text(j, (len(cats) - 1) / 2, "no text\n无文本", ha="center", va="center", fontsize=8,
                    color="0.35", rotation=90)
            continue
        for i in range(len(cats)):
            v = grid.iat[i, j]
            ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=6 if many else 7.5,
                    color="white" if v > 0.6 * vmax else "0.15")
    if many:
        ax.set_xticks(range(len(years)), [str(y) for y in years], fontsize=7.5, rotation=90)
        shown = genres.dropna()
        by_genre = shown.groupby(shown, sort=False).apply(lambda s: _year_list(s.index))
        ax.set_xlabel(_wrap("Texts: " + "; ".join(f"{g} ({ys})" for g, ys in by_genre.items()), 160),
                      fontsize=7.5, color="0.3")
    else:
        ax.set_xticks(range(len(years)), [f"{y}\n{_wrap(g) if pd.notna(g) else ''}" for y, g in genres.items()],
                      fontsize=8)
    ax.set_yticks(range(len(cats)), cats["label"])
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    label = "hits per 10,000 characters 每万字频次" if value == "per_10k" else value
    fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02).set_label(label)
    ax.set_title(f"Attention to priority categories by year ({comparison})\n各年份重点领域关注度", loc="left")
    table = grid.stack().rename(value).rename_axis(["category", "year"]).reset_index()
    table.insert(0, "comparison", comparison)
    table.insert(2, "label", table["category"].map(dict(zip(cats["category"], cats["label"]))))
    return _attach_data(fig, table[["comparison", "year", "category", "label", value]])


def _spread(values: np.ndarray, gap: float) -> np.ndarray:
    """Label positions at or above ``values``, at least ``gap`` apart, order kept (end-of-line labels)."""
    values = np.nan_to_num(np.asarray(values, float))
    order = np.argsort(values, kind="stable")
    pos = values[order].copy()
    for i in range(1, len(pos)):
        pos[i] = max(pos[i], pos[i - 1] + gap)
    out = np.empty_like(pos)
    out[order] = pos
    return out


def plot_slope(by_year: pd.DataFrame, codebook: pd.DataFrame, value: str = "per_10k"):
    """Slope chart: each category's value in the first and the last year of each comparison (one panel
    per comparison with more than one year); rising lines red, falling blue; bilingual labels at the
    right.  The intervals of these values are in ``plot_trends`` and of their changes in ``plot_change``."""
    import matplotlib.pyplot as plt

    cats = codebook_categories(codebook)
    comps = [c for c in dict.fromkeys(by_year["comparison"])
             if by_year.loc[by_year["comparison"] == c, "year"].nunique() > 1]
    scale = 1 if value == "per_10k" else 100
    n = max(len(comps), 1)
    fig, axes = plt.subplots(1, n, figsize=(5.6 * n, 1.5 + 0.3 * len(cats)), squeeze=False)
    colours = {"up": "#b2182b", "down": "#2166ac", "none": "0.55", "n/a": "0.55"}
    for ax, comp in zip(axes[0], comps):
        d = by_year[by_year["comparison"] == comp]
        first, last = int(d["year"].min()), int(d["year"].max())
        a = d[d["year"] == first].set_index("category").reindex(cats["category"])
        b = d[d["year"] == last].set_index("category").reindex(cats["category"])
        va, vb = a[value].to_numpy(float) * scale, b[value].to_numpy(float) * scale
        top = max(np.nanmax(np.r_[va, vb, 0]), 1e-9) * 1.08
        ys = _spread(vb, top * 0.055)
        top = max(top, ys.max() + top * 0.03)
        for i, cat in enumerate(cats["category"]):
            c = colours[direction_label(vb[i] - va[i])]
            ax.plot([0, 1], [va[i], vb[i]], color=c, lw=1.4, marker="o", ms=3.5, zorder=3)
            ax.plot([1.0, 1.12], [vb[i], ys[i]], color=c, lw=0.5, alpha=0.6)
            ax.text(1.14, ys[i], cats.at[i, "label"], fontsize=7.5, va="center", color=c)
        ax.set_xticks([0, 1], [f"{first}\n{_wrap(a['genres'].iloc[0])}", f"{last}\n{_wrap(b['genres'].iloc[0])}"])
        ax.set_xlim(-0.12, 2.75)
        ax.set_ylim(0, top)
        ax.set_title(comp, loc="left")
        ax.spines["bottom"].set_visible(False)
        ax.tick_params(axis="x", length=0)
        ax.set_ylabel("hits per 10,000 characters 每万字频次" if value == "per_10k" else "share of coded hits 占比 (%)")
    if not comps:
        axes[0][0].text(0.5, 0.5, "only one year: nothing to compare\n仅一个年份，无从比较", ha="center",
                        va="center", transform=axes[0][0].transAxes)
    fig.suptitle("First vs last year (red: rises, blue: falls); intervals in 04_category_trends and "
                 "04_change_by_genre\n首末年份对比（红：上升，蓝：下降）", x=0.01, ha="left", fontsize=10)
    fig.tight_layout()
    drawn_value = value if value == "per_10k" else f"{value}_pct"
    parts = []
    for comp in comps:
        d = by_year[by_year["comparison"] == comp]
        ends = d[d["year"].isin([d["year"].min(), d["year"].max()])]
        parts.append(ends[["comparison", "year", "category"]].assign(**{drawn_value: ends[value] * scale}))
    table = (pd.concat(parts, ignore_index=True) if parts
             else pd.DataFrame(columns=["comparison", "year", "category", drawn_value]))
    order = {c: i for i, c in enumerate(cats["category"])}
    ranks = {"category": order, "comparison": {c: i for i, c in enumerate(comps)}}
    table = table[table["category"].isin(order)].sort_values(
        ["comparison", "year", "category"], key=lambda s: s.map(ranks[s.name]) if s.name in ranks else s,
        kind="stable")
    return _attach_data(fig, table)


def _year_list(years) -> str:
    """'2019, 2020, 2021, 2023' with runs of consecutive years joined: '2019–2021, 2023'."""
    years, parts = sorted(int(y) for y in years), []
    for y in years:
        if parts and y == parts[-1][1] + 1:
            parts[-1][1] = y
        else:
            parts.append([y, y])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in parts)


def plot_change(changes: pd.DataFrame, codebook: pd.DataFrame, ci: float = 0.95, unit: str | None = None):
    """Forest plot of the change in share (percentage points) from first to last year, per category,
    with its bootstrap interval (level ``ci``): one marker per comparison (whole corpus and each multi-year
    genre), so whether a change goes the same direction within genre, and how sure it is, can be read off.
    A degenerate interval (lower = upper bound, e.g. no hit of the category in either end year, so every
    replicate is 0) is drawn as an open marker with a note: zero observed, not zero with certainty.
    ``unit``, if given, names the bootstrap unit in the title ('article': articles resampled within documents)."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    cats = codebook_categories(codebook)
    comps = list(dict.fromkeys(changes["comparison"]))
    fig, ax = plt.subplots(figsize=(7.6, 1.9 + 0.42 * len(cats)))
    styles = [("0.15", "o"), ("#d95f02", "s"), ("#1b9e77", "^"), ("#7570b3", "D")]
    offsets = np.linspace(-0.18, 0.18, len(comps)) if len(comps) > 1 else [0.0]
    notes: dict[int, tuple[float, str]] = {}
    for (comp, off), (colour, marker) in zip(zip(comps, offsets), styles):
        d = changes[changes["comparison"] == comp].set_index("category").reindex(cats["category"])
        y = np.arange(len(cats)) + off
        x = d["share_change"].to_numpy(float) * 100
        lo, hi = d["share_change_ci_low"].to_numpy(float) * 100, d["share_change_ci_high"].to_numpy(float) * 100
        flat = np.isfinite(lo) & (lo == hi)
        ax.hlines(y[~flat], lo[~flat], hi[~flat], color=colour, lw=1.3)
        label = f"{comp}: {d['first_year'].iloc[0]} → {d['last_year'].iloc[0]}"
        ax.plot(x[~flat], y[~flat], marker, color=colour, ms=5, label=label, ls="none")
        ax.plot(x[flat], y[flat], marker, color=colour, mfc="white", ms=5, ls="none")
        zero = (d["per_10k_first"].to_numpy(float) == 0) & (d["per_10k_last"].to_numpy(float) == 0)
        for i in np.flatnonzero(flat):
            text = "no hit in either end year: interval 0–0" if zero[i] else "degenerate interval"
            notes[i] = (max(notes.get(i, (x[i], ""))[0], x[i]), text)
    for i, (xi, text) in notes.items():
        ax.annotate(text, (xi, i), xytext=(8, 0), textcoords="offset points", va="center", fontsize=7,
                    color="0.35")
    ax.axvline(0, color="0.5", lw=0.8, zorder=0)
    ax.set_yticks(range(len(cats)), cats["label"])
    ax.set_ylim(len(cats) - 0.5, -0.5)
    ax.set_xlabel("change in share of coded hits, percentage points (last − first year)\n占比变化（百分点）")
    handles, labels = ax.get_legend_handles_labels()
    if notes:
        handles.append(Line2D([], [], marker="o", ls="none", mfc="white", mec="0.15", color="0.15"))
        labels.append("open marker: degenerate interval — zero observed, not zero with certainty")
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.0, -0.16), fontsize=8, ncol=1,
                  frameon=False)
    fig.suptitle(f"Change in share from first to last year, {ci:.0%} bootstrap intervals"
                 + (f" ({unit}s resampled within each document)" if unit else "") + "\n"
                 f"首末年份占比变化及{ci:.0%}区间", x=0.01, ha="left", fontsize=10.5)
    if not comps:
        ax.text(0.5, 0.5, "only one year: nothing to compare\n仅一个年份，无从比较", ha="center", va="center",
                transform=ax.transAxes)
    fig.tight_layout()
    table = changes[["comparison", "category", "first_year", "last_year"]].assign(
        change_pp=changes["share_change"] * 100, ci_low_pp=changes["share_change_ci_low"] * 100,
        ci_high_pp=changes["share_change_ci_high"] * 100)
    return _attach_data(fig, table[table["category"].isin(set(cats["category"]))])


def plot_trends(by_year: pd.DataFrame, codebook: pd.DataFrame, years: list[int], ncols: int = 4,
                ci: float = 0.95, unit: str | None = None):
    """Small multiples: each category's share of coded hits by year with its bootstrap interval; lines
    join consecutive years only, so a year without a document is a gap (shaded), never interpolated.

    The whole corpus is always drawn.  A within-genre series is drawn only at years where its documents
    differ from the whole corpus's: where they are the same documents the two values are identical, and
    the legend says in which years that is so.  A year with no hit of a category has a degenerate
    interval (0-0): its marker is open (zero observed, not zero with certainty).  ``unit``, if given,
    names the bootstrap unit in the title, as in ``plot_change`` ('article': articles resampled within documents).
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    cats = codebook_categories(codebook)
    comps = list(dict.fromkeys(by_year["comparison"]))
    nrows = int(np.ceil(len(cats) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols, 2.1 * nrows + 1.6), sharex=True, sharey=True,
                             squeeze=False)
    gaps = [y for y in years if y not in set(by_year["year"])]
    whole = by_year[by_year["comparison"] == ALL_GENRES].groupby("year").agg(
        documents=("documents", "first"), genres=("genres", "first"))
    styles = [("0.2", "o"), ("#d95f02", "s"), ("#1b9e77", "^"), ("#7570b3", "D")]
    same_years: dict[str, list[int]] = {}
    own_years: dict[str, list[int]] = {}
    for comp in comps:
        n = by_year[by_year["comparison"] == comp].groupby("year")["documents"].first()
        own_years[comp] = [int(y) for y in n.index]
        same_years[comp] = [int(y) for y in n.index if whole["documents"].get(y) == n[y]]
    drawn = [c for c in comps if c == ALL_GENRES or len(same_years[c]) < len(own_years[c])]
    spread = np.linspace(-0.12, 0.12, len(drawn)) if len(drawn) > 1 else [0.0]
    offsets = [dict(zip(drawn, spread)).get(c, 0.0) for c in comps]
    any_zero = False
    for ax, (_, cat) in zip(axes.flat, cats.iterrows()):
        mark_missing_years(ax, gaps, label=None)
        for (comp, off), (colour, marker) in zip(zip(comps, offsets), styles):
            d = by_year[(by_year["comparison"] == comp) & (by_year["category"] == cat["category"])]
            d = d.set_index("year").reindex(years)
            if comp != ALL_GENRES:
                d.loc[d.index.isin(same_years[comp])] = np.nan
            x = np.array(years) + off
            ok = d["share"].notna().to_numpy()
            zero = ok & (d["hits"].to_numpy(float) == 0)
            any_zero |= bool(zero.any())
            ax.plot(x, d["share"] * 100, color=colour, lw=1)
            ax.plot(x[ok & ~zero], d["share"][ok & ~zero] * 100, marker, color=colour, ms=3.5, ls="none")
            ax.plot(x[zero], d["share"][zero] * 100, marker, color=colour, mfc="white", ms=3.5, ls="none")
            ax.vlines(x[ok], d["ci_low"][ok] * 100, d["ci_high"][ok] * 100, color=colour, lw=0.9, alpha=0.7)
        ax.set_title(_wrap(cat["label"], 26), fontsize=8.5, loc="left")
        ax.tick_params(labelsize=7.5)
    for ax in axes.flat[len(cats):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        set_year_axis(ax, years, labels=[str(y) for y in years], rotate=len(years) > 8)   # past 12: every k-th
    for ax in axes[:, 0]:
        ax.set_ylabel("share 占比 (%)", fontsize=8)
    handles, labels = [], []
    for comp, (colour, marker) in zip(comps, styles):
        handles.append(Line2D([], [], color=colour if comp in drawn else "none", marker=marker, ms=3.5, lw=1))
        if comp == ALL_GENRES:
            labels.append(comp)
        else:
            differ = [y for y in own_years[comp] if y not in same_years[comp]]
            if not differ:
                labels.append(f"{comp}: not drawn — in every year it covers ({_year_list(own_years[comp])}) its "
                              f"documents are those of {ALL_GENRES}, so its values are identical")
            else:
                labels.append(f"{comp}: drawn where its documents differ from {ALL_GENRES} ({_year_list(differ)})"
                              + (f"; identical to {ALL_GENRES} in {_year_list(same_years[comp])}, not drawn there"
                                 if same_years[comp] else ""))
    if any_zero:
        handles.append(Line2D([], [], marker="o", ls="none", mfc="white", mec="0.2", color="0.2", ms=3.5))
        labels.append("open marker: no hit that year — interval degenerate (0–0): zero observed, "
                      "not zero with certainty")
    genres = whole["genres"].groupby(whole["genres"], sort=False).apply(lambda s: _year_list(s.index))
    fig.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.01, 0.0), ncol=1, fontsize=7.5,
               frameon=False)
    note = f"; shaded = no text 无文本 ({_year_list(gaps)})" if gaps else ""
    fig.suptitle(f"Share of coded attention by year, {ci:.0%} percentile-bootstrap intervals"
                 + (f" ({unit}s resampled within each document)" if unit else "") + note +
                 "\nGenre of the texts: " + "; ".join(f"{g} {ys}" for g, ys in genres.items()) +
                 f"\n各领域关注占比及{ci:.0%}区间", x=0.01, y=0.995, ha="left", va="top", fontsize=10)
    fig.tight_layout(rect=(0, (0.17 * len(handles) + 0.3) / (2.1 * nrows + 1.6), 1, 1))
    parts = [by_year[(by_year["comparison"] == c) & ~by_year["year"].isin([] if c == ALL_GENRES else same_years[c])]
             for c in comps]   # the points drawn: a within-genre series only where it differs
    table = pd.concat(parts, ignore_index=True) if parts else by_year.iloc[:0]
    table = table[table["category"].isin(set(cats["category"]))]
    table = table[["comparison", "year", "category", "hits"]].assign(
        share_pct=table["share"] * 100, ci_low_pct=table["ci_low"] * 100, ci_high_pct=table["ci_high"] * 100)
    return _attach_data(fig, table)


def plot_keyness(kw: pd.DataFrame, years: list[int], comparison_years: dict[str, set[int]],
                 glossary: dict[str, str] | None = None, top_n: int = 8, ci: float | None = None):
    """Keyness bars: for each year and comparison, the ``top_n`` significant overused terms by G2, bar
    length = Log Ratio, G2 printed at the bar; labels 'term english' where glossed, 'term pinyin'
    otherwise (``gloss_label``).  Where ``kw`` has ``log_ratio_ci_low`` / ``_high``, each bar gets a whisker
    for that interval (its level ``ci``, if given, named in the axis label).

    ``comparison_years`` maps each comparison label to the years of its documents.  Up to
    ``KEYNESS_ROWS_MAX`` years: one row per year, one column per comparison; a year without any
    document gets a thin 'no text' row, a year with no document in a comparison gets no panel there, and
    a year with no term tested or without a significant keyword gets a note instead of bars.  Past
    ``KEYNESS_ROWS_MAX`` years: only the (year, comparison) panels with a significant keyword, in a grid
    of ``KEYNESS_GRID_COLS`` columns, and a note under the title lists, per comparison, the years
    without one (and the years without a text).
    """
    import matplotlib.pyplot as plt

    glossary = glossary or {}
    comparisons = list(comparison_years)
    present = set().union(*comparison_years.values()) if comparison_years else set()
    sig = kw[kw["significant"].astype(bool)] if len(kw) else kw
    has_ci = bool("log_ratio_ci_high" in kw.columns and len(sig) and sig["log_ratio_ci_high"].notna().any())
    right = sig[["log_ratio", "log_ratio_ci_high"]].max(axis=1) if has_ci else sig["log_ratio"] if len(sig) else None
    xmax = max(right.max() if right is not None and len(right) else 1, 1) * 1.35
    drawn = sig[sig["g2"] > 0] if has_ci else sig   # the over-used terms the bars show
    xmin = min(drawn["log_ratio_ci_low"].min() if len(drawn) else 0, 0) * 1.05 if has_ci else 0
    tops: dict[tuple[str, int], pd.DataFrame] = {}
    status: dict[tuple[str, int], str] = {}
    for comp in comparisons:
        for y in years:
            if y not in comparison_years.get(comp, set()):
                continue
            d = kw[(kw["comparison"] == comp) & (kw["year"] == y)] if len(kw) else kw
            top = d[d["significant"].astype(bool) & (d["g2"] > 0)].head(top_n) if len(d) else d
            tops[comp, y] = top
            status[comp, y] = "keywords" if len(top) else ("untested" if d.empty else "none")
    grid = len(years) > KEYNESS_ROWS_MAX
    xlabel = ("Log Ratio (log2 of relative-frequency ratio)"
              + (f"\nwhiskers: {f'{ci:.0%} ' if ci else ''}bootstrap interval over articles" if has_ci else ""))
    title = ("Keywords of each year against all other years (top terms by G², significant after "
             "Bonferroni)\nLabels: term and English gloss (glossary.csv), or its pinyin where no gloss "
             "is listed\n各年份关键词（对数似然比显著，条长为Log Ratio）")
    if grid:
        fig = _keyness_grid(tops, status, years, present, comparisons, glossary, top_n, has_ci, xmin, xmax,
                            xlabel, title)
    else:
        fig = _keyness_rows(tops, status, years, present, comparisons, glossary, top_n, has_ci, xmin, xmax,
                            xlabel, title)
    cols = ["log_ratio"] + (["log_ratio_ci_low", "log_ratio_ci_high"] if has_ci else []) + ["g2"]
    parts = [t.assign(comparison=c, year=y, rank=range(1, len(t) + 1)) for (c, y), t in tops.items() if len(t)]
    table = (pd.concat(parts, ignore_index=True) if parts
             else pd.DataFrame(columns=["comparison", "year", "rank", "term"] + cols))
    table["label"] = [gloss_label(t, glossary, sep=" ") for t in table["term"]]
    return _attach_data(fig, table[["comparison", "year", "rank", "term", "label"] + cols])


_KEYNESS_NOTES = {"untested": "no term reaches the minimum frequency\n无达到最低频次的词",
                  "none": "no significant keyword after Bonferroni\n校正后无显著关键词"}


def _keyness_panel(ax, top: pd.DataFrame, glossary: dict[str, str], top_n: int, has_ci: bool, xmin: float,
                   xmax: float, label_width: int = 36) -> None:
    """One keyness panel: a bar per term (Log Ratio), its whisker, G2 at the bar end."""
    labels = [gloss_label(t, glossary, sep=" ") for t in top["term"]]
    ax.barh(range(len(top)), top["log_ratio"], color="#4c72b0", height=0.7)
    ends = top["log_ratio"]
    if has_ci:   # bootstrap interval of Log Ratio (over articles) as a whisker on each bar
        lo, hi = top["log_ratio_ci_low"], top["log_ratio_ci_high"]
        ax.errorbar(top["log_ratio"], range(len(top)), xerr=[(top["log_ratio"] - lo).clip(lower=0),
                    (hi - top["log_ratio"]).clip(lower=0)], fmt="none", ecolor="0.15", elinewidth=0.8,
                    capsize=2)
        ends = pd.concat([top["log_ratio"], hi], axis=1).max(axis=1)
        if xmin < 0:
            ax.axvline(0, color="0.5", linewidth=0.6)
    for k, (lr, g) in enumerate(zip(ends, top["g2"])):
        ax.text(lr + xmax * 0.02, k, f"G²={g:.0f}", va="center", fontsize=6.5, color="0.3")
    ax.set_yticks(range(len(top)), [_wrap(s, label_width) for s in labels], fontsize=7.5)
    ax.set_ylim(top_n - 0.5, -0.5)
    ax.set_xlim(xmin, xmax)
    ax.tick_params(axis="x", labelsize=7)


def _keyness_rows(tops, status, years, present, comparisons, glossary, top_n, has_ci, xmin, xmax, xlabel, title):
    """plot_keyness up to KEYNESS_ROWS_MAX years: one row per year, one column per comparison."""
    import matplotlib.pyplot as plt

    ratios = [1.0 if y in present else 0.25 for y in years]
    ncols = max(len(comparisons), 1)
    fig, axes = plt.subplots(len(years), ncols, squeeze=False,
                             figsize=(4.6 * ncols, sum(ratios) * (0.2 * top_n + 0.6) + 0.5),
                             gridspec_kw={"height_ratios": ratios})
    for i, y in enumerate(years):
        for j, comp in enumerate(comparisons or [""]):
            ax = axes[i][j]
            if y not in present:
                ax.axis("off")
                ax.text(0.5, 0.5, f"{y}: no text 无文本", ha="center", va="center", color="0.4",
                        transform=ax.transAxes, fontsize=8.5)
                continue
            if (comp, y) not in status:
                ax.axis("off")   # no document of this comparison in this year: no panel
                continue
            ax.set_title(f"{y} · {comp}", loc="left", fontsize=9)
            if status[comp, y] != "keywords":
                ax.text(0.5, 0.5, _KEYNESS_NOTES[status[comp, y]], ha="center", va="center",
                        transform=ax.transAxes, fontsize=8, color="0.4")
                ax.set_xticks([])
                ax.set_yticks([])
                continue
            _keyness_panel(ax, tops[comp, y], glossary, top_n, has_ci, xmin, xmax)
    for j in range(ncols):
        shown = [axes[i][j] for i in range(len(years)) if axes[i][j].axison]
        if shown:
            shown[-1].set_xlabel(xlabel, fontsize=8)
    fig.suptitle(title, x=0.01, y=0.998, ha="left", va="top", fontsize=10)
    fig.tight_layout()
    return fig


def _keyness_grid(tops, status, years, present, comparisons, glossary, top_n, has_ci, xmin, xmax, xlabel, title):
    """plot_keyness past KEYNESS_ROWS_MAX years: the panels with keywords in a grid, the rest in a note."""
    import matplotlib.pyplot as plt

    panels = [key for key in tops if status[key] == "keywords"]
    notes = []
    for comp in comparisons:
        for code, text in [("none", "no significant keyword"), ("untested", "no term reaches the minimum frequency")]:
            ys = [y for (c, y), s in status.items() if c == comp and s == code]
            if ys:
                notes.append(f"{comp}: {text} in {_year_list(ys)}")
    absent = [y for y in years if y not in present]
    if absent:
        notes.append(f"no text 无文本: {_year_list(absent)}")
    note = ("Panels only for a year and comparison with a significant keyword. " + "; ".join(notes) + "."
            if notes else "Every year and comparison has a significant keyword.")
    note_lines = _wrap(note, 44 * KEYNESS_GRID_COLS).split("\n")
    ncols = min(KEYNESS_GRID_COLS, max(len(panels), 1))
    nrows = max(-(-len(panels) // ncols), 1)
    panel_h = 0.2 * top_n + 0.75
    head = 0.75 + 0.16 * len(note_lines)
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, figsize=(4.0 * ncols, nrows * panel_h + head))
    for ax in axes.flat:
        ax.axis("off")
    for k, (comp, y) in enumerate(panels):
        ax = axes.flat[k]
        ax.axis("on")
        ax.set_title(f"{y} · {comp}", loc="left", fontsize=9)
        _keyness_panel(ax, tops[comp, y], glossary, top_n, has_ci, xmin, xmax, label_width=28)
    for j in range(ncols):   # the axis label under the lowest panel of each column
        col = [axes[i][j] for i in range(nrows) if axes[i][j].axison]
        if col:
            col[-1].set_xlabel(xlabel, fontsize=7.5)
    if not panels:
        axes[0][0].text(0.5, 0.5, "no significant keyword in any year\n各年份均无显著关键词", ha="center",
                        va="center", transform=axes[0][0].transAxes, color="0.4")
    fig.suptitle(title + "\n" + "\n".join(note_lines), x=0.01, y=0.998, ha="left", va="top", fontsize=9.5)
    fig.tight_layout()   # tight_layout leaves room for the suptitle
    return fig


_ADOPTION_COLORS = {"adopted": OKABE_ITO[0], "present in first text": OKABE_ITO[4], "dating conflict": OKABE_ITO[5],
                   "central": OKABE_ITO[0], "local": OKABE_ITO[1]}


def plot_adoption_timeline(table: pd.DataFrame, bounds: pd.DataFrame):
    """Timeline of the central formulae of an adoption_table: one row each, in order of introduction.

    A diamond marks the introduction (a line if its date is a month or a year); a bar spans the
    interval of possible first local use (first_use_earliest .. first_use_latest), hatched and pale
    when left-censored; a dotted line joins the introduction to it.  Formulae never seen carry their
    status as text.  Grey bands are the possible dates of each text, coloured by genre.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    central = table[table["origin"] == "central"].reset_index(drop=True)
    n = len(central)
    fig, ax = plt.subplots(figsize=(7.5, max(2.6, 0.2 * n + 1.6)))
    genres = sorted(bounds["genre"].unique()) if "genre" in bounds.columns else [""]
    gcol = dict(zip(genres, ["0.55", "#8c6d31", "#7b4173", "#637939"]))
    day = pd.Timedelta(days=1)
    for b in bounds.itertuples(index=False):
        g = getattr(b, "genre", "")
        ax.axvspan(b.date_lo, b.date_hi + day, color=gcol.get(g, "0.55"), alpha=0.18, lw=0)
        ax.axvline(b.date_lo + (b.date_hi + day - b.date_lo) / 2, color=gcol.get(g, "0.55"), lw=0.4, alpha=0.6)
    for year, b in bounds.groupby("year"):   # one label a year (several texts of a year would overprint)
        mid = b["date_lo"] + (b["date_hi"] + day - b["date_lo"]) / 2
        ax.text(mid.min() + (mid.max() - mid.min()) / 2, 1.0, str(year), rotation=90, fontsize=7,
                ha="center", va="bottom", color="0.3", transform=ax.get_xaxis_transform())
    notes = {"absent": "not found 未见", "introduced after last text": "after last text 晚于末篇",
             "undetermined": "undetermined 无法判断"}
    for i, f in central.iterrows():
        y = n - 1 - i
        lo, hi = date_bounds(f["introduced"])
        ax.plot([lo, hi + day], [y, y], color="black", lw=2.5, solid_capstyle="butt")
        ax.plot([lo], [y], marker="D", color="black", ms=4)
        if f["status"] in ("adopted", "present in first text"):
            start, end = pd.Timestamp(f["first_use_earliest"]), pd.Timestamp(f["first_use_latest"]) + day
            if start > hi + day:
                ax.plot([hi + day, start], [y, y], color="0.4", lw=0.8, ls=":")
            censored = f["status"] == "present in first text"
            ax.barh(y, end - start, left=start, height=0.55, color=_ADOPTION_COLORS[f["status"]],
                    hatch="////" if censored else None, edgecolor=OKABE_ITO[0] if censored else "none", lw=0.5)
            label = (f"≤{f['lag_months_max']} mo" if censored
                     else f"{f['lag_months_min']}–{f['lag_months_max']} mo")
            ax.text(end + 20 * day, y, label, va="center", fontsize=7)
        elif f["status"] == "dating conflict":
            x = pd.Timestamp(f["first_use_latest"])
            ax.plot([x], [y], marker="x", color=_ADOPTION_COLORS["dating conflict"], ms=6, mew=1.5)
            ax.text(max(x, hi) + 40 * day, y, "in a text dated before introduction", va="center", fontsize=7,
                    color=_ADOPTION_COLORS["dating conflict"])
        elif f["status"] == "introduced after last text":  # the marker is the rightmost point: note to its left
            ax.text(lo - 40 * day, y, notes[f["status"]], va="center", ha="right", fontsize=7, color="0.35")
        else:
            ax.text(hi + 40 * day, y, notes[f["status"]], va="center", fontsize=7, color="0.35")
    labels = [f"{t}  {e}" if isinstance(e, str) and e and len(e) <= 60 else t
              for t, e in zip(central["term"], central.get("english", pd.Series([""] * n)))]
    ax.set_yticks(range(n - 1, -1, -1), labels)
    ax.set_ylim(-0.8, max(n, 1) - 0.2)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    dates = list(bounds["date_lo"]) + list(bounds["date_hi"]) + [date_bounds(d)[0] for d in central["introduced"]]
    if dates:
        ax.set_xlim(min(dates) - pd.Timedelta(days=120), max(dates) + pd.Timedelta(days=540))
    ax.tick_params(axis="x", labelrotation=90)
    ax.set_xlabel("Date 日期")
    handles = [Line2D([], [], color="black", marker="D", ms=4, lw=2.5, label="introduced 提出"),
               Patch(color=_ADOPTION_COLORS["adopted"],
                     label="possible first local use 首次使用区间;\n'A–B mo': lower and upper bound on the lag"),
               Patch(facecolor=_ADOPTION_COLORS["present in first text"], edgecolor=OKABE_ITO[0], hatch="////",
                     label="…left-censored (in first text after introduction) 左删失;\n"
                           "'≤B mo': upper bound only, no lower bound")]
    handles += [Patch(color=gcol.get(g, "0.55"), alpha=0.3, label=f"text: {g}") for g in genres]
    if n == 0:
        ax.text(0.5, 0.5, "no central formula listed 无中央提法", transform=ax.transAxes, ha="center", color="0.4")
    # Centre title and legend on everything drawn so far (long labels on the left shift the axes right).
    drawn = ax.get_tightbbox(fig.canvas.get_renderer())
    centre = ((drawn.x0 + drawn.x1) / 2 - ax.bbox.x0) / ax.bbox.width
    ax.set_title("Central formulae: introduction and first local use 中央提法：提出与首次在区级文本出现", pad=22,
                 x=centre)
    sub = fig.subplotpars  # below the rotated year labels and the axis label (about 0.8 inch)
    below = -0.8 / (fig.get_figheight() * (sub.top - sub.bottom))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(centre, below), ncol=2, fontsize=7)
    return _attach_data(fig, _adoption_timeline_data(central, bounds))


def _adoption_timeline_data(central: pd.DataFrame, bounds: pd.DataFrame) -> pd.DataFrame:
    """The numbers plot_adoption_timeline draws, one row per element: 'introduced' (a formula's
    introduction, date_from..date_to), 'first use' (its interval of possible first local use, with the lag
    bounds) and 'text' (the possible dates of each text, with its year and genre)."""
    rows = []
    for f in central.itertuples(index=False):
        lo, hi = date_bounds(f.introduced)
        rows.append({"element": "introduced", "term": f.term, "status": f.status, "date_from": lo.date(),
                     "date_to": hi.date()})
        if f.status in ("adopted", "present in first text", "dating conflict"):
            rows.append({"element": "first use", "term": f.term, "status": f.status,
                         "date_from": pd.Timestamp(f.first_use_earliest).date(),
                         "date_to": pd.Timestamp(f.first_use_latest).date(),
                         "lag_months_min": getattr(f, "lag_months_min", None),
                         "lag_months_max": getattr(f, "lag_months_max", None)})
    for b in bounds.itertuples(index=False):
        rows.append({"element": "text", "year": b.year, "genre": getattr(b, "genre", ""),
                     "date_from": pd.Timestamp(b.date_lo).date(), "date_to": pd.Timestamp(b.date_hi).date()})
    cols = ["element", "term", "status", "year", "genre", "date_from", "date_to", "lag_months_min", "lag_months_max"]
    return pd.DataFrame(rows, columns=cols)


def plot_formula_density(density: pd.DataFrame, documents: pd.DataFrame):
    """Bars per year: occurrences per 10,000 body characters of the listed central formulae (numbered
    or not: 新时代, 获得感 …) and of the locally detected numbered formulae (notebook 03's formulae not
    in the central list).  Not notebook 03's formula density, which counts numbered formulae only.

    ``density`` is density_by_origin(); years without a text are gaps labelled "no text", and each
    year's tick names the genre(s) of its text(s).
    """
    import textwrap

    import matplotlib.pyplot as plt

    years = sorted(documents["year"].astype(int).unique())
    span = list(range(years[0], years[-1] + 1))
    genre = documents.groupby(documents["year"].astype(int))["genre"].agg(
        lambda g: "\n".join(textwrap.fill(x, 11) for x in sorted(set(g))))
    many = len(span) > YEAR_LABELS_MAX   # then: wider, year-only ticks, no value labels (they are in the CSV)
    fig, ax = plt.subplots(figsize=(max(6.5, 0.3 * len(span) + 1.5) if many else 6.5, 3.6))
    origins = ["central", "local"]
    for k, origin in enumerate(origins):
        d = density[density["origin"] == origin].set_index("year")["per_10k"].reindex(years, fill_value=0.0)
        xs = years  # a year with a text but no formula of this origin is a zero bar, not a gap
        bars = ax.bar([y - 0.2 + 0.4 * k for y in xs], [d[y] for y in xs], width=0.38, color=_ADOPTION_COLORS[origin],
                      label={"central": "listed central formulae (numbered or not) 中央提法清单",
                             "local": "locally detected numbered formulae 本地检出的数字提法"}[origin])
        if not many:
            ax.bar_label(bars, fmt="%.1f", fontsize=7, padding=1)
    mark_missing_years(ax, missing_years(years), label=None if many else "bottom")
    chars = density.groupby("year")["body_chars"].first()
    if many:
        set_year_axis(ax, span, rotate=True)
        g = documents.groupby(documents["year"].astype(int))["genre"].agg(lambda s: ", ".join(sorted(set(s))))
        by_genre = g.groupby(g, sort=False).apply(lambda s: _year_list(s.index))
        ax.set_xlabel(_wrap("Texts: " + "; ".join(f"{k} ({v})" for k, v in by_genre.items()), 120), fontsize=7.5,
                      color="0.3")
    else:
        ax.set_xticks(span, [f"{y}\n{genre[y]}\n{chars[y]:,} chars" if y in chars.index else
                             (f"{y}\n{genre[y]}" if y in genre.index else str(y)) for y in span], fontsize=7)
    ax.set_ylim(0, max(1.0, float(density["per_10k"].max() if len(density) else 0) * 1.1))
    ax.set_ylabel("Occurrences per 10,000 characters\n每万字出现次数")
    drawn = ax.get_tightbbox(fig.canvas.get_renderer())  # centre title and legend on axes + labels
    centre = ((drawn.x0 + drawn.x1) / 2 - ax.bbox.x0) / ax.bbox.width
    ax.set_title("Listed central formulae vs locally detected numbered formulae, by year\n"
                 "中央提法清单与本地检出数字提法：每万字出现次数", pad=44, fontsize=10, x=centre)
    ax.legend(loc="lower center", bbox_to_anchor=(centre, 1.0), ncol=1, fontsize=8)
    table = density[density["origin"].isin(origins)][["year", "origin", "per_10k"]]
    full = pd.MultiIndex.from_product([years, origins], names=["year", "origin"])   # zero bars included
    table = table.set_index(["year", "origin"]).reindex(full, fill_value=0.0).reset_index()
    table["body_chars"] = table["year"].map(chars)
    return _attach_data(fig, table)


# Figure of notebook 06 (the term explorer) ---------------------------------------------------------
def plot_term_by_year(counts: pd.DataFrame, title: str = "", ci: float = 0.95):
    """A query's rate per 10,000 body characters per year, with its bootstrap interval, from
    ``tifa.explore.counts_by_year``: a filled dot where the query occurs, an open one where a year's
    texts have none (zero observed, interval 0-0), the raw count above each dot, and every year without
    a text shaded ('no text'); a caption under the axis says what the marks are.  Returns a
    ``matplotlib.figure.Figure`` that pyplot does not manage, so the explorer can draw one per search
    without the figures piling up or being shown twice; display it with :func:`figure_image` (or save
    it with ``save_figure``)."""
    from matplotlib.figure import Figure

    years = [int(y) for y in counts["year"]]
    has = counts["has_text"].astype(bool).to_numpy()
    d = counts[has]
    fig = Figure(figsize=(max(4.8, 1.6 + 0.55 * len(years)), 3.2), layout="constrained")
    ax = fig.subplots()
    x = d["year"].astype(int).to_numpy()
    y = d["per_10k"].to_numpy(float)
    lo, hi = d["per_10k_ci_low"].to_numpy(float), d["per_10k_ci_high"].to_numpy(float)
    ax.errorbar(x, y, yerr=np.vstack([np.clip(y - lo, 0, None), np.clip(hi - y, 0, None)]), fmt="none",
                ecolor=OKABE_ITO[0], elinewidth=1.2, capsize=3, zorder=2)
    seen = d["count"].fillna(0).to_numpy(float) > 0
    ax.plot(x[seen], y[seen], "o", color=OKABE_ITO[0], ms=6, zorder=3, clip_on=False)
    ax.plot(x[~seen], y[~seen], "o", mfc="white", mec=OKABE_ITO[0], ms=6, zorder=3, clip_on=False)
    top = np.nanmax(np.r_[hi, y, 0]) if len(d) else 0
    for xi, hi_i, n in zip(x, hi, d["count"]):
        ax.annotate(f"n={int(n)}", (xi, np.nan_to_num(hi_i)), xytext=(0, 4), textcoords="offset points",
                    ha="center", va="bottom", fontsize=7.5, color="0.35")
    mark_missing_years(ax, [yr for yr, h in zip(years, has) if not h], label="top")
    step = max(1, int(np.ceil(len(years) / 16)))
    ax.set_xticks(years[::step])
    ax.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    ax.set_ylim(0, top * 1.18 if top > 0 else 1)
    ax.set_ylabel("per 10,000 characters 每万字")
    ax.set_title(title or "Rate per year 每年频率", loc="left")
    ax.annotate(f"●  rate, bar: {ci:.0%} bootstrap interval    ○  none found (zero observed)    n = hits",
                (0, 0), xycoords="axes fraction", xytext=(0, -30), textcoords="offset points", ha="left",
                va="top", fontsize=7.5, color="0.35")
    cols = ["year", "has_text", "count", "per_10k", "per_10k_ci_low", "per_10k_ci_high"]
    return _attach_data(fig, counts[[c for c in cols if c in counts.columns]])


def figure_image(fig, dpi: int = 200):
    """A figure's pixels for display (``IPython.display.Image``, drawn once by Agg at ``dpi`` and shown at
    the size of ``figure.dpi``), without saving it: for figures that are looked at, not published."""
    import io

    import matplotlib as mpl
    from IPython.display import Image as DisplayImage

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    width = int.from_bytes(buf.getvalue()[16:20], "big")  # the PNG header's width field
    return DisplayImage(data=buf.getvalue(), format="png", width=round(width * mpl.rcParams["figure.dpi"] / dpi))
