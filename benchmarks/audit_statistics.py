"""Benchmark: the audit's own statistics (no model calls) on N per-person costs x 16 groups.

`bopfair.verdicts.audit_costs` on seeded synthetic per-person costs of h0 and hp, for a 0-1 loss
(categorical individual BoP) and a squared error (continuous individual BoP). For each N and cost kind,
in its own child process (so each peak is that run's alone), it prints
  - the time of `audit_costs` (after a warm-up audit on 10^4 rows that imports everything and fills the
    Laplace GoF null cache) and of `fit_families` alone on the same BoP; the groups are passed as a `Groups`
    (as `audit` does: it builds them once from the attribute columns), and the one-off conversion of the
    16 integer labels to `Groups` is timed on its own ("groups"),
  - peak memory: ru_maxrss of the child, and its growth over the RSS just before `audit_costs`
    (which already holds the two cost vectors and the group labels),
  - the in-run baseline: the same fits on the same samples by the general-purpose routines
    (scipy.stats.norm.fit, scipy.stats.laplace.fit, statsmodels GenericLikelihoodModel for the
    Student-t by Nelder-Mead then BFGS, as `fit_student_t` did before; np.unique counts for the
    categorical law), its time over `fit_families`' time, and the largest difference between the two
    routes' Student-t estimates in units of their standard error.
The baseline runs only up to --baseline-max-rows rows (it takes about 130 s at 10^6 rows here).
Last, `bopfair --help` is timed in fresh processes (median of 5; issue 12 wants < 0.5 s).

Usage: python benchmarks/audit_statistics.py [--rows 100000 1000000] [--big] [--baseline-max-rows 100000]
       (--big adds 10^7 rows)
"""
import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

GROUPS = 16


def rss_mb() -> float:
    "Current resident set size in MB (Linux /proc)."
    with open("/proc/self/statm") as f: return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def costs(n: int, kind: str, seed: int = 0):
    "Seeded per-person costs of h0 and hp and 16 group labels; hp is slightly better in some groups."
    rng = np.random.default_rng(seed)
    g = rng.integers(0, GROUPS, n)
    gain = 0.02 * (g % 4) / 3                                    # groups differ in how much hp helps
    if kind == "zero_one":
        return (rng.random(n) < 0.2).astype(float), (rng.random(n) < 0.2 - gain).astype(float), g
    e = rng.normal(0, 1, n)
    return e ** 2, (e * (1 - gain) + 0.3 * rng.normal(0, 1, n)) ** 2 * 0.9, g


def statsmodels_t(x):
    "The baseline Student-t MLE: the slow route of tests/test_distributions.py (statsmodels, Nelder-Mead then BFGS)."
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_distributions import statsmodels_t as slow_route
    return slow_route(x)[:2]


def baseline_fits(b, codes, discrete: bool):
    "The general-purpose fits of every group's sample and the pooled one; returns (seconds, t params per sample)."
    from scipy import stats
    t0, out = time.perf_counter(), []
    for x in [b[codes == j] for j in range(GROUPS)] + [b]:
        stats.norm.fit(x)
        stats.laplace.fit(x)
        if discrete: np.unique(x, return_counts=True)
        else: out.append(statsmodels_t(x))
    return time.perf_counter() - t0, out


def child(n: int, kind: str, baseline: bool) -> dict:
    from bopfair.verdicts import audit_costs
    from bopfair.distributions import fit_families
    from bopfair.groups import as_groups
    c0, cp, g = costs(10_000, kind, seed=1)
    audit_costs(c0, cp, as_groups(g), cost=kind)                 # warm-up: imports, caches
    c0, cp, g = costs(n, kind)
    t0 = time.perf_counter()
    G = as_groups(g)
    t_groups = time.perf_counter() - t0
    rss0 = rss_mb()
    t0 = time.perf_counter()
    a = audit_costs(c0, cp, G, cost=kind)
    t_audit = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    b = a.bop.individual
    t0 = time.perf_counter()
    fit = fit_families(b, g)
    t_fit = time.perf_counter() - t0
    res = dict(n=n, kind=kind, audit_s=t_audit, fit_s=t_fit, groups_s=t_groups, peak_mb=peak, growth_mb=peak - rss0,
               selected=fit[fit.selected].family.value_counts().to_dict(), verdict=a.verdict)
    if baseline:
        t_base, sm = baseline_fits(b, g, discrete=kind == "zero_one")
        res.update(baseline_s=t_base, ratio=t_base / t_fit)
        if sm:
            tf = fit[fit.family == "student_t"]
            ours = np.column_stack([tf["loc"], np.log(tf["scale"]), np.log(tf["df"])])
            ses = np.column_stack([tf["loc_se"], tf["scale_se"] / tf["scale"], tf["df_se"] / tf["df"]])
            th = np.array([p for p, _ in sm])
            res["max_diff_in_se"] = float(np.nanmax(np.abs(ours - th) / ses))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--big", action="store_true", help="add 10^7 rows")
    ap.add_argument("--baseline-max-rows", type=int, default=100_000)
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        n, kind, base = args.child
        print(json.dumps(child(int(n), kind, base == "1")))
        return
    import scipy, statsmodels, bopfair
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}, scipy {scipy.__version__}, statsmodels {statsmodels.__version__}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, bopfair {bopfair.__version__}, "
          f"load average {os.getloadavg()[0]:.1f}")
    rows = args.rows + ([10_000_000] if args.big else [])
    head = (f"{'rows':>11} {'cost':>9} {'groups':>7} {'audit_costs':>11} {'fit_families':>12} {'peak RSS':>9} {'growth':>8} "
            f"{'baseline fits':>13} {'ratio':>6} {'t diff/se':>9}  selected; verdict")
    print(head)
    for n in rows:
        for kind in ("zero_one", "squared"):
            out = subprocess.run([sys.executable, __file__, "--child", str(n), kind,
                                  "1" if n <= args.baseline_max_rows else "0"],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            base = (f"{r['baseline_s']:12.3f}s {r['ratio']:5.1f}x" if "baseline_s" in r else f"{'-':>13} {'-':>6}")
            diff = f"{r['max_diff_in_se']:9.1e}" if "max_diff_in_se" in r else f"{'-':>9}"
            print(f"{n:>11,} {kind:>9} {r['groups_s']:6.2f}s {r['audit_s']:10.2f}s {r['fit_s']:11.2f}s {r['peak_mb']:7.0f}MB "
                  f"{r['growth_mb']:6.0f}MB {base} {diff}  {r['selected']}; {r['verdict']}", flush=True)

    exe = Path(sys.executable).with_name("bopfair")
    if exe.exists():
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([str(exe), "--help"], capture_output=True, check=True)
            runs.append(time.perf_counter() - t0)
        print(f"bopfair --help: median of 5 = {np.median(runs):.3f} s (runs: {', '.join(f'{x:.3f}' for x in runs)})")


if __name__ == "__main__":
    main()
