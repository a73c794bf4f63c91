"Tests of bopfair.bound_uncertainty: seed reproducibility, interval vs point estimate, agreement with bounds, bad input."
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from bopfair.bop import benefit_of_personalization
from bopfair.bounds import pe_lower_bound, bound_from_fit
from bopfair.distributions import fit_families
from bopfair.bound_uncertainty import (SIGMA_FAMILIES, sigma_estimate, sigma_from_counts, bootstrap_sigmas,
                                       bound_replicates, bound_spread)


def data(seed=0, m=(300, 150, 500), sd=(0.8, 1.0, 0.7), mean=0.05):
    rng = np.random.default_rng(seed)
    b = np.concatenate([rng.normal(mean, s, n) for n, s in zip(m, sd)])
    g = np.repeat([f"g{j}" for j in range(len(m))], m)
    return b, g


EPS = np.array([0.01, 0.03, 0.05, 0.07])


def test_reproducible_with_seed():
    b, g = data()
    a1 = bound_spread(b, g, EPS, n_boot=300, random_state=42)
    a2 = bound_spread(b, g, EPS, n_boot=300, random_state=42)
    pd.testing.assert_frame_equal(a1, a2)
    a3 = bound_spread(b, g, EPS, n_boot=300, random_state=43)
    assert not np.allclose(a1[["lower", "upper"]], a3[["lower", "upper"]])
    pd.testing.assert_series_equal(a1["lb_sum"], a3["lb_sum"])          # the point estimate does not depend on the seed


def test_columns_and_shape():
    b, g = data()
    t = bound_spread(b, g, EPS, n_boot=100)
    assert list(t.columns) == ["epsilon", "lb_sum", "lower", "upper", "share_unreliable"]
    assert len(t) == len(EPS)
    assert t["share_unreliable"].between(0, 1).all()
    assert bound_spread(b, g, 0.02, n_boot=50).shape == (1, 5)


@pytest.mark.parametrize("family", SIGMA_FAMILIES)
def test_interval_contains_point_estimate(family):
    b, g = data(1, m=(800, 600, 1000))
    t = bound_spread(b, g, np.geomspace(0.005, 0.1, 12), family, n_boot=500, random_state=0)
    assert ((t.lower <= t.lb_sum + 1e-12) & (t.lb_sum <= t.upper + 1e-12)).all()
    assert (t[["lb_sum", "lower", "upper"]].to_numpy() >= 0).all() and (t[["lb_sum", "lower", "upper"]].to_numpy() <= 1).all()


@pytest.mark.parametrize("family", ["gaussian", "laplace"])
def test_point_estimate_matches_bound_from_fit(family):
    b, g = data(2)
    fit = fit_families(b, g, families=(family,), pooled=False)
    want = bound_from_fit(fit, EPS, family=family)["lb_sum"].to_numpy()
    np.testing.assert_allclose(bound_spread(b, g, EPS, family, n_boot=20)["lb_sum"], want, rtol=0, atol=1e-12)


def test_bop_result_input_uses_its_groups():
    b, g = data(3)
    res = benefit_of_personalization(b + 1.0, np.ones_like(b), g)
    pd.testing.assert_frame_equal(bound_spread(res, epsilon=EPS, n_boot=100), bound_spread(b, g, EPS, n_boot=100))


def test_empty_group_is_dropped():
    b, g = data(4)
    cat = pd.DataFrame({"g": pd.Categorical(g, categories=["g0", "g1", "g2", "ghost"])})   # keeps the empty level
    res = benefit_of_personalization(b, np.zeros_like(b), cat)
    assert res.table.loc["g=ghost", "n"] == 0
    sb = bootstrap_sigmas(b, cat, n_boot=10)
    assert sb.groups == ["g=g0", "g=g1", "g=g2"] and sb.replicates.shape == (10, 3)
    pd.testing.assert_frame_equal(bound_spread(b, cat, EPS, n_boot=50), bound_spread(b, g, EPS, n_boot=50))


def test_categorical_bop_few_values():
    rng = np.random.default_rng(5)
    b = rng.choice([-1.0, 0.0, 1.0], p=[0.2, 0.6, 0.2], size=900)
    g = rng.integers(0, 3, size=900)
    t = bound_spread(b, g, [0.01, 0.05], "moment", n_boot=400)
    assert ((t.lower <= t.lb_sum) & (t.lb_sum <= t.upper)).all()


def test_spread_shrinks_with_n():
    small = bound_spread(*data(6, m=(100, 100)), 0.1, n_boot=400)
    large = bound_spread(*data(6, m=(1600, 1600)), 0.025, n_boot=400)    # same m * eps^2: similar bound level
    assert (large.upper - large.lower).iloc[0] < (small.upper - small.lower).iloc[0]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-20, 20), min_size=1, max_size=40), st.integers(0, 10))
def test_counts_match_explicit_resample(xs, seed):
    x = np.array(xs, dtype=float) / 4
    vals, cnt = np.unique(x, return_counts=True)
    C = np.random.default_rng(seed).multinomial(len(x), cnt / len(x), size=5)
    for fam in SIGMA_FAMILIES:
        want = [sigma_estimate(np.repeat(vals, c), fam) for c in C]
        np.testing.assert_allclose(sigma_from_counts(vals, C, fam), want, rtol=1e-12, atol=1e-12)


