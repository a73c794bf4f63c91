"""Benchmark: the full audit on N rows x p features (synthetic, seeded) with a tree model and TreeSHAP.

Fits h0 and hp (HistGradientBoostingClassifier) on a separate training set, then audits N rows with
`bopfair.audit.audit(pair=..., chunk_size=...)`: prediction costs, TreeSHAP attributions, sufficiency
and incomprehensiveness, then families, bounds, tests and the bootstrap. Prints
  - total audit time (the fit is reported apart),
  - peak memory (ru_maxrss of the process that ran the audit, and its growth over the RSS before it),
  - the share of the audit's time spent inside model and explainer calls (predict/predict_proba of the
    models and shap's TreeExplainer, timed by wrapping them; target >= 80%).
Each size runs in its own child process, so each peak is that size's alone.

Usage: python benchmarks/audit_scale.py [--rows 1000000 4000000] [--features 20] [--chunk-size 50000]
"""
import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd


def rss_mb() -> float:
    "Current resident set size in MB (Linux /proc)."
    with open("/proc/self/statm") as f: return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def synthetic(n, p, seed):
    "p numeric features, two binary attributes (4 groups), an outcome that depends on both."
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, p)).astype(float), columns=[f"x{j}" for j in range(p)])
    S = pd.DataFrame({"sex": rng.choice(np.array(["F", "M"]), n), "site": rng.choice(np.array(["a", "b"]), n)})
    z = X.x0 - 0.5 * X.x1 * X.x2 + 0.4 * X.x3 + 0.6 * (S.sex.to_numpy() == "F") - 0.3 * (S.site.to_numpy() == "b")
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z.to_numpy()))).astype(int)
    return X, S, y


class Timer:
    "Wraps methods so the time inside them (outermost call only) is summed."
    def __init__(self): self.total, self.depth, self.calls = 0.0, 0, 0
    def wrap(self, cls, name):
        orig = getattr(cls, name)
        def timed(*a, **k):
            if self.depth: return orig(*a, **k)
            self.depth += 1; t0 = time.perf_counter()
            try: return orig(*a, **k)
            finally: self.total += time.perf_counter() - t0; self.depth -= 1; self.calls += 1
        setattr(cls, name, timed)


def child(args):
    from sklearn.ensemble import HistGradientBoostingClassifier
    import shap
    from bopfair.audit import audit
    from bopfair.pair import fit_pair
    n, p = args.rows[0], args.features
    Xt, St, yt = synthetic(args.train_rows, p, args.seed)
    t0 = time.perf_counter()
    est = HistGradientBoostingClassifier(max_iter=args.max_iter, max_leaf_nodes=args.max_leaf_nodes, random_state=0)
    pair = fit_pair(est, Xt, St, yt, audit_size=0.2, random_state=0)
    t_fit = time.perf_counter() - t0
    X, S, y = synthetic(n, p, args.seed + 1)
    data = pd.concat([X, S], axis=1); data["__y__"] = y
    del X, S, y
    pair.audit = data
    rss_before = rss_mb()
    timer = Timer()
    timer.wrap(HistGradientBoostingClassifier, "predict_proba"); timer.wrap(HistGradientBoostingClassifier, "predict")
    timer.wrap(shap.TreeExplainer, "__init__"); timer.wrap(shap.TreeExplainer, "__call__")
    t0 = time.perf_counter()
    rep = audit(pair=pair, chunk_size=args.chunk_size, n_boot=args.n_boot, random_state=0)
    t_audit = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": n, "features": p, "chunk_size": args.chunk_size, "fit_s": t_fit, "audit_s": t_audit,
                      "model_s": timer.total, "model_calls": timer.calls, "share": timer.total / t_audit,
                      "rss_before_mb": rss_before, "peak_mb": peak, "growth_mb": peak - rss_before,
                      "verdicts": rep.overview()["verdict"].to_dict()}))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 4_000_000], help="audit rows; one child process per value")
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--chunk-size", type=int, default=50_000)
    ap.add_argument("--train-rows", type=int, default=50_000, help="rows to fit h0 and hp on (80%% of them train)")
    ap.add_argument("--max-iter", type=int, default=50, help="boosting iterations (default 50)")
    ap.add_argument("--max-leaf-nodes", type=int, default=15)
    ap.add_argument("--n-boot", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child: return child(args)
    import sklearn, shap
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"scikit-learn {sklearn.__version__}, shap {shap.__version__}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print(f"model: HistGradientBoostingClassifier(max_iter={args.max_iter}, max_leaf_nodes={args.max_leaf_nodes}) fitted on "
          f"{int(args.train_rows * 0.8):,} rows; TreeSHAP; J = half the features; chunk_size {args.chunk_size:,}; n_boot {args.n_boot}")
    for n in args.rows:
        cmd = [sys.executable, __file__, "--child", "--rows", str(n)] + [a for k, v in vars(args).items()
               if k not in ("rows", "child") for a in (f"--{k.replace('_', '-')}", str(v))]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode: print(out.stderr[-3000:]); raise SystemExit(out.returncode)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['rows']:>10,} rows x {r['features']}: audit {r['audit_s']:.1f} s (fit {r['fit_s']:.1f} s apart); "
              f"in model/explainer calls {r['model_s']:.1f} s = {100 * r['share']:.1f}% (target >= 80%); "
              f"peak RSS {r['peak_mb']:.0f} MB, {r['growth_mb']:.0f} MB above the {r['rss_before_mb']:.0f} MB held before the audit")


if __name__ == "__main__":
    main()
