"""Benchmark: bopfair's batched model-agnostic attributions vs shap's PermutationExplainer.

A HistGradientBoostingClassifier(max_iter=100) is fitted (as h_p of `bopfair.audit.fit_pair`) on
the RAND HIE DoctorContacts data (`bopfair.datasets.load_doctor_contacts`, 16 model inputs after
one-hot encoding sex and race). On the same audit rows it times

  - shap's PermutationExplainer, as `attributions(method="permutation")` calls it (100 background
    rows, max_evals=500);
  - `attributions(method="occlusion")` with the training mean as baseline;
  - `attributions(method="sampling")` with the training mean as baseline (10 antithetic permutations);
  - `attributions(method="sampling")` on 10 of shap's background rows, and on the same 100 background
    rows as shap (the same game as shap's explainer: estimates of the same Shapley values);
  - shap's PermutationExplainer again with another seed (how well shap agrees with itself);

and prints each method's speed-up over shap and its agreement with shap's values: the mean per-row
Spearman correlation of |a|, the mean overlap of the top-J feature sets (J = 3 and J = p/2), and
the share of rows whose top-1 feature agrees.

Usage: python benchmarks/attributions.py [--rows 500] [--permutations 10] [--seed 0]
       python benchmarks/attributions.py --rows 40      # quick run (1-2 minutes; shap takes 0.3-0.9 s per row)
"""
import argparse
import os
import platform
import time
import warnings

import numpy as np
from scipy.stats import spearmanr
from sklearn.ensemble import HistGradientBoostingClassifier

from bopfair.audit import fit_pair
from bopfair.datasets import load_doctor_contacts
from bopfair.attributions import attributions, removal_baseline, transformed_inputs
from bopfair.explanation_costs import top_j_mask


def timed(fn):
    "(result, wall seconds) of one call of fn()."
    t0 = time.perf_counter(); out = fn(); return out, time.perf_counter() - t0


def agreement(A, ref, js=(1, 3)) -> dict:
    "Agreement of attributions A with reference attributions ref, row by row."
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                     # constant rows give nan correlations; they are skipped
        rho = np.array([spearmanr(np.abs(a), np.abs(r)).statistic for a, r in zip(A, ref)])
    out = {"spearman |a|": float(np.nanmean(rho))}
    for J in js:
        overlap = (top_j_mask(A, J) & top_j_mask(ref, J)).sum(1) / J
        out[f"top-{J} overlap"] = float(overlap.mean())
    out["sign agreement (top-3 of ref)"] = float((np.sign(A) == np.sign(ref))[top_j_mask(ref, 3)].mean())
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=500, help="audit rows to explain (default 500)")
    ap.add_argument("--permutations", type=int, default=10, help="n_permutations of the sampling estimator (default 10)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    data = load_doctor_contacts()
    pair = fit_pair(HistGradientBoostingClassifier(max_iter=100, random_state=args.seed), data.X, data.S, data.y,
                    random_state=args.seed)
    est, Z = transformed_inputs(pair.hp, pair.audit.iloc[:args.rows])
    Z = Z.to_numpy()
    R = transformed_inputs(pair.hp, pair.train)[1].to_numpy()
    B100 = removal_baseline("background", Z, R, n_background=100, random_state=args.seed)
    n, p = Z.shape
    J_half = p // 2

    runs = {}
    runs["shap PermutationExplainer (100 bg rows)"] = timed(lambda: attributions(est, Z, "permutation", background=B100,
                                                                                random_state=args.seed))
    runs["occlusion (training mean)"] = timed(lambda: attributions(est, Z, "occlusion", background=R))
    runs[f"sampling, {args.permutations} perms (training mean)"] = timed(
        lambda: attributions(est, Z, "sampling", background=R, n_permutations=args.permutations, random_state=args.seed))
    B10 = B100[:10]
    runs[f"sampling, {args.permutations} perms (10 of shap's bg rows)"] = timed(
        lambda: attributions(est, Z, "sampling", baseline=B10, n_permutations=args.permutations, random_state=args.seed))
    runs[f"sampling, {args.permutations} perms (same 100 bg rows as shap)"] = timed(
        lambda: attributions(est, Z, "sampling", baseline=B100, n_permutations=args.permutations, random_state=args.seed))
    # a second shap run with another seed: how much shap agrees with itself
    runs["shap PermutationExplainer, other seed"] = timed(lambda: attributions(est, Z, "permutation", background=B100,
                                                                              random_state=args.seed + 1))
    ref, t_ref = runs["shap PermutationExplainer (100 bg rows)"]

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"data: DoctorContacts h_p = HistGradientBoostingClassifier(max_iter=100), {n} audit rows x {p} inputs; "
          f"top-J overlaps for J = 1, 3, {J_half}")
    header = f"{'method':58s} {'time s':>8s} {'ms/row':>8s} {'speed-up':>9s} {'rho|a|':>7s} {'top1':>6s} {'top3':>6s} {f'top{J_half}':>6s} {'sign':>6s}"
    print(header); print("-" * len(header))
    for name, (A, t) in runs.items():
        ag = agreement(A, ref, js=(1, 3, J_half))
        print(f"{name:58s} {t:8.2f} {1e3 * t / n:8.2f} {t_ref / t:8.0f}x {ag['spearman |a|']:7.3f} {ag['top-1 overlap']:6.3f} "
              f"{ag['top-3 overlap']:6.3f} {ag[f'top-{J_half} overlap']:6.3f} {ag['sign agreement (top-3 of ref)']:6.3f}")
    return runs


if __name__ == "__main__":
    main()
