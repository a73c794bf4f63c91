"""Benchmark: how close does bopfair's explanation-cost computation get to the model calls it cannot avoid?

On N rows x p features with a HistGradientBoostingClassifier this times
  (a) the unavoidable model calls: one predict_proba on the original rows and one on each masked
      matrix (top-J kept for sufficiency, top-J removed for incomprehensiveness), built beforehand;
  (b) bopfair's full sufficiency + incomprehensiveness computation from given attributions
      (`explanation_costs`: validation, ranking, masking, model calls, delta);
and prints b/a (target <= 1.3). It also times the per-row reference on a smaller sample and
prints the vectorized version's speed-up over it, and
  (c) the same costs with the conditional removal operator (removed features set to their
      conditional mean given the kept ones under a Gaussian model of the training rows),
and prints c/a (target <= 2); with --draws M also
  (d) the conditional operator with M draws per person (n_draws=M) against its own unavoidable
      calls: predict_proba on the original rows and on the two masked matrices of M rows a person,
and prints d/a_M.

Usage: python benchmarks/explain_costs.py [--rows 100000] [--features 50] [--reference-rows 2000] [--draws 0]
"""
import argparse
import os
import platform
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from bopfair.attributions import attributions, removal_baseline
from bopfair.explanation_costs import explanation_costs, feature_ranks, reference_explanation_costs, resolve_top_j
from bopfair.removal import fill_removed, fit_removal


def wall(fn) -> float:
    "Wall time of one call of fn()."
    t0 = time.perf_counter(); fn(); return time.perf_counter() - t0


def best_of(fn, repeats: int) -> float:
    "Shortest wall time of `repeats` runs of fn() (the least disturbed by other load)."
    return min(wall(fn) for _ in range(repeats))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000, help="rows to explain (default 100,000)")
    ap.add_argument("--features", type=int, default=50, help="features p (default 50)")
    ap.add_argument("--top-j", type=float, default=0.5, help="J as a fraction of p (default 0.5)")
    ap.add_argument("--reference-rows", type=int, default=2000, help="rows for the per-row reference (default 2,000)")
    ap.add_argument("--repeats", type=int, default=5, help="timing repeats; the best is reported (default 5)")
    ap.add_argument("--draws", type=int, default=0, help="(d): conditional draws per person (default 0: skip)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    n, p = args.rows, args.features
    n_train = min(20_000, max(1000, n // 5))
    X_all = rng.normal(size=(n_train + n, p))
    w = rng.normal(size=p) * (rng.random(p) < 0.4)
    y_all = (X_all @ w + 0.5 * X_all[:, 0] * X_all[:, 1] + rng.normal(size=len(X_all)) > 0).astype(int)
    Xtr, X = X_all[:n_train], X_all[n_train:]
    model = HistGradientBoostingClassifier(max_iter=100, random_state=args.seed).fit(Xtr, y_all[:n_train])

    t0 = time.perf_counter(); A = attributions(model, X); t_shap = time.perf_counter() - t0
    J = resolve_top_j(args.top_j, p)

    # (a) the unavoidable model calls, on masked matrices prepared outside the timer
    ranks = feature_ranks(A)
    base = removal_baseline("mean", X, Xtr)[0]
    X_suff, X_incomp = np.where(ranks < J, X, base), np.where(ranks < J, base, X)
    def calls():
        for M in (X, X_suff, X_incomp): model.predict_proba(M)
    # (b) bopfair, from the attributions
    def bopfair():
        return explanation_costs(model, X, A, J, reference=Xtr)
    calls(); bopfair()                              # warm up
    pairs = [(wall(calls), wall(bopfair)) for _ in range(args.repeats)]   # interleaved, so load drifts hit both
    t_a, t_b = min(a for a, _ in pairs), min(b for _, b in pairs)
    ratio_median = float(np.median([b / a for a, b in pairs]))

    # per-row reference vs vectorized on a smaller sample
    m = min(args.reference_rows, n)
    Xs, As = X[:m], A[:m]
    t0 = time.perf_counter(); slow = reference_explanation_costs(model, Xs, As, J, reference=Xtr); t_slow = time.perf_counter() - t0
    t_fast = best_of(lambda: explanation_costs(model, Xs, As, J, reference=Xtr), args.repeats)
    fast = explanation_costs(model, Xs, As, J, reference=Xtr)
    assert all(np.array_equal(fast[k], slow[k]) for k in fast), "vectorized and per-row reference disagree"

    # (c) the conditional operator: the same model calls plus one stacked solve per masked matrix
    def conditional():
        return explanation_costs(model, X, A, J, baseline="conditional", reference=Xtr)
    conditional()
    pairs_c = [(wall(calls), wall(conditional)) for _ in range(args.repeats)]
    t_a2, t_c = min(a for a, _ in pairs_c), min(c for _, c in pairs_c)
    ratio_c = float(np.median([c / a for a, c in pairs_c]))

    if args.draws > 0:                              # (d) the draws, against their own model calls
        rem = fit_removal("conditional", Xtr, n_draws=args.draws)
        Z_suff, Z_incomp = fill_removed(rem, X, ranks < J), fill_removed(rem, X, ranks >= J)
        def calls_m():
            for M in (X, Z_suff, Z_incomp): model.predict_proba(M)
        def draws():
            return explanation_costs(model, X, A, J, baseline="conditional", reference=Xtr, n_draws=args.draws)
        draws()
        pairs_d = [(wall(calls_m), wall(draws)) for _ in range(args.repeats)]
        t_am, t_d = min(a for a, _ in pairs_d), min(d for _, d in pairs_d)
        ratio_d = float(np.median([d / a for a, d in pairs_d]))

    res = bopfair()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"data: {n:,} rows x {p} features, HistGradientBoostingClassifier(max_iter=100), J = {J} of {p}, mean baseline, label delta")
    print(f"TreeExplainer attributions (not part of b): {t_shap:.2f} s")
    print(f"(a) unavoidable model calls (3 x predict_proba): {t_a:.3f} s")
    print(f"(b) bopfair sufficiency + incomprehensiveness:    {t_b:.3f} s")
    print(f"b/a = {t_b / t_a:.3f} (best of {args.repeats} each; median of paired ratios {ratio_median:.3f})   (target <= 1.3)")
    print(f"per-row reference on {m:,} rows: {t_slow:.2f} s; vectorized: {t_fast * 1e3:.1f} ms; speed-up {t_slow / t_fast:,.0f}x")
    print(f"(c) the same with baseline='conditional':      {t_c:.3f} s (calls in the same run {t_a2:.3f} s)")
    print(f"c/a = {t_c / t_a2:.3f} (best of {args.repeats} each; median of paired ratios {ratio_c:.3f})   (target <= 2)")
    if args.draws > 0:
        print(f"(d) n_draws={args.draws}: {t_d:.3f} s (its calls, {args.draws} rows a person: {t_am:.3f} s)")
        print(f"d/a_M = {t_d / t_am:.3f} (best of {args.repeats} each; median of paired ratios {ratio_d:.3f})")
    print(f"mean costs: sufficiency {res['sufficiency'].mean():.4f}, incomprehensiveness {res['incomprehensiveness'].mean():.4f}")
    return t_b / t_a, t_slow / t_fast


if __name__ == "__main__":
    main()
