#!/usr/bin/env bash
# Build the documentation site without Quarto (users with Quarto can run `nbdev_docs` instead).
# 1. nbdev processes the notebooks into _proc/ exactly as nbdev_docs does before calling Quarto
#    (refresh nbdev.yml, sidebar.yml, the module index, then proc_nbs);
# 2. smalldocs, a pure-Python renderer of _quarto.yml projects, renders _proc/ into _proc/_docs/
#    and tools/check_site.py fails on any broken link, missing page or unexpected warning.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf _proc
python - <<'PY'
import nbdev.doclinks
from nbdev.config import get_config
from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
from nbdev.serve import proc_nbs
cfg = get_config()
refresh_quarto_yml()
nbdev.doclinks._build_modidx()
nbdev_sidebar.__wrapped__(path=cfg.nbs_path)
proc_nbs(cfg.nbs_path, n_workers=0, force=True)
PY
for f in nbs/sidebar.yml nbs/nbdev.yml nbs/styles.css; do cp "$f" _proc/; done
python tools/check_site.py
