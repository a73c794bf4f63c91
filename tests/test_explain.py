"Property-based tests of the explanation costs (hypothesis): degenerate J, column-order invariance, vectorized == per-row reference."
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from bopfair.explanation_costs import (explanation_costs, sufficiency_cost, incomprehensiveness_cost,
                                       reference_explanation_costs, explanation_cost_curve, resolve_top_j,
                                       EXPLANATION_COSTS)
from bopfair.explain import explanation_bop


class LinearFn:
    "A regression model h(x) = w.x + b with a nonlinear twist (so that it is not additive) when `twist`."
    def __init__(self, w, b=0.0, twist=False): self.w, self.b, self.twist = np.asarray(w, float), b, twist
    def predict(self, X):
        X = np.asarray(X, float); out = X @ self.w + self.b
        return out + (np.sin(X[:, 0] * X[:, -1]) if self.twist else 0)


class LogisticFn(LinearFn):
    "A binary classifier with P(y=1|x) = sigmoid(h(x))."
    classes_ = np.array([0, 1])
    def predict_proba(self, X):
        q = 1 / (1 + np.exp(-super().predict(X)))
        return np.column_stack([1 - q, q])
    def predict(self, X): return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


class Permuted:
    "The same model reading columns in the order `perm` (X_perm = X[:, perm])."
    def __init__(self, model, perm): self.model, self.inv = model, np.argsort(perm)
    def predict(self, Z): return self.model.predict(np.asarray(Z)[:, self.inv])
    def __getattr__(self, name):
        if name == "predict_proba" and hasattr(self.model, "predict_proba"):
            return lambda Z: self.model.predict_proba(np.asarray(Z)[:, self.inv])
        if name == "classes_" and hasattr(self.model, "classes_"): return self.model.classes_
        raise AttributeError(name)


vals = st.floats(-3, 3, allow_nan=False, allow_infinity=False)
TASK_OPTIONS = {"regression": [dict(delta="squared"), dict(delta="absolute")],
                "classification": [dict(delta="label"), dict(delta="proba")]}


@st.composite
def problems(draw, distinct=False):
    "A model, rows X, training rows R, attributions A (distinct |a| per row when `distinct`) and cost options."
    n, p = draw(st.integers(1, 12)), draw(st.integers(1, 6))
    X = draw(arrays(np.float64, (n, p), elements=vals))
    R = draw(arrays(np.float64, (draw(st.integers(1, 8)), p), elements=vals))
    if distinct:
        mags = np.array([draw(st.permutations(range(1, p + 1))) for _ in range(n)], dtype=float)
        A = mags * draw(arrays(np.int64, (n, p), elements=st.sampled_from([-1, 1])))
    else:
        A = draw(arrays(np.float64, (n, p), elements=st.floats(-2, 2, allow_nan=False, allow_infinity=False)))
    w = draw(arrays(np.float64, p, elements=vals))
    task = draw(st.sampled_from(["regression", "classification"]))
    twist = draw(st.booleans())
    model = LinearFn(w, 0.1, twist) if task == "regression" else LogisticFn(w, 0.1, twist)
    opts = dict(draw(st.sampled_from(TASK_OPTIONS[task])), task=task, reference=R,
                rank_by=draw(st.sampled_from(["abs", "signed"])))
    base = draw(st.sampled_from(["mean", "median", "zero", "vector", "background"]))
    if base == "vector": opts["baseline"] = draw(arrays(np.float64, p, elements=vals))
    elif base == "background": opts.update(baseline="background", n_background=draw(st.integers(1, 4)))
    else: opts["baseline"] = base
    return model, X, A, opts


@settings(max_examples=150, deadline=None)
@given(problems())
def test_full_explanation_is_sufficient(prob):
    model, X, A, opts = prob
    p = X.shape[1]
    np.testing.assert_array_equal(sufficiency_cost(model, X, A, p, **opts), 0.0)
    np.testing.assert_array_equal(reference_explanation_costs(model, X, A, p, **opts)["sufficiency"], 0.0)
    np.testing.assert_array_equal(sufficiency_cost(model, X, A, 1.0, **opts), 0.0)     # fraction 1 is J = p


@settings(max_examples=150, deadline=None)
@given(problems())
def test_empty_explanation_is_not_incomprehensive(prob):
    model, X, A, opts = prob
    np.testing.assert_array_equal(incomprehensiveness_cost(model, X, A, 0, **opts), 0.0)
    np.testing.assert_array_equal(reference_explanation_costs(model, X, A, 0, **opts)["incomprehensiveness"], 0.0)


