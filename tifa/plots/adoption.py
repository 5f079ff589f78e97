"""Figures of notebook 05: the adoption timeline and formula density by origin.
"""
from __future__ import annotations

import pandas as pd

from ..corpus import date_bounds, missing_years
from ..notebook import attach_data as _attach_data
from ..style import OKABE_ITO
from .common import _many_docs, _wrap, _year_list, mark_missing_years, set_year_axis, YEAR_LABELS_MAX

_ADOPTION_COLORS = {"adopted": OKABE_ITO[0], "present in first text": OKABE_ITO[4], "dating conflict": OKABE_ITO[5],
                   "central": OKABE_ITO[0], "local": OKABE_ITO[1]}


def plot_adoption_timeline(table: pd.DataFrame, bounds: pd.DataFrame):
    """Timeline of the central formulae of an adoption_table: one row each, in order of introduction.

    A diamond marks the introduction (a line if its date is a month or a year); a bar spans the
    interval of possible first local use (first_use_earliest .. first_use_latest), hatched and pale
    when left-censored; a dotted line joins the introduction to it.  Formulae never seen carry their
    status as text.  Grey bands are the possible dates of each text, coloured by genre; with more than
    ``DOCS_PER_YEAR_MAX`` (plots.common) texts in a year the bands would cover the whole plot, so each text is then a
    tick in a strip under the rows instead (one strip per genre).
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
    dense = _many_docs(bounds)
    if dense:   # one tick per text under the rows, a strip per genre
        for k, g in enumerate(genres):
            b = bounds[bounds["genre"] == g] if "genre" in bounds.columns else bounds
            mid = b["date_lo"] + (b["date_hi"] + day - b["date_lo"]) / 2
            ax.plot(mid, [-1.0 - 0.45 * k] * len(mid), ls="none", marker="|", ms=6, mew=0.5,
                    color=gcol.get(g, "0.55"), alpha=0.7)
    else:
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
    ax.set_ylim(-0.8 - (0.45 * len(genres) + 0.3 if dense else 0), max(n, 1) - 0.2)
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
    if dense:
        handles += [Line2D([], [], ls="none", marker="|", ms=6, color=gcol.get(g, "0.55"),
                           label=f"text: {g} (one tick each, under the rows)") for g in genres]
    else:
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
