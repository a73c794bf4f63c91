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

# ---------------------------------------------------------------- issue 17: the default epsilon
from bopfair.verdicts import audit_bop, default_epsilon
from bopfair.bounds import log_kappa

def _rates(n=600, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random(n) < 0.3) * 1.0, (rng.random(n) < 0.25) * 1.0, np.repeat(["a", "b", "c"], n // 3)

def test_default_epsilon_is_a_valid_margin_for_a_categorical_bop_with_a_large_mean_cost():
    "A 0-1 loss plus a fee of 100: BoP in {-1, 0, 1}; 1% of the mean cost (1.003) would exceed the family's cap."
    e0, ep, lab = _rates()
    r = benefit_of_personalization(100 + e0, 100 + ep, lab, cost="fee")
    eps, rule = default_epsilon(r)
    assert eps == 0.01 and "share of people whose cost moves" in rule
    log_kappa(eps, "categorical")                             # valid for the categorical family (cap 1)
    log_kappa(eps, "bernoulli")                               # and the Bernoulli one (cap 0.5)
    ca = audit_bop(r)                                         # no error, and the rule is stated
    assert ca.epsilon == 0.01 and ca.epsilon_rule == rule and "user" not in ca.epsilon_rule

def test_an_invalid_default_epsilon_is_named_as_the_default():
    "1% of a mean cost of ~1e-323 underflows to 0: the message speaks of 'the default ε', not of `epsilon`."
    e0, ep, lab = _rates()
    r = benefit_of_personalization(1e-323 * (1 + e0), np.full(len(e0), 1e-323), lab)
    with pytest.raises(ValueError) as err:
        audit_bop(r)
    msg = str(err.value)
    assert msg.startswith("The default ε (") and "`epsilon` must" not in msg and "Pass `epsilon=`" in msg
    with pytest.raises(ValueError, match="`epsilon` must"):   # the user's own epsilon keeps its name
        audit_bop(r, epsilon=1e-330)

def test_default_epsilon_for_all_zero_costs_is_worded_in_the_cost_units():
    "A constant regression target that both models predict exactly: every cost 0; no 'rate' in the rule."
    lab = np.repeat(["a", "b"], 200)
    r = benefit_of_personalization(np.zeros(400), np.zeros(400), lab, cost="squared_error")
    eps, rule = default_epsilon(r)
    assert eps == 0.01 and rule.startswith("0.01 in the cost's units") and "percentage point" not in rule
    ca = audit_costs(np.zeros(400), np.zeros(400), lab, cost="squared_error")
    assert ca.epsilon_rule == rule
    e0, ep, lab3 = _rates()                                   # a real 0-1 loss keeps its wording
    assert default_epsilon(benefit_of_personalization(e0, ep, lab3))[1] == "0.01 = one percentage point of the rate"

def test_the_population_test_of_a_weighted_bop_uses_the_weights():
    "cost_tests' 'all' row tests the weighted population BoP, as the groups' rows do (issue 11's weights)."
    from bopfair.inference import directional_tests
    rng = np.random.default_rng(11)
    lab = np.repeat(["a", "b"], 300)
    c0 = rng.normal(1.0, 1.0, 600)
    cp = c0 - np.where(lab == "a", 0.25, -0.05) + rng.normal(0, 0.5, 600)
    w = np.where(lab == "a", 0.2, 3.0)                          # weight the harmed group up
    rw = benefit_of_personalization(c0, cp, lab, sample_weight=w)
    t = cost_tests(rw)
    pooled = directional_tests(rw.individual, np.zeros(600, dtype=int)).table   # unweighted pooled test
    assert t.loc["all", "p_benefit"] > 0.3 and pooled["p_benefit"].iloc[0] < 0.01   # weighted BoP < 0
    r1 = benefit_of_personalization(c0, cp, lab, sample_weight=np.ones(600))    # equal weights: unweighted
    assert cost_tests(r1).loc["all", "p_benefit"] == pooled["p_benefit"].iloc[0]
    assert t.loc["all", "bop"] == rw.population
