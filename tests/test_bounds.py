"Tests of bopfair.bounds: SPEC test vectors, hypothesis properties, mpmath at high precision, bad input, a slow Monte Carlo grid."
import numpy as np
import mpmath as mp
import pandas as pd
import pytest
from hypothesis import given, settings, assume, strategies as st

from bopfair.bounds import (FAMILIES, log_kappa, pe_lower_bound, pe_lower_bound_equal, lower_bound_from_log_kappa,
                            max_attributes, min_group_size, min_testable_epsilon, bound_from_fit, simulate_tests)

SIGMA_FAMS = ("gaussian", "laplace", "laplace_loose", "moment")

def sig4(a, b):
    "a equals b to 4 significant digits (within half a unit of the 5th digit of b)."
    return abs(a - b) <= 0.5e-4 * abs(b)

# ---------------------------------------------------------------- SPEC §4 test vectors
def test_vector_lb_bernoulli_unequal():
    assert sig4(pe_lower_bound(0.01, [4079, 1676, 5490, 2092], "bernoulli"), 0.52634)

def test_vector_lb_gaussian_group_sigma():
    lb = pe_lower_bound(0.01, [4111, 1662, 5465, 2099], "gaussian", sigma=[.7825, .8775, .7403, .8238])
    assert sig4(lb, 0.77393)

@pytest.mark.parametrize("method", ["lambertw", "exact"])
def test_vector_k_star(method):
    assert abs(max_attributes(8e9, 0.01, "bernoulli", method=method).k_star - 17.9706) < 0.5e-4
    assert abs(max_attributes(8e9, 0.01, "gaussian", 0.1, method=method).k_star - 22.3031) < 0.5e-4

def test_neurips_headline():
    "Classifier (Bernoulli), N = 8e9: eps = 0.01 gives k* ~ 18 (k >= 19 unverifiable, in fact k >= 18)."
    r = max_attributes(8e9, 0.01, "bernoulli", method="exact")
    assert round(float(r.k_star)) == 18 and r.k_max == 17
    assert max_attributes(8e9, 0.0102, "bernoulli", method="exact").k_max == 18

# ---------------------------------------------------------------- hypothesis properties
fam_sigma = st.sampled_from(FAMILIES).flatmap(
    lambda f: st.tuples(st.just(f), st.floats(0.05, 3.0) if f in SIGMA_FAMS else st.none()))
eps_st = st.floats(1e-6, 0.45)
sizes = st.lists(st.integers(1, 5000), min_size=1, max_size=8)

@settings(max_examples=300, deadline=None)
@given(fam_sigma, eps_st, sizes, st.data())
def test_non_increasing_in_each_group_size(fs, eps, m, data):
    f, s = fs
    j = data.draw(st.integers(0, len(m) - 1)); extra = data.draw(st.integers(1, 5000))
    m2 = list(m); m2[j] += extra
    for conv in ["sum", "half"]:
        a, b = pe_lower_bound(eps, m, f, s, conv, clip=False), pe_lower_bound(eps, m2, f, s, conv, clip=False)
        assert b <= a + 1e-12 * max(1, abs(a))

@settings(max_examples=300, deadline=None)
@given(fam_sigma, eps_st, st.floats(1.0001, 3.0), sizes)
def test_non_increasing_in_epsilon(fs, eps, factor, m):
    f, s = fs
    eps2 = min(eps * factor, 0.45)
    a, b = pe_lower_bound(eps, m, f, s, clip=False), pe_lower_bound(eps2, m, f, s, clip=False)
    assert b <= a + 1e-12 * max(1, abs(a))

