"load_mimic3 on synthetic MIMIC-III v1.4 extracts: cohort, attributes, window, target, missing columns, bad input."
import datetime
import shutil
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from bopfair.mimic import (load_mimic3, make_synthetic_mimic3, mimic3_cohort, age_at_admission, MIMIC3_ITEMIDS,
                           FAHRENHEIT_ITEMIDS, PLAUSIBLE_RANGES, STATISTICS, MAX_AGE)

FMT = "%Y-%m-%d %H:%M:%S"


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    return make_synthetic_mimic3(tmp_path_factory.mktemp("mimic") / "v14", n_admissions=400, random_state=3)


@pytest.fixture(scope="module")
def hand(src):
    "Adult admissions with positive LOS, computed row by row with Python datetime."
    adm, pat = pd.read_csv(src / "ADMISSIONS.csv"), pd.read_csv(src / "PATIENTS.csv").set_index("SUBJECT_ID")
    out = {}
    for r in adm.itertuples():
        a, d = datetime.datetime.strptime(r.ADMITTIME, FMT), datetime.datetime.strptime(r.DISCHTIME, FMT)
        dob = datetime.datetime.strptime(pat.loc[r.SUBJECT_ID, "DOB"], FMT)
        age = min(a.year - dob.year - ((a.month, a.day) < (dob.month, dob.day)), MAX_AGE)
        if age >= 18 and d > a:
            out[r.HADM_ID] = dict(age=age, los=(d - a).total_seconds() / 86400, eth=r.ETHNICITY, sex=pat.loc[r.SUBJECT_ID, "GENDER"], admit=a)
    return out


@pytest.fixture(scope="module")
def raw(src):
    return src, pd.read_csv(src / "ADMISSIONS.csv")


def slow_features(src, hadm, admit, window_hours=24):
    "Mean/max/min per concept from a plain loop over the raw event rows of one admission."
    id2c = {i: c for c, (_, ids) in MIMIC3_ITEMIDS.items() for i in ids}
    vals = {}
    for t in ("CHARTEVENTS", "LABEVENTS"):
        ev = pd.read_csv(src / f"{t}.csv")
        for r in ev[ev["HADM_ID"] == hadm].itertuples():
            c, v = id2c.get(r.ITEMID), r.VALUENUM
            if c is None or np.isnan(v) or getattr(r, "ERROR", 0) == 1: continue
            tm = datetime.datetime.strptime(r.CHARTTIME, FMT)
            if not admit <= tm < admit + datetime.timedelta(hours=window_hours): continue
            if r.ITEMID in FAHRENHEIT_ITEMIDS: v = (v - 32) / 1.8 if 70 < v < 120 else np.nan
            lo, hi = PLAUSIBLE_RANGES[c]
            if lo < v < hi: vals.setdefault(c, []).append(v)
    return {f"{c}_{s}": f(v) for c, v in vals.items() for s, f in zip(STATISTICS, (np.mean, max, min))}


def test_cohort_size_and_ids(src, hand):
    cohort = mimic3_cohort(src)
    assert sorted(cohort.index) == sorted(hand)
    ds = load_mimic3(src, impute=False)
    assert set(ds.y.index) <= set(hand) and len(ds.y) >= 0.9 * len(hand)
    assert ds.X.index.equals(ds.S.index) and ds.X.index.equals(ds.y.index)


def test_attribute_groups(src, hand):
    ds = load_mimic3(src, attributes=("age", "race", "sex"))
    S = ds.S
    assert list(S.columns) == ["age", "race", "sex"]
    assert S["age"].astype(str).tolist() == ["18-44" if hand[h]["age"] < 45 else "45+" for h in S.index]
    assert S["race"].astype(str).tolist() == ["White" if hand[h]["eth"].startswith("WHITE") else "non-White" for h in S.index]
    assert S["sex"].astype(str).tolist() == [{"F": "female", "M": "male"}[hand[h]["sex"]] for h in S.index]
    assert S.groupby(["age", "race", "sex"], observed=False).size().min() > 0   # all 8 groups present
    assert not set(S.columns) & set(ds.X.columns)


def test_features_only_from_window(src, hand):
    ds = load_mimic3(src, impute=False)
    for hadm in ds.X.index[:15]:
        exp = slow_features(src, hadm, hand[hadm]["admit"])
        row = ds.X.loc[hadm]
        np.testing.assert_allclose(row.to_numpy(float), [exp.get(c, np.nan) for c in row.index], atol=1e-9, rtol=0, equal_nan=True)
    # a longer window takes in the later rows and changes the features
    wide = load_mimic3(src, impute=False, window_hours=48)
    common = ds.X.columns.intersection(wide.X.columns)
    assert (ds.X[common] - wide.X.loc[ds.X.index, common]).abs().sum().sum() > 0


def test_los_target(src, hand):
    cls, reg = load_mimic3(src), load_mimic3(src, "regression")
    assert cls.y.tolist() == [int(hand[h]["los"] > 3) for h in cls.y.index]
    np.testing.assert_allclose(reg.y.to_numpy(), np.log([hand[h]["los"] for h in reg.y.index]), rtol=0, atol=1e-12)
    assert 0.2 < cls.y.mean() < 0.8