@settings(max_examples=150, deadline=None)
@given(problems(distinct=True), st.data())
def test_costs_invariant_to_column_order(prob, data):
    model, X, A, opts = prob
    n, p = X.shape
    perm = np.array(data.draw(st.permutations(range(p))))
    J = data.draw(st.integers(0, p))
    popts = dict(opts, reference=opts["reference"][:, perm])
    if not isinstance(opts["baseline"], str): popts["baseline"] = opts["baseline"][perm]
    a = explanation_costs(model, X, A, J, **opts)
    b = explanation_costs(Permuted(model, perm), X[:, perm], A[:, perm], J, **popts)
    for k in EXPLANATION_COSTS:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-9, atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(problems(), st.data())
def test_vectorized_equals_per_row_reference(prob, data):
    model, X, A, opts = prob
    p = X.shape[1]
    J = data.draw(st.one_of(st.integers(0, p), st.floats(0.01, 1.0)))
    chunk = data.draw(st.sampled_from([1, 3, 2**17]))
    fast = explanation_costs(model, X, A, J, chunk_size=chunk, **opts)
    slow = reference_explanation_costs(model, X, A, J, **opts)
    for k in EXPLANATION_COSTS:
        np.testing.assert_allclose(fast[k], slow[k], rtol=1e-9, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(problems())
def test_curve_equals_single_j(prob):
    model, X, A, opts = prob
    p = X.shape[1]
    curve = explanation_cost_curve(model, X, A, list(range(p + 1)), **opts)
    for col, J in enumerate(curve.top_j):
        one = explanation_costs(model, X, A, int(J), **opts)
        np.testing.assert_array_equal(curve.sufficiency[:, col], one["sufficiency"])
        np.testing.assert_array_equal(curve.incomprehensiveness[:, col], one["incomprehensiveness"])


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1, exclude_min=True), st.integers(1, 200))
def test_fraction_resolves_into_1_to_p(f, p):
    J = resolve_top_j(f, p)
    assert 1 <= J <= p and abs(J - f * p) <= 0.5 + 1e-9 or J == 1


@settings(max_examples=60, deadline=None)
@given(problems(), st.data())
def test_same_model_has_zero_bop_x(prob, data):
    model, X, A, opts = prob
    groups = data.draw(arrays(np.int64, len(X), elements=st.integers(0, 2)))
    res = explanation_bop(model, X, A, model, X, A, groups, top_j=data.draw(st.integers(0, X.shape[1])),
                          reference_h0=opts["reference"], reference_hp=opts["reference"],
                          **{k: v for k, v in opts.items() if k != "reference"})
    for r in res.values():
        np.testing.assert_array_equal(r.individual, 0.0)
        assert r.gamma == 0.0


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 30), st.integers(1, 8), st.sampled_from(["abs", "signed"]), st.data())
def test_top_j_mask_matches_full_ranking_with_ties(n, p, rank_by, data):
    from bopfair.explanation_costs import top_j_mask, feature_ranks
    A = data.draw(arrays(np.float64, (n, p), elements=st.sampled_from([-2.0, -1.0, -0.0, 0.0, 1.0, 2.0, 0.5])))
    ranks = feature_ranks(A, rank_by)
    for J in range(p + 1):
        np.testing.assert_array_equal(top_j_mask(A, J, rank_by), ranks < J)
        assert (top_j_mask(A, J, rank_by).sum(1) == J).all()


# ---- fast model-agnostic attributions: occlusion and batched sampling Shapley ----
from bopfair.attributions import attributions, occlusion_attributions, sampling_shapley_attributions, removal_baseline


@st.composite
def agnostic_problems(draw):
    "A (possibly non-additive) regression or classification model, rows X, reference rows R and a baseline option."
    n, p = draw(st.integers(1, 10)), draw(st.integers(1, 6))
    X = draw(arrays(np.float64, (n, p), elements=vals))
    R = draw(arrays(np.float64, (draw(st.integers(1, 8)), p), elements=vals))
    w = draw(arrays(np.float64, p, elements=vals))
    twist = draw(st.booleans())
    model = draw(st.sampled_from([LinearFn, LogisticFn]))(w, 0.1, twist)
    base = draw(st.sampled_from(["mean", "median", "zero", "background"]))
    return model, X, R, base


