"""Figure of notebook 06 (the term explorer), and a figure as a PNG image for widgets.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..notebook import attach_data as _attach_data
from ..style import OKABE_ITO
from .common import mark_missing_years


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
