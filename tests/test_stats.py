"""tifa.stats: dispersion (DPnorm), log-likelihood G2 (collocation and keyness forms), Log Ratio, the
chi-square(1) tail and percentile intervals, each against values computed by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest

from tifa.stats import chi2_sf_1df, dp_norm, g2, g2_log_likelihood, log_ratio, percentile_interval


def test_dp_norm_hand_values():
    # s = (1/3, 1/3, 1/3), v = (1, 0, 0): DP = ½(2/3 + 1/3 + 1/3) = 2/3, DPnorm = (2/3)/(1 − 1/3) = 1
    assert dp_norm([1, 0, 0], [1, 1, 1]) == pytest.approx(1.0)
    assert dp_norm([2, 2, 2], [5, 5, 5]) == pytest.approx(0.0)
    # s = (.5, .25, .25), v = (.5, .5, 0): DP = ½(0 + .25 + .25) = .25, DPnorm = .25/.75
    assert dp_norm([1, 1, 0], [2, 1, 1]) == pytest.approx(1 / 3)
    assert math.isnan(dp_norm([0, 0], [1, 1])) and math.isnan(dp_norm([3], [10]))
    with pytest.raises(ValueError):
        dp_norm([1, 2], [1, 0])


def test_g2_against_hand_computed_values():
    # O = [[2, 2], [1, 5]], rows 4, 6, columns 3, 7, N = 10: E = [[1.2, 2.8], [1.8, 4.2]]
    hand = 2 * (2 * math.log(2 / 1.2) + 2 * math.log(2 / 2.8) + 1 * math.log(1 / 1.8) + 5 * math.log(5 / 4.2))
    assert g2(2, 4, 3, 10) == pytest.approx(hand) == pytest.approx(1.265374, abs=1e-6)
    assert g2(1, 2, 2, 4) == pytest.approx(0.0, abs=1e-12)   # observed = expected
    with pytest.raises(ValueError):
        g2(5, 4, 3, 10)


def test_g2_matches_a_hand_computed_two_by_two_example():
    a, b, c, d = 10, 20, 100, 400
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)          # 6 and 24
    two_term = 2 * (a * math.log(a / e1) + b * math.log(b / e2))    # 2.9236...
    n = c + d
    four_cell = two_term + 2 * ((c - a) * math.log((c - a) / (c * (n - a - b) / n))
                                + (d - b) * math.log((d - b) / (d * (n - a - b) / n)))
    assert two_term == pytest.approx(2.92365, abs=1e-4)
    assert g2_log_likelihood(a, b, c, d) == pytest.approx(two_term, rel=1e-12)
    assert g2_log_likelihood(a, b, c, d, form="four_cell") == pytest.approx(four_cell, rel=1e-12)
    assert log_ratio(a, b, c, d) == pytest.approx(math.log2((10 / 100) / (20 / 400)))  # = 1
    assert chi2_sf_1df(3.841458820694124)[0] == pytest.approx(0.05, abs=1e-9)


def test_log_ratio_with_a_zero_count_uses_half():
    assert log_ratio(0, 8, 100, 200) == pytest.approx(math.log2((0.5 / 100) / (8 / 200)))
    assert log_ratio(8, 0, 100, 200) == pytest.approx(math.log2((8 / 100) / (0.5 / 200)))


def test_dp_norm_with_unequal_parts_and_bad_input():
    # s = (.6, .4), v = (0, 1): DP = ½(.6 + .6) = .6, DPnorm = .6 / (1 − .4) = 1 (all in the smallest part)
    assert dp_norm([0, 5], [60, 40]) == pytest.approx(1.0)
    # s = (.6, .4), v = (.5, .5): DP = ½(.1 + .1) = .1, DPnorm = .1 / .6
    assert dp_norm([3, 3], [60, 40]) == pytest.approx(1 / 6)
    assert dp_norm([3, 3], [6, 4]) == dp_norm([3, 3], [60, 40])      # sizes are shares of the corpus
    for freqs, sizes in [([1, 2], [1, 2, 3]), ([], []), ([-1, 2], [1, 1]), ([[1, 2]], [[1, 2]])]:
        with pytest.raises(ValueError):
            dp_norm(freqs, sizes)


def test_g2_log_likelihood_is_vectorised_zero_for_equal_rates_and_checks_its_form():
    a, b, c, d = np.array([10, 5, 0]), np.array([20, 20, 8]), np.array([100, 100, 100]), np.array([400, 400, 200])
    both = g2_log_likelihood(a, b, c, d)
    assert both.shape == (3,)
    assert list(both) == pytest.approx([g2_log_likelihood(*x) for x in zip(a, b, c, d)])
    # a = 0: G2 = 2 · 8 · ln(8 / (200 · 8 / 300)) = 16 ln 1.5
    assert both[2] == pytest.approx(16 * math.log(1.5))
    assert g2_log_likelihood(5, 20, 100, 400) == pytest.approx(0.0, abs=1e-12)   # the same rate in both
    assert g2_log_likelihood(5, 20, 100, 400, form="four_cell") == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="form"):
        g2_log_likelihood(1, 2, 3, 4, form="three_cell")


def test_collocation_g2_is_the_four_cell_keyness_g2():
    # O11 = 2, R1 = 4, C1 = 3, N = 10: the table [[2, 2], [1, 5]] as (a, b, c, d) = (2, 1, 4, 6)
    assert g2(2, 4, 3, 10) == pytest.approx(float(g2_log_likelihood(2, 1, 4, 6, form="four_cell")))


def test_log_ratio_is_antisymmetric_and_zero_for_equal_rates():
    assert log_ratio(10, 20, 100, 200) == pytest.approx(0.0)
    assert log_ratio(40, 10, 100, 100) == pytest.approx(2.0)                     # 4 times the rate: 2 binary orders
    assert log_ratio(10, 40, 100, 100) == pytest.approx(-log_ratio(40, 10, 100, 100))
    assert list(log_ratio([40, 0], [10, 0], [100, 100], [100, 100])) == pytest.approx([2.0, 0.0])


def test_chi2_sf_1df_at_known_quantiles():
    # the 0.05, 0.01 and 0.001 critical values of chi-squared(1)
    assert list(chi2_sf_1df([0.0, 3.841458820694124, 6.6348966010212145, 10.827566170662733])) == pytest.approx(
        [1.0, 0.05, 0.01, 0.001], abs=1e-12)
    assert chi2_sf_1df(-1.0)[0] == 1.0                                           # a negative G2 (underuse) clips to 0


def test_percentile_interval_ignores_undefined_replicates():
    reps = np.array([[1.0, np.nan, np.nan], [2.0, 5.0, np.nan], [3.0, 7.0, np.nan], [4.0, np.nan, np.nan],
                     [5.0, 6.0, np.nan]])
    lo, hi = percentile_interval(reps, 0.5)
    # column 0: the 25th and 75th percentiles of 1..5 are 2 and 4; column 1: of (5, 6, 7), 5.5 and 6.5
    assert list(lo[:2]) == pytest.approx([2.0, 5.5]) and list(hi[:2]) == pytest.approx([4.0, 6.5])
    assert np.isnan(lo[2]) and np.isnan(hi[2])                                   # no defined replicate