def test_missing_column_drop(src):
    X = load_mimic3(src, impute=False).X
    concepts = {c.rsplit("_", 1)[0] for c in X.columns}
    assert concepts == set(MIMIC3_ITEMIDS) - {"albumin", "lactate"}
    assert (X.isna().mean() <= 0.5).all()
    loose = load_mimic3(src, impute=False, max_missing=0.95).X
    assert set(loose.columns) - set(X.columns) == {"albumin_mean", "albumin_max", "albumin_min"}
    strict = load_mimic3(src, impute=False, max_missing=0.1).X
    assert (strict.isna().mean() <= 0.1).all() and 0 < strict.shape[1] < X.shape[1]
    with pytest.raises(ValueError, match="`max_missing`"): load_mimic3(src, max_missing=0)


def test_impute_and_scale(src):
    X = load_mimic3(src).X
    assert not X.isna().any().any()
    np.testing.assert_allclose(X.mean(), 0, atol=1e-9)
    np.testing.assert_allclose(X.std(ddof=0), 1, atol=1e-9)


def test_chunks_gzip_and_custom_itemids(src, tmp_path):
    base = load_mimic3(src, impute=False)
    pd.testing.assert_frame_equal(load_mimic3(src, impute=False, chunksize=501).X, base.X)
    gz = make_synthetic_mimic3(tmp_path / "gz", n_admissions=400, random_state=3, compress=True)
    pd.testing.assert_frame_equal(load_mimic3(gz, impute=False).X, base.X)
    hr = load_mimic3(src, impute=False, itemids={"hr": ("CHARTEVENTS", [211, 220045])}, plausible_ranges={})
    assert list(hr.X.columns) == ["hr_mean", "hr_max", "hr_min"]
    # no plausibility filter: the impossible readings (0, -1, 1e5) come through
    assert (hr.X["hr_max"] >= 1e5).any() or (hr.X["hr_min"] <= 0).any()


def test_error_flag_rows_dropped(src, tmp_path):
    d = tmp_path / "err"; shutil.copytree(src, d)
    ce = pd.read_csv(d / "CHARTEVENTS.csv"); ce["ERROR"] = 1; ce.to_csv(d / "CHARTEVENTS.csv", index=False)
    X = load_mimic3(d, impute=False).X
    assert {c.rsplit("_", 1)[0] for c in X.columns} <= {c for c, (t, _) in MIMIC3_ITEMIDS.items() if t == "LABEVENTS"}


def test_audit_plugs_in(src):
    from sklearn.linear_model import LogisticRegression
    from bopfair.audit import fit_pair, prediction_bop
    ds = load_mimic3(src)
    res = prediction_bop(fit_pair(LogisticRegression(max_iter=1000), ds.X, ds.S, ds.y, random_state=0))
    assert len(res.table) == 4 and np.isfinite(res.population)


def test_bad_input(src, tmp_path):
    with pytest.raises(FileNotFoundError, match="`path`"): load_mimic3(tmp_path / "nowhere")
    with pytest.raises(TypeError, match="`path`"): load_mimic3(None)
    with pytest.raises(ValueError, match="Unknown task"): load_mimic3(src, task="survival")
    with pytest.raises(ValueError, match="Unknown attribute"): load_mimic3(src, attributes=("gender",))
    with pytest.raises(ValueError, match="`window_hours`"): load_mimic3(src, window_hours=-1)
    with pytest.raises(ValueError, match="`itemids`"): load_mimic3(src, itemids={"hr": ("CHARTEVENTS", ())})
    d = tmp_path / "bad"; shutil.copytree(src, d)
    (d / "PATIENTS.csv").unlink()
    with pytest.raises(FileNotFoundError, match="no PATIENTS.csv or PATIENTS.csv.gz"): load_mimic3(d)
    shutil.copy(src / "PATIENTS.csv", d / "PATIENTS.csv")
    pd.read_csv(src / "CHARTEVENTS.csv").drop(columns="VALUENUM").to_csv(d / "CHARTEVENTS.csv", index=False)
    with pytest.raises(ValueError, match=r"CHARTEVENTS.csv lacks column\(s\) \['VALUENUM'\]"): load_mimic3(d)
    k = tmp_path / "kids"; shutil.copytree(src, k)
    p = pd.read_csv(k / "PATIENTS.csv"); p["DOB"] = "2199-06-01 00:00:00"; p.to_csv(k / "PATIENTS.csv", index=False)
    with pytest.raises(ValueError, match="`min_age`"): load_mimic3(k)


def test_lowercase_columns_accepted(src, tmp_path):
    d = tmp_path / "lower"; shutil.copytree(src, d)
    a = pd.read_csv(d / "ADMISSIONS.csv"); a.columns = a.columns.str.lower(); a.to_csv(d / "ADMISSIONS.csv", index=False)
    pd.testing.assert_series_equal(load_mimic3(d).y, load_mimic3(src).y)


@settings(max_examples=200, deadline=None)
@given(st.dates(datetime.date(2100, 1, 1), datetime.date(2210, 12, 31)), st.integers(0, 120), st.dates(datetime.date(2000, 1, 1), datetime.date(2000, 12, 31)))
def test_age_matches_datetime(admit, years_back, birthday):
    day = min(birthday.day, 28) if birthday.month == 2 else birthday.day
    dob = datetime.date(admit.year - years_back, birthday.month, day)
    exp = min(admit.year - dob.year - ((admit.month, admit.day) < (dob.month, dob.day)), MAX_AGE)
    got = age_at_admission(pd.Series(pd.to_datetime([admit])), pd.Series(pd.to_datetime([dob])))
    assert got.iloc[0] == exp