def explained(model, Z, cls=None):
    "Output explained by the agnostic methods: the predicted class's probability, or the regression output."
    if hasattr(model, "predict_proba"):
        P = model.predict_proba(Z)
        return P, (P[:, 1] >= 0.5).astype(int)
    return model.predict(Z), None


@settings(max_examples=100, deadline=None)
@given(agnostic_problems(), st.integers(1, 3), st.integers(0, 2**16))
def test_sampling_efficiency_every_permutation(prob, r, seed):
    model, X, R, base = prob
    B = removal_baseline(base, X, R, n_background=3, random_state=seed)
    A = sampling_shapley_attributions(model, X, base, R, n_permutations=r, n_background=3, random_state=seed)
    out_x, c = explained(model, X)
    out_b, _ = explained(model, B)
    if c is None: target = out_x - out_b.mean()
    else: target = out_x[np.arange(len(X)), c] - out_b.mean(0)[c]
    np.testing.assert_allclose(A.sum(1), target, rtol=0, atol=1e-10)


@settings(max_examples=100, deadline=None)
@given(agnostic_problems(), st.integers(0, 2**16))
def test_linear_model_occlusion_and_sampling_equal_formula(prob, seed):
    model, X, R, base = prob
    lin = LinearFn(model.w, 0.1, twist=False)
    b = removal_baseline(base, X, R, n_background=3, random_state=seed).mean(0)   # linear: averaging draws = mean draw
    formula = lin.w * (X - b)
    np.testing.assert_allclose(occlusion_attributions(lin, X, base, R, n_background=3, random_state=seed), formula, atol=1e-10)
    np.testing.assert_allclose(sampling_shapley_attributions(lin, X, base, R, n_permutations=2, n_background=3,
                                                             random_state=seed), formula, atol=1e-10)


def _hgb_problem():
    from sklearn.ensemble import HistGradientBoostingClassifier
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    y = (X[:, 0] * X[:, 1] + X[:, 2] + rng.normal(size=300) > 0).astype(int)
    return HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, y), X


def test_sampling_seed_reproducible_and_chunk_invariant():
    model, X = _hgb_problem()
    A = attributions(model, X[:50], "sampling", background=X, n_permutations=4, random_state=11)
    np.testing.assert_array_equal(A, attributions(model, X[:50], "sampling", background=X, n_permutations=4, random_state=11))
    np.testing.assert_array_equal(A, attributions(model, X[:50], "sampling", background=X, n_permutations=4, random_state=11,
                                                  chunk_size=7))
    assert not np.array_equal(A, attributions(model, X[:50], "sampling", background=X, n_permutations=4, random_state=12))
    np.testing.assert_array_equal(attributions(model, X[:50], "occlusion", background=X),
                                  attributions(model, X[:50], "occlusion", background=X, chunk_size=1))


def test_sampling_converges_to_exact_shapley():
    model, X = _hgb_problem()
    mean_row = X.mean(0, keepdims=True)
    exact = attributions(model, X[:60], "exact", background=mean_row)
    err = [np.sqrt(np.mean((sampling_shapley_attributions(model, X[:60], mean_row, n_permutations=r) - exact) ** 2))
           for r in (1, 16, 128)]
    assert err[0] > err[1] > err[2] and err[2] < err[0] / 5


@pytest.mark.parametrize("kwargs, exc, msg", [
    (dict(method="sampling", n_permutations=0), ValueError, "`n_permutations` must be >= 1"),
    (dict(method="sampling", n_permutations=-3), ValueError, "`n_permutations` must be >= 1"),
    (dict(method="sampling", n_permutations=1.5), TypeError, "`n_permutations` must be an int"),
    (dict(method="sampling", n_permutations=True), TypeError, "`n_permutations` must be an int"),
    (dict(method="occlusion", n_permutations=2), ValueError, "applies to method='sampling' only"),
    (dict(method="tree", baseline="mean"), ValueError, "`baseline` applies to method='occlusion' or 'sampling' only"),
    (dict(method="permutation", n_permutations=5), ValueError, "`n_permutations` applies to method='occlusion' or 'sampling'"),
    (dict(method="occlusion", chunk_size=0), ValueError, "`chunk_size` must be an int >= 1"),
    (dict(method="sampling", chunk_size=2.0), ValueError, "`chunk_size` must be an int >= 1"),
    (dict(method="occlusion", baseline="mode"), ValueError, "Unknown baseline='mode'"),
    (dict(method="sampling", baseline=np.zeros(4)), ValueError, "`baseline` has length 4 but `X` has p=6"),
    (dict(method="sampling", baseline="background", n_background=0), ValueError, "`n_background` must be >= 1"),
    (dict(method="occlusion", background=np.zeros((5, 2))), ValueError, "`reference` has 2 columns"),
])
def test_agnostic_bad_input(kwargs, exc, msg):
    model, X = _hgb_problem()
    with pytest.raises(exc, match=None) as e: attributions(model, X[:5], **kwargs)
    assert msg in str(e.value)


