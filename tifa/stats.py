"""Statistics shared by the stages: Gries' DPnorm, Dunning's log-likelihood G2 (collocation and
keyness forms), Hardie's Log Ratio, the chi-square(1) tail, percentile intervals of bootstrap draws.
Pure numpy; no pandas tables in, none out.
"""
from __future__ import annotations

import numpy as np

# Dispersion ---------------------------------------------------------------------------------------
def dp_norm(freqs, sizes) -> float:
    """Gries' deviation of proportions, normalised (Gries 2008; Lijffijt & Gries 2012).

    With part sizes s_i (as shares of the corpus) and the term's frequencies v_i (as shares of its
    total), DP = ½ Σ |v_i − s_i| and DPnorm = DP / (1 − min s_i), which runs from 0 (spread exactly
    in proportion to part size) to 1 (all in the smallest part).  NaN if the term never occurs or
    there is a single part (nothing to disperse over).
    """
    f = np.asarray(freqs, dtype=float)
    s = np.asarray(sizes, dtype=float)
    if f.shape != s.shape or f.ndim != 1 or not len(f):
        raise ValueError("freqs and sizes must be 1-D and of the same, non-zero length")
    if (s <= 0).any() or (f < 0).any():
        raise ValueError("part sizes must be positive and frequencies non-negative")
    if f.sum() == 0 or len(f) == 1:
        return float("nan")
    s = s / s.sum()
    dp = 0.5 * np.abs(f / f.sum() - s).sum()
    return float(dp / (1 - s.min()))


def g2(o11: float, r1: float, c1: float, n: float) -> float:
    """Log-likelihood G² of a 2×2 table given O11 (node-window × collocate), R1 (window positions),
    C1 (collocate frequency) and N (all positions): G² = 2 Σ O ln(O/E), E = row × column / N, 0·ln0 = 0.
    The same four-cell G-test as ``g2_log_likelihood(..., form="four_cell")``, in collocation terms."""
    if min(o11, r1 - o11, c1 - o11, n - r1 - c1 + o11) < 0:
        raise ValueError(f"inconsistent table: O11={o11}, R1={r1}, C1={c1}, N={n}")
    return float(g2_log_likelihood(o11, c1 - o11, r1, n - r1, form="four_cell"))


def percentile_interval(reps: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column, ignoring undefined (NaN) replicates; NaN if none is defined."""
    lo_q, hi_q = 100 * (1 - ci) / 2, 100 * (1 + ci) / 2
    lo = np.full(reps.shape[1], np.nan)
    hi = np.full(reps.shape[1], np.nan)
    ok = ~np.isnan(reps).all(axis=0)
    if ok.any():
        lo[ok], hi[ok] = np.nanpercentile(reps[:, ok], [lo_q, hi_q], axis=0)
    return lo, hi


# Keyness ------------------------------------------------------------------------------------------
def g2_log_likelihood(a, b, c, d, form: str = "two_term") -> np.ndarray:
    """Dunning's log-likelihood G2 (unsigned) for a term seen ``a`` times in a target of ``c`` tokens
    and ``b`` times in a reference of ``d`` tokens.

    ``two_term`` (Rayson & Garside 2000; the UCREL log-likelihood calculator):
    G2 = 2 (a ln(a/E1) + b ln(b/E2)), E1 = c(a+b)/(c+d), E2 = d(a+b)/(c+d).
    ``four_cell``: the G-test of the 2x2 table [[a, b], [c-a, d-b]], which adds the two cells of all
    other tokens.  0 ln 0 = 0.
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))

    def part(obs, exp):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(obs > 0, obs * np.log(np.where(obs > 0, obs, 1) / exp), 0.0)

    n = c + d
    g = part(a, c * (a + b) / n) + part(b, d * (a + b) / n)
    if form == "four_cell":
        g = g + part(c - a, c * (n - a - b) / n) + part(d - b, d * (n - a - b) / n)
    elif form != "two_term":
        raise ValueError(f"form must be 'two_term' or 'four_cell', got {form!r}")
    return 2 * g


def log_ratio(a, b, c, d) -> np.ndarray:
    """Hardie's (2014) Log Ratio effect size: log2((a/c) / (b/d)); a zero count is replaced by 0.5."""
    a, b = (np.where(np.asarray(x, dtype=float) == 0, 0.5, np.asarray(x, dtype=float)) for x in (a, b))
    return np.log2((a / np.asarray(c, dtype=float)) / (b / np.asarray(d, dtype=float)))


def chi2_sf_1df(x) -> np.ndarray:
    """P(X >= x) for a chi-squared variable with 1 degree of freedom: erfc(sqrt(x / 2))."""
    import math
    return np.array([math.erfc(math.sqrt(max(v, 0.0) / 2)) for v in np.atleast_1d(np.asarray(x, float))])


def percentile_interval_by_column(reps: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """``percentile_interval`` with one vectorised percentile call over every column without an
    undefined replicate (the columns with some NaN go through ``nanpercentile`` as before).

    Each column's quantiles come from the same order statistics and interpolation as
    ``percentile_interval``, so the two return identical numbers; this one avoids a Python-level
    call per column when most columns have no NaN.
    """
    lo_q, hi_q = 100 * (1 - ci) / 2, 100 * (1 + ci) / 2
    lo = np.full(reps.shape[1], np.nan)
    hi = np.full(reps.shape[1], np.nan)
    nan = np.isnan(reps)
    clean = ~nan.any(axis=0)
    some = nan.any(axis=0) & ~nan.all(axis=0)
    if clean.all():
        lo[:], hi[:] = np.percentile(reps, [lo_q, hi_q], axis=0)
    elif clean.any():
        lo[clean], hi[clean] = np.percentile(reps[:, clean], [lo_q, hi_q], axis=0)
    if some.any():
        lo[some], hi[some] = np.nanpercentile(reps[:, some], [lo_q, hi_q], axis=0)
    return lo, hi
