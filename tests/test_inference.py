"Property-based and bad-input tests of bopfair.inference: per-group tests, Holm, the IUT and the bootstrap."
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats
from statsmodels.stats.multitest import multipletests

from bopfair.bop import benefit_of_personalization
from bopfair.groups import as_groups
from bopfair.inference import (bootstrap_ci, group_tests, holm_adjust, intersection_union_test, is_categorical_bop,
                               BootstrapCI, GroupTests, IUTResult)

real_values = st.floats(min_value=-100, max_value=100, allow_nan=False, allow_infinity=False)

@pytest.fixture(autouse=True)
def _no_gc_collect(monkeypatch):
    "statsmodels' Holm branch runs gc.collect() on every call (~50 ms); hypothesis makes thousands of calls. Results are unchanged."
    monkeypatch.setattr("gc.collect", lambda *a, **k: 0)

@st.composite
def audits(draw, categorical=None):
    "An individual BoP vector (real or in {-1,0,1}) with labels over 1-4 groups, one of them possibly empty."
    n = draw(st.integers(1, 40))
    d = draw(st.integers(1, 4))
    codes = draw(arrays(np.int64, n, elements=st.integers(0, d - 1)))
    cat = draw(st.booleans()) if categorical is None else categorical
    elements = st.sampled_from([-1.0, 0.0, 1.0]) if cat else real_values
    b = draw(arrays(np.float64, n, elements=elements))
    labels = pd.Categorical.from_codes(codes, categories=[f"g{j}" for j in range(d)])
    return b, pd.DataFrame({"grp": labels}) if d > 1 and len(set(codes)) > 1 else labels.astype(str)

def _p(gt): return gt.table["p_value"].to_numpy()

@settings(max_examples=200, deadline=None)
@given(audits(), st.sampled_from(["benefit", "harm"]), st.sampled_from(["auto", "t"]))
def test_pvalues_are_probabilities_and_holm_is_larger(a, alternative, method):
    b, groups = a
    gt = group_tests(b, groups, alternative=alternative, method=method)
    t = gt.table
    ok = t.p_value.notna()
    assert ((t.p_value[ok] >= 0) & (t.p_value[ok] <= 1)).all()
    assert (t.p_holm[ok] >= t.p_value[ok] - 1e-15).all() and (t.p_holm[ok] <= 1).all()
    assert t.p_holm[~ok].isna().all() and not t.reject[~ok].any()
    assert (t.p_value[t.n == 0].isna()).all()
    assert (t.reject == (t.p_holm <= gt.alpha)).all()
    assert t.n.sum() == len(b)

@settings(max_examples=150, deadline=None)
@given(audits(categorical=False), st.floats(0, 2))
def test_negating_b_swaps_benefit_and_harm_for_the_t_test(a, margin):
    b, groups = a
    ben = group_tests(b, groups, method="t", margin=margin)
    harm_neg = group_tests(-b, groups, method="t", alternative="harm", margin=margin)
    np.testing.assert_allclose(_p(ben), _p(harm_neg), rtol=1e-9, atol=1e-12, equal_nan=True)
    harm = group_tests(b, groups, method="t", alternative="harm", margin=0.0)
    ben0 = group_tests(b, groups, method="t", margin=0.0)
    total = _p(ben0) + _p(harm)                      # continuous test: the two one-sided p-values add to 1
    np.testing.assert_allclose(total[~np.isnan(total)], 1.0, atol=1e-9)

@settings(max_examples=150, deadline=None)
@given(audits(categorical=True))
def test_sign_test_matches_binomtest_and_negation(a):
    b, groups = a
    gt = group_tests(b, groups)
    assert gt.method == "sign"
    g = as_groups(groups)
    for j, name in enumerate(g.names):
        x = b[g.codes == j]
        if len(x) == 0: continue
        pos, neg = int((x > 0).sum()), int((x < 0).sum())
        ref = 1.0 if pos + neg == 0 else stats.binomtest(pos, pos + neg, 0.5, alternative="greater").pvalue
        assert gt.table.loc[name, "p_value"] == pytest.approx(ref, abs=1e-12)
    np.testing.assert_allclose(_p(gt), _p(group_tests(-b, groups, alternative="harm")), atol=1e-12, equal_nan=True)