def test_agnostic_needs_probabilities():
    from sklearn.svm import LinearSVC
    model, X = _hgb_problem()
    svm = LinearSVC().fit(X, model.predict(X))
    with pytest.raises(TypeError, match="has no predict_proba"): attributions(svm, X[:5], "occlusion")
    with pytest.raises(ValueError, match="non-finite"): attributions(model, np.full((2, 6), np.nan), "sampling")


# ---- like-for-like BoP-X: original columns and one J for both models ----
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression as _LinReg, LogisticRegression as _LogReg
from bopfair.attributions import group_attributions, column_groups
from bopfair.explain import pair_top_j, explanation_label


class Ignoring:
    "hp that ignores its columns from `q` on: h0 on X[:, :q], bit for bit; linear models expose padded coef_."
    def __init__(self, model, q, k):
        self.model, self.q = model, q
        if hasattr(model, "coef_"):
            coef = np.atleast_2d(model.coef_)
            self.coef_ = np.c_[coef, np.zeros((coef.shape[0], k))].reshape(*np.shape(model.coef_)[:-1], -1)
            self.intercept_ = model.intercept_
    def predict(self, Z): return self.model.predict(np.asarray(Z)[:, :self.q])
    def __getattr__(self, name):
        if name == "predict_proba" and hasattr(self.model, "predict_proba"):
            return lambda Z: self.model.predict_proba(np.asarray(Z)[:, :self.q])
        if name == "classes_" and hasattr(self.model, "classes_"): return self.model.classes_
        raise AttributeError(name)


def identical_pair(seed, kind, task, n=12, q=3, k=2, categorical=True):
    "h0 on X (q numeric columns and maybe a 3-level one-hot column) and hp = h0 plus k binary one-hot attributes."
    rng = np.random.default_rng(seed)
    ntr = 60
    Xn = rng.normal(size=(ntr + n, q))
    Xn[:, 0] = np.round(Xn[:, 0])                        # ties in the attributions
    cols = [Xn]
    if categorical: cols.append(np.eye(3)[rng.integers(0, 3, ntr + n)])
    X = np.hstack(cols)
    g0 = list(range(q)) + ([q] * 3 if categorical else [])
    q0 = max(g0) + 1
    S = np.hstack([np.eye(2)[rng.integers(0, 2, ntr + n)] for _ in range(k)])
    gp = g0 + [q0 + a for a in range(k) for _ in range(2)]
    Xp = np.hstack([X, S])
    z = X @ rng.normal(size=X.shape[1]) + 0.5 * X[:, 0] * X[:, 1]
    y = z + rng.normal(scale=0.3, size=len(z)) if task == "regression" else (z + rng.logistic(size=len(z)) > 0).astype(int)
    if kind == "tree":
        est = (HistGradientBoostingRegressor if task == "regression" else HistGradientBoostingClassifier)(
            max_iter=5, min_samples_leaf=3, random_state=0)
        h0 = est.fit(X[:ntr], y[:ntr])
        hp = type(est)(**est.get_params()).fit(np.hstack([X[:ntr], np.zeros((ntr, 2 * k))]), y[:ntr])
    else:
        h0 = (_LinReg() if task == "regression" else _LogReg()).fit(X[:ntr], y[:ntr])
        hp = Ignoring(h0, X.shape[1], 2 * k)
    return h0, hp, X[ntr:], Xp[ntr:], X[:ntr], Xp[:ntr], np.array(g0), np.array(gp)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from(["linear", "tree", "exact", "occlusion"]),
       st.sampled_from(["regression", "classification"]), st.sampled_from(["mean", "median", "zero", "background"]),
       st.booleans(), st.one_of(st.integers(0, 3), st.floats(0.01, 1.0)), st.data())
