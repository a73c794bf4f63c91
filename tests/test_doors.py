"The three doors of an audit (issue 11): inputs as scikit-learn users pass them, models fitted elsewhere, predictions only."
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC
from bopfair.audit import audit, audit_models, audit_predictions, fit_pair
from bopfair.bop import benefit_of_personalization
from bopfair.costs import prediction_cost
from bopfair.pair import pair_from_models
from bopfair.audit import _n_threads


def data(n=1200, seed=0, k=2):
    "Features (one text), two attributes, a target that depends on an attribute; k classes."
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"f1": rng.normal(size=n), "f2": rng.normal(size=n), "kind": rng.choice(["u", "v"], n)})
    S = pd.DataFrame({"sex": rng.choice(["F", "M"], n), "site": rng.choice(["a", "b"], n)})
    z = X.f1 + 1.2 * (S.sex == "F") + 0.3 * (X.kind == "u") + rng.logistic(size=n) * 0.7
    y = pd.Series(np.digitize(z, np.quantile(z, np.linspace(0, 1, k + 1)[1:-1])), name="y")
    return X, S, y


class Untouchable:
    "A model or estimator that fails the test if anything fits or calls it."
    classes_ = np.array([0, 1])
    def fit(self, *a, **k): raise AssertionError("fitted before the checks")
    def predict(self, X): raise AssertionError("called before the checks")
    def predict_proba(self, X): raise AssertionError("called before the checks")
    def get_params(self, deep=True): return {}
    def set_params(self, **p): return self


U = Untouchable()
NUM = ["f1", "f2"]


# ---- inputs as scikit-learn users pass them
def test_misaligned_inputs_raise_before_fitting():
    X, S, y = data()
    S_bad = S.set_axis(S.index + 1)
    with pytest.raises(ValueError, match=r"`S` and `X` carry different row labels \(e.g. 0 is in one only\)"):
        audit(X, S_bad, y, estimator=U)
    with pytest.raises(ValueError, match="`y` and `X` carry different row labels"):
        audit(X, S, y.set_axis(y.index + 5), estimator=U)
    with pytest.raises(ValueError, match="`S` and `X` carry different row labels"):
        audit_models(U, U, X, S_bad, y)
    with pytest.raises(ValueError, match="`pred_h0` and `S` carry different row labels"):
        audit_predictions(y, pd.Series(np.full(len(y), .5)).set_axis(y.index + 1), np.full(len(y), .5), S)


def test_rows_are_matched_by_label_not_position():
    "S shuffled with its index is put back in X's order: the audit is the one on unshuffled data."
    X, S, y = data()
    perm = np.random.default_rng(1).permutation(len(S))
    r1 = audit(X[NUM], S, y, estimator=LogisticRegression(), explain=False)
    r2 = audit(X[NUM], S.iloc[perm], y.iloc[perm[::-1]], estimator=LogisticRegression(), explain=False)
    pd.testing.assert_frame_equal(r1.summary(), r2.summary())


def test_numpy_inputs_and_a_series_or_dict_S():
    X, S, y = data()
    r_np = audit(X[NUM].to_numpy(), S.sex.to_numpy(), y.to_numpy(), estimator=LogisticRegression(), explain=False)
    assert r_np.pair.features == ["x0", "x1"] and r_np.pair.attributes == ["s0"]
    r_series = audit(X[NUM], S.sex, y, estimator=LogisticRegression(), explain=False)
    r_dict = audit(X[NUM], {"sex": S.sex.to_numpy()}, y, estimator=LogisticRegression(), explain=False)
    assert r_series.pair.attributes == ["sex"] == r_dict.pair.attributes
    pd.testing.assert_frame_equal(r_series.summary(), r_dict.summary())
    np.testing.assert_array_equal(r_np.summary().to_numpy(dtype=object)[:, 1:4].astype(float),
                                  r_series.summary().to_numpy(dtype=object)[:, 1:4].astype(float))


