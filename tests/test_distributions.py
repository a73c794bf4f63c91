"Tests of bopfair.distributions: the degenerate-sample sigma rule, GoF p-values that account for estimated parameters, speed."
import time
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from bopfair.distributions import (CATEGORICAL_VALUES, degenerate_sigma, fit_families, fit_laplace, fit_sample,
                                   fit_student_t)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10**6), st.sampled_from(CATEGORICAL_VALUES), st.floats(0.001, 0.5))
def test_clopper_pearson_sigma_is_the_largest_variance(n, c, alpha):
    "No law on {-1, 0, 1} with P(b != c) <= q_u has a larger variance (random laws), and some law attains it."
    s = degenerate_sigma(n, c, True, 0.3, alpha)
    assert s.rule == "clopper_pearson"
    q = 1 - alpha ** (1 / n)
    assert (1 - q) ** n == pytest.approx(alpha, rel=1e-9)
    v = np.array(CATEGORICAL_VALUES)
    p = np.random.default_rng(n).dirichlet(np.ones(3), size=2000)
    k = int(c) + 1
    p[:, k] = np.maximum(p[:, k], 1 - q); p /= p.sum(1, keepdims=True)     # push mass onto c until P(b != c) <= q
    p = p[1 - p[:, k] <= q + 1e-12]
    var = p @ v**2 - (p @ v) ** 2
    assert np.all(var <= s.sigma**2 + 1e-12)
    qq = min(q, 0.5)
    best = np.zeros(3); best[k] = 1 - (q if c == 0 else qq)
    if c == 0: best[0] = best[2] = q / 2
    else: best[2 - k] = qq
    assert best @ v**2 - (best @ v) ** 2 == pytest.approx(s.sigma**2, rel=1e-9, abs=1e-15)


def test_rule_table():
    ds = degenerate_sigma([40, 40, 2, 1, 0], [0.0, 0.3, np.nan, 1.0, np.nan], [True, True, True, True, True][0], 0.8)
    assert ds.rule.tolist() == ["clopper_pearson", "pooled", "pooled", "clopper_pearson", "empty"]
    assert ds.sigma[1] == ds.sigma[2] == 0.8 and np.isnan(ds.sigma[4])
    assert degenerate_sigma(40, 0.0, False, 0.8).rule == "pooled"          # continuous BoP: pooled even at 0
    assert np.isnan(degenerate_sigma(40, 0.0, False, 0.0).sigma)
    with pytest.raises(ValueError, match="`alpha` must be strictly between 0 and 1"):
        degenerate_sigma(4, 0.0, True, 1.0, alpha=1.5)


def test_fit_families_uses_the_rule():
    rng = np.random.default_rng(0)
    b = np.r_[rng.choice([-1.0, 0.0, 1.0], 500, p=[0.2, 0.6, 0.2]), np.zeros(40), [1.0]]
    g = np.repeat(["x", "agree", "one"], [500, 40, 1])
    sel = fit_families(b, g).query("selected").set_index("group")
    assert sel.loc["agree", "sigma"] == pytest.approx(np.sqrt(1 - 0.05 ** (1 / 40)), rel=1e-12)
    assert sel.loc["one", "sigma"] == pytest.approx(1.0)                    # n = 1, c = 1: q_u = 0.95 > 1/2 -> var 1
    cont = fit_families(b, g, categorical=False).query("selected").set_index("group")
    assert cont.loc["agree", "sigma"] == pytest.approx(np.std(b), rel=1e-12)
    allsame = fit_families(np.full(20, 0.3), np.repeat(["a", "b"], 10))
    assert allsame.sigma.isna().all() and (allsame.family == "degenerate").all()
    assert "'none'" in allsame.note.iloc[0]
    with pytest.raises(TypeError, match="`categorical` must be True, False or None"): fit_families(b, g, categorical="yes")
    with pytest.raises(ValueError, match="`alpha` must be"): fit_families(b, g, alpha=0)


def test_fit_sample_alone_infers_from_its_values():
    assert fit_sample(np.zeros(10)).sigma.iloc[0] == pytest.approx(np.sqrt(1 - 0.05 ** 0.1))
    assert np.isnan(fit_sample(np.full(10, 0.3)).sigma.iloc[0])             # continuous, nothing else to pool


