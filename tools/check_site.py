"""Render _proc/ with smalldocs and fail on anything but the known Quarto-only keys.

smalldocs warns about settings that only Quarto reads (nbdev's commonmark output, keep-md and
the per-page output-file that nbdev writes); those stay because `nbdev_docs` with Quarto needs
them. Any other warning (a broken link, a cell it cannot show, a bad key) fails the build, and
so does a notebook without its page or a page without its title.
"""
import json, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROC, SITE = ROOT / "_proc", ROOT / "_proc" / "_docs"
QUARTO_ONLY = [r"format commonmark is not built", r"format\.html\.keep-md is ignored",
               r"[\w/.-]+\.ipynb: output-file is not read by smalldocs"]

def render() -> list:
    "Run `smalldocs render`; return its warnings that are not Quarto-only settings."
    r = subprocess.run(["smalldocs", "render", str(PROC)], capture_output=True, text=True)
    out = r.stdout + r.stderr
    print(out.strip())
    if r.returncode: sys.exit(f"smalldocs render failed with exit code {r.returncode}")
    warnings = [l.strip() for l in out.splitlines() if l.strip().lower().startswith(("warning", "error"))]
    return [w for w in warnings if not any(re.search(p, w) for p in QUARTO_ONLY)]

def notebook_title(nb: Path) -> str:
    "The first markdown heading of a notebook."
    for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
        m = re.search(r"^# (.+)$", "".join(c["source"]), re.M) if c["cell_type"] == "markdown" else None
        if m: return m.group(1).strip()
    return ""

def missing_pages() -> list:
    "Notebooks under nbs/ whose page is missing, tiny, or lacks the notebook's title."
    problems = []
    for nb in sorted((ROOT / "nbs").rglob("*.ipynb")):
        if any(p.startswith((".", "_")) for p in nb.relative_to(ROOT / "nbs").parts): continue
        page = SITE / nb.relative_to(ROOT / "nbs").with_suffix(".html")
        if not page.exists(): problems.append(f"missing page {page.relative_to(ROOT)}"); continue
        html = page.read_text(encoding="utf-8")
        title = notebook_title(nb)
        if len(html) < 2000 or (title and title.split()[0] not in html):
            problems.append(f"page {page.relative_to(ROOT)} lacks its content (title {title!r})")
    return problems

if __name__ == "__main__":
    problems = render() + missing_pages()
    if problems:
        print("\n".join(["docs build FAILED:"] + problems)); sys.exit(1)
    print(f"docs OK: {len(list(SITE.rglob('*.html')))} pages in {SITE.relative_to(ROOT)}")
