"End-to-end audits: both tasks, k = 1..5 attributes (binary and multi-valued), any fit/predict estimator."
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from bopfair.audit import audit, VERDICTS

def synthetic(n, k, task, seed=0):
    "k attributes (the first one three-valued), 3 features, an outcome that depends on the first attribute."
    rng = np.random.default_rng(seed)
    S = pd.DataFrame({f"a{i}": rng.choice(["x", "y", "z"] if i == 0 else ["no", "yes"], n) for i in range(k)})
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["f1", "f2", "f3"])
    X.loc[rng.uniform(size=n) < 0.05, "f2"] = np.nan                          # missing values are imputed
    signal = X.f1.fillna(0) + 0.8 * (S.a0 == "x")
    y = (signal + rng.logistic(size=n) > 0.4).astype(int) if task == "classification" else signal + rng.normal(size=n)
    return X, S, y

@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_audit_any_k_both_tasks(k, task):
    X, S, y = synthetic(3000, k, task, seed=k)
    est = LogisticRegression(max_iter=500) if task == "classification" else LinearRegression()
    rep = audit(X, S, y, estimator=est, task=task, random_state=k)
    d = 3 * 2 ** (k - 1)
    summary = rep.summary()
    assert set(summary.index.get_level_values("cost")) == set(rep.costs) and len(rep.costs) == 3
    for name, ca in rep.costs.items():
        assert len(ca.bop.table) == d                                        # every combination, empty or not
        assert int(ca.bop.table.n.sum()) == len(rep.pair.audit)
        assert set(ca.verdicts) <= set(VERDICTS)
        np.testing.assert_allclose(summary.loc[(name, "all"), "bop"], ca.bop.individual.mean(), rtol=1e-12, atol=1e-12)
    assert rep.settings["groups"] == d

class FitPredictOnly:
    "A regressor with nothing but fit and predict (no sklearn base class)."
    def fit(self, X, y):
        A = np.c_[np.ones(len(X)), np.asarray(X, float)]
        self.coef_ = np.linalg.lstsq(A, np.asarray(y, float), rcond=None)[0]
        return self
    def predict(self, X): return np.c_[np.ones(len(X)), np.asarray(X, float)] @ self.coef_
    def get_params(self, deep=True): return {}
    def set_params(self, **p): return self

def test_audit_with_a_plain_fit_predict_estimator():
    X, S, y = synthetic(2000, 2, "regression")
    rep = audit(X, S, y, estimator=FitPredictOnly(), task="regression", explain=False)
    assert list(rep.costs) == ["squared_error"]
    assert rep.costs["squared_error"].bop.population > 0                     # hp can use the attribute

class FitRefused:
    "An estimator that must not be fitted: bad input is refused first."
    def fit(self, X, y): raise AssertionError("fitted before the input was checked")
    def get_params(self, deep=True): return {}
    def set_params(self, **p): return self

def test_audit_envy_is_checked_before_fitting():
    X, S, y = synthetic(500, 2, "classification")
    for bad in ("yes", 1, None):
        with pytest.raises(TypeError, match="`envy` must be True or False"):
            audit(X, S, y, estimator=FitRefused(), envy=bad)

def test_audit_envy_tests_and_opting_out_per_cost():
    X, S, y = synthetic(3000, 2, "classification", seed=3)
    plain = audit(X, S, y, estimator=LogisticRegression(max_iter=500), explain=False)
    assert plain.envy == {} and plain.opting_out == {}
    rep = audit(pair=plain.pair, costs=["zero_one", "log_loss"], explain=False, envy=True)
    assert list(rep.envy) == list(rep.opting_out) == ["zero_one", "log_loss"]
    d = rep.settings["groups"]
    for c in rep.costs:
        e, o = rep.envy[c], rep.opting_out[c]
        assert len(e.table) == d * (d - 1) and e.alpha == 0.05 and e.epsilon == rep.costs[c].epsilon
        np.testing.assert_allclose(o["bop"].to_numpy(), rep.costs[c].bop.table["bop"].to_numpy(),
                                   rtol=1e-12, atol=1e-12)             # opting out vs own report = BoP
    # hp fitted on the attribute a0 (the outcome depends on it): the 'x' rows lose by reporting 'y'/'z'
    e = rep.envy["log_loss"].matrix()
    assert (e.loc[[g for g in e.index if g.startswith("a0=x")],
                  [g for g in e.columns if not g.startswith("a0=x")]].to_numpy() < 0).all()
    assert "## Envy-freeness and opting out" not in plain.to_markdown()
    assert "## Envy-freeness and opting out" in rep.to_markdown()