def test_laplace_gof_calibrated_and_powerful():
    p_null = np.array([fit_laplace(np.random.default_rng(i).laplace(2.0, 0.5, 60))["gof_pvalue"] for i in range(400)])
    rate = np.mean(p_null <= 0.1)
    assert abs(rate - 0.1) < 4 * np.sqrt(0.09 / 400)
    assert stats.kstest(p_null, "uniform").pvalue > 1e-3
    p_alt = fit_laplace(np.random.default_rng(1).uniform(-1, 1, 400))["gof_pvalue"]
    assert p_alt < 0.01


def test_laplace_gof_cheap_on_a_million_rows():
    x = np.random.default_rng(0).laplace(size=10**6)
    fit_laplace(x[:2000])                                                    # warm the cached null draws
    t0 = time.perf_counter(); r = fit_laplace(x); dt = time.perf_counter() - t0
    assert r["gof_test"] == "ks_parametric_bootstrap" and "subsample of 2000" in r["note"]
    assert dt < 3.0
    assert fit_laplace(x)["gof_pvalue"] == r["gof_pvalue"]                  # seeded: reproducible


def test_student_t_gof_labelled_approximate():
    r = fit_student_t(np.random.default_rng(0).standard_t(4, 300))
    assert r["gof_test"] == "ks_approx" and "approximate" in r["note"]


def statsmodels_t(x):
    """The independent slow route (also the baseline of benchmarks/audit_statistics.py): statsmodels'
    GenericLikelihoodModel, Nelder-Mead then BFGS, as fit_student_t did before. Returns (params, bse, loglik)."""
    import warnings
    from statsmodels.base.model import GenericLikelihoodModel

    class StudentT(GenericLikelihoodModel):
        def __init__(self, endog, **kw):
            super().__init__(endog, np.ones((len(endog), 1)), **kw)
            self.exog_names[:] = ["loc"]
            self.exog_names.extend(["log_scale", "log_df"])
            self.k_extra, self.nparams = 2, 3
            self.df_model, self.df_resid = 2, len(endog) - 3

        def loglikeobs(self, params):
            return stats.t.logpdf(self.endog, np.exp(min(params[2], 30.0)), params[0], np.exp(params[1]))

    mad = float(stats.median_abs_deviation(x, scale="normal"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = StudentT(x)
        r = m.fit(start_params=np.array([np.median(x), np.log(mad), np.log(5.0)]), method="nm", maxiter=4000, disp=0)
        r = m.fit(start_params=r.params, method="bfgs", maxiter=200, disp=0)
        return np.asarray(r.params), np.asarray(r.bse, dtype=float), float(m.loglikeobs(r.params).sum())


@pytest.mark.parametrize("seed,df", [(0, 2.5), (1, 5.0), (2, 12.0)])
def test_student_t_equals_the_statsmodels_route(seed, df):
    "Same estimates (to 1% of a standard error), standard errors (1%) and a log-likelihood at least as high."
    x = 0.7 + 1.3 * np.random.default_rng(seed).standard_t(df, 2000)
    th, se, ll = statsmodels_t(x)
    r = fit_student_t(x)
    ours = np.array([r["loc"], np.log(r["scale"]), np.log(r["df"])])
    ours_se = np.array([r["loc_se"], r["scale_se"] / r["scale"], r["df_se"] / r["df"]])
    assert np.all(np.abs(ours - th) < 0.01 * se)
    np.testing.assert_allclose(ours_se, se, rtol=0.01)
    assert r["loglik"] >= ll - 1e-9 * abs(ll)
    np.testing.assert_allclose(r["loglik"], stats.t.logpdf(x, r["df"], r["loc"], r["scale"]).sum(), rtol=1e-10)


def test_student_t_near_gaussian_is_finite():
    "Light tails (kurtosis < 3): df runs to the flat ridge, loc and scale are the Gaussian MLE with finite s.e."
    x = np.random.default_rng(3).uniform(-1, 1, 400)
    r = fit_student_t(x)
    assert r["df"] > 1e3 and np.isfinite([r["loc_se"], r["scale_se"]]).all()
    np.testing.assert_allclose([r["loc"], r["scale"]], [x.mean(), x.std()], rtol=1e-3)
