"The installed console script, run as a user would."
import subprocess, sys
from pathlib import Path

EXE = Path(sys.executable).parent / "bopfair"   # the console script installed beside this Python

def run(*args):
    assert EXE.exists(), f"console script not installed at {EXE}; pip install -e '.[dev]'"
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=300)

def test_demo_prints_group_table_and_gamma():
    r = run("demo", "--quiet")
    assert r.returncode == 0, r.stderr
    for g in ["sex=female, race=black", "sex=female, race=other", "sex=male, race=black", "sex=male, race=other"]:
        assert g in r.stdout
    assert "minimal group BoP gamma" in r.stdout
    assert r.stderr == ""

def test_demo_bad_attribute_exits_nonzero_with_message():
    r = run("demo", "--attributes", "income")
    assert r.returncode == 2
    assert "Unknown attribute='income'" in r.stderr

def test_no_command_is_a_usage_error():
    r = run()
    assert r.returncode == 2 and "usage" in r.stderr.lower()

def test_bounds_prints_the_neurips_headline():
    r = run("bounds", "--n", "8e9", "--k", "18", "--epsilon", "0.01")
    assert r.returncode == 0, r.stderr
    lines = dict(l.rsplit(None, 1) for l in r.stdout.splitlines() if l.strip())
    assert abs(float(lines["k* (Lambert W)"]) - 17.9706) < 1e-4
    assert lines["k_max"] == "17" and lines["unreliable (LB_sum >= tau)"] == "True"
    assert r.stderr == ""

def test_bounds_bad_input_exits_2():
    r = run("bounds", "--n", "100", "--k", "2", "--epsilon", "0.1", "--tau", "1.5")
    assert r.returncode == 2 and "--tau must be" in r.stderr

def test_bounds_says_in_words_when_even_one_group_is_untestable():
    r = run("bounds", "--n", "1000", "--k", "1", "--epsilon", "0.01")
    assert r.returncode == 0, r.stderr
    lines = dict(l.split(None, 1) if not l.startswith("in words") else ("in words", l[32:].strip())
                 for l in r.stdout.splitlines() if l.strip())
    assert float(r.stdout.split("k* (exact root)")[1].split()[0]) < 0
    assert "even one group of all N people is untestable" in r.stdout