@settings(max_examples=200, deadline=None)
@given(audits(), st.floats(0.01, 0.5))
def test_iut_rejects_only_if_every_group_rejects(a, alpha):
    b, groups = a
    iut = intersection_union_test(b, groups, alpha=alpha)
    t = iut.group_tests.table
    t = t[t.n > 0]
    if iut.reject:
        assert (t.p_value <= alpha).all()
    if (t.p_value <= alpha).all():
        assert iut.reject
    if t.p_value.notna().all():
        assert iut.p_value == t.p_value.max()
    else:
        assert np.isnan(iut.p_value) and not iut.reject
    assert iut.gamma == pytest.approx(t.bop.min())

@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.just(np.nan)), min_size=1, max_size=12), st.floats(0.001, 0.5))
def test_holm_matches_statsmodels(p, alpha):
    p = np.array(p, dtype=float)
    ph, rej = holm_adjust(p, alpha)
    ok = ~np.isnan(p)
    assert np.isnan(ph[~ok]).all() and not rej[~ok].any()
    if ok.any():
        sm_rej, sm_p = multipletests(p[ok], alpha=alpha, method="holm")[:2]
        np.testing.assert_allclose(ph[ok], sm_p, atol=1e-12)
        np.testing.assert_array_equal(rej[ok], sm_rej)

@settings(max_examples=100, deadline=None)
@given(audits(), st.integers(0, 2**31), st.floats(0.5, 0.99))
def test_bootstrap_ci_contains_estimate_and_is_reproducible(a, seed, confidence):
    b, groups = a
    ci = bootstrap_ci(b, groups, n_boot=200, confidence=confidence, random_state=seed)
    t = ci.table
    full = t[t.n > 0]
    assert (full.lower <= full.upper).all()
    rows = full.drop(index="gamma")                   # the percentile interval of a mean holds its estimate
    assert ((rows.lower <= rows.estimate + 1e-9) & (rows.estimate <= rows.upper + 1e-9)).all()
    assert t.loc["all", "estimate"] == pytest.approx(b.mean())
    assert t.loc["all", "n"] == len(b)
    assert ci.replicates.shape == (200, len(t))
    np.testing.assert_array_equal(ci.replicates, bootstrap_ci(b, groups, n_boot=200, confidence=confidence,
                                                              random_state=seed).replicates)
    # every replicate of gamma is the minimum of that replicate's group means
    g = ci.replicates[:, :-2][:, (t.n[:-2] > 0).to_numpy()]
    np.testing.assert_allclose(ci.replicates[:, -1], g.min(axis=1))

def test_accepts_a_bop_result():
    S = pd.DataFrame({"sex": list("FFFFMMMM")})
    res = benefit_of_personalization([1, 1, 1, 0, 0, 1, 0, 0.], [0, 0, 0, 0, 1, 0, 0, 0.], S, cost="zero_one")
    gt = group_tests(res, S)
    assert isinstance(gt, GroupTests) and gt.cost == "zero_one" and gt.method == "sign"
    assert gt.table.index.tolist() == ["sex=F", "sex=M"]
    assert gt.table.loc["sex=F", "p_value"] == pytest.approx(1 / 8)
    assert isinstance(intersection_union_test(res, S), IUTResult)
    assert isinstance(bootstrap_ci(res, S, n_boot=10), BootstrapCI)
    assert is_categorical_bop(res.individual)

def test_degenerate_groups():
    t = group_tests([2.0, 2.0, -1.0, -1.0, 0.0, 0.0, 5.0], list("aabbccd"), method="t").table
    assert t.p_value[["a", "b", "c"]].tolist() == [0.0, 1.0, 0.5]
    assert np.isnan(t.p_value["d"]) and np.isnan(t.statistic["d"]) and not t.reject["d"]     # one person: untestable
    s = group_tests([0.0, 0.0, 1.0], list("aab")).table
    assert s.loc["a", "p_value"] == 1.0 and s.loc["b", "p_value"] == 0.5