def test_pipeline_estimator_is_spliced_after_the_encoder():
    X, S, y = data(800)
    est = make_pipeline(StandardScaler(), LogisticRegression())
    rep = audit(X, S, y, estimator=est, top_j=1)
    assert [n for n, _ in rep.pair.hp.steps] == ["features", "standardscaler", "logisticregression"]
    assert rep.settings["estimator"] == "LogisticRegression"
    assert {"sufficiency", "incomprehensiveness"} <= set(rep.costs)       # explanations reach the last step


def test_predict_only_classifier_with_explain_false():
    X, S, y = data(800)
    rep = audit(X[NUM], S, y, estimator=LinearSVC(), explain=False)
    assert list(rep.costs) == ["zero_one"]
    pair = rep.pair
    c0 = prediction_cost(pair.y_audit, pair.h0.predict(pair.audit), "classification", "zero_one")
    np.testing.assert_array_equal(rep.costs["zero_one"].bop.table.loc[:, "cost_h0"].to_numpy(),
                                  pd.Series(c0).groupby(pair.groups().codes).mean().to_numpy())

    class SVCNoFit(LinearSVC):
        def fit(self, *a, **k): raise AssertionError("fitted before the checks")
    for kw in ({"explain": True}, {"explain": False, "costs": "log_loss"}):
        with pytest.raises(TypeError, match=r"lacks \['predict_proba'\]"):
            audit(X[NUM], S, y, estimator=SVCNoFit(), **kw)


def test_random_state_none_or_generator_is_recorded():
    X, S, y = data(600)
    r_gen = audit(X[NUM], S, y, estimator=LogisticRegression(), explain=False, random_state=np.random.default_rng(3))
    seed = int(np.random.default_rng(3).integers(2**32))
    assert r_gen.settings["seed"] == seed and "Generator" in r_gen.settings["random_state"]
    r_int = audit(X[NUM], S, y, estimator=LogisticRegression(), explain=False, random_state=seed)
    pd.testing.assert_frame_equal(r_gen.summary(), r_int.summary())
    r_none = audit(X[NUM], S, y, estimator=LogisticRegression(), explain=False, random_state=None)
    assert isinstance(r_none.settings["seed"], int) and r_none.settings["random_state"] == "None"
    with pytest.raises(ValueError, match="`random_state` must be an int seed"):
        audit(X[NUM], S, y, estimator=U, random_state=1.5)


def test_target_checked_before_fitting_and_positive():
    X, S, y = data(600)
    with pytest.raises(ValueError, match="looks continuous"):
        audit(X, S, y + 0.5, estimator=U)
    with pytest.raises(ValueError, match="mixes value types"):
        audit(X, S, y.astype(object).where(y == 1, "no"), estimator=U)
    with pytest.raises(ValueError, match="`positive`='maybe' is not a value"):
        audit(X, S, y.map({0: "no", 1: "yes"}), estimator=U, positive="maybe")
    labels = y.map({0: "no", 1: "yes"})
    r_yes = audit(X[NUM], S, labels, estimator=LogisticRegression(), explain=False)
    r_num = audit(X[NUM], S, y, estimator=LogisticRegression(), explain=False)
    assert r_yes.settings["positive class"] == "yes"
    pd.testing.assert_frame_equal(r_yes.summary(), r_num.summary())
    r_no = audit(X[NUM], S, labels, estimator=LogisticRegression(), explain=False, positive="no")
    assert r_no.settings["positive class"] == "no"
    assert r_no.pair.y_audit.sum() == (r_no.pair.audit.index.size - r_yes.pair.y_audit.sum())