@settings(max_examples=300, deadline=None)
@given(fam_sigma, eps_st, st.floats(1, 1e10), st.floats(0, 64), st.floats(0, 10))
def test_non_decreasing_in_d_at_fixed_N(fs, eps, N, k, dk):
    f, s = fs
    a, b = pe_lower_bound_equal(eps, N, k, f, s, clip=False), pe_lower_bound_equal(eps, N, k + dk, f, s, clip=False)
    assert b >= a - 1e-12 * max(1, abs(a))
    # and integer k with integer group sizes agrees with the general unequal-size routine
    kk = int(min(k, 6)); d = 2**kk
    m = np.full(d, np.ceil(N / d) if N / d < 1 else N / d)
    np.testing.assert_allclose(pe_lower_bound(eps, m, f, s), pe_lower_bound_equal(eps, m.sum(), kk, f, s), atol=1e-10)

@settings(max_examples=300, deadline=None)
@given(fam_sigma, st.lists(eps_st, min_size=1, max_size=5), sizes, st.sampled_from(["sum", "half"]))
def test_in_unit_interval_after_clipping(fs, eps, m, conv):
    f, s = fs
    lb = pe_lower_bound(np.array(eps), m, f, s, conv)
    top = 1.0 if conv == "sum" else 0.5
    assert lb.shape == (len(eps),) and np.all(np.isfinite(lb)) and np.all((lb >= 0) & (lb <= top))

@settings(max_examples=200, deadline=None)
@given(fam_sigma, st.floats(1e-3, 0.45), st.floats(1e4, 1e12), st.floats(0.05, 0.95))
def test_lambertw_close_to_exact_root(fs, eps, N, tau):
    "Closed-form k* within 0.01 of the exact root for N >= 1e4 once 4 d (1-tau)^2 >= 64 at d = 2^k* (the dropped -1 is then negligible)."
    f, s = fs
    e = max_attributes(N, eps, f, s, tau, method="exact").k_star
    w = max_attributes(N, eps, f, s, tau, method="lambertw").k_star
    assert w >= e - 1e-9                       # dropping the -1 never lowers k*
    assume(4 * 2.0**e * (1 - tau) ** 2 >= 64)
    assert w - e < 0.01
    assert abs(pe_lower_bound_equal(eps, N, e, f, s) - tau) < 1e-8

@settings(max_examples=100, deadline=None)
@given(fam_sigma, st.floats(1e-4, 0.4), st.integers(1, 2000), st.floats(0.05, 0.95))
def test_min_group_size_and_epsilon_star_invert_each_other(fs, eps, d, tau):
    f, s = fs
    m = min_group_size(eps, d, f, s, tau)
    assume(m >= 1)
    np.testing.assert_allclose(pe_lower_bound_equal(eps, m * d, np.log2(d), f, s), tau, atol=1e-8)
    assume(d <= 64)
    np.testing.assert_allclose(min_testable_epsilon(np.full(d, m), f, s, tau), eps, rtol=1e-8)

def test_gaussian_epsilon_star_closed_form():
    for d, m, s, tau in [(1, 10.0, 1.0, 0.5), (16, 1e6, 0.3, 0.2), (4096, 2e6, 0.1, 0.9)]:
        closed = s * np.sqrt(np.log1p(4 * d * (1 - tau) ** 2) / m)
        np.testing.assert_allclose(min_testable_epsilon(np.full(d, m), "gaussian", s, tau), closed, rtol=1e-10)

# ---------------------------------------------------------------- mpmath at high precision
mp.mp.dps = 60

def mp_log_kappa(eps, family, sigma=None):
    e = mp.mpf(eps); s = mp.mpf(sigma) if sigma is not None else None
    if family == "bernoulli": return mp.log(1 + 4 * e**2)
    if family == "categorical": return mp.log(1 + e**2)
    if family == "gaussian": return (e / s) ** 2
    if family == "moment": return mp.log(1 + (e / s) ** 2)
    u = e * mp.sqrt(2) / s
    if family == "laplace_loose": return u
    return mp.log(mp.mpf(2) / 3 * mp.exp(u) + mp.mpf(1) / 3 * mp.exp(-2 * u))

