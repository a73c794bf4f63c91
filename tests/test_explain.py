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
