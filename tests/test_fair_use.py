"Fair use of personal attributes (bopfair.fair_use): counterfactual costs from the engine, the envy matrix, opting out."
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression

from bopfair.bop import benefit_of_personalization
from bopfair.groups import Groups
from bopfair.pair import FittedPair, fit_pair
from bopfair.fair_use import (CounterfactualCosts, counterfactual_costs, envy_tests, opting_out,
                              _cells, _cell_tests)


def synthetic(n=1200, seed=0, regression=False):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["x0", "x1", "x2"])
    S = pd.DataFrame({"sex": rng.choice(["F", "M"], n), "site": rng.choice(["a", "b", "c"], n)})
    z = X.x0 - 0.5 * X.x1 + 0.8 * (S.sex == "F") * X.x2 + 0.3 * (S.site == "a")
    y = z + rng.normal(size=n) if regression else (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, S, y


@pytest.fixture(scope="module")
def pair():
    X, S, y = synthetic()
    return fit_pair(HistGradientBoostingClassifier(max_iter=30, random_state=0), X, S, y, random_state=0)


@pytest.fixture(scope="module")
def cf(pair):
    return counterfactual_costs(pair, prediction_costs=["zero_one", "log_loss"])


def blind_of(p):
    "The pair with hp replaced by h0: a personalized model that does not depend on S."
    return FittedPair(p.h0, p.h0, p.task, p.features, p.attributes, p.train, p.audit)


def handmade(C, codes, names):
    codes = np.asarray(codes)
    g = Groups(codes=codes, names=tuple(names), attributes=("g",), levels=(tuple(names),))
    C = np.asarray(C, dtype=float)
    return CounterfactualCosts(costs={"c": C}, cost_h0={"c": C[np.arange(len(codes)), codes]},
                               kinds={"c": "prediction"}, labels={"c": "c"}, groups=g)


def test_own_report_is_the_engine_cost(pair, cf):
    c0, cp = pair.prediction_costs()
    np.testing.assert_array_equal(cf.own("zero_one"), cp)
    np.testing.assert_array_equal(cf.cost_h0["zero_one"], c0)
    assert cf.costs["zero_one"].shape == (len(pair.audit), 6)


def test_counterfactual_matches_the_pipeline(pair, cf):
    "Slow route: set a person's attributes by hand and ask hp.predict_proba."
    g = cf.groups
    for i in (0, 7, 100):
        row = pair.audit.iloc[[i]]
        for r, name in enumerate(g.names):
            changed = row.copy()
            for part in name.split(", "):
                a, v = part.split("=")
                changed[a] = v
            p = pair.hp.predict_proba(changed)[0, 1]
            y = row["__y__"].iloc[0]
            assert cf.costs["log_loss"][i, r] == pytest.approx(-np.log(p if y == 1 else 1 - p), rel=1e-9)


def test_one_attribute_swaps(pair, cf):
    one = counterfactual_costs(pair, swaps="one")
    asked = ~np.isnan(one.costs["zero_one"])
    assert asked.sum() == len(pair.audit) * (1 + 1 + 2)       # own, sex swap, two site swaps
    np.testing.assert_array_equal(one.costs["zero_one"][asked], cf.costs["zero_one"][asked])
    e = envy_tests(one)
    assert len(e.table) == 6 * 3                               # each group: 1 + 2 neighbours
    assert e.matrix().isna().to_numpy().sum() == 6 * 2


@pytest.mark.parametrize("cost", ["zero_one", "log_loss"])
def test_no_dependence_on_S_gives_exactly_zero(pair, cost):
    e = envy_tests(counterfactual_costs(blind_of(pair), prediction_costs=cost), cost)
    np.testing.assert_array_equal(e.matrix().to_numpy(), np.zeros((6, 6)))
    assert e.claims == {}
    assert set(e.table["verdict"]) <= {"not shown", "untestable", "too small to audit"}


def test_regression_pair_without_S_dependence():
    X, S, y = synthetic(600, seed=3, regression=True)
    p = fit_pair(LinearRegression(), X, S, y, task="regression", random_state=0)
    e = envy_tests(counterfactual_costs(blind_of(p)))
    np.testing.assert_array_equal(e.matrix().to_numpy(), np.zeros((6, 6)))


def test_constructed_envy_is_flagged():
    "hp learns opposite rules for A and B; the audit records carry the other label: both envy."
    rng = np.random.default_rng(0)
    n = 1500
    X = pd.DataFrame({"x": rng.normal(size=n)})
    S = pd.DataFrame({"g": rng.choice(["A", "B"], n)})
    sign = np.where(S["g"] == "A", 1.0, -1.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-4 * sign * X["x"]))).astype(int)
    p = fit_pair(HistGradientBoostingClassifier(max_iter=50, random_state=0), X, S, y, random_state=0)
    audit = p.audit.assign(g=np.where(p.audit["g"] == "A", "B", "A"))
    bad = FittedPair(p.h0, p.hp, p.task, p.features, p.attributes, p.train, audit)
    cf = counterfactual_costs(bad)
    e = envy_tests(cf)
    assert ("g=A", "g=B") in e.claims and e.claims[("g=A", "g=B")] == "envy shown: g=A prefers g=B"
    assert e.matrix().loc["g=A", "g=B"] > 0.2
    out = opting_out(cf, envy=e)
    assert out.loc["g=A", "best_choice"] == "report other"
    assert out.loc["g=A", "envy_verdict"].startswith("envy shown")