def mp_lb(eps, m, family, sigma=None):
    m = [mp.mpf(x) for x in m]; d = len(m)
    sig = sigma if np.ndim(sigma) else [sigma] * d
    tot = sum(mp.exp(mj * mp_log_kappa(eps, family, sj)) for mj, sj in zip(m, sig)) / d
    return 1 - mp.sqrt(tot - 1) / (2 * mp.sqrt(d))

@pytest.mark.parametrize("family,sigma", [("bernoulli", None), ("categorical", None), ("gaussian", 0.1),
                                          ("laplace", 0.1), ("laplace_loose", 0.7), ("moment", 1.3)])
@pytest.mark.parametrize("eps", [1e-6, 1e-4, 0.01, 0.04, 0.3])
def test_log_kappa_against_mpmath(family, sigma, eps):
    ours = float(log_kappa(eps, family, sigma))
    assert abs(ours - float(mp_log_kappa(eps, family, sigma))) <= 1e-13 * abs(float(mp_log_kappa(eps, family, sigma)))

@pytest.mark.parametrize("family,sigma", [("bernoulli", None), ("gaussian", 0.1), ("laplace", 0.1), ("moment", 0.5)])
@pytest.mark.parametrize("eps", [1e-6, 1e-3, 0.01, 0.1])
@pytest.mark.parametrize("k", [0, 1, 8, 16, 18, 22, 32, 48, 64])
def test_equal_groups_extreme_against_mpmath(family, sigma, eps, k):
    N, d = mp.mpf(8e9), mp.mpf(2) ** k
    ref = 1 - mp.sqrt(mp.expm1(N / d * mp_log_kappa(eps, family, sigma))) / (2 * mp.sqrt(d))
    ours = pe_lower_bound_equal(eps, 8e9, k, family, sigma, clip=False)
    assert np.isfinite(pe_lower_bound_equal(eps, 8e9, k, family, sigma))
    if ref > -1e290:
        assert abs(ours - float(ref)) <= 1e-11 * max(1.0, abs(float(ref)))
    else:
        assert ours < -1e290 or ours == -np.inf
    assert pe_lower_bound_equal(eps, 8e9, k, family, sigma) == pytest.approx(float(min(max(ref, 0), 1)), abs=1e-11)

@pytest.mark.parametrize("eps", [1e-6, 1e-3, 0.01])
def test_unequal_groups_extreme_against_mpmath(eps):
    rng = np.random.default_rng(0)
    for d in [2, 64, 4096]:
        m = rng.integers(1, 8e9 / d * 2, size=d).astype(float)
        sig = rng.uniform(0.05, 2.0, size=d)
        ours = pe_lower_bound(eps, m, "gaussian", sig, clip=False)
        ref = mp_lb(eps, m, "gaussian", list(sig))
        if ref > -1e290: assert abs(ours - float(ref)) <= 1e-10 * max(1.0, abs(float(ref)))
        else: assert ours < -1e290

# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("call,match", [
    (lambda: pe_lower_bound(0, [10]), "`epsilon` must be > 0"),
    (lambda: pe_lower_bound(-1e-3, [10]), "`epsilon` must be > 0"),
    (lambda: pe_lower_bound(np.nan, [10]), "`epsilon` must be finite"),
    (lambda: pe_lower_bound(0.01, [10], "gaussian", 0), "`sigma` must be > 0"),
    (lambda: pe_lower_bound(0.01, [10], "gaussian", -1), "`sigma` must be > 0"),
    (lambda: pe_lower_bound(0.01, [10], "gaussian"), "`sigma`"),
    (lambda: pe_lower_bound(0.01, [0, 10]), "`m` must be >= 1"),
    (lambda: pe_lower_bound(0.01, [np.inf, 10]), "`m` has 1 non-finite"),
    (lambda: pe_lower_bound(0.01, [10, 20], "gaussian", [1, 2, 3]), "`sigma` has 3"),
    (lambda: pe_lower_bound_equal(0.01, 0, 2), "`N` must be >= 1"),
    (lambda: pe_lower_bound_equal(0.01, 100, -1), "`k` must be >= 0"),
    (lambda: max_attributes(1e6, 0.01, tau=0), "`tau` must be"),
    (lambda: max_attributes(1e6, 0.01, tau=1), "`tau` must be"),
    (lambda: max_attributes(1e6, 0.01, tau=np.nan), "`tau` must be"),
    (lambda: max_attributes(0.5, 0.01), "`N` must be >= 1"),
    (lambda: min_group_size(0.01, 0), "`d` must be >= 1"),
    (lambda: min_testable_epsilon([1, 2], "gaussian", [1.0]), "`sigma` has 1"),
    (lambda: log_kappa(0.7, "bernoulli"), "`epsilon` must be <= 0.5"),
    (lambda: log_kappa(0.1, "poisson"), "Unknown family"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match.replace("(", r"\(")):
        call()

