"Chunked, parallel and distributed per-person costs (bopfair.scaling): identical results across chunk sizes, n_jobs and a Dask cluster."
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, LinearRegression

from bopfair.audit import audit, fit_pair
from bopfair.scaling import pair_costs, pair_explanation_bop, _chunk_seed


def synthetic(n=3000, seed=0, regression=False):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"x{j}" for j in range(6)])
    X["kind"] = rng.choice(["u", "v", "w"], n)
    S = pd.DataFrame({"sex": rng.choice(["F", "M"], n), "site": rng.choice(["a", "b"], n)})
    z = X.x0 - 0.5 * X.x1 * X.x2 + 0.8 * (S.sex == "F") + 0.3 * (X.kind == "u")
    y = z + rng.normal(size=n) if regression else (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, S, y


@pytest.fixture(scope="module")
def data():
    return synthetic()


@pytest.fixture(scope="module")
def tree_pair(data):
    X, S, y = data
    return fit_pair(HistGradientBoostingClassifier(max_iter=30, random_state=0), X, S, y, random_state=0)


def assert_same_costs(a, b):
    assert list(a.costs) == list(b.costs)
    for k in a.costs:
        np.testing.assert_array_equal(a.costs[k][0], b.costs[k][0], err_msg=k)
        np.testing.assert_array_equal(a.costs[k][1], b.costs[k][1], err_msg=k)
    pd.testing.assert_frame_equal(a.S, b.S)


@pytest.mark.parametrize("make,task", [(lambda: HistGradientBoostingClassifier(max_iter=30, random_state=0), "classification"),
                                       (lambda: LogisticRegression(max_iter=1000), "classification"),
                                       (lambda: HistGradientBoostingRegressor(max_iter=30, random_state=0), "regression"),
                                       (lambda: LinearRegression(), "regression")])
def test_identical_across_chunk_sizes_and_n_jobs(make, task):
    X, S, y = synthetic(1500, seed=1, regression=task == "regression")
    pair = fit_pair(make(), X, S, y, task=task, random_state=0)
    costs = ("zero_one", "log_loss") if task == "classification" else ("squared_error", "absolute_error")
    ref = pair_costs(pair, prediction_costs=costs, chunk_size=None)
    for cs in (1, 97, 1000):
        for nj in (1, 2):
            if cs == 1 and nj == 2: continue       # 450 one-row tasks on a process pool: slow, adds nothing
            assert_same_costs(pair_costs(pair, prediction_costs=costs, chunk_size=cs, n_jobs=nj), ref)
    # and equal to the unchunked route
    c0, cp = pair.prediction_costs(costs[0])
    np.testing.assert_array_equal(ref.costs[costs[0]][0], c0)
    np.testing.assert_array_equal(ref.costs[costs[0]][1], cp)
    whole = pair_explanation_bop(pair)
    for k, r in ref.bop().items():
        if k in whole: np.testing.assert_array_equal(r.individual, whole[k].individual)


def test_random_method_identical_across_n_jobs_and_threading(tree_pair):
    sub = tree_pair.audit.iloc[:300]
    runs = [pair_costs(tree_pair, sub, attribution_method="sampling", chunk_size=70, n_jobs=nj, backend=be)
            for nj, be in ((1, None), (2, None), (2, "threading"))]
    for r in runs[1:]: assert_same_costs(r, runs[0])


def test_chunk_seed_distinct_and_stable():
    seeds = [_chunk_seed(3, i) for i in range(200)]
    assert seeds[0] == 3 and len(set(seeds)) == 200 and seeds == [_chunk_seed(3, i) for i in range(200)]


def test_audit_identical_across_chunking(data):
    X, S, y = data
    a = audit(X, S, y, estimator="hgb")
    b = audit(X, S, y, estimator="hgb", chunk_size=333, n_jobs=2)
    pd.testing.assert_frame_equal(a.summary(), b.summary())


@pytest.mark.parametrize("kw,msg", [(dict(chunk_size=0), "`chunk_size` must be >= 1"),
                                    (dict(chunk_size=-5), "`chunk_size` must be >= 1"),
                                    (dict(chunk_size=2.5), "`chunk_size` must be an int"),
                                    (dict(n_jobs=0), "`n_jobs`=0 runs nothing"),
                                    (dict(n_jobs="all"), "`n_jobs` must be an int"),
                                    (dict(backend="spark"), "Unknown backend='spark'"),
                                    (dict(attribution_method="lime"), "Unknown attribution_method")])
def test_bad_input(tree_pair, kw, msg):
    with pytest.raises((ValueError, TypeError), match=msg.replace("(", r"\(").replace("[", r"\[")):
        pair_costs(tree_pair, **kw)


def test_bad_input_audit(data):
    X, S, y = data
    for kw, msg in ((dict(chunk_size=0), "`chunk_size` must be >= 1"), (dict(n_jobs=0), "`n_jobs`=0"),
                    (dict(backend="ray"), "Unknown backend='ray'")):
        with pytest.raises(ValueError, match=msg):
            audit(X, S, y, **kw)


def test_dask_without_client_is_a_clear_error(tree_pair):
    distributed = pytest.importorskip("distributed")
    try:
        distributed.get_client()
        pytest.skip("a dask client is already running in this process")
    except ValueError:
        pass
    with pytest.raises(ValueError, match="needs a running dask.distributed Client"):
        pair_costs(tree_pair, backend="dask")


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_audit_on_local_dask_cluster_equals_single_process(data, dask_client):
    X, S, y = data
    single = audit(X, S, y)
    from distributed import get_task_stream
    with get_task_stream(dask_client) as ts:
        on_dask = audit(X, S, y, chunk_size=250, n_jobs=-1, backend="dask")
    workers = {t["worker"] for t in ts.data}
    assert len(ts.data) >= 4 and len(workers) == 2      # the chunks really ran on both workers
    pd.testing.assert_frame_equal(single.summary(), on_dask.summary())
    assert on_dask.settings["backend"] == "dask"


@pytest.mark.parametrize("opts", [dict(), dict(rank_by="signed", delta="proba"), dict(baseline="median"),
                                  dict(baseline="background", n_background=4, delta="proba")])
def test_pair_explanation_bop_is_pair_costs(tree_pair, opts):
    "One rule for a pair's explanation costs: pair_explanation_bop equals pair_costs (one chunk), options included."
    sub = type(tree_pair)(**{**tree_pair.__dict__, "audit": tree_pair.audit.iloc[:400]})
    whole = pair_explanation_bop(sub, **opts)
    pc = pair_costs(sub, chunk_size=None, explain_options=opts)
    chunked = pair_costs(sub, chunk_size=100, explain_options=opts)
    for k, r in pc.bop().items():
        if k in whole:
            np.testing.assert_array_equal(r.individual, whole[k].individual)
            assert r.cost == whole[k].cost
        np.testing.assert_array_equal(chunked.costs[k][1], pc.costs[k][1])


def test_one_j_for_both_models_in_original_columns(tree_pair):
    pc = pair_costs(tree_pair, tree_pair.audit.iloc[:200])
    # h0: x0..x5 and kind (3 one-hot columns) = 7 original columns; hp adds sex and site
    assert pc.columns == ([f"x{j}" for j in range(6)] + ["kind"], [f"x{j}" for j in range(6)] + ["kind", "sex", "site"])
    assert pc.top_j == (4, 4) and not pc.j_differs
    assert pc.labels["sufficiency"] == "sufficiency (J=4)"
    two = pair_costs(tree_pair, tree_pair.audit.iloc[:200], top_j=(0.5, 0.5))
    assert two.top_j == (4, 5) and two.j_differs and two.labels["incomprehensiveness"] == "incomprehensiveness (J0=4, Jp=5)"
    assert pair_costs(tree_pair, tree_pair.audit.iloc[:200], explain=False).top_j == (None, None)
    with pytest.raises(TypeError, match=r"unknown key\(s\) \['reference'\]"):
        pair_costs(tree_pair, explain_options=dict(reference=None))


def test_identical_logistic_pair_has_zero_bop_x(data):
    "A fitted pair whose hp is set to h0 (attribute weights exactly 0): BoP-X is 0 for every person."
    X, S, y = data
    pair = fit_pair(LogisticRegression(max_iter=1000), X, S, y, random_state=0)
    h0, hp = pair.h0[-1], pair.hp[-1]
    hp.coef_ = np.c_[h0.coef_, np.zeros((1, hp.coef_.shape[1] - h0.coef_.shape[1]))]
    hp.intercept_ = h0.intercept_.copy()
    for top_j in (0.5, 2, 7):
        for r in pair_explanation_bop(pair, top_j=top_j).values():
            np.testing.assert_array_equal(r.individual, 0.0)
    old = pair_costs(pair, top_j=(0.5, 0.5)).bop()      # the per-model fraction: 4 of 7 vs 5 of 9 columns
    assert old["sufficiency"].cost == "sufficiency (J0=4, Jp=5)"
    assert np.abs(old["sufficiency"].individual).max() > 0