def test_fwer_under_the_null():
    "Seeded null: every report's cost has the same law; FWER of all envy claims <= alpha + 3 MC s.e."
    rng, R, alpha = np.random.default_rng(11), 250, 0.05
    sizes = (20, 50, 150)
    codes = np.repeat(np.arange(3), sizes)
    hits = {"0-1": 0, "continuous": 0}
    for kind in hits:
        for _ in range(R):
            C = (rng.random((len(codes), 3)) < 0.4).astype(float) if kind == "0-1" else rng.normal(size=(len(codes), 3))
            cf = handmade(C, codes, ("A", "B", "C"))
            pairs, cells, own, rep = _cells(cf, "c")
            t = _cell_tests(benefit_of_personalization(own, rep, cells, cost="c"), alpha, 10, "auto")
            hits[kind] += bool((t.drop(index="all")["claim"] != "").any())
    se = np.sqrt(alpha * (1 - alpha) / R)
    for kind, h in hits.items():
        assert h / R <= alpha + 3 * se, (kind, h / R)


def test_tiny_empty_and_constant_groups():
    C = [[0, 1, 0], [1, 0, 0], [1, 1, 0]] + [[1, 0, 1]] * 30
    cf = handmade(C, [0, 0, 0] + [1] * 30, ("A", "B", "C"))
    e = envy_tests(cf, min_group_size=5)
    v = e.matrix("verdict")
    assert v.loc["A", "B"] == "too small to audit" and v.loc["C", "A"] == "no data"
    assert v.loc["B", "A"] == "envy-free shown"               # constant gains -1: exact sign test
    assert e.matrix().loc["B", "A"] == -1.0
    out = opting_out(cf, min_group_size=5)
    assert out.loc["C", "best_choice"] == "" and np.isnan(out.loc["C", "cost_own"])
    assert out.loc["A", "rationality"] == "untested"


@settings(max_examples=8, deadline=None)
@given(st.integers(2, 4), st.integers(0, 10_000))
def test_envy_is_the_mean_difference(d, seed):
    "Property: matrix entries are the per-cell means of own - report, and antisymmetric cells stay paired."
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, d, size=60)
    C = rng.normal(size=(60, d))
    cf = handmade(C, codes, tuple("ABCD"[:d]))
    M = envy_tests(cf, min_group_size=2).matrix().to_numpy()
    for s in range(d):
        mine = codes == s
        for r in range(d):
            want = 0.0 if r == s else (C[mine, s] - C[mine, r]).mean() if mine.any() else np.nan
            np.testing.assert_allclose(M[s, r], want, rtol=1e-12, atol=1e-12)


def test_bad_input_before_any_model_call(pair):
    class Spy:
        calls = []
        def __getattr__(self, k):
            Spy.calls.append(k)
            raise AssertionError("model called")
    spied = FittedPair(Spy(), Spy(), pair.task, pair.features, pair.attributes, pair.train, pair.audit)
    with pytest.raises(TypeError, match="`pair` must be a FittedPair"): counterfactual_costs(object())
    with pytest.raises(ValueError, match="swaps"): counterfactual_costs(spied, swaps="some")
    with pytest.raises(TypeError, match="`explain`"): counterfactual_costs(spied, explain=1)
    with pytest.raises(ValueError, match="hinge"): counterfactual_costs(spied, prediction_costs="hinge")
    with pytest.raises(ValueError, match="lacks columns"):
        counterfactual_costs(spied, data=pair.audit.drop(columns="site"))
    with pytest.raises(ValueError, match="no rows"): counterfactual_costs(spied, data=pair.audit.iloc[:0])
    assert Spy.calls == []
    cf = handmade([[0, 1], [1, 0]], [0, 1], ("A", "B"))
    with pytest.raises(TypeError, match="`cf` must be"): envy_tests({"c": 1})
    with pytest.raises(ValueError, match="alpha"): envy_tests(cf, alpha=0)
    with pytest.raises(ValueError, match="cost"): envy_tests(cf, "zero_one")
    with pytest.raises(ValueError, match="epsilon"): envy_tests(cf, epsilon=0, min_group_size=1)
    with pytest.raises(TypeError, match="`cf` must be"): opting_out(None)


def test_explanation_costs_where_the_engine_gives_them():
    "explain=True: the own-report explanation costs are the engine's hp explanation costs."
    from bopfair.scaling import pair_costs
    X, S, y = synthetic(500, seed=5)
    p = fit_pair(LogisticRegression(), X, S[["sex"]], y, random_state=0)
    rows = p.audit.iloc[:60]
    cf = counterfactual_costs(p, data=rows, explain=True, top_j=1)
    assert cf.kinds["sufficiency"] == "explanation" and cf.labels["sufficiency"] == "sufficiency (J=1)"
    ref = pair_costs(p, rows, explain=True, top_j=1)
    for name in ("sufficiency", "incomprehensiveness"):
        np.testing.assert_allclose(cf.own(name), ref.costs[name][1], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(cf.cost_h0[name], ref.costs[name][0], rtol=1e-12, atol=1e-12)
    e = envy_tests(cf, "sufficiency", min_group_size=5)
    assert e.matrix().shape == (2, 2) and e.audit.kind == "explanation"
