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
