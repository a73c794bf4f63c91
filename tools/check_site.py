"""Render _proc/ with smalldocs, make the site work offline, and fail on anything broken.

1. `smalldocs render` writes _proc/_docs/. It warns about settings only Quarto reads (nbdev's
   commonmark output, keep-md and the per-page output-file); those stay because `nbdev_docs`
   with Quarto needs them. Any other warning fails the build.
2. Links. nbdev's doc links (card headings, backtick names from bopfair/_modidx.py) point at
   the public site, `<doc_host><doc_baseurl>/<output-file>#name` (e.g. `.../bounds.html#x`),
   while smalldocs writes each page under its notebook's name (`09_bounds.html`). We rewrite
   those absolute site URLs into relative links to the page written. The pages keep their
   notebook names rather than being renamed to the output-file names: then smalldocs' own
   navigation, sidebar, search index and the notebooks' relative `.ipynb` links stay as
   smalldocs made them, and the only thing rewritten is a link that can never work offline.
   The map output-file -> page is read from each processed notebook's front matter, so a
   new or renamed notebook needs no change here. nbdev also links backticked private helpers
   (`_x`), which have no card by design: a link to a missing private anchor is unlinked.
3. KaTeX. smalldocs loads KaTeX from a CDN; we copy KaTeX (js, css, fonts) of the same
   version from the npm registry package `katex` (`npm pack`, cached; Debian's libjs-katex
   in /usr/share/javascript/katex is the fallback) into site_libs/katex and point the pages
   at it. No page may then load a script or stylesheet from the network. The "On this page"
   entries of headings with maths get the heading's HTML, so KaTeX renders them too.
4. Checks (each prints what is broken):
   - every internal href/src resolves: the file exists and its #anchor is an id on that page;
   - every public name in bopfair/_modidx.py's `syms` (no part after the module starting
     with `_`: a method of a private class is not public) has its doc-card anchor on its page;
   - every notebook has its page, with its title.
   Current content failures that belong to notebook owners are listed, one `page href` per
   line, in tools/known_broken_links.txt; they are reported but pass, any other fails, and an
   entry that no longer fails is reported as stale (remove it; fixing a link never fails).
"""
import html, json, os, re, shutil, subprocess, sys, tarfile, tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PROC, SITE = ROOT / "_proc", ROOT / "_proc" / "_docs"
KNOWN = ROOT / "tools" / "known_broken_links.txt"
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

def pages() -> list:
    "The rendered HTML pages, as paths relative to the site."
    return sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html"))

# ---- 2. links
def modidx() -> dict:
    "bopfair/_modidx.py's dict, as the build just wrote it."
    ns = {}
    exec((ROOT / "bopfair" / "_modidx.py").read_text(encoding="utf-8"), ns)
    return ns["d"]

def site_url() -> str:
    "The public site's URL, ending in '/', as nbdev writes it into doc links."
    s = modidx()["settings"]
    return s["doc_host"].rstrip("/") + "/" + s["doc_baseurl"].strip("/") + "/"

def published_names() -> dict:
    "{name on the public site: page written here}, from the notebooks' output-file front matter."
    names = {}
    for nb in sorted(PROC.rglob("*.ipynb")):
        rel = nb.relative_to(PROC)
        if any(p.startswith((".", "_")) for p in rel.parts): continue
        page = rel.with_suffix(".html").as_posix()
        names[page] = page
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        front = "".join(cells[0]["source"]) if cells and cells[0]["cell_type"] == "raw" else ""
        m = re.search(r"^output-file:\s*['\"]?([^'\"\s]+)", front, re.M)
        if m: names[(rel.parent / m.group(1)).as_posix().lstrip("./")] = page
    names[""] = "index.html"
    return names

def relative(target: str, page: str) -> str:
    "The link from `page` to `target` (both relative to the site root)."
    return os.path.relpath(target, os.path.dirname(page) or ".").replace(os.sep, "/")