def test_help_is_instant_and_loads_no_numerics():
    "`bopfair --help` imports only the standard library (each command imports what it needs)."
    r = run("--help")
    assert r.returncode == 0 and "demo" in r.stdout and "bounds" in r.stdout
    check = ("import sys, contextlib, io\nfrom bopfair.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    try: main(['--help'])\n    except SystemExit: pass\n"
             "print(sorted(m for m in ('numpy', 'pandas', 'scipy', 'sklearn', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr

def test_command_help_lists_its_options():
    r = run("bounds", "--help")
    assert r.returncode == 0 and "--family {bernoulli,categorical,gaussian" in r.stdout
    from bopfair.verdicts import MIN_GROUP_SIZE
    r = run("audit", "--help")
    assert r.returncode == 0 and f"(default {MIN_GROUP_SIZE})" in " ".join(r.stdout.split())

def test_report_is_byte_identical_for_the_same_seed(tmp_path):
    "Same data, same seed: every file of the report is the same, byte for byte (hgb with explanations, rf without)."
    import numpy as np, pandas as pd
    rng = np.random.default_rng(1)
    n = 300
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), "sex": rng.choice(["F", "M"], n)})
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-df.x1 - (df.sex == "F")))).astype(int)
    df.to_csv(tmp_path / "d.csv", index=False)
    for est, extra in [("hgb", []), ("rf", ["--no-explain"])]:
        outs = []
        for run_ in ("a", "b"):
            out = tmp_path / f"{est}_{run_}"
            r = run("audit", str(tmp_path / "d.csv"), "--target", "y", "--attributes", "sex", "--task",
                    "classification", "--estimator", est, "--seed", "7", "--quiet", "--out", str(out), *extra)
            assert r.returncode == 0, r.stderr
            outs.append({str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
        assert list(outs[0]) == list(outs[1]) and "report.md" in outs[0] and "summary.csv" in outs[0]
        for name in outs[0]: assert outs[0][name] == outs[1][name], f"{est}: {name} differs between two runs"

def test_audit_envy_adds_the_envy_section(tmp_path):
    "--envy: the report gains 'Envy-freeness and opting out' and the heatmap; without it, neither."
    import numpy as np, pandas as pd
    rng = np.random.default_rng(2)
    n = 600
    df = pd.DataFrame({"x1": rng.normal(size=n), "sex": rng.choice(["F", "M"], n),
                       "site": rng.choice(["a", "b"], n)})
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-df.x1 - (df.sex == "F")))).astype(int)
    df.to_csv(tmp_path / "d.csv", index=False)
    args = ["audit", str(tmp_path / "d.csv"), "--target", "y", "--attributes", "sex,site", "--task",
            "classification", "--estimator", "logistic", "--no-explain", "--quiet"]
    r = run(*args, "--envy", "--out", str(tmp_path / "e"))
    assert r.returncode == 0, r.stderr
    md = (tmp_path / "e" / "report.md").read_text()
    assert "## Envy-freeness and opting out" in md and "### zero_one: envy matrix" in md
    assert "### zero_one: opting out" in md and "verdict: " in md
    assert "Envy-freeness and opting out" in (tmp_path / "e" / "report.html").read_text()
    assert (tmp_path / "e" / "figures" / "envy_zero_one.png").is_file()
    r = run(*args, "--out", str(tmp_path / "plain"))
    assert r.returncode == 0, r.stderr
    assert "Envy" not in (tmp_path / "plain" / "report.md").read_text()
    assert not list((tmp_path / "plain" / "figures").glob("envy_*"))
    for cmd in ("audit", "demo"):
        h = " ".join(run(cmd, "--help").stdout.split())
        assert "--envy also test envy-freeness and opting out (d extra passes of hp)" in h


# ---------------------------------------------------------------- the doors: audit-predictions, audit-models
import contextlib, io, json
import numpy as np
import pandas as pd
import pytest

def _main(argv):
    "(exit code, stdout, stderr) of bopfair.cli.main in this process (the doors can be stubbed)."
    from bopfair.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: rc = main(argv)
        except SystemExit as e: rc = e.code
    return rc, out.getvalue(), err.getvalue()

def _scores(n=400, seed=0) -> pd.DataFrame:
    "A predictions table: target, two models' P(y=1), attributes, a weight and an unrelated id column."
    rng = np.random.default_rng(seed)
    sex, site = rng.choice(["F", "M"], n), rng.choice(["a", "b"], n)
    p = 1 / (1 + np.exp(-rng.normal(size=n) - (sex == "F")))
    y = (rng.random(n) < p).astype(int)
    return pd.DataFrame({"id": np.arange(n), "y": y, "p0": np.clip(p + rng.normal(0, .2, n), 0, 1),
                         "p1": np.clip(p + rng.normal(0, .1, n), 0, 1), "sex": sex, "site": site,
                         "w": rng.uniform(0.5, 2, n)})

PRED = ["--target", "y", "--pred-h0", "p0", "--pred-hp", "p1", "--attributes", "sex,site",
        "--task", "classification", "--quiet"]

def _one_line_exit_2(rc, err, *names):
    lines = [l for l in err.splitlines() if l.strip() and "warning:" not in l]
    assert rc == 2 and len(lines) == 1 and "Traceback" not in err, err
    for n in names: assert n in lines[0], (n, lines[0])

class _Called(Exception): "A stubbed door was reached."

def _stub(mp, name):
    "Replace bopfair.audit.<name> by a recorder that stops the command: what the CLI passes on."
    import importlib
    seen = {}
    def door(*a, **k):
        seen.update(args=a, kwargs=k)
        raise _Called
    mp.setattr(importlib.import_module("bopfair.audit"), name, door, raising=False)
    return seen

