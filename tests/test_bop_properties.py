"Property-based tests of the BoP identities (hypothesis): population = weighted group mean, model swap negates."
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from bopfair.bop import benefit_of_personalization
from bopfair.groups import make_groups

costs = st.floats(min_value=0, max_value=1e3, allow_nan=False, allow_infinity=False)

@st.composite
def audits(draw):
    "Random costs for two models and 1-3 attributes with 2-3 levels each (some groups may be empty)."
    n = draw(st.integers(2, 60))
    k = draw(st.integers(1, 3))
    S = {}
    for a in range(k):
        L = draw(st.integers(2, 3))
        col = draw(arrays(np.int64, n, elements=st.integers(0, L - 1)))
        col[:2] = [0, 1]                                   # every attribute varies
        S[f"a{a}"] = pd.Categorical(col, categories=list(range(L)))
    c0 = draw(arrays(np.float64, n, elements=costs))
    cp = draw(arrays(np.float64, n, elements=costs))
    return c0, cp, pd.DataFrame(S)

@settings(max_examples=200, deadline=None)
@given(audits())
def test_population_is_size_weighted_mean_of_groups(a):
    c0, cp, S = a
    r = benefit_of_personalization(c0, cp, S)
    t = r.table[r.table.n > 0]
    assert t.n.sum() == len(c0)
    np.testing.assert_allclose(r.population, np.average(t.bop, weights=t.n), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(r.population, c0.mean() - cp.mean(), rtol=1e-9, atol=1e-9)

@settings(max_examples=200, deadline=None)
@given(audits())
def test_swapping_models_negates_everything(a):
    c0, cp, S = a
    r, s = benefit_of_personalization(c0, cp, S), benefit_of_personalization(cp, c0, S)
    np.testing.assert_array_equal(s.individual, -r.individual)
    np.testing.assert_allclose(s.table.bop, -r.table.bop, rtol=1e-9, atol=1e-9)  # NaN (empty groups) match too
    np.testing.assert_array_equal(s.table.n, r.table.n)
    np.testing.assert_allclose(s.population, -r.population, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(s.gamma, -r.table.bop.max(), rtol=1e-9, atol=1e-9)

@settings(max_examples=200, deadline=None)
@given(audits())
def test_gamma_is_min_over_nonempty_groups_and_empty_groups_are_kept(a):
    c0, cp, S = a
    r, g = benefit_of_personalization(c0, cp, S), make_groups(S)
    assert len(r.table) == g.d == int(np.prod([len(S[c].cat.categories) for c in S]))
    empty = r.table.n == 0
    assert r.table.bop[empty].isna().all() and r.table.bop[~empty].notna().all()
    assert r.gamma == r.table.bop[~empty].min()
    assert r.table.loc[r.argmin_group, "bop"] == r.gamma
    assert r.gamma <= r.population + 1e-9 * max(1, abs(r.population))

@settings(max_examples=100, deadline=None)
@given(st.integers(1, 200), st.integers(0, 2**32 - 1))
def test_zero_one_costs_give_individual_bop_in_minus_one_zero_one(n, seed):
    rng = np.random.default_rng(seed)
    c0, cp = rng.integers(0, 2, n).astype(float), rng.integers(0, 2, n).astype(float)
    r = benefit_of_personalization(c0, cp, rng.integers(0, 3, n).astype(str))
    assert set(np.unique(r.individual)) <= {-1.0, 0.0, 1.0}
    assert -1 <= r.gamma <= 1

@settings(max_examples=100, deadline=None)
@given(audits())
def test_vectorized_group_means_match_a_slow_loop(a):
    c0, cp, S = a
    r, g = benefit_of_personalization(c0, cp, S), make_groups(S)
    for j, name in enumerate(g.names):
        m = g.codes == j
        if m.any():
            np.testing.assert_allclose(r.table.loc[name, "bop"], c0[m].mean() - cp[m].mean(), rtol=1e-9, atol=1e-9)

# ---- sample weights and multiclass costs (issue 11) ----
weights = st.floats(min_value=0, max_value=50, allow_nan=False, allow_infinity=False)

@settings(max_examples=150, deadline=None)
@given(audits(), st.data())
def test_weighted_bop_matches_descrstatsw_and_integer_weights_match_repeated_rows(a, data):
    from statsmodels.stats.weightstats import DescrStatsW
    c0, cp, S = a
    w = data.draw(arrays(np.float64, len(c0), elements=weights))
    if not (w > 0).any(): w[0] = 1.0
    r = benefit_of_personalization(c0, cp, S, sample_weight=w)
    b, g = c0 - cp, make_groups(S)
    for j, name in enumerate(g.names):
        m = (g.codes == j) & (w > 0)
        assert r.table.loc[name, "n"] == m.sum()
        if m.any():
            assert np.isclose(r.table.loc[name, "bop"], DescrStatsW(b[m], weights=w[m]).mean, rtol=1e-9, atol=1e-9)
            u = w[m] / w[m].max()
            assert np.isclose(r.table.loc[name, "n_eff"], u.sum() ** 2 / (u ** 2).sum())
        else:
            assert np.isnan(r.table.loc[name, "bop"])
    assert np.isclose(r.population, np.average(b, weights=w), rtol=1e-9, atol=1e-9)
    wi = np.floor(w).astype(int)
    if wi.sum() > 0:
        ri = benefit_of_personalization(c0, cp, S, sample_weight=wi)
        rep = benefit_of_personalization(np.repeat(c0, wi), np.repeat(cp, wi), S.loc[S.index.repeat(wi)])
        np.testing.assert_allclose(ri.table["bop"], rep.table["bop"], rtol=1e-9, atol=1e-9)
        assert np.isclose(ri.population, rep.population, rtol=1e-9, atol=1e-9)

@settings(max_examples=100, deadline=None)
@given(audits(), st.floats(0.01, 100))
def test_unit_weights_reproduce_unweighted_exactly_and_scale_does_not_matter(a, scale):
    c0, cp, S = a
    r = benefit_of_personalization(c0, cp, S)
    r1 = benefit_of_personalization(c0, cp, S, sample_weight=np.ones(len(c0)))
    pd.testing.assert_frame_equal(r1.table[["n", "cost_h0", "cost_hp", "bop"]], r.table)
    assert (r1.population, r1.gamma, r1.argmin_group) == (r.population, r.gamma, r.argmin_group)
    w = np.linspace(0.5, 3, len(c0))
    rw, rs = (benefit_of_personalization(c0, cp, S, sample_weight=v) for v in (w, scale * w))
    np.testing.assert_allclose(rs.table[["bop", "n_eff"]], rw.table[["bop", "n_eff"]], rtol=1e-9, atol=1e-9)

@pytest.mark.parametrize("w, msg", [([1.0, -1.0], "must be >= 0"), ([0.0, 0.0], "is 0 for every person"),
                                    ([1.0], "has 1 values"), ([1.0, np.inf], "non-finite"),
                                    ([True, True], "is boolean"), ("ab", "must be a 1-D array")])
def test_bad_sample_weight(w, msg):
    with pytest.raises((ValueError, TypeError), match="sample_weight"):
        benefit_of_personalization([1.0, 0.0], [0.0, 1.0], ["a", "b"], sample_weight=w)
    with pytest.raises((ValueError, TypeError), match=msg.replace("(", r"\(")):
        benefit_of_personalization([1.0, 0.0], [0.0, 1.0], ["a", "b"], sample_weight=w)

@settings(max_examples=100, deadline=None)
@given(st.integers(3, 7), st.integers(1, 80), st.integers(0, 2**32 - 1))
def test_multiclass_costs_match_sklearn_and_give_categorical_bop(k, n, seed):
    from sklearn.metrics import log_loss, zero_one_loss
    from bopfair.costs import prediction_cost
    from bopfair.bop import is_categorical_bop
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    P0, Pp = rng.dirichlet(np.ones(k), n), rng.dirichlet(np.ones(k), n)
    labels = np.arange(k)
    assert np.isclose(prediction_cost(y, P0, cost="log_loss").mean(), log_loss(y, P0, labels=labels), rtol=1e-9)
    assert np.isclose(prediction_cost(y, P0).mean(), zero_one_loss(y, P0.argmax(1)))
    np.testing.assert_array_equal(prediction_cost(y, P0.argmax(1), n_classes=k), prediction_cost(y, P0))
    r = benefit_of_personalization(prediction_cost(y, P0), prediction_cost(y, Pp), np.zeros(n))
    assert is_categorical_bop(r.individual)