# ---- multiclass and weights
def test_three_classes_zero_one_and_log_loss_by_hand():
    X, S, y = data(1500, k=3)
    rep = audit(X[NUM], S, y.map({0: "low", 1: "mid", 2: "high"}), estimator=LogisticRegression(max_iter=1000),
                costs=["zero_one", "log_loss"], explain=False)
    pair = rep.pair
    assert pair.classes == ["high", "low", "mid"] and rep.settings["classes"] == "high, low, mid"
    P0, Pp = pair.h0.predict_proba(pair.audit), pair.hp.predict_proba(pair.audit)
    yi = pair.y_audit
    hand = {"zero_one": ((P0.argmax(1) != yi) * 1.0, (Pp.argmax(1) != yi) * 1.0),
            "log_loss": (-np.log(np.clip(P0[np.arange(len(yi)), yi], 1e-15, 1)),
                         -np.log(np.clip(Pp[np.arange(len(yi)), yi], 1e-15, 1)))}
    for c, (c0, cp) in hand.items():
        ref = benefit_of_personalization(c0, cp, pair.groups(), cost=c)
        np.testing.assert_allclose(rep.costs[c].bop.table.bop, ref.table.bop, rtol=1e-12, atol=1e-12)
    assert set(rep.predictions.hp) <= {0, 1, 2}


def test_three_classes_explained():
    X, S, y = data(600, k=3)
    rep = audit(X[NUM], S, y, estimator=LogisticRegression(max_iter=1000), top_j=1)
    assert {"zero_one", "sufficiency", "incomprehensiveness"} == set(rep.costs)


def test_weighted_audit_predictions_by_hand():
    X, S, y = data(1000)
    rng = np.random.default_rng(2)
    p0, pp = rng.uniform(size=len(y)), np.clip(y * 0.6 + rng.uniform(size=len(y)) * 0.4, 0, 1)
    w = pd.Series(rng.uniform(0.5, 3, len(y)))
    rep = audit_predictions(y, p0, pp, S, sample_weight=w)
    c0, cp = ((p0 >= .5) != y) * 1.0, ((pp >= .5) != y) * 1.0
    b = c0 - cp
    assert rep.costs["zero_one"].bop.population == pytest.approx(np.average(b, weights=w), rel=1e-12)
    for sex, site in S.drop_duplicates().itertuples(index=False):
        m = (S.sex == sex) & (S.site == site)
        want = np.average(c0[m], weights=w[m]) - np.average(cp[m], weights=w[m])
        assert rep.costs["zero_one"].bop.table.loc[f"sex={sex}, site={site}", "bop"] == pytest.approx(want, rel=1e-12)
    assert rep.settings["sample_weight"] == "given"
    assert rep.costs["zero_one"].bop.weights is not None
    unweighted = audit_predictions(y, p0, pp, S)
    assert unweighted.costs["zero_one"].bop.population != rep.costs["zero_one"].bop.population


def test_weights_as_a_column_of_X_and_checked_before_fitting():
    X, S, y = data(800)
    Xw = X[NUM].assign(w=np.random.default_rng(4).uniform(1, 2, len(X)))
    rep = audit(Xw, S, y, estimator=LogisticRegression(), explain=False, sample_weight="w")
    assert rep.pair.features == NUM and rep.settings["sample_weight"] == "w"
    assert rep.costs["zero_one"].bop.weights is not None
    ones = audit(X[NUM], S, y, estimator=LogisticRegression(), explain=False, sample_weight=np.ones(len(X)))
    plain = audit(X[NUM], S, y, estimator=LogisticRegression(), explain=False)
    np.testing.assert_allclose(ones.costs["zero_one"].bop.table.bop, plain.costs["zero_one"].bop.table.bop,
                               rtol=1e-12)
    for bad, msg in ((-np.ones(len(X)), ">= 0"), (np.zeros(len(X)), "0 for every person"),
                     (np.ones(5), "`sample_weight` has 5"), (np.r_[np.nan, np.ones(len(X) - 1)], "sample_weight")):
        with pytest.raises(ValueError, match=msg):
            audit(X, S, y, estimator=U, sample_weight=bad)