@pytest.mark.parametrize("change, names", [
    (dict(argv=["--pred-h0", "score"]), ["--pred-h0", "['score'] not in the data"]),
    (dict(argv=["--pred-hp", "p0"]), ["'p0'", "--pred-h0", "--pred-hp"]),
    (dict(argv=["--attributes", "sex,y"]), ["'y'", "--target", "--attributes"]),
    (dict(argv=["--attributes", "sex,sex"]), ["--attributes", "['sex'] twice"]),
    (dict(argv=["--attributes", ","]), ["--attributes", "names no column"]),
    (dict(argv=["--weight", "weights"]), ["--weight", "['weights'] not in the data"]),
    (dict(argv=["--weight", "sex"]), ["'sex'", "--attributes", "--weight"]),
    (dict(text="y,p0,p1,sex,sex\n1,0.5,0.5,F,F\n"), ["duplicated column names ['sex']"]),
    (dict(text=""), ["DATA", "empty"]),
])
def test_audit_predictions_bad_columns_exit_2_before_the_audit(tmp_path, monkeypatch, change, names):
    "Columns the options name: missing, named twice or in two roles, a duplicated header: exit 2, one line, no --out."
    seen = _stub(monkeypatch, "audit_predictions")
    data = tmp_path / "s.csv"
    if "text" in change: data.write_text(change["text"])
    else: _scores().to_csv(data, index=False)
    argv = ["audit-predictions", str(data), *PRED, *change.get("argv", []), "--out", str(tmp_path / "out")]
    rc, so, se = _main(argv)
    _one_line_exit_2(rc, se, *names)
    assert not seen and not (tmp_path / "out").exists()

def test_audit_predictions_passes_the_columns_and_options_on(tmp_path, monkeypatch):
    "What reaches audit_predictions: the columns as Series/DataFrame, --weight as sample_weight, the shared options."
    seen = _stub(monkeypatch, "audit_predictions")
    df = _scores()
    df.to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(_Called):
        _main(["audit-predictions", str(tmp_path / "s.csv"), *PRED, "--weight", "w", "--positive", "1",
               "--cost", "zero_one,log_loss", "--epsilon", "0.02", "--alpha", "0.1", "--tau", "0.4",
               "--group-metrics", "auc", "--seed", "3", "--out", str(tmp_path / "out")])
    y, p0, p1, S = seen["args"]
    pd.testing.assert_series_equal(y, df.y); pd.testing.assert_series_equal(p1, df.p1)
    pd.testing.assert_frame_equal(S, df[["sex", "site"]])
    k = seen["kwargs"]
    pd.testing.assert_series_equal(k["sample_weight"], df.w)
    assert (k["task"], k["positive"], k["costs"], k["epsilon"], k["alpha"], k["tau"], k["random_state"],
            k["group_metrics"]) == ("classification", "1", ["zero_one", "log_loss"], 0.02, 0.1, 0.4, 3, ["auc"])
    assert not (tmp_path / "out").exists()

def _models(tmp_path, kind="lr"):
    "h0 on the features, hp on features and attributes, saved with skops (or joblib); DATA with a weight column."
    import skops.io as sio, joblib
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder
    rng = np.random.default_rng(4)
    n = 500
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), "sex": rng.choice(["F", "M"], n)})
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-df.x1 - (df.sex == "F")))).astype(int)
    df["w"] = rng.uniform(0.5, 2, n)
    est = (lambda: HistGradientBoostingClassifier(max_iter=10)) if kind == "hgb" else LogisticRegression
    h0 = est().fit(df[["x1", "x2"]], df.y)
    hp = make_pipeline(make_column_transformer((OneHotEncoder(), ["sex"]), remainder="passthrough"),
                       est()).fit(df[["x1", "x2", "sex"]], df.y)
    for name, m in (("h0", h0), ("hp", hp)):
        if kind == "joblib": joblib.dump(m, tmp_path / f"{name}.joblib")
        else: sio.dump(m, tmp_path / f"{name}.skops")
    df.to_csv(tmp_path / "d.csv", index=False)
    ext = "joblib" if kind == "joblib" else "skops"
    return ["audit-models", "--h0", str(tmp_path / f"h0.{ext}"), "--hp", str(tmp_path / f"hp.{ext}"),
            str(tmp_path / "d.csv"), "--target", "y", "--attributes", "sex", "--quiet", "--out", str(tmp_path / "out")]

