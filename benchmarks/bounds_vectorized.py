"""Benchmark: 10^6 evaluations of the lower bound for d = 2^k equal groups, vectorized vs a Python loop.

`bopfair.bounds.pe_lower_bound_equal(epsilon, N, k, family, sigma)` broadcasts its arguments; this
times one call on 10^6 random (epsilon, k, N) triples against a Python loop of scalar calls on a
subsample, checks the two agree, and prints the time per evaluation of each and their ratio.

Usage: python benchmarks/bounds_vectorized.py [--evals 1000000] [--loop 20000] [--family gaussian]
"""
import argparse
import os
import platform
import time

import numpy as np

from bopfair.bounds import pe_lower_bound_equal


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--evals", type=int, default=1_000_000)
    ap.add_argument("--loop", type=int, default=20_000, help="evaluations in the Python loop (a subsample)")
    ap.add_argument("--family", default="gaussian")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    n = args.evals
    eps = rng.uniform(0.01, 0.5, n)
    k = rng.integers(0, 16, n).astype(float)
    N = np.round(10 ** rng.uniform(2, 7, n))
    sigma = 1.0 if args.family not in ("bernoulli", "categorical") else None
    run = lambda: pe_lower_bound_equal(eps, N, k, args.family, sigma)
    run()
    t_vec = min(_wall(run) for _ in range(args.repeats))
    vec = run()
    m = min(args.loop, n)
    t0 = time.perf_counter()
    loop = np.array([pe_lower_bound_equal(eps[i], N[i], k[i], args.family, sigma) for i in range(m)])
    t_loop = time.perf_counter() - t0
    np.testing.assert_allclose(loop, vec[:m], rtol=1e-12, atol=0)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print(f"family {args.family}: vectorized {n:,} evaluations in {t_vec * 1e3:.1f} ms = {t_vec / n * 1e9:.0f} ns per evaluation "
          f"(best of {args.repeats})")
    print(f"Python loop of scalar calls, {m:,} evaluations: {t_loop:.2f} s = {t_loop / m * 1e6:.1f} us per evaluation")
    print(f"ratio loop/vectorized per evaluation: {(t_loop / m) / (t_vec / n):,.0f}x; results agree (rtol 1e-12)")


def _wall(fn):
    t0 = time.perf_counter(); fn(); return time.perf_counter() - t0


if __name__ == "__main__":
    main()