# ---- models fitted elsewhere
def test_audit_models_reproduces_audit_bit_for_bit():
    X, S, y = data(900)
    rep = audit(X, S, y, estimator=HistGradientBoostingClassifier(max_iter=30, random_state=0), top_j=2)
    P = rep.pair
    cols = lambda F: (F[P.features], F[P.attributes], F["__y__"])
    Xt, St, yt = cols(P.train)
    rm = audit_models(P.h0, P.hp, *cols(P.audit), X_train=Xt, S_train=St, y_train=yt, top_j=2)
    pd.testing.assert_frame_equal(rm.summary(), rep.summary())
    pd.testing.assert_frame_equal(rm.predictions, rep.predictions)


def test_vendor_pipeline_with_own_preprocessing_and_a_bare_matrix_model():
    X, S, y = data(1500)
    tr, au = np.arange(1000), np.arange(1000, 1500)
    pre = ColumnTransformer([("num", StandardScaler(), NUM), ("cat", OneHotEncoder(), ["kind"])])
    h0 = make_pipeline(pre, LogisticRegression()).fit(X.iloc[tr], y.iloc[tr])
    Mtr = np.c_[X.iloc[tr][NUM].to_numpy(), (X.iloc[tr].kind == "u"), (S.iloc[tr].sex == "F")].astype(float)
    hp = LogisticRegression().fit(Mtr, y.iloc[tr])
    build = lambda X_, S_: np.c_[X_[NUM].to_numpy(), (X_.kind == "u"), (S_.sex == "F")].astype(float)
    rep = audit_models(h0, hp, X.iloc[au], S.iloc[au], y.iloc[au], hp_input=build, explain=False,
                       costs=["zero_one", "log_loss"])
    # the engine predicts on row-major matrices: equal to the models' own predict_proba up to BLAS rounding
    np.testing.assert_allclose(rep.predictions.hp, hp.predict_proba(build(X.iloc[au], S.iloc[au]))[:, 1], rtol=1e-12)
    np.testing.assert_allclose(rep.predictions.h0, h0.predict_proba(X.iloc[au])[:, 1], rtol=1e-12)
    assert rep.settings["n_train"].startswith("the audit rows")
    # explained: hp a bare model fitted on a matrix of X and one-hot S (hp_input='onehot')
    hp2 = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(
        pd.concat([X.iloc[tr][NUM], pd.get_dummies(S.iloc[tr])], axis=1).to_numpy(float), y.iloc[tr])
    h0n = make_pipeline(StandardScaler(), LogisticRegression()).fit(X.iloc[tr][NUM], y.iloc[tr])
    rep3 = audit_models(h0n, hp2, X.iloc[au][NUM], S.iloc[au], y.iloc[au], hp_input="onehot", top_j=1,
                        X_train=X.iloc[tr][NUM], S_train=S.iloc[tr], y_train=y.iloc[tr])
    assert {"sufficiency", "incomprehensiveness"} <= set(rep3.costs)
    assert rep3.costs["sufficiency"].bop.cost == "sufficiency (J=1)"


def test_own_preprocessing_pipeline_explained_in_original_columns():
    X, S, y = data(900)
    tr, au = np.arange(600), np.arange(600, 900)
    pre = lambda cols: ColumnTransformer([("num", StandardScaler(), NUM), ("cat", OneHotEncoder(), cols)])
    h0 = make_pipeline(pre(["kind"]), LogisticRegression()).fit(X.iloc[tr], y.iloc[tr])
    XS = pd.concat([X, S], axis=1)
    hp = make_pipeline(pre(["kind", "sex", "site"]), LogisticRegression()).fit(XS.iloc[tr], y.iloc[tr])
    pair = pair_from_models(h0, hp, X.iloc[au], S.iloc[au], y.iloc[au])
    from bopfair.attributions import column_groups
    assert column_groups(pair.h0)[1] == ["f1", "f2", "kind"]
    assert column_groups(pair.hp)[1] == ["f1", "f2", "kind", "sex", "site"]
    rep = audit_models(h0, hp, X.iloc[au], S.iloc[au], y.iloc[au], top_j=2)
    assert rep.costs["sufficiency"].bop.cost == "sufficiency (J=2)"


