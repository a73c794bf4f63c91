"Tests of bopfair.bounds: SPEC test vectors, hypothesis properties, mpmath at high precision, bad input, a slow Monte Carlo grid."
import re
import numpy as np
import mpmath as mp
import pandas as pd
import pytest
from hypothesis import given, settings, assume, strategies as st

from bopfair.bounds import (FAMILIES, log_kappa, pe_lower_bound, pe_lower_bound_equal, lower_bound_from_log_kappa,
                            max_attributes, min_group_size, min_testable_epsilon, min_testable_epsilon_equal,
                            bound_from_fit, bound_fit_table, group_bounds_from_fit, min_testable_epsilon_from_fit,
                            simulate_tests)

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
    if e >= np.log2(N):                        # capped: more groups than people means an empty group
        assert e == np.log2(N) and pe_lower_bound_equal(eps, N, e + 1e-9, f, s) == 1.0
        return
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
    if d > N:                                  # fewer people than groups: an empty group, every test fails
        assert pe_lower_bound_equal(eps, 8e9, k, family, sigma, clip=False) == 1.0
        return
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
FIT3 = pd.DataFrame({"group": ["a", "b", "c"], "family": ["gaussian", "laplace", "categorical"],
                     "selected": True, "n": [50, 80, 20], "sigma": [0.5, 0.7, 0.9]})

