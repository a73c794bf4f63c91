"Verdicts under a null: the family-wise error of all 'shown' claims, tiny and constant groups, the gamma row."
import numpy as np
import pandas as pd
import pytest
from bopfair.bop import benefit_of_personalization
from bopfair.verdicts import adjust_claims, audit_costs, cost_tests, gamma_verdict, VERDICTS

ALPHA, R = 0.05, 1000

@pytest.fixture(autouse=True)
def _no_gc_collect(monkeypatch):
    "statsmodels' Holm branch runs gc.collect() on every call; results are unchanged without it."
    monkeypatch.setattr("gc.collect", lambda *a, **k: 0)

def any_claim(b, lab):
    r = benefit_of_personalization(b, np.zeros_like(b), lab)
    t = adjust_claims({"c": cost_tests(r)}, ALPHA)["c"]
    return (t["claim"] != "").any() or gamma_verdict(t, 1.0)[0].startswith("benefit")

@pytest.mark.parametrize("d", [4, 16])
@pytest.mark.parametrize("kind", ["t", "sign"])
def test_fwer_of_all_claims_of_a_cost_under_the_null(d, kind):
    rng = np.random.default_rng(100 + d)
    lab = np.repeat(np.arange(d), 50)
    hits = 0
    for _ in range(R):
        b = ((rng.gamma(16.0, 1.0, len(lab)) - 16.0) / 4.0 if kind == "t"      # skewness 0.5
             else rng.choice([-1.0, 0.0, 1.0], len(lab), p=[0.15, 0.7, 0.15]))
        hits += any_claim(b, lab)
    assert hits / R <= ALPHA + 2 * np.sqrt(ALPHA * (1 - ALPHA) / R)

def test_a_tiny_group_never_makes_the_audit_look_more_testable():
    rng = np.random.default_rng(0)
    lab = np.repeat(["a", "b", "c"], 100)
    b = rng.normal(0, 1, 300)
    base = audit_costs(b, np.zeros_like(b), lab, epsilon=0.05)
    lab2, b2 = np.r_[lab, ["tiny", "tiny"]], np.r_[b, [0.0, 0.0]]
    more = audit_costs(b2, np.zeros_like(b2), lab2, epsilon=0.05)
    assert base.verdict == VERDICTS[2]                      # untestable with 100 per group at this epsilon
    assert more.lb_gamma >= base.lb_gamma - 1e-12
    assert more.verdicts["tiny"] == "too small to audit"
    assert more.verdict.startswith("untestable")

def test_a_constant_group_is_not_reported_as_certain():
    rng = np.random.default_rng(1)
    lab = np.repeat(["a", "b"], [40, 400])
    b = np.r_[np.zeros(40), rng.choice([-1.0, 0.0, 1.0], 400, p=[0.2, 0.6, 0.2])]
    ca = audit_costs(b, np.zeros_like(b), lab, epsilon=0.01)
    t = ca.table()
    assert t.loc["a", "ci_high"] > t.loc["a", "ci_low"]       # not [0, 0]
    assert t.loc["a", "lb"] > 0                               # not perfectly testable
    assert t.loc["a", "verdict"] == VERDICTS[2]

def test_gamma_row_is_the_conjunction_and_bound_is_never_below_a_group():
    rng = np.random.default_rng(2)
    lab = np.repeat(["a", "b", "c"], [3000, 3000, 30])
    b = rng.normal(np.select([lab == "a", lab == "b"], [0.3, 0.3], 0.3), 1.0)
    ca = audit_costs(b, np.zeros_like(b), lab, epsilon=0.05)
    t = ca.table()
    assert ca.lb_gamma >= ca.group_bound["lb"].drop(index="all").max() - 1e-12
    assert (ca.verdict == "benefit shown for every group") == (t.loc[["a", "b", "c"], "verdict"] == "benefit shown").all()
    assert t.loc["gamma", "ci_low"] == pytest.approx(t.loc[["a", "b", "c"], "ci_low"].min())
    assert t.loc["gamma", "ci_high"] == pytest.approx(t.loc[["a", "b", "c"], "ci_high"].min())
