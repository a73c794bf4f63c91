#!/usr/bin/env bash
# Execute notebooks in place so the docs show real outputs, then clean them for committing.
# Usage: bash tools/run_nbs.sh [nbs/NOTEBOOK.ipynb ...]   (default: every notebook in nbs/)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1   # one OpenMP thread per process: parallel runs otherwise oversubscribe the cores
nbs=("$@"); [ ${#nbs[@]} -eq 0 ] && nbs=(nbs/*.ipynb nbs/tutorials/*.ipynb)
# only the notebooks run are cleaned, so runs of different notebooks can go on side by side
for nb in "${nbs[@]}"; do
  [ -f "$nb" ] || continue
  (cd "$(dirname "$nb")" && jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=1200 "$(basename "$nb")")
  nbdev_clean --fname "$nb"
done