def test_any_object_with_predict_proba():
    X, S, y = data(800)
    inner0 = LogisticRegression().fit(X[NUM].to_numpy(), y)
    innerp = LogisticRegression().fit(np.c_[X[NUM].to_numpy(), pd.get_dummies(S.sex).to_numpy(float)], y)

    class Booster:                         # XGBoost/LightGBM-style: not a scikit-learn estimator
        def __init__(self, m): self.m = m
        def predict_proba(self, M): return self.m.predict_proba(np.asarray(M, float))
        def predict(self, M): return self.m.predict(np.asarray(M, float))
    b0, bp = Booster(inner0), Booster(innerp)
    with pytest.raises(ValueError, match=r"`hp` is not a Pipeline, so it gets its columns as numbers, but \['sex'\]"):
        audit_models(b0, bp, X[NUM], S[["sex"]], y, explain=False)
    rep = audit_models(b0, bp, X[NUM], S[["sex"]], y, hp_input="onehot", costs="log_loss", top_j=1)
    assert rep.settings["estimator"] == "Booster (h0), Booster (hp), fitted elsewhere"
    assert {"log_loss", "sufficiency"} <= set(rep.costs)
    np.testing.assert_allclose(rep.predictions.h0, inner0.predict_proba(X[NUM].to_numpy())[:, 1], rtol=1e-12)
    assert rep.settings["task"] == "classification"


def test_audit_models_checks_everything_before_calling_a_model():
    X, S, y = data(300)
    for kw, err, msg in [({"alpha": 0}, ValueError, "`alpha`"), ({"hp_input": "dummies"}, ValueError, "`hp_input`"),
                         ({"costs": "squared_error"}, ValueError, "cost for task='classification'"),
                         ({"n_threads": 0}, ValueError, "`n_threads`"), ({"envy": 1}, TypeError, "`envy`"),
                         ({"X_train": X}, TypeError, "Pass all of `X_train`"),
                         ({"group_metrics": "gini"}, ValueError, "group metric"),
                         ({"positive": 0}, ValueError, "second class"),
                         ({"sample_weight": np.ones(3)}, ValueError, "`sample_weight` has 3")]:
        with pytest.raises(err, match=msg):
            audit_models(U, U, X[NUM], S, y, **kw)
    with pytest.raises(ValueError, match=r"`h0` was fitted on 3 columns"):
        fitted = LogisticRegression().fit(np.ones((4, 3)), [0, 1, 0, 1])
        audit_models(fitted, fitted, X[NUM], S, y)


# ---- predictions only
def test_audit_predictions_equals_a_hand_computation_exactly():
    X, S, y = data(1000)
    rng = np.random.default_rng(7)
    p0, pp = rng.uniform(size=len(y)), rng.uniform(size=len(y))
    rep = audit_predictions(y, p0, pp, S, costs=["zero_one", "log_loss"])
    e0, ep = pd.Series(((p0 >= .5) != y) * 1.0), pd.Series(((pp >= .5) != y) * 1.0)
    by = [S.sex, S.site]
    hand = e0.groupby(by).mean() - ep.groupby(by).mean()
    for (sex, site), v in hand.items():
        assert rep.costs["zero_one"].bop.table.loc[f"sex={sex}, site={site}", "bop"] == v
    assert rep.costs["zero_one"].bop.population == (e0 - ep).mean()
    assert rep.pair is None and list(rep.predictions.columns) == ["y", "h0", "hp"]