def rewrite_site_links() -> int:
    "Point absolute links to the public site at the pages written; return how many changed."
    base, names, n = site_url(), published_names(), 0
    pat = re.compile(r'(href|src)="' + re.escape(base) + r'([^"#]*)(#[^"]*)?"')
    for page in pages():
        path = SITE / page
        text = path.read_text(encoding="utf-8")
        def sub(m):
            nonlocal n
            target = names.get(unquote(m.group(2)))
            if target is None: return m.group(0)   # left absolute: reported as broken below
            n += 1
            return f'{m.group(1)}="{relative(target, page)}{m.group(3) or ""}"'
        new = private.sub(lambda m: unlink(m, page), pat.sub(sub, text))
        if new != text: path.write_text(new, encoding="utf-8")
    return n

def unlink(m, page: str) -> str:
    "A link to a private name (`_x`, `Class._x`) with no card on its page becomes plain code."
    target = os.path.normpath(os.path.join(os.path.dirname(page), unquote(m.group(1)))).replace(os.sep, "/")
    if (SITE / target).is_file() and unquote(m.group(2)) in anchors(target): return m.group(0)
    UNLINKED.append((page, m.group(2)))
    return m.group(3)

UNLINKED = []   # (page, private name) of the links unlinked

# nbdev links every name of _modidx.py written in backticks, private helpers too; those have
# no doc card by design (internal helpers are not documented on the site), so such a link can
# only be broken: it is unlinked, the name stays as code
private = re.compile(r'<a href="([^"#:]*)#((?:[^"]*\.)?_[^".]*)">(<code>[^<]*</code>)</a>')

# ---- 3. KaTeX
def katex_source(version: str) -> Path:
    "A folder with KaTeX's dist files (katex.min.js/.css, contrib/, fonts/) of `version`."
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "bopfair" / f"katex-{version}"
    if (cache / "katex.min.js").exists(): return cache
    if shutil.which("npm"):
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run(["npm", "pack", f"katex@{version}", "--silent"], cwd=tmp,
                               capture_output=True, text=True)
            tgz = next(Path(tmp).glob("katex-*.tgz"), None)
            if r.returncode == 0 and tgz:
                with tarfile.open(tgz) as t:
                    members = [m for m in t.getmembers() if m.name.startswith("package/dist/")]
                    kw = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                    t.extractall(tmp, members=members, **kw)
                cache.parent.mkdir(parents=True, exist_ok=True)
                shutil.rmtree(cache, ignore_errors=True)
                shutil.copytree(Path(tmp) / "package" / "dist", cache)
                return cache
            print(f"npm pack katex@{version} failed: {r.stderr.strip()}")
    deb = Path("/usr/share/javascript/katex")
    if (deb / "katex.min.js").exists():
        print(f"KaTeX from Debian's libjs-katex ({deb}), not version {version}")
        return deb
    sys.exit(f"KaTeX {version} not found: install Node.js/npm (npm registry package katex) "
             "or Debian's libjs-katex")

def bundle_katex() -> int:
    "Copy KaTeX into site_libs/katex and point the pages there; return the pages changed."
    from smalldocs.layout import KATEX
    version = re.search(r"katex@([\d.]+)", KATEX).group(1)
    src, dest = katex_source(version), SITE / "site_libs" / "katex"
    shutil.rmtree(dest, ignore_errors=True); dest.mkdir(parents=True)
    for f in ["katex.min.js", "katex.min.css", "contrib/auto-render.min.js"]:
        (dest / f).parent.mkdir(parents=True, exist_ok=True); shutil.copy(src / f, dest / f)
    shutil.copytree(src / "fonts", dest / "fonts")
    n = 0
    for page in pages():
        path = SITE / page
        text = path.read_text(encoding="utf-8")
        new = text.replace(KATEX, relative("site_libs/katex", page))
        if new != text: path.write_text(new, encoding="utf-8"); n += 1
    return n

def toc_math() -> int:
    "Give 'On this page' entries of headings with maths the heading's HTML; return how many."
    # smalldocs writes their TeX as plain text there, e.g. 'The \\chi^2 of the mixture', 'k^*'
    n = 0
    toc = re.compile(r'(<a href="#([^"]+)" id="toc-[^"]*"[^>]*>)([^<]*)</a>')
    for page in pages():
        path = SITE / page
        text = path.read_text(encoding="utf-8")
        def sub(m):
            nonlocal n
            h = re.search(r'<h[1-6][^>]*data-anchor-id="' + re.escape(m.group(2)) + r'"[^>]*>(.*?)</h[1-6]>',
                          text, re.S)
            if not h or 'class="math' not in h.group(1): return m.group(0)
            n += 1
            return m.group(1) + re.sub(r"</?a\b[^>]*>", "", h.group(1)) + "</a>"
        new = toc.sub(sub, text)
        if new != text: path.write_text(new, encoding="utf-8")
    return n