def test_identical_personalized_model_has_zero_bop_x(seed, method, task, baseline, categorical, top_j, data):
    model_kind = "tree" if method == "tree" else data.draw(st.sampled_from(["linear", "tree"]))
    if method == "linear": model_kind = "linear"
    h0, hp, X0, Xp, R0, Rp, g0, gp = identical_pair(seed, model_kind, task, categorical=categorical)
    out0 = h0.predict_proba(X0) if task == "classification" else h0.predict(X0)
    np.testing.assert_array_equal(hp.predict_proba(Xp) if task == "classification" else hp.predict(Xp), out0)
    if method in ("occlusion",):
        A0 = attributions(h0, X0, method, background=R0, baseline=baseline)
        Ap = attributions(hp, Xp, method, background=Rp, baseline=baseline)
    elif method == "tree": A0, Ap = attributions(h0, X0, "tree"), attributions(hp, Xp, "tree")
    else:
        A0, Ap = attributions(h0, X0, method, background=R0[:8]), attributions(hp, Xp, method, background=Rp[:8])
    np.testing.assert_array_equal(Ap[:, X0.shape[1]:] if method != "exact" else 0 * Ap[:, X0.shape[1]:], 0.0)
    deltas = ["squared", "absolute"] if task == "regression" else ["label", "proba"]
    res = explanation_bop(h0, X0, A0, hp, Xp, Ap, np.arange(len(X0)) % 2, top_j, reference_h0=R0, reference_hp=Rp,
                          column_groups_h0=g0, column_groups_hp=gp, baseline=baseline, n_background=5,
                          delta=data.draw(st.sampled_from(deltas)))
    for k, r in res.items():
        np.testing.assert_array_equal(r.individual, 0.0, err_msg=k)
        J = pair_top_j(top_j, g0.max() + 1, gp.max() + 1)[0]
        assert r.cost == explanation_label(k, J, J)


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from(["sampling", "permutation"]), st.sampled_from(["regression", "classification"]),
       st.integers(0, 3))
def test_random_methods_ignored_columns_and_additive_models(seed, method, task, J):
    """Random explainers: an ignored column gets exactly 0 when a row's output does not depend on the other rows
    (trees); on an additive model BoP-X of the identical pair is 0 up to rounding."""
    h0, hp, X0, Xp, R0, Rp, g0, gp = identical_pair(seed, "tree", task, n=6)
    Ap = attributions(hp, Xp, method, background=Rp[:10], random_state=seed)
    np.testing.assert_array_equal(Ap[:, X0.shape[1]:], 0.0)
    h0, hp, X0, Xp, R0, Rp, g0, gp = identical_pair(seed, "linear", "regression", n=6)
    A0 = attributions(h0, X0, method, background=R0[:10], random_state=seed)
    Ap = attributions(hp, Xp, method, background=Rp[:10], random_state=seed)
    np.testing.assert_allclose(Ap[:, X0.shape[1]:], 0.0, atol=1e-12)
    res = explanation_bop(h0, X0, A0, hp, Xp, Ap, np.zeros(len(X0), int), J, reference_h0=R0, reference_hp=Rp,
                          column_groups_h0=g0, column_groups_hp=gp)
    for r in res.values(): np.testing.assert_allclose(r.individual, 0.0, atol=1e-12)


def test_random_methods_are_not_exactly_zero_on_a_nonadditive_model():
    diffs = []
    for seed in range(5):
        h0, hp, X0, Xp, R0, Rp, g0, gp = identical_pair(seed, "tree", "classification", n=60)
        A0 = attributions(h0, X0, "sampling", background=R0, random_state=seed, n_permutations=1)
        Ap = attributions(hp, Xp, "sampling", background=Rp, random_state=seed, n_permutations=1)
        res = explanation_bop(h0, X0, A0, hp, Xp, Ap, np.zeros(len(X0), int), 2, reference_h0=R0, reference_hp=Rp,
                              column_groups_h0=g0, column_groups_hp=gp, delta="proba")
        diffs.append(np.abs(res["sufficiency"].individual).max())
    assert max(diffs) > 0