def test_audit_predictions_labels_matrices_and_explanation_costs():
    X, S, y = data(900, k=3)
    rng = np.random.default_rng(8)
    P0, Pp = rng.dirichlet(np.ones(3), len(y)), rng.dirichlet(np.ones(3), len(y))
    names = np.array(["a", "b", "c"])
    r_mat = audit_predictions(names[y], P0, Pp, S, costs=["zero_one", "log_loss"])
    r_lab = audit_predictions(names[y], names[P0.argmax(1)], names[Pp.argmax(1)], S)
    pd.testing.assert_frame_equal(r_mat.costs["zero_one"].bop.table, r_lab.costs["zero_one"].bop.table)
    ec = {"sufficiency": (rng.uniform(size=len(y)), rng.uniform(size=len(y)))}
    r_x = audit_predictions(names[y], P0, Pp, S, explanation_costs=ec)
    assert r_x.costs["sufficiency"].kind == "explanation"
    with pytest.raises(ValueError, match=r"holds value\(s\) \['z'\]"):
        audit_predictions(names[y], np.full(len(y), "z"), names[Pp.argmax(1)], S)
    with pytest.raises(ValueError, match="needs probabilities"):
        audit_predictions(names[y], names[P0.argmax(1)], names[Pp.argmax(1)], S, costs="log_loss")


def test_audit_predictions_regression_and_group_metrics():
    X, S, y = data(800)
    rng = np.random.default_rng(9)
    t = X.f1 + (S.sex == "F")
    rep = audit_predictions(t, t + rng.normal(size=len(t)), t + 0.5 * rng.normal(size=len(t)), S,
                            task="regression", group_metrics="r2")
    assert list(rep.group_level) == ["r2"] and rep.costs["squared_error"].bop.population > 0


def test_n_threads_default_never_oversubscribes():
    import os
    cores = os.cpu_count() or 1
    assert 1 <= _n_threads(None, 1) <= cores
    assert _n_threads(None, -1) == 1 and _n_threads(None, 10 * cores) == 1
    assert _n_threads(3, 1) == 3
    X, S, y = data(400)
    rep = audit(X[NUM], S, y, estimator=LogisticRegression(), explain=False, n_threads=1)
    assert rep.settings["n_threads"] == 1


# ---- attributions computed elsewhere
def test_attributions_from_elsewhere_encoded_original_or_shap():
    import shap
    from bopfair.attributions import attributions, column_groups, group_attributions, transformed_inputs
    X, S, y = data(900)
    rep = audit(X, S, y, estimator=LogisticRegression(), top_j=2)
    P = rep.pair
    cols = lambda F: (F[P.features], F[P.attributes], F["__y__"])
    kw = dict(X_train=cols(P.train)[0], S_train=cols(P.train)[1], y_train=cols(P.train)[2], top_j=2)
    Z = {m: transformed_inputs(P.__dict__[m], P.audit) for m in ("h0", "hp")}
    A = tuple(attributions(Z[m][0], Z[m][1].to_numpy(), "linear",
                           background=transformed_inputs(P.__dict__[m], P.train)[1].to_numpy()) for m in ("h0", "hp"))
    own = audit_models(P.h0, P.hp, *cols(P.audit), **kw)
    expl = tuple(shap.Explanation(values=a, feature_names=list(Z[m][1].columns)) for a, m in zip(A, ("h0", "hp")))
    orig = tuple(group_attributions(a, column_groups(P.__dict__[m])) for a, m in zip(A, ("h0", "hp")))
    for given in (A, expl, orig):
        r = audit_models(P.h0, P.hp, *cols(P.audit), attributions=given, **kw)
        assert r.settings["attribution_method"] == "given"
        for k in ("sufficiency", "incomprehensiveness"):
            np.testing.assert_array_equal(r.costs[k].bop.individual, own.costs[k].bop.individual)
    wrong = (shap.Explanation(values=A[0], feature_names=["a", "b", "c", "d"]), A[1])
    with pytest.raises(ValueError, match=r"`attributions` of h0 have columns \['a', 'b', 'c', 'd'\]"):
        audit_models(P.h0, P.hp, *cols(P.audit), attributions=wrong, **kw)
    with pytest.raises(ValueError, match="have shape"):
        audit_models(P.h0, P.hp, *cols(P.audit), attributions=(A[0][:5], A[1]), **kw)
    with pytest.raises(ValueError, match="explain=False"):
        audit_models(U, U, *cols(P.audit), attributions=A, explain=False)