# ---------------------------------------------------------------- bad input
B, G = np.array([0.5, -0.2, 0.1, 0.3]), ["x", "x", "y", "y"]

@pytest.mark.parametrize("call, exc, msg", [
    (lambda: group_tests(B, G, alpha=0), ValueError, "`alpha`"),
    (lambda: group_tests(B, G, alpha=1), ValueError, "`alpha`"),
    (lambda: group_tests(B, G, alpha=np.nan), ValueError, "`alpha`"),
    (lambda: group_tests(B, G, alpha=None), TypeError, "`alpha`"),
    (lambda: intersection_union_test(B, G, alpha=2), ValueError, "`alpha`"),
    (lambda: group_tests(B, G, method="exact"), ValueError, "method='exact'"),
    (lambda: group_tests(B, G, alternative="two-sided"), ValueError, "alternative='two-sided'"),
    (lambda: group_tests(B, G, method="sign"), ValueError, "`method='sign'`"),
    (lambda: group_tests([1.0, 0.0], G[:2], method="sign", margin=0.1), ValueError, "`margin`"),
    (lambda: group_tests(B, G, margin=-1), ValueError, "`margin`"),
    (lambda: bootstrap_ci(B, G, n_boot=0), ValueError, "`n_boot`"),
    (lambda: bootstrap_ci(B, G, n_boot=2.0), TypeError, "`n_boot`"),
    (lambda: bootstrap_ci(B, G, confidence=0), ValueError, "`confidence`"),
    (lambda: bootstrap_ci(B, G, confidence=95), ValueError, "`confidence`"),
    (lambda: bootstrap_ci(B, G, random_state=1.5), TypeError, "`random_state`"),
    (lambda: group_tests([0.5, np.nan, 0.1, 0.3], G), ValueError, "`b`"),
    (lambda: bootstrap_ci([0.5, np.inf, 0.1, 0.3], G), ValueError, "`b`"),
    (lambda: group_tests(B, G[:3]), ValueError, "`groups` has 3"),
    (lambda: intersection_union_test(B[:2], G), ValueError, "`b` has 2"),
    (lambda: group_tests(B, None), TypeError, "`groups` is required"),
    (lambda: group_tests([[0.5, 0.1]], ["x"]), ValueError, "`b` must be 1-D"),
    (lambda: bootstrap_ci([], []), ValueError, "`b` is empty"),
])
def test_bad_input(call, exc, msg):
    with pytest.raises(exc, match=msg.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        call()

# ---------------------------------------------------------------- slow: larger simulations
@pytest.mark.slow
def test_type_one_error_of_holm_and_iut_under_the_global_null():
    rng = np.random.default_rng(123)
    g = as_groups(np.repeat(list("ABCDEFGH"), 20))
    R = 3000
    fwer = np.mean([group_tests(rng.standard_t(5, 160), g).table.reject.any() for _ in range(R)])
    assert fwer < 0.05 + 3.5 * np.sqrt(0.05 * 0.95 / R)

@pytest.mark.slow
def test_bootstrap_coverage_for_categorical_bop():
    rng = np.random.default_rng(7)
    sizes = np.array([80, 120])
    g = as_groups(np.repeat(["A", "B"], sizes))
    p = np.array([[0.2, 0.5, 0.3], [0.1, 0.6, 0.3]])     # P(b=-1), P(0), P(1) -> BoP 0.1, 0.2
    truth = np.array([0.1, 0.2])
    R = 500
    hits = []
    for k in range(R):
        b = np.concatenate([rng.choice([-1.0, 0.0, 1.0], size=m, p=pj) for m, pj in zip(sizes, p)])
        t = bootstrap_ci(b, g, n_boot=1000, random_state=k).table
        hits.append(((t.lower[:2] <= truth) & (truth <= t.upper[:2])).to_numpy())
    cov = np.mean(hits, axis=0)
    assert (abs(cov - 0.95) < 3.5 * np.sqrt(0.05 * 0.95 / R) + 0.01).all()
