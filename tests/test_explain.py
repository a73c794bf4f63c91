"Property-based tests of the explanation costs (hypothesis): degenerate J, column-order invariance, vectorized == per-row reference."
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from bopfair.explain import (explanation_costs, sufficiency_cost, incomprehensiveness_cost, reference_explanation_costs,
                             explanation_cost_curve, explanation_bop, resolve_top_j, EXPLANATION_COSTS)


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
    from bopfair.explain import top_j_mask, feature_ranks
    A = data.draw(arrays(np.float64, (n, p), elements=st.sampled_from([-2.0, -1.0, -0.0, 0.0, 1.0, 2.0, 0.5])))
    ranks = feature_ranks(A, rank_by)
    for J in range(p + 1):
        np.testing.assert_array_equal(top_j_mask(A, J, rank_by), ranks < J)
        assert (top_j_mask(A, J, rank_by).sum(1) == J).all()


# ---- fast model-agnostic attributions: occlusion and batched sampling Shapley ----
from bopfair.explain import attributions, occlusion_attributions, sampling_shapley_attributions, removal_baseline


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
