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
                               BootstrapCI, GroupTests, IUTResult, directional_tests, DirectionalTests,
                               holm_across_costs, simultaneous_intervals, SimultaneousIntervals, discordance_interval,
                               _t_pvalues, _sign_pvalues, _mean_intervals)

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
    varies = ~ben0.table["method"].eq("sign").to_numpy()   # (constant groups use the sign test)
    np.testing.assert_allclose(total[~np.isnan(total) & varies], 1.0, atol=1e-9)

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

def _assert_holm_is_statsmodels(p, ph, rej, alpha):
    "One family: NaN p-values stay NaN and unrejected; the others match statsmodels' Holm."
    ok = ~np.isnan(p)
    assert np.isnan(ph[~ok]).all() and not rej[~ok].any()
    if ok.any():
        sm_rej, sm_p = multipletests(p[ok], alpha=alpha, method="holm")[:2]
        np.testing.assert_allclose(ph[ok], sm_p, atol=1e-12)
        np.testing.assert_array_equal(rej[ok], sm_rej)

@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.just(np.nan)), min_size=1, max_size=12), st.floats(0.001, 0.5))
def test_holm_matches_statsmodels(p, alpha):
    p = np.array(p, dtype=float)
    ph, rej = holm_adjust(p, alpha)
    _assert_holm_is_statsmodels(p, ph, rej, alpha)

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
    assert t.p_value[["a", "b", "c"]].tolist() == [0.25, 1.0, 1.0]       # constant groups: exact sign test
    assert t.method[["a", "b", "c", "d"]].tolist() == ["sign", "sign", "sign", "t"]
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

# ---------------------------------------------------------------- one family per cost, and across costs
def _holm_ref(p):
    "Holm by statsmodels on the non-NaN entries (NaN stays NaN)."
    p = np.asarray(p, float); out = np.full(p.shape, np.nan); ok = ~np.isnan(p)
    if ok.any(): out[ok] = multipletests(p[ok], method="holm")[1]
    return out

@settings(max_examples=150, deadline=None)
@given(audits(), st.integers(1, 8), st.floats(0.01, 0.3))
def test_directional_tests_is_one_holm_family(a, min_size, alpha):
    b, groups = a
    dt = directional_tests(b, groups, alpha=alpha, min_group_size=min_size)
    t = dt.table
    raw = np.concatenate([t.p_benefit, t.p_harm])
    np.testing.assert_allclose(np.concatenate([t.p_benefit_adj, t.p_harm_adj]), _holm_ref(raw), atol=1e-12)
    small = (t.n > 0) & (t.n < min_size)
    assert t.p_benefit[small | (t.n == 0)].isna().all() and not t.tested[small].any()
    assert (t.tested == t.p_benefit.notna()).all() and (t.tested == t.p_harm.notna()).all()
    assert (dt.benefit.table.p_holm.fillna(-1) == t.p_benefit_adj.fillna(-1)).all()
    assert ((t.claim == "benefit") == dt.benefit.table.reject).all() and ((t.claim == "harm") == dt.harm.table.reject).all()
    assert not (dt.benefit.table.reject & dt.harm.table.reject).any()
    assert f"over {2 * int(t.tested.sum())} one-sided" in dt.family
    # raw p-values are group_tests' where the group is tested
    gt = group_tests(b, groups, alternative="benefit")
    np.testing.assert_allclose(t.p_benefit[t.tested], gt.table.p_value[t.tested], atol=1e-15)
    # the IUT takes it and cannot reject when a non-empty group is untested
    iut = intersection_union_test(benefit_tests=dt)
    if ((t.n > 0) & ~t.tested).any():
        assert not iut.reject and iut.note.startswith("cannot reject")
    else:
        assert iut.p_value == t.p_benefit[t.n > 0].max() and iut.note == ""