def test_signed_ranking_is_not_like_for_like():
    "With rank_by='signed' an ignored column (a = 0) outranks h0's negative features, so BoP-X need not be 0."
    found = False
    for seed in range(10):
        h0, hp, X0, Xp, R0, Rp, g0, gp = identical_pair(seed, "linear", "regression", n=40)
        res = explanation_bop(h0, X0, attributions(h0, X0, background=R0), hp, Xp,
                              attributions(hp, Xp, "linear", background=Rp), np.zeros(len(X0), int), 3,
                              reference_h0=R0, reference_hp=Rp, column_groups_h0=g0, column_groups_hp=gp,
                              rank_by="signed")
        found |= bool(np.abs(res["sufficiency"].individual).max() > 0)
    assert found


@st.composite
def grouped_problems(draw):
    "A problem from `problems` with 1-3 extra columns and random column groups (labels 0..q-1, all used)."
    model, X, A, opts = draw(problems())
    p = X.shape[1]
    q = draw(st.integers(1, p))
    g = np.array(list(range(q)) + [draw(st.integers(0, q - 1)) for _ in range(p - q)])
    g = g[np.array(draw(st.permutations(range(p))))]
    return model, X, A, opts, g


@settings(max_examples=150, deadline=None)
@given(grouped_problems(), st.data())
def test_grouped_vectorized_equals_per_row_reference(prob, data):
    model, X, A, opts, g = prob
    q = int(g.max()) + 1
    J = data.draw(st.one_of(st.integers(0, q), st.floats(0.01, 1.0)))
    fast = explanation_costs(model, X, A, J, chunk_size=data.draw(st.sampled_from([1, 3, 2**17])), column_groups=g, **opts)
    slow = reference_explanation_costs(model, X, A, J, column_groups=g, **opts)
    for k in EXPLANATION_COSTS:
        np.testing.assert_allclose(fast[k], slow[k], rtol=1e-9, atol=1e-12)
    # names work like labels, and children are masked together: J = q keeps everything
    names = np.array([f"c{j}" for j in g])
    sorted_names = [f"c{j}" for j in dict.fromkeys(g.tolist())]
    relabel = np.array([sorted_names.index(f"c{j}") for j in g])
    by_name = explanation_costs(model, X, A, J, column_groups=names, **opts)
    by_label = explanation_costs(model, X, A, J, column_groups=relabel, **opts)
    for k in EXPLANATION_COSTS: np.testing.assert_array_equal(by_name[k], by_label[k])
    np.testing.assert_array_equal(sufficiency_cost(model, X, A, q, column_groups=g, **opts), 0.0)


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, (7, 5), elements=st.floats(-3, 3)), st.lists(st.integers(0, 2), min_size=5, max_size=5))
def test_group_attributions_sum_children(A, labels):
    labels = np.array(labels)
    assume_all = set(labels.tolist()) == set(range(labels.max() + 1))
    if not assume_all: return
    G = group_attributions(A, labels)
    for c in range(labels.max() + 1):
        expect = np.zeros(len(A))
        for j in np.flatnonzero(labels == c): expect = expect + A[:, j]
        np.testing.assert_array_equal(G[:, c], expect)


def test_column_groups_of_a_fitted_pair():
    import pandas as pd
    from bopfair.audit import fit_pair
    rng = np.random.default_rng(0)
    n = 300
    X = pd.DataFrame({"x": rng.normal(size=n), "kind": rng.choice(["u", "v", "w"], n), "flag": rng.integers(0, 2, n)})
    S = pd.DataFrame({"sex": rng.choice(["F", "M"], n), "site": rng.choice(["a", "b", "c"], n)})
    y = (X.x + (S.sex == "F") + rng.normal(size=n) > 0).astype(int)
    pair = fit_pair(_LogReg(), X, S, y)
    g0, n0 = column_groups(pair.h0)
    gp, npn = column_groups(pair.hp)
    assert n0 == ["x", "flag", "kind"] and npn == n0 + ["sex", "site"]
    assert g0.tolist() == [0, 1, 2, 2, 2] and gp.tolist() == [0, 1, 2, 2, 2, 3, 3, 4, 4, 4]
    assert pair_top_j(0.5, len(n0), len(npn)) == (2, 2)


def test_moved_names_still_import_from_explain():
    "The chapters were split (attributions, explanation_costs, explain); the old import path keeps every name."
    import importlib
    old = importlib.import_module("bopfair.explain")    # (bopfair.attributions is the function on the package)
    for mod in map(importlib.import_module, ("bopfair.attributions", "bopfair.explanation_costs")):
        for name in mod.__all__: assert getattr(old, name) is getattr(mod, name), name
