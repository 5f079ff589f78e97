"""Figures of notebook 03: formula density, top formulae, device mix, word clouds.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from ..config import SEED
from ..corpus import missing_years
from ..notebook import attach_data as _attach_data
from ..settings import RhetoricSettings
from ..style import PNG_DPI
from ..terms import gloss_label
from .common import (
    _draw_summary, _many_docs, _per_year_summary, _wrap, _year_list, _year_ticks, DOCS_PER_YEAR_MAX,
    document_bar_slots, genre_colors, mark_missing_years, WORDCLOUD_PANEL_MAX, YEAR_LABELS_MAX,
)


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