TREE = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"

def test_audit_models_refuses_an_untrusted_type_and_loads_it_when_trusted(tmp_path, monkeypatch):
    seen = _stub(monkeypatch, "audit_models")
    argv = _models(tmp_path, "hgb")
    rc, so, se = _main(argv)
    _one_line_exit_2(rc, se, "--h0", "h0.skops", TREE, f"--trusted {TREE}")
    assert not seen and not (tmp_path / "out").exists()
    with pytest.raises(_Called): _main(argv + ["--trusted", TREE])
    assert type(seen["args"][0]).__name__ == "HistGradientBoostingClassifier"

def test_audit_models_refuses_a_pickle_without_trust_pickle(tmp_path, monkeypatch):
    seen = _stub(monkeypatch, "audit_models")
    argv = _models(tmp_path, "joblib")
    rc, so, se = _main(argv)
    _one_line_exit_2(rc, se, "--h0", "not a skops file", "runs any code", "--trust-pickle")
    assert not seen and not (tmp_path / "out").exists()
    with pytest.raises(_Called): _main(argv + ["--trust-pickle"])
    assert type(seen["args"][1]).__name__ == "Pipeline"

@pytest.mark.parametrize("damage, names", [
    (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), ["--hp", "cannot be read as a skops file"]),
    (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), ["--hp", "cannot be read as a skops file"]),
    (lambda p: p.write_bytes(b"just text"), ["--hp", "not a skops file", "--trust-pickle"]),
    (lambda p: p.unlink(), ["--hp", "does not exist"]),
])
def test_audit_models_refuses_a_corrupt_or_missing_file(tmp_path, monkeypatch, damage, names):
    seen = _stub(monkeypatch, "audit_models")
    argv = _models(tmp_path)
    damage(tmp_path / "hp.skops")
    rc, so, se = _main(argv)
    _one_line_exit_2(rc, se, *names)
    assert not seen and not (tmp_path / "out").exists()

def test_audit_models_corrupt_pickle_with_trust_pickle(tmp_path, monkeypatch):
    seen = _stub(monkeypatch, "audit_models")
    argv = _models(tmp_path, "joblib")
    (tmp_path / "h0.joblib").write_bytes(b"\x80\x04garbage")
    rc, so, se = _main(argv + ["--trust-pickle"])
    _one_line_exit_2(rc, se, "--h0", "cannot be read as a pickle or joblib file")
    assert not seen and not (tmp_path / "out").exists()

def test_audit_models_passes_features_attributes_and_options_on(tmp_path, monkeypatch):
    "X is DATA without the target, the attributes and --weight; --hp-input, --n-threads, --train reach the door."
    seen = _stub(monkeypatch, "audit_models")
    argv = _models(tmp_path)
    df = pd.read_csv(tmp_path / "d.csv")
    df.iloc[:100].to_csv(tmp_path / "train.csv", index=False)
    with pytest.raises(_Called):
        _main(argv + ["--weight", "w", "--hp-input", "onehot", "--n-threads", "1", "--no-explain",
                      "--train", str(tmp_path / "train.csv")])
    h0, hp, X, S, y = seen["args"]
    k = seen["kwargs"]
    assert list(X.columns) == ["x1", "x2"] and list(S.columns) == ["sex"] and y.name == "y"
    assert list(k["X_train"].columns) == ["x1", "x2"] and len(k["y_train"]) == 100
    assert (k["hp_input"], k["n_threads"], k["explain"], k["task"]) == ("onehot", 1, False, None)
    pd.testing.assert_series_equal(k["sample_weight"], df.w)
    rc, so, se = _main(argv + ["--train", str(tmp_path / "nope.csv")])
    _one_line_exit_2(rc, se, "--train", "nope.csv", "does not exist")
    df.drop(columns="x2").to_csv(tmp_path / "t2.csv", index=False)
    rc, so, se = _main(argv + ["--train", str(tmp_path / "t2.csv")])
    _one_line_exit_2(rc, se, "--train", "lacks the columns ['x2']")
    assert not (tmp_path / "out").exists()