def test_bound_replicates_matches_pe_lower_bound():
    rng = np.random.default_rng(7)
    m = np.array([20, 50, 90])
    S = rng.uniform(0.2, 2.0, size=(30, 3))
    for fam in SIGMA_FAMILIES:
        got = bound_replicates([0.05, 0.2], m, S, fam)
        want = np.array([[pe_lower_bound(e, m, fam, s, mixture="optimal") for s in S] for e in [0.05, 0.2]])
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
        eq = np.array([[pe_lower_bound(e, m, fam, s) for s in S] for e in [0.05, 0.2]])
        np.testing.assert_allclose(bound_replicates([0.05, 0.2], m, S, fam, "equal"), eq, rtol=0, atol=1e-12)


def test_degenerate_group_gets_the_pooled_sigma():
    b, g = np.array([0.1, 0.3, -0.2, 0.5]), np.array(["a", "a", "a", "b"])
    sb = bootstrap_sigmas(b, g, n_boot=50)
    assert (sb.replicates[:, 1] == np.std(b)).all() and sb.sigma[1] == np.std(b)    # one person: pooled std
    t = bound_spread(b, g, 0.01, n_boot=20)
    assert (t[["lb_sum", "lower", "upper"]].to_numpy() > 0.9).all()
    want = bound_from_fit(fit_families(b, g), 0.01, family="gaussian")["lb_sum"].iloc[0]
    assert t.lb_sum.iloc[0] == pytest.approx(want, abs=1e-12)


def test_constant_categorical_group_does_not_collapse():
    rng = np.random.default_rng(9)
    b = np.r_[rng.choice([-1.0, 0.0, 1.0], 600, p=[0.1, 0.75, 0.15]), np.ones(40)]
    g = np.repeat(["x", "y", "same"], [300, 300, 40])
    sb = bootstrap_sigmas(b, g, "moment", n_boot=100)
    q = 1 - 0.05 ** (1 / 40)
    np.testing.assert_allclose(sb.replicates[:, sb.groups.index("same")], np.sqrt(4 * q * (1 - q)), rtol=1e-12)   # c = 1: 4q(1-q)
    t = bound_spread(b, g, [0.01, 0.03], "moment", n_boot=200)
    assert (t.lower > 0).all() and (t.lower <= t.lb_sum + 1e-12).all()
    eq = bound_spread(b, g, [0.01, 0.03], "moment", n_boot=200, mixture="equal")
    assert (t.lb_sum >= eq.lb_sum - 1e-12).all()


def test_no_variation_anywhere_gives_nan():
    t = bound_spread(np.full(30, 0.25), np.repeat(["a", "b"], 15), 0.1, n_boot=20)
    assert t[["lb_sum", "lower", "upper"]].isna().all(axis=None)


def test_resample_sigma_zero_uses_rule_not_zero():
    "A 3-person group with two equal values often resamples to a constant; those replicates get the pooled std."
    b = np.r_[np.random.default_rng(0).normal(0, 1, 200), 0.5, 0.5, 0.7]
    g = np.r_[["big"] * 200, ["small"] * 3]
    sb = bootstrap_sigmas(b, g, n_boot=400, random_state=1)
    small = sb.replicates[:, 1]
    assert (small > 0).all() and np.isclose(small, np.std(b)).sum() > 20


@pytest.mark.parametrize("kw, exc, msg", [
    (dict(family="bernoulli"), ValueError, "no estimated parameter"),
    (dict(family="categorical"), ValueError, "no estimated parameter"),
    (dict(family="cauchy"), ValueError, "Unknown family='cauchy'"),
    (dict(epsilon=0.0), ValueError, "`epsilon` must be a positive number"),
    (dict(epsilon=[0.1, np.nan]), ValueError, "`epsilon` must be a positive number"),
    (dict(epsilon="x"), ValueError, "`epsilon` must be a positive number"),
    (dict(n_boot=0), ValueError, "`n_boot` must be >= 1"),
    (dict(n_boot=2.0), TypeError, "`n_boot` must be an integer"),
    (dict(n_boot=True), TypeError, "`n_boot` must be an integer"),
    (dict(confidence=0.0), ValueError, "`confidence` must be strictly between 0 and 1"),
    (dict(confidence="0.9"), TypeError, "`confidence` must be a real number"),
    (dict(tau=1.5), ValueError, "`tau` must be a number strictly between 0 and 1"),
])
def test_bad_input(kw, exc, msg):
    b, g = data()
    args = dict(b=b, groups=g, epsilon=0.02, n_boot=10) | kw
    with pytest.raises(exc, match=msg.replace("(", r"\(").replace(")", r"\)")):
        bound_spread(**args)


def test_bad_data():
    with pytest.raises(TypeError, match="`groups` is required"): bound_spread(np.ones(5), None, 0.1)
    with pytest.raises(ValueError, match="`b` is empty"): bound_spread([], [], 0.1)
    with pytest.raises(ValueError, match="non-finite"): bound_spread([1.0, np.inf], [0, 1], 0.1)
    with pytest.raises(ValueError, match="`groups` describes"): bound_spread(np.ones(4), [0, 1, 0], 0.1)
    with pytest.raises(ValueError, match="one column per group"): bound_replicates(0.1, [5, 6], np.ones((3, 3)))
    with pytest.raises(ValueError, match="must be >= 0 and not infinite"): bound_replicates(0.1, [5, 6], -np.ones((3, 2)))
    with pytest.raises(ValueError, match="Unknown mixture"): bound_spread(np.ones(4), [0, 1, 0, 1], 0.1, mixture="paper")
