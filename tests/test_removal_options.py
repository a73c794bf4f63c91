"The removal operator and the ranking as options of the audit's doors (issue 15)."
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from bopfair.audit import audit, audit_models
from bopfair.scaling import pair_costs
from bopfair.pair import fit_pair


def _data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    X = pd.DataFrame({"x1": z + 0.3 * rng.normal(size=n), "x2": z + 0.3 * rng.normal(size=n),
                      "x3": rng.normal(size=n)})
    S = pd.DataFrame({"sex": rng.choice(["F", "M"], n)})
    y = pd.Series((z + 0.5 * (S["sex"] == "F") + rng.normal(size=n) > 0).astype(int))
    return X, S, y


def test_removal_and_rank_by_reach_the_engine():
    X, S, y = _data()
    est = HistGradientBoostingClassifier(max_iter=20, random_state=0)
    reps = {r: audit(X, S, y, estimator=est, removal=r, rank_by="signed", min_group_size=5) for r in
            ("mean", "conditional")}
    for r, rep in reps.items():
        assert rep.settings["removal"] == r and rep.settings["rank_by"] == "signed"
    pair = fit_pair(est, X, S, y)
    for r, rep in reps.items():        # the same numbers as the engine with the same options
        pc = pair_costs(pair, explain_options={"baseline": r, "rank_by": "signed"}, chunk_size=None)
        got = rep.costs["sufficiency"].bop.table["bop"].to_numpy()
        want = pc.bop(pair.groups())["sufficiency"].table["bop"].to_numpy()
        np.testing.assert_array_equal(got, want)
    a, b = (reps[r].costs["sufficiency"].bop.individual for r in ("mean", "conditional"))
    assert not np.array_equal(a, b)        # the operator changes the per-person costs here


@pytest.mark.parametrize("kw, words", [({"removal": "ROAD"}, "Unknown removal='ROAD'"),
                                       ({"rank_by": "size"}, "Unknown rank_by='size'")])
def test_bad_removal_refused_before_fitting(kw, words):
    X, S, y = _data(200)

    class NoFit(HistGradientBoostingClassifier):
        def fit(self, *a, **k): raise AssertionError("fitted before the check")

    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        audit(X, S, y, estimator=NoFit(), **kw)
    pair = fit_pair(HistGradientBoostingClassifier(max_iter=5), X, S, y)
    with pytest.raises(ValueError, match=words):
        audit_models(pair.h0, pair.hp, X, S, y, **kw)


def test_conditional_draws_are_seeded_per_chunk():
    X, S, y = _data(400)
    pair = fit_pair(HistGradientBoostingClassifier(max_iter=10, random_state=0), X, S, y)
    opts = {"baseline": "conditional", "n_draws": 3}
    one = pair_costs(pair, explain_options=opts, chunk_size=64, random_state=1)
    again = pair_costs(pair, explain_options=opts, chunk_size=64, random_state=1)
    other = pair_costs(pair, explain_options=opts, chunk_size=64, random_state=2)
    np.testing.assert_array_equal(one.costs["sufficiency"][1], again.costs["sufficiency"][1])
    assert not np.array_equal(one.costs["sufficiency"][1], other.costs["sufficiency"][1])


def _csv(tmp_path, n=300):
    X, S, y = _data(n)
    path = tmp_path / "d.csv"
    pd.concat([X, S, y.rename("y")], axis=1).to_csv(path, index=False)
    return path


