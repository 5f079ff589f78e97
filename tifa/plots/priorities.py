"""Figures of notebook 04: attention heatmap, first-last slope, changes, trends, keyness.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..corpus import ALL_GENRES
from ..notebook import attach_data as _attach_data
from ..priorities import codebook_categories, direction_label
from ..terms import gloss_label
from .common import (
    _wrap, _year_list, KEYNESS_GRID_COLS, KEYNESS_ROWS_MAX, mark_missing_years, set_year_axis,
    YEAR_LABELS_MAX,
)


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
