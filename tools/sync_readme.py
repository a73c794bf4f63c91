"""Write README.md from nbs/index.ipynb (what `nbdev_readme` does with Quarto, done without it).

Usage: python tools/sync_readme.py [--check]
With --check, exit 1 if README.md differs from what index.ipynb gives (CI uses this).
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "<!-- Generated from nbs/index.ipynb by tools/sync_readme.py: edit the notebook, not this file. -->\n\n"

def readme_text(nb_path: Path = ROOT / "nbs" / "index.ipynb") -> str:
    "Markdown cells verbatim; code cells as python blocks followed by their printed output; hidden cells skipped."
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    parts = []
    for c in cells:
        src = "".join(c["source"]).strip()
        if not src or src.startswith("#| hide"): continue
        if c["cell_type"] == "markdown":                      # notebook links point into nbs/ from the repo root
            parts.append(re.sub(r"\]\((?!https?:)([\w/.-]+\.ipynb)\)", r"](nbs/\1)", src)); continue
        parts.append(f"```python\n{src}\n```")
        printed = "".join("".join(o.get("text", "")) for o in c.get("outputs", []) if o.get("output_type") == "stream").strip()
        if printed: parts.append(printed)
    return HEADER + "\n\n".join(parts) + "\n"

if __name__ == "__main__":
    text, readme = readme_text(), ROOT / "README.md"
    if "--check" in sys.argv[1:]:
        if not readme.exists() or readme.read_text(encoding="utf-8") != text:
            sys.exit("README.md is out of step with nbs/index.ipynb: run `python tools/sync_readme.py`.")
        print("README.md matches nbs/index.ipynb")
    else:
        readme.write_text(text, encoding="utf-8")
        print("wrote README.md")