def test_cli_removal_option(tmp_path, capsys):
    from bopfair.cli import main
    data = _csv(tmp_path)
    base = ["audit", str(data), "--target", "y", "--attributes", "sex", "--task", "classification",
            "--min-group-size", "5", "--quiet"]
    rc = main(base + ["--removal", "ROAD", "--out", str(tmp_path / "bad")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "--removal" in err[0] and "ROAD" in err[0], err
    assert not (tmp_path / "bad").exists()
    rc = main(base + ["--removal", "conditional", "--rank-by", "signed", "--out", str(tmp_path / "ok")])
    assert rc == 0, capsys.readouterr().err
    settings = pd.read_json(tmp_path / "ok" / "settings.json", typ="series")
    assert settings["removal"] == "conditional" and settings["rank_by"] == "signed"


def test_several_operators_equal_one_audit_each():
    X, S, y = _data(500, seed=3)
    est = HistGradientBoostingClassifier(max_iter=20, random_state=0)
    ops = ["zero", "marginal", "conditional"]
    rep = audit(X, S, y, estimator=est, removal=ops, min_group_size=5, rank_by="signed")
    t = rep.removal_stability()
    assert list(t.columns.get_level_values(1)[:4]) == [*ops, "agreement"]
    for op in ops:                 # the slow route: one audit per operator
        one = audit(X, S, y, estimator=est, removal=op, min_group_size=5, rank_by="signed")
        for k in ("sufficiency", "incomprehensiveness"):
            pd.testing.assert_frame_equal(rep.removals[op][k].table(), one.costs[k].table())
            assert list(t[(k, op)].drop("gamma")) == list(one.costs[k].verdicts)
    for k in ("sufficiency", "incomprehensiveness"):
        same = t[[(k, op) for op in ops]].nunique(axis=1) == 1
        assert list(t[(k, "agreement")]) == ["stable" if s else "depends on the removal operator" for s in same]
    off = rep.off_distribution
    assert list(off.index) == ops and off.shape == (3, 4) and ((off >= 0) & (off <= 1)).all().all()


@pytest.mark.parametrize("removal, err, words", [([], TypeError, "`removal` must be a name"),
                                                 (("mean", "mean"), ValueError, "repeats an operator"),
                                                 (["mean", "ROAD"], ValueError, "Unknown removal=.ROAD."),
                                                 (3, TypeError, "`removal` must be a name")])
def test_bad_removal_lists_refused_before_fitting(removal, err, words):
    X, S, y = _data(200)

    class NoFit(HistGradientBoostingClassifier):
        def fit(self, *a, **k): raise AssertionError("fitted before the check")

    with pytest.raises(err, match=words):
        audit(X, S, y, estimator=NoFit(), removal=removal)


def test_cli_several_operators_and_paper_settings(tmp_path, capsys):
    import json
    from bopfair.cli import main
    data = _csv(tmp_path, 400)
    base = ["audit", str(data), "--target", "y", "--attributes", "sex", "--task", "classification",
            "--min-group-size", "5", "--quiet"]
    assert main(base + ["--removal", "mean,conditional", "--out", str(tmp_path / "two")]) == 0
    settings = json.loads((tmp_path / "two" / "settings.json").read_text())
    assert settings["removal"] == ["mean", "conditional"]
    assert "## Does BoP-X depend on the removal operator?" in (tmp_path / "two" / "report.md").read_text()
    assert main(base + ["--paper-explanations", "--top-j", "2", "--out", str(tmp_path / "paper")]) == 0
    settings = json.loads((tmp_path / "paper" / "settings.json").read_text())
    assert (settings["removal"], settings["rank_by"], settings["explain_class"], settings["top_j"]) == (
        "mean", "signed", "positive", 2)
    capsys.readouterr()
    for extra, words in ((["--paper-explanations"], "--top-j=40 is out of range"),
                         (["--removal", "mean,ROAD"], "Unknown --removal ROAD"),
                         (["--explain-class", "negative"], "Unknown --explain-class negative")):
        out = tmp_path / "bad"
        assert main(base + extra + ["--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and words in err[0], err
        assert not out.exists()


def test_several_operators_share_the_audit_family():
    "alpha_scope='audit': each operator's verdicts come from the family of a one-operator audit."
    X, S, y = _data(500, seed=4)
    est = HistGradientBoostingClassifier(max_iter=20, random_state=0)
    kw = dict(estimator=est, min_group_size=5, alpha_scope="audit")
    rep = audit(X, S, y, removal=["mean", "zero"], **kw)
    one = audit(X, S, y, removal="zero", **kw)
    for k in ("sufficiency", "incomprehensiveness"):
        pd.testing.assert_frame_equal(rep.removals["zero"][k].table(), one.costs[k].table())