def _hand_bop(df, p0, p1, w=None):
    "Group BoP of the 0-1 loss by hand: the group's (weighted) error rate under h0 minus under hp."
    wrong = lambda p: ((df[p] >= 0.5).astype(int) != df.y).astype(float)
    w = pd.Series(1.0, index=df.index) if w is None else df[w]
    rate = lambda c: (c * w).groupby([df.sex, df.site]).sum() / w.groupby([df.sex, df.site]).sum()
    return {f"sex={s}, site={t}": v for (s, t), v in (rate(wrong(p0)) - rate(wrong(p1))).items()}

def test_audit_predictions_writes_the_report_and_matches_a_hand_computation(tmp_path):
    "The console script on a predictions table: the report's files, and its BoP-P = the hand computation."
    df = _scores()
    df.to_csv(tmp_path / "s.csv", index=False)
    r = run("audit-predictions", str(tmp_path / "s.csv"), *PRED, "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert {"report.html", "report.md", "summary.csv", "settings.json"} <= {p.name for p in (tmp_path / "out").iterdir()}
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", index_col=[0, 1]).loc["zero_one"]
    for g, v in _hand_bop(df, "p0", "p1").items(): assert abs(summary.loc[g, "bop"] - v) < 1e-12, g
    assert "## Verdicts" in r.stdout

def test_audit_predictions_weighted(tmp_path):
    "--weight: the weighted group BoP by hand, the weight column named in settings.json."
    df = _scores()
    df.to_csv(tmp_path / "s.csv", index=False)
    rc, so, se = _main(["audit-predictions", str(tmp_path / "s.csv"), *PRED, "--weight", "w",
                        "--out", str(tmp_path / "out")])
    assert rc == 0, se
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", index_col=[0, 1]).loc["zero_one"]
    hand, plain = _hand_bop(df, "p0", "p1", "w"), _hand_bop(df, "p0", "p1")
    for g, v in hand.items(): assert abs(summary.loc[g, "bop"] - v) < 1e-12, g
    assert max(abs(hand[g] - plain[g]) for g in hand) > 1e-3          # the weights matter here
    assert json.loads((tmp_path / "out" / "settings.json").read_text())["sample_weight"] == "w"

def test_audit_models_writes_a_report_equal_to_audit_predictions_of_its_scores(tmp_path):
    "The console script on two skops files; its BoP-P is audit-predictions' on the models' exported scores."
    argv = _models(tmp_path)
    r = run(*argv, "--no-explain")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "report.md").is_file()
    import skops.io as sio
    df = pd.read_csv(tmp_path / "d.csv")
    h0, hp = (sio.load(tmp_path / f"{m}.skops", trusted=[]) for m in ("h0", "hp"))
    df["p0"] = h0.predict_proba(df[["x1", "x2"]])[:, 1]
    df["p1"] = hp.predict_proba(df[["x1", "x2", "sex"]])[:, 1]
    df.to_csv(tmp_path / "s.csv", index=False)
    r = run("audit-predictions", str(tmp_path / "s.csv"), "--target", "y", "--pred-h0", "p0", "--pred-hp", "p1",
            "--attributes", "sex", "--task", "classification", "--quiet", "--out", str(tmp_path / "pred"))
    assert r.returncode == 0, r.stderr
    a, b = (pd.read_csv(tmp_path / o / "summary.csv", index_col=[0, 1]).loc["zero_one"] for o in ("out", "pred"))
    pd.testing.assert_series_equal(a["bop"], b["bop"])

def test_the_doors_help_lists_their_options():
    for cmd, opts in [("audit-predictions", ["--pred-h0 COL", "--pred-hp COL", "--weight COL", "--group-metrics"]),
                      ("audit-models", ["--h0 FILE", "--hp FILE", "--hp-input {append,onehot}", "--trusted TYPES",
                                        "--trust-pickle", "--n-threads N", "--train CSV"]),
                      ("audit", ["--weight COL", "--n-threads N", "--cost"])]:
        r = run(cmd, "--help")
        assert r.returncode == 0
        for o in opts: assert o in r.stdout, (cmd, o)