# ---- 4. checks
def anchors(page: str, _cache={}) -> set:
    "The ids (and names) of the elements of a page."
    if page not in _cache:
        text = (SITE / page).read_text(encoding="utf-8")
        _cache[page] = {html.unescape(v) for v in re.findall(r'\s(?:id|name)="([^"]*)"', text)}
    return _cache[page]

def broken_links() -> list:
    "(page, href) of every internal link or resource that does not resolve, and of network assets."
    base, bad = site_url(), []
    for page in pages():
        text = (SITE / page).read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|link)\b[^>]*>", text):
            m = re.search(r'(?:src|href)="(https?:)?//[^"]*"', tag)
            if m and ("<script" in tag or "stylesheet" in tag): bad.append((page, html.unescape(m.group(0))))
        for href in re.findall(r'\s(?:href|src)="([^"]*)"', text):
            href = html.unescape(href)
            if href.startswith(base): bad.append((page, href)); continue
            u = urlsplit(href)
            if u.scheme or href.startswith("//") or not href or href.startswith("data:"): continue
            target = os.path.normpath(os.path.join(os.path.dirname(page), unquote(u.path))) if u.path else page
            target = target.replace(os.sep, "/")
            if target.startswith("..") or not (SITE / target).exists(): bad.append((page, href)); continue
            if (SITE / target).is_dir(): target = (Path(target) / "index.html").as_posix()
            if u.fragment and target.endswith(".html"):
                if not (SITE / target).exists() or unquote(u.fragment) not in anchors(target):
                    bad.append((page, href))
    return sorted(set(bad))

def missing_cards() -> list:
    "(page, #anchor) of each public name of _modidx.py whose doc card is not on its page."
    names, bad = published_names(), []
    for mod, syms in modidx()["syms"].items():
        for key, (url, _) in syms.items():
            if any(p.startswith("_") for p in key[len(mod) + 1:].split(".")): continue
            name, _, frag = url.partition("#")
            page = names.get(name)
            if page is None or frag not in anchors(page): bad.append((page or name, "#" + frag))
    return sorted(set(bad))

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
        html_ = page.read_text(encoding="utf-8")
        title = notebook_title(nb)
        if len(html_) < 2000 or (title and title.split()[0] not in html_):
            problems.append(f"page {page.relative_to(ROOT)} lacks its content (title {title!r})")
    return problems

def known() -> set:
    "The allow-list: (page, href) pairs of current content failures, owned by notebook owners."
    if not KNOWN.exists(): return set()
    rows = [l.split() for l in KNOWN.read_text(encoding="utf-8").splitlines()]
    return {(r[0], r[1]) for r in rows if len(r) >= 2 and not r[0].startswith("#")}

if __name__ == "__main__":
    problems = render()
    before = len(broken_links())
    n_links, n_math, n_toc = rewrite_site_links(), bundle_katex(), toc_math()
    links, cards, allowed = broken_links(), missing_cards(), known()
    print(f"internal links: {before} broken as rendered, {n_links} site links rewritten, "
          f"{len(UNLINKED)} links to private helpers unlinked, {len(links)} broken now; KaTeX bundled for {n_math} pages ({n_toc} TOC entries with maths); "
          f"{len(cards)} public names without a doc card")
    found = set(links) | set(cards)
    for page, href in sorted(found & allowed): print(f"known (tools/known_broken_links.txt): {page} {href}")
    problems += [f"broken link: {p} {h}" for p, h in links if (p, h) not in allowed]
    problems += [f"missing doc card: {p} {h}" for p, h in cards if (p, h) not in allowed]
    for p, h in sorted(allowed - found):   # fixed by its owner: a note, not a failure, so that
        print(f"stale entry in tools/known_broken_links.txt (fixed, remove it): {p} {h}")  # fixing never breaks the build
    problems += missing_pages()
    if problems:
        print("\n".join(["docs build FAILED:"] + problems)); sys.exit(1)
    print(f"docs OK: {len(pages())} pages in {SITE.relative_to(ROOT)}")
