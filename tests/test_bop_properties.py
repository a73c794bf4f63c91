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