@pytest.mark.parametrize("call,match", [
    (lambda: pe_lower_bound(0, [10]), "`epsilon` must be > 0"),
    (lambda: pe_lower_bound(-1e-3, [10]), "`epsilon` must be > 0"),
    (lambda: pe_lower_bound(np.nan, [10]), "`epsilon` must be finite"),
    (lambda: pe_lower_bound(0.01, [10], "gaussian", 0), "`sigma` must be > 0"),
    (lambda: pe_lower_bound(0.01, [10], "gaussian", -1), "`sigma` must be > 0"),
    (lambda: pe_lower_bound(0.01, [10], "gaussian"), "`sigma`"),
    (lambda: pe_lower_bound(0.01, [-1, 10]), "`m` must be >= 0"),
    (lambda: pe_lower_bound(0.01, [1, 10], mixture="best"), "Unknown mixture"),
    (lambda: pe_lower_bound(0.01, [1, 10], mixture=[0.5]), "`mixture` weights must be 2"),
    (lambda: pe_lower_bound(0.01, [1, 10], mixture=[0.0, 0.0]), "`mixture` weights"),
    (lambda: pe_lower_bound(0.01, [1, 10], form="paper"), "Unknown form"),
    (lambda: min_testable_epsilon([1, 10], mixture="max"), "Unknown mixture"),
    (lambda: group_bounds_from_fit(FIT3, [0.1, 0.2]), "`epsilon` must be one number"),
    (lambda: min_testable_epsilon_from_fit(FIT3, tau=1.0), "`tau` must be"),
    (lambda: bound_from_fit(FIT3.assign(sigma=-1.0), 0.1), "`fit['sigma']` must be >= 0"),
    (lambda: bound_from_fit(FIT3.assign(sigma=np.inf, selected=False), 0.1), "no group rows"),
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
    (lambda: bound_fit_table(FIT3.assign(family="student_t", sigma=np.inf)), "no Gaussian row"),
    (lambda: log_kappa(0.7, "bernoulli"), "`epsilon` must be <= 0.5"),
    (lambda: log_kappa(0.1, "poisson"), "Unknown family"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=re.escape(match)):
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
    np.testing.assert_allclose(out.lb_sum, lower_bound_from_log_kappa(lk, [100, 300], mixture="optimal"), rtol=1e-14)
    np.testing.assert_allclose(bound_from_fit(fit, [0.01, 0.1], mixture="equal").lb_sum,
                               lower_bound_from_log_kappa(lk, [100, 300]), rtol=1e-14)

# ---------------------------------------------------------------- Monte Carlo: the bound is a bound (large grid)
@pytest.mark.slow
def test_monte_carlo_bound_holds_on_large_grid():
    rows, i = [], 0
    for fam in ["gaussian", "bernoulli", "categorical"]:
        for k in [0, 1, 2, 3, 4, 5]:
            for mm in [5, 20, 100, 400]:
                for eps in ([0.05, 0.1, 0.2, 0.4] if fam == "gaussian" else [0.02, 0.05, 0.1, 0.2]):
                    m = np.full(2**k, mm); m[0] = max(1, mm // 10)
                    for mix in ["equal", "optimal"]:
                        r = simulate_tests(eps, m, fam, 1.0, n_rep=40000, random_state=i, mixture=mix); i += 1
                        rows.append(dict(family=fam, k=k, m=mm, eps=eps, mixture=mix, **r))
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
    np.testing.assert_allclose(bound_from_fit(fit, 0.01, mixture="equal").lb_sum,
                               pe_lower_bound(0.01, sel.n, "gaussian", sel.sigma), rtol=1e-14)
    fit2 = fit_families(np.r_[b, np.zeros(10)], np.r_[g, ["c"] * 10], families=("gaussian",))
    row = fit2[fit2.group == "c"].iloc[0]
    assert row.family == "degenerate" and row.sigma == pytest.approx(np.std(np.r_[b, np.zeros(10)]), rel=1e-12)
    assert bound_from_fit(fit2, 0.01).lb_sum.iloc[0] >= bound_from_fit(fit, 0.01).lb_sum.iloc[0] > 0.5


# ---------------------------------------------------------------- the optimal mixture (ours)
pos_sizes = st.lists(st.integers(1, 3000), min_size=1, max_size=8)

@settings(max_examples=300, deadline=None)
@given(fam_sigma, eps_st, pos_sizes)
def test_optimal_at_least_every_group_and_the_equal_mixture(fs, eps, m):
    f, s = fs
    opt = pe_lower_bound(eps, m, f, s, clip=False, mixture="optimal")
    eq = pe_lower_bound(eps, m, f, s, clip=False)
    per = [pe_lower_bound(eps, [mj], f, s, clip=False) for mj in m]
    tol = 1e-12 * max(1, abs(opt))
    assert opt >= max(per) - tol and opt >= eq - tol
    w = np.random.default_rng(len(m)).dirichlet(np.ones(len(m)))
    assert opt >= pe_lower_bound(eps, m, f, s, clip=False, mixture=w) - tol      # no weights do better

@settings(max_examples=300, deadline=None)
@given(fam_sigma, eps_st, pos_sizes, st.data())
def test_optimal_monotone_in_sizes_and_epsilon_and_groups(fs, eps, m, data):
    f, s = fs
    a = pe_lower_bound(eps, m, f, s, clip=False, mixture="optimal")
    tol = 1e-12 * max(1, abs(a))
    j = data.draw(st.integers(0, len(m) - 1)); m2 = list(m); m2[j] += data.draw(st.integers(1, 3000))
    assert pe_lower_bound(eps, m2, f, s, clip=False, mixture="optimal") <= a + tol
    eps2 = min(eps * data.draw(st.floats(1.0001, 3.0)), 0.45)
    assert pe_lower_bound(eps2, m, f, s, clip=False, mixture="optimal") <= a + tol
    extra = data.draw(st.integers(0, 3000))                                      # adding a group never lowers it
    assert pe_lower_bound(eps, m + [extra], f, s, clip=False, mixture="optimal") >= a - tol

def test_optimal_edge_cases():
    assert pe_lower_bound(0.3, [1000, 0], "gaussian", 0.5, mixture="optimal") == 1.0       # empty group
    assert lower_bound_from_log_kappa([np.inf, np.inf], [3, 4], mixture="optimal") == 0.0
    assert lower_bound_from_log_kappa([np.inf, 1e-3], [3, 40], mixture="optimal") == \
        lower_bound_from_log_kappa([1e-3], [40])
    assert pe_lower_bound(1e-200, [10**9] * 4, "gaussian", 1.0, mixture="optimal") == 1.0
    assert np.isnan(lower_bound_from_log_kappa([np.nan, 1e-3], [3, 40], mixture="optimal"))

def test_the_issue_example_three_groups():
    "Groups of 3000, 3000, 30 at eps = 0.05: the equal mixture reads 0, the 30-person group alone does not."
    m = [3000, 3000, 30]
    assert pe_lower_bound(0.05, m, "gaussian", 0.4) == 0.0
    alone = pe_lower_bound(0.05, [30], "gaussian", 0.4)
    assert alone > 0.5 and pe_lower_bound(0.05, m, "gaussian", 0.4, mixture="optimal") >= alone

@pytest.mark.parametrize("eps", [1e-4, 0.01, 0.05])
def test_optimal_against_mpmath(eps):
    rng = np.random.default_rng(1)
    for d in [2, 16, 256]:
        m = rng.integers(1, 5000, size=d).astype(float); sig = rng.uniform(0.05, 2.0, size=d)
        ours = pe_lower_bound(eps, m, "gaussian", sig, clip=False, mixture="optimal")
        inv = sum(1 / mp.expm1(mp.mpf(mj) * (mp.mpf(eps) / mp.mpf(sj)) ** 2) for mj, sj in zip(m, sig))
        ref = 1 - mp.sqrt(1 / inv) / 2
        assert abs(ours - float(ref)) <= 1e-11 * max(1.0, abs(float(ref)))

def test_authors_simplified_form():
    "Their code: 1 - (1 + 4 eps^2)^(m/2) / 4 for d = 4 equal groups of 284 (0-1 costs) at eps = 0.01."
    v = pe_lower_bound(0.01, [284] * 4, "bernoulli", form="simplified")
    assert abs(v - 0.735392) < 0.5e-6
    assert v == pytest.approx(1 - (1 + 4e-4) ** 142 / 4, rel=1e-13)
    assert pe_lower_bound_equal(0.01, 4 * 284, 2, "bernoulli", form="simplified") == pytest.approx(v, rel=1e-13)
    sig = np.array([.7825, .8775, .7403, .8238]); m = np.array([4111, 1662, 5465, 2099])  # Gaussian: e^{m eps^2 / (2 sigma^2)}
    want = 1 - np.sqrt(np.mean(np.exp(m * 1e-4 / sig**2))) / (2 * np.sqrt(4))
    assert pe_lower_bound(0.01, m, "gaussian", sig, form="simplified") == pytest.approx(want, rel=1e-13)
    assert pe_lower_bound(0.01, m, "gaussian", sig, form="simplified") < pe_lower_bound(0.01, m, "gaussian", sig)

@settings(max_examples=100, deadline=None)
@given(fam_sigma, eps_st, pos_sizes, st.sampled_from(["equal", "optimal"]))
def test_simplified_never_above_exact(fs, eps, m, mix):
    f, s = fs
    a = pe_lower_bound(eps, m, f, s, clip=False, mixture=mix, form="simplified")
    assert a <= pe_lower_bound(eps, m, f, s, clip=False, mixture=mix) + 1e-12

# ---------------------------------------------------------------- max_attributes default, N < d
def test_max_attributes_default_is_exact_and_lambertw_sign():
    assert max_attributes(100, 0.01).k_star == max_attributes(100, 0.01, method="exact").k_star
    w, e = max_attributes(100, 0.01, method="lambertw").k_star, max_attributes(100, 0.01).k_star
    assert w > 0 > e and abs(w - 0.0555) < 1e-3 and abs(e + 2.2523) < 1e-3

def test_fewer_people_than_groups():
    assert min_testable_epsilon_equal(100, 7, "gaussian", 1.0) == np.inf           # 128 groups, 100 people
    assert np.isfinite(min_testable_epsilon_equal(128, 7, "gaussian", 1.0))
    assert pe_lower_bound_equal(0.4, 100, 7, "gaussian", 1.0) == 1.0
    assert pe_lower_bound_equal(0.4, 100, 7, "gaussian", 1.0, convention="half") == 0.5

# ---------------------------------------------------------------- epsilon*: exactly where the bound crosses tau
FIT_FAMS = ["gaussian", "laplace", "categorical", "student_t", "degenerate"]
fit_tables = st.lists(st.tuples(st.sampled_from(FIT_FAMS), st.integers(1, 3000), st.floats(0.05, 3.0)),
                      min_size=1, max_size=6).map(lambda rows: pd.DataFrame(
                          {"group": [f"g{i}" for i in range(len(rows))], "family": [r[0] for r in rows],
                           "n": [r[1] for r in rows], "sigma": [r[2] for r in rows], "selected": True}))

@settings(max_examples=200, deadline=None)
@given(fit_tables, st.floats(1e-4, 5.0), st.floats(0.05, 0.95), st.sampled_from(["equal", "optimal"]))
def test_epsilon_star_from_fit_is_exact(fit, eps, tau, mix):
    e = min_testable_epsilon_from_fit(fit, tau, mixture=mix)
    lb = lambda x: bound_from_fit(fit, x, mixture=mix)["lb_sum"].iloc[0]
    assert (eps < e) == (lb(eps) >= tau)
    assert 0 < e < np.inf
    assert lb(float(np.nextafter(e, 0))) >= tau > lb(e)                 # at the root, to the float

@settings(max_examples=100, deadline=None)
@given(fam_sigma, pos_sizes, st.floats(1e-5, 0.5), st.floats(0.05, 0.95), st.sampled_from(["equal", "optimal"]))
def test_min_testable_epsilon_is_exact(fs, m, eps, tau, mix):
    f, s = fs
    e = min_testable_epsilon(m, f, s, tau, mixture=mix)
    assert (eps < e) == (pe_lower_bound(eps, m, f, s, mixture=mix) >= tau)
    if np.isfinite(e):
        assert pe_lower_bound(np.nextafter(e, 0), m, f, s, mixture=mix) >= tau > pe_lower_bound(e, m, f, s, mixture=mix)

def test_epsilon_star_no_cap_and_bounded_families():
    fit = pd.DataFrame({"group": ["a"], "family": ["gaussian"], "n": [3], "sigma": [1e9]})
    e = min_testable_epsilon_from_fit(fit)
    assert 1e6 < e < np.inf and e == pytest.approx(1e9 * np.sqrt(np.log1p(1.0) / 3), rel=1e-9)
    assert min_testable_epsilon_from_fit(fit.assign(n=1), family="bernoulli", tau=0.4) == np.inf   # LB(1/2) = 1/2
    assert min_testable_epsilon_from_fit(fit.assign(n=0)) == np.inf                 # an empty group
    assert np.isnan(min_testable_epsilon_from_fit(fit.assign(sigma=np.nan)))         # no scale at all

def test_group_bounds_from_fit_matches_one_row_tables():
    fit = pd.DataFrame({"group": ["a", "b", "c", "all"], "family": ["gaussian", "laplace", "degenerate", "gaussian"],
                        "n": [400, 150, 2, 552], "sigma": [0.8, 0.5, 0.7, 0.7], "selected": True})
    gb = group_bounds_from_fit(fit, 0.05)
    assert list(gb.index) == ["a", "b", "c"] and list(gb.family) == ["gaussian", "laplace", "moment"]
    for g, r in gb.iterrows():
        one = fit[fit.group == g]
        assert r.lb == bound_from_fit(one, 0.05)["lb_sum"].iloc[0]
        assert r.eps_star == min_testable_epsilon_from_fit(one)
    assert bound_from_fit(fit, 0.05)["lb_sum"].iloc[0] >= gb.lb.max()

def test_bound_fit_table_falls_back_to_gaussian():
    fit = pd.DataFrame({"group": ["a", "a", "b", "b", "all", "all"], "family": ["gaussian", "student_t"] * 3,
                        "selected": [False, True, True, False, False, True], "n": [50, 50, 60, 60, 110, 110],
                        "sigma": [0.9, np.inf, 0.5, 0.6, 0.8, np.inf]})
    bt = bound_fit_table(fit)
    assert bt.group.tolist() == ["a", "b", "all"] and bt.family.tolist() == ["gaussian"] * 3
    assert bt.sigma.tolist() == [0.9, 0.5, 0.8] and bt.selected.all()
    assert bound_from_fit(fit, 0.1)["lb_sum"].iloc[0] == bound_from_fit(bt, 0.1)["lb_sum"].iloc[0]

def test_adding_a_tiny_or_constant_group_never_lowers_the_bound():
    "The issue's case: three groups of 100 are untestable; a 2-person group must not make them testable."
    from bopfair.distributions import fit_families
    rng = np.random.default_rng(4)
    b = rng.normal(0.05, 1.0, 300); g = np.repeat(["a", "b", "c"], 100)
    base = bound_from_fit(fit_families(b, g), 0.1)["lb_sum"].iloc[0]
    tiny = bound_from_fit(fit_families(np.r_[b, 0.3, -0.4], np.append(g, ["t", "t"])), 0.1)["lb_sum"].iloc[0]
    const = bound_from_fit(fit_families(np.r_[b, np.full(40, 0.2)], np.append(g, ["k"] * 40)), 0.1)["lb_sum"].iloc[0]
    assert base >= 0.5 and tiny >= base and const >= base

def test_simulate_tests_with_weights():
    m = [200, 200, 20]
    r = simulate_tests(0.15, m, "gaussian", [1.0, 0.8, 1.2], n_rep=20000, random_state=0, mixture="optimal")
    assert r.optimal >= r.lb_sum - 4 * r.se
    assert r.lb_sum == pytest.approx(pe_lower_bound(0.15, m, "gaussian", [1.0, 0.8, 1.2], mixture="optimal"), rel=1e-12)
    w = simulate_tests(0.15, m, "gaussian", 1.0, n_rep=20000, random_state=0, mixture=[0.2, 0.3, 0.5])
    assert w.optimal >= w.lb_sum - 4 * w.se

# ---------------------------------------------------------------- the vectorized roots against the scalar route
from bopfair.bounds import _FitGroups, _fit_groups, _fit_lb, _EPS_MAX

def _scalar_float_boundary(ok, lo: float, hi: float) -> float:
    "The scalar bisection on the float grid that group_bounds_from_fit ran per group before issue 12."
    a, b = np.float64(lo).view(np.int64), np.float64(hi).view(np.int64)
    while b - a > 1:
        c = a + (b - a) // 2
        if ok(float(np.int64(c).view(np.float64))): a = c
        else: b = c
    return float(np.int64(b).view(np.float64))

def _scalar_eps_star(lb, tau, eps_max=np.inf):
    ok = lambda e: bool(lb(e) >= tau)
    hi = float(eps_max) if np.isfinite(eps_max) else 1.0
    if np.isnan(lb(hi)): return np.nan
    if np.isfinite(eps_max):
        if ok(hi): return np.inf
    else:
        while ok(hi):
            if hi > 1e295: return np.inf
            hi *= 1e8
    lo = hi
    while not ok(lo):
        if lo < 1e-295: return 0.0
        lo /= 1e8
    return _scalar_float_boundary(ok, lo, hi)

def _scalar_group_bounds(fit, eps, tau, form):
    "Per group, one scalar root at a time, through the all-groups bound with d = 1 (the slow route)."
    g = _fit_groups(fit, None, "all")
    rows = []
    for j in range(len(g.m)):
        gj = _FitGroups([g.groups[j]], g.m[j:j + 1], g.sigma[j:j + 1], g.families[j:j + 1])
        lb = lambda e: _fit_lb(gj, np.array([e]), "optimal", form)[0]
        rows.append((lb(float(eps)), _scalar_eps_star(lb, tau, _EPS_MAX.get(g.families[j], np.inf))))
    return np.array(rows)

def test_group_bounds_vectorized_equal_the_scalar_route_on_random_fits():
    "One vectorized float-grid bisection over all groups gives the scalar route's lb and eps* to the last bit."
    rng = np.random.default_rng(12)
    fams = ["gaussian", "laplace", "moment", "bernoulli", "categorical", "laplace_loose"]
    for _ in range(40):
        d = int(rng.integers(1, 18))
        m = np.where(rng.random(d) < 0.1, 0, np.round(10 ** rng.uniform(0, 7, d)))
        sig = 10 ** rng.uniform(-4, 2, d)
        sig[rng.random(d) < 0.08] = 0.0                    # perfectly testable
        sig[rng.random(d) < 0.08] = np.nan                 # no scale
        fit = pd.DataFrame({"group": [f"g{j}" for j in range(d)], "n": m, "sigma": sig,
                            "family": rng.choice(fams, d)})
        eps, tau = 10 ** rng.uniform(-4, -0.4), rng.uniform(0.05, 0.95)
        form = str(rng.choice(["exact", "simplified"]))
        new = group_bounds_from_fit(fit, eps, tau, form=form)[["lb", "eps_star"]].to_numpy()
        old = _scalar_group_bounds(fit, eps, tau, form)
        np.testing.assert_array_equal(new, old)

def test_group_bounds_keep_the_pooled_row_when_asked():
    fit = pd.DataFrame({"group": ["a", "b", "all"], "n": [300, 500, 800], "sigma": [1.0, 0.8, 0.9],
                        "family": ["gaussian", "laplace", "gaussian"]})
    both = group_bounds_from_fit(fit, 0.05, pooled_label=None)
    assert list(both.index) == ["a", "b", "all"]
    alone = group_bounds_from_fit(fit[fit.group == "all"].assign(group="pop"), 0.05)
    assert both.loc["all", "eps_star"] == alone.loc["pop", "eps_star"]
    assert list(group_bounds_from_fit(fit, 0.05).index) == ["a", "b"]