@settings(max_examples=80, deadline=None)
@given(st.lists(audits(), min_size=1, max_size=3), st.floats(0.01, 0.3))
def test_holm_across_costs_is_holm_on_every_p_value(parts, alpha):
    tests = {f"cost{k}": directional_tests(b, g, alpha=alpha) for k, (b, g) in enumerate(parts)}
    joint = holm_across_costs(tests)
    assert list(joint) == list(tests)
    raw = np.concatenate([np.r_[t.table.p_benefit, t.table.p_harm] for t in tests.values()])
    adj = np.concatenate([np.r_[t.table.p_benefit_adj, t.table.p_harm_adj] for t in joint.values()])
    np.testing.assert_allclose(adj, _holm_ref(raw), atol=1e-12)
    for k in tests:                                   # adjusted p-values only grow; claims only shrink
        a, j = tests[k].table, joint[k].table
        assert (j.p_benefit_adj.fillna(0) >= a.p_benefit_adj.fillna(0) - 1e-15).all()
        assert ((j.claim != "") <= (a.claim != "")).all()
        assert joint[k].alpha == alpha and f"of {len(parts)} costs" in joint[k].family

@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 9)),
              elements=st.one_of(st.floats(0, 1), st.just(np.nan))), st.floats(0.001, 0.5))
def test_holm_adjust_rows_match_statsmodels(P, alpha):
    ph, rej = holm_adjust(P, alpha)
    for row, prow, rrow in zip(P, ph, rej):
        _assert_holm_is_statsmodels(row, prow, rrow, alpha)

def test_constant_groups_use_the_exact_sign_test():
    dt = directional_tests([0.5] * 4 + [0.0] * 3 + [-2.0] * 5 + [0.1, 0.7, 0.2], list("aaaabbbcccccddd"), method="t")
    assert dt.table.p_benefit.tolist()[:3] == [0.5 ** 4, 1.0, 1.0]
    assert dt.table.p_harm.tolist()[:3] == [1.0, 1.0, 0.5 ** 5]
    assert dt.table.method.tolist() == ["sign", "sign", "sign", "t"]
    s = directional_tests([1.0] * 6 + [0.0] * 6, list("a" * 6 + "b" * 6))          # 0-1 costs: the same rule
    assert s.table.p_benefit.tolist() == [0.5 ** 6, 1.0] and s.table.method.tolist() == ["sign", "sign"]

# ---------------------------------------------------------------- simultaneous intervals
@settings(max_examples=150, deadline=None)
@given(audits(), st.floats(0.01, 0.3), st.integers(1, 6))
def test_simultaneous_intervals_contain_estimates_and_gamma_is_min(a, alpha, min_size):
    b, groups = a
    si = simultaneous_intervals(b, groups, alpha=alpha, min_group_size=min_size)
    t = si.table
    g = t.drop(index=["all", "gamma"])
    tested = g[g.tested]
    assert ((tested.lower <= tested.estimate + 1e-12) & (tested.estimate <= tested.upper + 1e-12)).all()
    assert (tested.upper > tested.lower).all()                                     # never zero width
    assert g[~g.tested][["lower", "upper", "level"]].isna().all().all()
    assert np.allclose(tested.level, (1 - alpha) ** (1 / max(len(tested), 1)))
    full = g[g.n > 0]
    assert t.loc["gamma", "estimate"] == full.estimate.min()
    if full.tested.all(): assert t.loc["gamma", "lower"] == full.lower.min()
    else: assert t.loc["gamma", "lower"] == -np.inf
    assert t.loc["gamma", "upper"] == (tested.upper.min() if len(tested) else np.inf)
    assert t.loc["all", "n"] == len(b) and t.loc["all", "estimate"] == pytest.approx(b.mean())
    assert t.loc[["all", "gamma"], "level"].tolist() == [1 - alpha, 1 - alpha]
    if t.loc["all", "tested"]: assert t.loc["all", "upper"] > t.loc["all", "lower"]

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 25), st.floats(0, 1), st.floats(0, 1), st.floats(0.5, 0.99))
def test_discordance_interval_exact_coverage(m, u, v, level):
    "Coverage computed exactly over every trinomial outcome is at least the level."
    p_pos, p_neg = u * v, u * (1 - v)
    pos, neg = np.array([(i, j) for i in range(m + 1) for j in range(m + 1 - i)]).T
    prob = stats.multinomial.pmf(np.column_stack([pos, neg, m - pos - neg]), m, [p_pos, p_neg, max(0.0, 1 - u)])
    lo, hi = discordance_interval(m, pos, neg, level)
    assert lo.min() >= -1 - 1e-12 and hi.max() <= 1 + 1e-12
    truth = p_pos - p_neg
    assert prob[(lo <= truth + 1e-12) & (truth - 1e-12 <= hi)].sum() >= level - 1e-9

