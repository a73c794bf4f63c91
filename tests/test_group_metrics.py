"Property-based and bad-input tests of bopfair.group_metrics: the registry against sklearn, the paired stratified bootstrap, verdicts."
import inspect
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from sklearn.metrics import r2_score, roc_auc_score

from bopfair.groups import as_groups
from bopfair.group_metrics import (GROUP_METRICS, GROUP_LEVEL_NOTE, GROUP_VERDICTS, GroupMetricBoP, group_metric_bop,
                                   _bootstrap_bop, _stratified_counts)
from bopfair.verdicts import MIN_GROUP_SIZE, VERDICTS


def _data(seed, n=120, d=3, regression=False):
    rng = np.random.default_rng(seed)
    labels = np.array(list("abcdefgh"[:d]))[rng.integers(0, d, n)]
    if regression:
        y = rng.normal(size=n)
        return y, y + rng.normal(size=n), y + 0.5 * rng.normal(size=n), labels
    y = (rng.random(n) < 0.4).astype(float)
    y[:2 * d] = np.tile([0, 1], d)
    labels[:2 * d] = np.repeat(np.array(list("abcdefgh"[:d])), 2)
    p0 = rng.uniform(size=n)
    return y, p0, np.clip(0.6 * p0 + 0.4 * y + rng.normal(0, 0.1, n), 0, 1), labels


def _call(name, seed=0, **kw):
    y, p0, p1, lab = _data(seed, regression=name == "r2")
    kw.setdefault("task", "regression" if name == "r2" else "classification")
    return group_metric_bop(y, p0, p1, lab, name, **kw)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.integers(3, 30), st.booleans())
