#!/usr/bin/env bash
# Build the documentation site without Quarto (users with Quarto can run `nbdev_docs` instead).
# 1. nbdev processes the notebooks into _proc/ exactly as nbdev_docs does before calling Quarto
#    (refresh nbdev.yml, sidebar.yml, the module index, then proc_nbs);
# 2. tools/check_site.py renders _proc/ into _proc/_docs/ with smalldocs (a pure-Python renderer
#    of _quarto.yml projects), points nbdev's links to the public site at the pages written,
#    bundles KaTeX into site_libs/katex (npm registry package `katex`, via the machine's npm,
#    cached in ~/.cache/bopfair; Debian's libjs-katex as the fallback) so the folder works from
#    disk without network, and fails on any broken internal link or #anchor, any public name
#    without its doc card, a missing page or an unexpected warning (current content failures
#    of notebooks: tools/known_broken_links.txt). Open _proc/_docs/index.html in a browser.
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