def test_interval_edge_cases():
    z = simultaneous_intervals(np.zeros(40), ["x"] * 40).table.loc["x"]          # models never disagree
    assert z.method == "exact" and z.lower == -z.upper and z.upper == pytest.approx(1 - (0.05 / 4) ** (1 / 40))
    c = simultaneous_intervals(np.r_[np.full(20, 0.2), np.linspace(-1, 1, 20)], ["c"] * 20 + ["v"] * 20).table
    q = 1 - (1 - 0.95 ** 0.5) ** (1 / 20)
    assert c.loc["c", "method"] == "range" and c.loc["c", ["lower", "upper"]].tolist() == pytest.approx([0.2 - 1.2 * q, 0.2 + 0.8 * q])
    x = np.random.default_rng(0).normal(size=200)                                  # 200 singleton groups
    s = simultaneous_intervals(x, np.arange(200)).table
    assert s.loc["all", ["lower", "upper"]].tolist() == pytest.approx(list(stats.t.interval(0.95, 199, x.mean(), stats.sem(x))))
    assert s.loc["gamma", "lower"] == -np.inf and isinstance(simultaneous_intervals(x, np.arange(200)), SimultaneousIntervals)

# ---------------------------------------------------------------- Monte Carlo: FWER and coverage (vectorized)
def block_moments(B, sizes):
    "group_moments of every row of B (R, N), people in contiguous groups of `sizes` (all > 0)."
    sizes = np.asarray(sizes); starts = np.r_[0, np.cumsum(sizes)[:-1]]
    lo, hi = np.minimum.reduceat(B, starts, axis=1), np.maximum.reduceat(B, starts, axis=1)
    const = lo == hi
    mean = np.where(const, lo, np.add.reduceat(B, starts, axis=1) / sizes)
    ss = np.add.reduceat((B - np.repeat(mean, sizes, axis=1)) ** 2, starts, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.where(sizes > 1, np.where(const, 0.0, np.sqrt(ss / np.maximum(sizes - 1, 1))), np.nan)
    return dict(n=np.broadcast_to(sizes, mean.shape), mean=mean, sd=sd, constant=const,
                pos=np.add.reduceat(B > 0, starts, axis=1), neg=np.add.reduceat(B < 0, starts, axis=1))

def _labels(sizes):
    return pd.Categorical(np.repeat(np.arange(len(sizes)), sizes).astype(str), [str(j) for j in range(len(sizes))])

def fwer_null(B, sizes, method, alpha=0.05, check=10):
    "FWER of all directional claims: one family (new) and two families (old); checked against directional_tests."
    mo = block_moments(B, sizes)
    if method == "t": pb, ph = (_t_pvalues(mo["n"], mo["mean"], mo["sd"], mo["constant"], s, 0.0)[1] for s in (1.0, -1.0))
    else: pb, ph = (_sign_pvalues(mo["n"], mo["pos"], mo["neg"], s)[1] for s in (1.0, -1.0))
    new = holm_adjust(np.concatenate([pb, ph], axis=1), alpha)[1]
    old = holm_adjust(pb, alpha)[1].any(axis=1) | holm_adjust(ph, alpha)[1].any(axis=1)
    for r in range(check):
        t = directional_tests(B[r], _labels(sizes), method=method, alpha=alpha).table
        np.testing.assert_allclose(np.r_[t.p_benefit, t.p_harm], np.r_[pb[r], ph[r]], atol=1e-12)
        np.testing.assert_array_equal((t.claim != "").to_numpy(), new[r].reshape(2, -1).any(axis=0))
    return new.any(axis=1).mean(), old.mean()

MIXED = np.array([2, 3, 4, 5, 30, 40, 50, 60, 80, 100, 120, 150, 200, 60, 45, 35])

def _null(rng, R, sizes, kind, constant=()):
    shape, edges = (R, int(np.sum(sizes))), np.r_[0, np.cumsum(sizes)]
    B = {"gaussian": lambda: rng.normal(0, 1, shape), "skew": lambda: (rng.gamma(16, 1, shape) - 16) / 4,
         "sign": lambda: rng.choice([-1.0, 0.0, 1.0], size=shape, p=[.3, .4, .3])}[kind]()
    for j in constant: B[:, edges[j]:edges[j + 1]] = 0.0
    return B

@pytest.mark.parametrize("kind, sizes, constant", [
    ("gaussian", np.full(4, 50), ()), ("skew", np.full(4, 50), ()), ("sign", np.full(4, 50), ()),
    ("gaussian", MIXED, (5, 9)), ("skew", MIXED, (5, 9)), ("sign", MIXED, (4, 9))])
def test_fwer_of_all_directional_claims_is_at_most_alpha(kind, sizes, constant):
    R = 2000
    B = _null(np.random.default_rng(hash((kind, len(sizes))) % 2**32), R, sizes, kind, constant)
    new, old = fwer_null(B, sizes, "sign" if kind == "sign" else "t")
    se = np.sqrt(max(new * (1 - new), 1e-4) / R)
    assert new <= 0.05 + 2 * se, (new, old)
    assert old > new                                  # two families of alpha each: about 2 alpha

def gamma_coverage(B, sizes, truth, exact, alpha=0.05, check=5):
    mo = block_moments(B, sizes)
    lo, hi, _ = _mean_intervals(mo["n"], mo["mean"], mo["sd"], mo["pos"], mo["neg"], mo["constant"],
                                (1 - alpha) ** (1 / len(sizes)), exact, (-1.0, 1.0) if exact else (-np.inf, np.inf))
    g_lo, g_hi = lo.min(axis=1), hi.min(axis=1)
    for r in range(check):
        t = simultaneous_intervals(B[r], _labels(sizes), alpha=alpha).table.loc["gamma"]
        assert [t.lower, t.upper] == pytest.approx([g_lo[r], g_hi[r]], abs=1e-12)
    return float(np.mean((g_lo <= min(truth)) & (min(truth) <= g_hi)))

def _shifted(rng, R, sizes, bop, kind):
    mu, shape = np.repeat(bop, sizes), (R, int(np.sum(sizes)))
    if kind == "categorical":
        u = rng.uniform(size=shape)
        return np.where(u < 0.25 + mu / 2, 1.0, np.where(u < 0.5, -1.0, 0.0))
    return mu + (rng.normal(0, 1, shape) if kind == "gaussian" else (rng.gamma(16, 1, shape) - 16) / 4)

@pytest.mark.parametrize("d", [1, 4, 16])
@pytest.mark.parametrize("layout", ["tied", "separated"])
@pytest.mark.parametrize("kind", ["gaussian", "skew", "categorical"])
def test_gamma_interval_coverage(d, layout, kind):
    sizes = np.linspace(30, 200, d).astype(int) if d > 1 else np.array([60])
    bop = np.full(d, 0.1) if layout == "tied" else 0.1 + 0.3 * np.arange(d) / max(d - 1, 1)
    B = _shifted(np.random.default_rng(d * 7 + len(layout) + len(kind)), 1000, sizes, bop, kind)
    assert gamma_coverage(B, sizes, bop, kind == "categorical") >= 0.93

def test_population_interval_coverage_with_singleton_groups():
    B = np.random.default_rng(81).normal(0.05, 0.7, (2000, 200))
    mo = block_moments(B, [200])
    lo, hi, _ = _mean_intervals(mo["n"], mo["mean"], mo["sd"], mo["pos"], mo["neg"], mo["constant"], 0.95, False,
                                (-np.inf, np.inf))
    t = simultaneous_intervals(B[0], np.arange(200)).table.loc["all"]
    assert [t.lower, t.upper] == pytest.approx([lo[0, 0], hi[0, 0]])
    assert abs(np.mean((lo <= 0.05) & (0.05 <= hi)) - 0.95) < 3 * np.sqrt(0.05 * 0.95 / 2000)

@pytest.mark.slow
@pytest.mark.parametrize("kind, sizes, constant", [
    ("gaussian", np.full(16, 40), ()), ("skew", MIXED, (5, 9)), ("sign", MIXED, (4, 9)), ("gaussian", MIXED, (5, 9))])
def test_fwer_large(kind, sizes, constant):
    R = 20000
    B = _null(np.random.default_rng(2024 + len(sizes)), R, sizes, kind, constant)
    new, old = fwer_null(B, sizes, "sign" if kind == "sign" else "t", check=3)
    assert new <= 0.05 + 2 * np.sqrt(new * (1 - new) / R) and old > new

@pytest.mark.slow
@pytest.mark.parametrize("d", [4, 16])
def test_bootstrap_of_the_minimum_fails_at_ties_and_simultaneous_intervals_cover(d):
    sizes, bop = np.linspace(30, 200, d).astype(int), np.full(d, 0.1)
    rng = np.random.default_rng(d)
    B = _shifted(rng, 300, sizes, bop, "gaussian")
    labels = np.repeat(np.arange(d), sizes)
    old = np.mean([(lambda t: t.lower <= 0.1 <= t.upper)(bootstrap_ci(x, labels, n_boot=500, random_state=k)
                                                          .table.loc["gamma"]) for k, x in enumerate(B)])
    assert old < 0.75
    assert gamma_coverage(_shifted(rng, 10000, sizes, bop, "gaussian"), sizes, bop, False) >= 0.94

# ---------------------------------------------------------------- bad input of the new functions
@pytest.mark.parametrize("call, exc, msg", [
    (lambda: directional_tests(B, G, min_group_size=0), ValueError, "`min_group_size`"),
    (lambda: directional_tests(B, G, min_group_size=True), TypeError, "`min_group_size`"),
    (lambda: directional_tests(B, G, alpha=1.0), ValueError, "`alpha`"),
    (lambda: directional_tests(B, G, method="sign"), ValueError, "`method='sign'`"),
    (lambda: holm_across_costs({}), TypeError, "`tests`"),
    (lambda: holm_across_costs([directional_tests(B, G), directional_tests(B, G, alpha=0.1)]), ValueError, "pass `alpha`"),
    (lambda: intersection_union_test(), TypeError, "Pass `b`"),
    (lambda: simultaneous_intervals(B, G, alpha=0), ValueError, "`alpha`"),
    (lambda: simultaneous_intervals(B, G, method="exact"), ValueError, "`method='exact'`"),
    (lambda: simultaneous_intervals(B, G, method="bootstrap"), ValueError, "method='bootstrap'"),
    (lambda: simultaneous_intervals([], []), ValueError, "`b` is empty"),
    (lambda: simultaneous_intervals(B, G[:3]), ValueError, "`groups` has 3"),
])
def test_bad_input_new(call, exc, msg):
    with pytest.raises(exc, match=msg.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        call()

# ---- sample weights (issue 11) ----
from bopfair.inference import group_moments, _weights

def _weighted(b, labels, w):
    return benefit_of_personalization(np.asarray(b, float), np.zeros(len(b)), labels, sample_weight=w)

@settings(max_examples=100, deadline=None)
@given(audits(), st.sampled_from([1.0, 2.5]))
def test_equal_weights_reproduce_the_unweighted_results_exactly(a, c):
    b, labels = a
    r0 = benefit_of_personalization(b, np.zeros(len(b)), labels)
    rw = _weighted(b, labels, np.full(len(b), c))
    for f in (group_tests, directional_tests, simultaneous_intervals):
        pd.testing.assert_frame_equal(f(rw).table, f(r0).table)
    pd.testing.assert_frame_equal(bootstrap_ci(rw, n_boot=200).table, bootstrap_ci(r0, n_boot=200).table)

@settings(max_examples=100, deadline=None)
@given(audits(categorical=False), st.integers(0, 2**32 - 1))
def test_weighted_se_is_statsmodels_hc1(a, seed):
    import statsmodels.api as sm
    b, labels = a
    w = np.random.default_rng(seed).lognormal(0, 1, len(b))
    r = _weighted(b, labels, w)
    mo = group_moments(r.individual, r.groups, w)
    for j, name in enumerate(r.groups.names):
        m = r.groups.codes == j
        if m.sum() < 2 or np.ptp(b[m]) == 0: continue
        f = sm.WLS(b[m], np.ones(m.sum()), weights=w[m]).fit(cov_type="HC1")
        assert np.isclose(mo.loc[name, "bop"], f.params[0], rtol=1e-9, atol=1e-9)
        assert np.isclose(mo.loc[name, "se"], f.bse[0], rtol=1e-7, atol=1e-12)

@settings(max_examples=100, deadline=None)
@given(audits(), st.integers(0, 2**32 - 1))
def test_weighted_tests_are_probabilities_and_zero_weight_groups_are_untested(a, seed):
    b, labels = a
    rng = np.random.default_rng(seed)
    w = rng.lognormal(0, 1, len(b)) * (rng.uniform(size=len(b)) < 0.8)
    if not (w > 0).any(): w[0] = 1.0
    r = _weighted(b, labels, w)
    dt = directional_tests(r)
    p = dt.table[["p_benefit", "p_harm"]].to_numpy()
    assert np.all(np.isnan(p) | ((p >= 0) & (p <= 1)))
    assert (dt.table.loc[r.table["n"] == 0, "tested"] == False).all()
    si = simultaneous_intervals(r)
    t = si.table[si.table.tested]
    assert (t.lower <= t.estimate + 1e-9).all() and (t.estimate <= t.upper + 1e-9).all()
    weighted = _weights(r, r.individual) is not None          # equal weights take the unweighted path
    assert ("n_eff" in dt.table) == weighted and ("n_eff" in si.table) == weighted

def test_weighted_null_false_positive_rate_and_coverage():
    "Seeded null simulation: the weighted t-test and sign test stay at or below alpha; the t-interval covers."
    rng = np.random.default_rng(2024)
    sizes = np.array([5, 20, 80])
    labels = np.repeat(["a", "b", "c"], sizes)
    R, rej_t, rej_s, cover = 300, 0, 0, 0
    for _ in range(R):
        w = rng.lognormal(0, 1, sizes.sum())
        r = _weighted(rng.normal(0, 1, sizes.sum()), labels, w)
        rej_t += directional_tests(r).table["claim"].ne("").any()
        cover += (simultaneous_intervals(r).table.loc[["a", "b", "c"]].eval("lower <= 0 <= upper")).all()
        rc = _weighted(rng.choice([-1.0, 0.0, 1.0], sizes.sum(), p=[.25, .5, .25]), labels, w)
        rej_s += directional_tests(rc).table["claim"].ne("").any()
    se = np.sqrt(0.05 * 0.95 / R)
    assert rej_t / R <= 0.05 + 2.5 * se and rej_s / R <= 0.05 + 2.5 * se
    assert cover / R >= 0.95 - 2.5 * se

def test_weights_of_a_hand_built_result_must_match():
    import dataclasses
    r = _weighted([1.0, -1.0, 0.5], ["a", "a", "b"], [1.0, 2.0, 3.0])
    bad = dataclasses.replace(r, weights=np.ones(2))
    with pytest.raises(ValueError, match="carries 2 weights for 3 people"):
        directional_tests(bad)
    assert _weights(np.zeros(3), np.zeros(3)) is None