def test_lower_bound_from_log_kappa_shape_check():
    with pytest.raises(ValueError, match="`log_kappa` must have one value per group"):
        lower_bound_from_log_kappa(np.zeros(3), [1, 2])

def test_bound_from_fit_uses_selected_rows_and_drops_pooled():
    fit = pd.DataFrame({"group": ["a", "a", "b", "b", "all"], "family": ["gaussian", "laplace"] * 2 + ["gaussian"],
                        "selected": [True, False, False, True, True], "n": [100, 100, 300, 300, 400],
                        "sigma": [0.5, 0.5, 0.7, 0.7, 0.6]})
    out = bound_from_fit(fit, [0.01, 0.1])
    lk = np.stack([log_kappa(np.array([0.01, 0.1]), "gaussian", 0.5), log_kappa(np.array([0.01, 0.1]), "laplace", 0.7)], axis=-1)
    np.testing.assert_allclose(out.lb_sum, lower_bound_from_log_kappa(lk, [100, 300]), rtol=1e-14)

# ---------------------------------------------------------------- Monte Carlo: the bound is a bound (large grid)
@pytest.mark.slow
def test_monte_carlo_bound_holds_on_large_grid():
    rows, i = [], 0
    for fam in ["gaussian", "bernoulli", "categorical"]:
        for k in [0, 1, 2, 3, 4, 5]:
            for mm in [5, 20, 100, 400]:
                for eps in ([0.05, 0.1, 0.2, 0.4] if fam == "gaussian" else [0.02, 0.05, 0.1, 0.2]):
                    m = np.full(2**k, mm); m[0] = max(1, mm // 2)
                    r = simulate_tests(eps, m, fam, 1.0, n_rep=40000, random_state=i); i += 1
                    rows.append(dict(family=fam, k=k, m=mm, eps=eps, **r))
    mc = pd.DataFrame(rows)
    z = (mc.optimal - mc.lb_sum) / mc.se
    print(f"worst margin {(mc.optimal - mc.lb_sum).min():.4f}, worst z {z.min():.2f} over {len(mc)} settings")
    assert z.min() > -4
    assert np.all(mc[["plugin_eps", "plugin_half"]].min(axis=1) >= mc.optimal - 4 * mc.se)

def test_bound_from_fit_families_table():
    "The distributions table feeds bound_from_fit directly; degenerate groups make the bound vacuous."
    from bopfair.distributions import fit_families
    rng = np.random.default_rng(3)
    b = np.concatenate([rng.normal(0, 0.8, 2000), rng.normal(0, 0.5, 1000)])
    g = np.repeat(["a", "b"], [2000, 1000])
    fit = fit_families(b, g, families=("gaussian",))
    sel = fit[fit.selected & (fit.group != "all")]
    np.testing.assert_allclose(bound_from_fit(fit, 0.01).lb_sum, pe_lower_bound(0.01, sel.n, "gaussian", sel.sigma), rtol=1e-14)
    fit2 = fit_families(np.r_[b, np.zeros(10)], np.r_[g, ["c"] * 10], families=("gaussian",))
    assert bound_from_fit(fit2, 0.01).lb_sum.iloc[0] == 0.0
