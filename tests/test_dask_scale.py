"audit_costs on a Dask DataFrame read from parquet, on a LocalCluster: the verdicts equal the in-memory ones (issue 12)."
import numpy as np
import pandas as pd
import pytest
import dask.dataframe as dd
from dask.distributed import Client, LocalCluster

from bopfair.verdicts import audit_costs

N, PARTS = 8_000, 4

@pytest.fixture(scope="module")
def client():
    with LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as cluster, \
            Client(cluster) as c:
        yield c

@pytest.fixture(scope="module")
def data(tmp_path_factory):
    "Seeded costs of h0 and hp (0-1 and squared) for 2 x 3 attribute groups and a tiny group, written as parquet."
    rng = np.random.default_rng(12)
    sex = rng.choice(["F", "M"], N)
    race = rng.choice(["a", "b", "c"], N, p=[0.6, 0.39, 0.01])
    gain = np.where(sex == "F", 0.04, 0.0) + np.where(race == "b", -0.03, 0.0)
    e = rng.normal(0, 1, N)
    frame = pd.DataFrame({
        "sex": sex, "race": race,
        "zo_h0": (rng.random(N) < 0.25) * 1.0, "zo_hp": (rng.random(N) < 0.25 - gain) * 1.0,
        "sq_h0": e ** 2, "sq_hp": (e * (1 - gain) + 0.3 * rng.normal(0, 1, N)) ** 2 * 0.95})
    path = tmp_path_factory.mktemp("costs") / "costs.parquet"
    frame.to_parquet(path, row_group_size=N // PARTS)
    return frame, path

@pytest.mark.parametrize("cost,groups", [("zo", "attributes"), ("sq", "attributes"), ("sq", "labels")])
def test_dask_audit_equals_in_memory(client, data, cost, groups):
    frame, path = data
    ddf = dd.read_parquet(path, split_row_groups=True)
    assert ddf.npartitions > 1
    if groups == "attributes": g_lazy, g_mem = ddf[["sex", "race"]], frame[["sex", "race"]]
    else: g_lazy, g_mem = ddf["sex"] + "|" + ddf["race"], (frame["sex"] + "|" + frame["race"]).to_numpy()
    lazy = audit_costs(ddf[f"{cost}_h0"], ddf[f"{cost}_hp"], g_lazy, cost=cost)
    mem = audit_costs(frame[f"{cost}_h0"], frame[f"{cost}_hp"], g_mem, cost=cost)
    pd.testing.assert_series_equal(lazy.verdicts, mem.verdicts)
    assert lazy.verdict == mem.verdict and lazy.p_gamma == pytest.approx(mem.p_gamma, rel=1e-9, nan_ok=True)
    assert lazy.epsilon == pytest.approx(mem.epsilon, rel=1e-12)    # 1% of a mean: sums merged per partition
    assert lazy.epsilon_star == pytest.approx(mem.epsilon_star, rel=1e-9)
    pd.testing.assert_frame_equal(lazy.table(), mem.table(), rtol=1e-12)
    pd.testing.assert_frame_equal(lazy.fit, mem.fit)                 # the same b, in the same order
    np.testing.assert_array_equal(lazy.bop.individual, mem.bop.individual)
    assert set(lazy.verdicts) != {lazy.verdicts.iloc[0]}     # not a trivial all-same outcome

def test_dask_audit_checks_before_the_pass(client, data):
    frame, path = data
    ddf = dd.read_parquet(path)
    with pytest.raises(ValueError, match="`epsilon`"):
        audit_costs(ddf["zo_h0"], ddf["zo_hp"], ddf["sex"], epsilon=-1)
    with pytest.raises(TypeError, match="`cost_hp` must be a dask Series"):
        audit_costs(ddf["zo_h0"], frame["zo_hp"], ddf["sex"])
    bad = ddf.assign(zo_hp=ddf["zo_hp"].where(ddf["zo_hp"] < 2, np.nan).mask(ddf["race"] == "c", np.nan))
    with pytest.raises(ValueError, match="cost_hp"):
        audit_costs(bad["zo_h0"], bad["zo_hp"], bad["sex"])