def test_batch_equals_sklearn_under_weights(seed, m, ties):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, m).astype(float); y[:2] = [0, 1]
    s = rng.choice([0.1, 0.5, 0.9], m) if ties else rng.uniform(size=m)
    V = rng.integers(0, 3, (3, m)) * rng.uniform(0.1, 2, m)
    V[:, :2] += 1.0                                      # both classes carry weight
    for v, w in zip(GROUP_METRICS["auc"].batch(y, s, V), V):
        assert v == pytest.approx(roc_auc_score(y, s, sample_weight=w), abs=1e-12)
    for name in ("fpr", "fnr", "ece"):
        met = GROUP_METRICS[name]
        pred = (s >= 0.5) * 1.0 if met.takes == "labels" else s
        for v, w in zip(met.batch(y, pred, V), V):
            assert v == pytest.approx(met.score(y, pred, w), abs=1e-12)
    yr, f = rng.normal(size=m), rng.normal(size=m)
    for v, w in zip(GROUP_METRICS["r2"].batch(yr, f, V), V):
        assert v == pytest.approx(r2_score(yr, f, sample_weight=w), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("name", list(GROUP_METRICS))
def test_swapping_the_models_mirrors_everything(name):
    y, p0, p1, lab = _data(1, regression=name == "r2")
    task = "regression" if name == "r2" else "classification"
    a = group_metric_bop(y, p0, p1, lab, name, task=task, n_boot=300, min_group_size=1)
    b = group_metric_bop(y, p1, p0, lab, name, task=task, n_boot=300, min_group_size=1)
    np.testing.assert_array_equal(a.replicates, -b.replicates)   # one paired draw: the same counts
    np.testing.assert_allclose(a.table.bop, -b.table.bop, atol=1e-15)
    np.testing.assert_allclose(a.table.ci_low, -b.table.ci_high, atol=1e-12)
    np.testing.assert_array_equal(a.table.p_benefit, b.table.p_harm)
    flip = {"benefit shown": "harm shown", "harm shown": "benefit shown"}
    assert a.table.verdict.map(lambda v: flip.get(v, v)).tolist() == b.table.verdict.tolist()


def test_auc_is_invariant_to_a_monotone_transform_of_the_scores():
    y, p0, p1, lab = _data(2)
    a = group_metric_bop(y, p0, p1, lab, "auc", n_boot=200)
    b = group_metric_bop(y, np.log(p0 + 1e-3) * 7 - 2, np.exp(3 * p1), lab, "auc", n_boot=200)
    pd.testing.assert_frame_equal(a.table, b.table, atol=1e-12)


@pytest.mark.parametrize("name", list(GROUP_METRICS))
def test_unit_weights_change_nothing_and_the_all_row_is_sklearn_on_all_rows(name):
    a = _call(name, n_boot=200)
    b = _call(name, n_boot=200, sample_weight=np.ones(120))
    pd.testing.assert_frame_equal(a.table, b.table, atol=1e-12)
    assert b.weighted and not a.weighted and "weighted" in repr(b)
    y, p0, p1, _ = _data(0, regression=name == "r2")
    met = GROUP_METRICS[name]
    pred = (p0 >= 0.5) * 1.0 if met.takes == "labels" else p0
    assert a.table.loc["all", "metric_h0"] == pytest.approx(met.score(y, pred), abs=1e-15)


def test_degenerate_groups_get_defined_results():
    y = np.r_[np.zeros(30), np.tile([0.0, 1.0], 30), [1.0, 0.0, 1.0]]
    lab = pd.Categorical(["one class"] * 30 + ["mixed"] * 60 + ["tiny"] * 3, ["one class", "mixed", "tiny", "empty"])
    rng = np.random.default_rng(4)
    p0, p1 = rng.uniform(size=len(y)), rng.uniform(size=len(y))
    r = group_metric_bop(y, p0, p1, lab, "auc", n_boot=200)
    v = r.table.verdict
    assert v["one class"] == GROUP_VERDICTS[3] and np.isnan(r.table.loc["one class", "bop"])
    assert v["tiny"] == "too small to audit" and np.isfinite(r.table.loc["tiny", "bop"])
    assert v["empty"] == "no data" and r.table.loc["empty", "n"] == 0
    assert r.tests.loc["one class", "why_not"] == "one class only"
    assert np.isnan(r.replicates[:, :1]).all() and np.isfinite(r.replicates[:, 1]).all()
    fnr = group_metric_bop(y, p0, p1, lab, "fnr", n_boot=200)
    assert fnr.table.verdict["one class"] == GROUP_VERDICTS[3] and fnr.tests.why_not["one class"] == "no positives (y = 1)"
    # nothing defined anywhere: no draw at all, every number NaN, every row untestable
    none = group_metric_bop(np.zeros(40), p0[:40], p1[:40], np.repeat(["a", "b"], 20), "auc")
    assert none.table.verdict.tolist() == [GROUP_VERDICTS[3]] * 3 and np.isnan(none.replicates).all()
    # R²: a constant outcome is undefined
    r2 = group_metric_bop(np.r_[np.zeros(25), rng.normal(size=25)], rng.normal(size=50), rng.normal(size=50),
                          np.repeat(["flat", "varied"], 25), "r2", task="regression", n_boot=100)
    assert r2.table.verdict["flat"] == GROUP_VERDICTS[3] and r2.tests.why_not["flat"] == "y is constant"


def test_class_strata_keep_the_class_counts_and_chunks_cover_every_replicate():
    y, p0, p1, lab = _data(3)
    g = as_groups(lab)
    strata = g.codes * 2 + y.astype(int)
    C = _stratified_counts(strata, 400, np.random.default_rng(0))
    for s in np.unique(strata):
        assert (C[:, strata == s].sum(1) == (strata == s).sum()).all()
    rows = [np.flatnonzero(g.codes == j) for j in range(g.d)] + [np.arange(len(y))]
    reps = _bootstrap_bop(GROUP_METRICS["auc"], y, p0, p1, np.ones(len(y)), strata, rows, np.ones(g.d + 1, bool),
                          1000, np.random.default_rng(0), max_cells=7 * len(y))   # chunks of 7 replicates
    assert reps.shape == (1000, g.d + 1) and np.isfinite(reps).all()
    one = _bootstrap_bop(GROUP_METRICS["auc"], y, p0, p1, np.ones(len(y)), strata, rows, np.ones(g.d + 1, bool),
                         1000, np.random.default_rng(0))
    assert abs(np.median(reps[:, -1]) - np.median(one[:, -1])) < 0.02      # same distribution, other draws


def test_same_words_and_minimum_as_the_individual_audit():
    assert inspect.signature(group_metric_bop).parameters["min_group_size"].default == MIN_GROUP_SIZE
    for word in (GROUP_VERDICTS[0], GROUP_VERDICTS[1], GROUP_VERDICTS[2], GROUP_VERDICTS[4], GROUP_VERDICTS[5]):
        assert word in VERDICTS
    assert GROUP_VERDICTS[3].startswith("untestable")


def test_result_contract():
    r = _call("auc", n_boot=100)
    assert isinstance(r, GroupMetricBoP)
    assert list(r.table.columns) == ["n", "metric_h0", "metric_hp", "bop", "ci_low", "ci_high", "p_benefit",
                                     "p_harm", "verdict"]
    assert r.table.index.tolist() == ["a", "b", "c", "all"] and r.table.index.name == "group"
    md = r.to_markdown()
    assert md.startswith("**AUC**") and GROUP_LEVEL_NOTE in md and md.count("\n| ") == 5
    assert r.to_markdown(caption=False).startswith("| group |")
    assert r.replicates.shape == (100, 4)
    pd.testing.assert_frame_equal(r.summary(), r.table)


@pytest.mark.parametrize("kw, match", [
    (dict(metric="brier"), "Unknown metric='brier'"),
    (dict(metric="r2"), "metric='r2' is a regression metric"),
    (dict(task="survival"), "Unknown task='survival'"),
    (dict(sample_weight=np.r_[-1.0, np.ones(119)]), "`sample_weight` must be >= 0, found -1 at position 0"),
    (dict(sample_weight=np.ones(3)), "`sample_weight` has 3 values"),
    (dict(sample_weight=np.zeros(120)), "`sample_weight` is 0 for every person"),
    (dict(n_boot=0), "`n_boot` must be >= 1"),
    (dict(alpha=1.0), "`alpha` must be strictly between 0 and 1"),
    (dict(min_group_size=-3), "`min_group_size` must be >= 1"),
    (dict(random_state=1.5), "`random_state` must be an int seed"),
])
def test_bad_input_names_the_argument(kw, match):
    y, p0, p1, lab = _data(0)
    kw = {"metric": "auc", **kw}
    with pytest.raises((ValueError, TypeError), match=match.replace("(", r"\(").replace(")", r"\)")):
        group_metric_bop(y, p0, p1, lab, **kw)


def test_bad_predictions_and_groups():
    y, p0, p1, lab = _data(0)
    with pytest.raises(ValueError, match="`pred_h0` must be probabilities"):
        group_metric_bop(y, p0 + 1, p1, lab, "ece")
    with pytest.raises(ValueError, match="`y` must hold binary labels"):
        group_metric_bop(y + 1, p0, p1, lab, "auc")
    with pytest.raises(ValueError, match="`groups` describes 119"):
        group_metric_bop(y, p0, p1, lab[:-1], "auc")
    with pytest.raises(ValueError, match="named 'all'"):
        group_metric_bop(y, p0, p1, np.where(lab == "a", "all", lab), "auc")
    S = pd.DataFrame({"g": lab})
    w = pd.Series(np.ones(120), index=S.index[::-1])
    with pytest.raises(ValueError, match="`sample_weight` and `groups` are indexed differently"):
        group_metric_bop(y, p0, p1, S, "auc", sample_weight=w)
    group_metric_bop(y, p0, p1, S, "auc", sample_weight=w.sort_index(), n_boot=10)   # aligned: fine
