"""Every HTML page in a real browser: Debian's headless Chromium driven by Playwright.

The site is served on 127.0.0.1 by a local HTTP server. For each page: no console errors, no
broken images, every internal link and download resolves, glued numbers are visible. The search
page must find results. One screenshot per top-level chapter is kept in ``test-artifacts/``.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from grcp9 import paths

HTML_DIR = paths.BUILD_DIR / "html"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = paths.REPO_ROOT / "test-artifacts" / "screenshots"
CHAPTERS = ["intro", "findings", "annex1", "data", "profiles", "questionnaire", "references"]
# Narrow screens: a phone's width. There a figure's smallest text must be at least the body text's
# size (less half a pixel for rounding); figures scroll sideways in their own box (book/_static).
PHONE_WIDTH = 400
ROUNDING_PX = 0.5
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.skipif(not (paths.BUILD_DIR / ".complete").is_file(), reason="book not built: run `make book`"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make system-packages)"),
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(HTML_DIR))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def html_pages() -> list[str]:
    return sorted(str(p.relative_to(HTML_DIR)) for p in HTML_DIR.rglob("*.html") if "_static" not in p.parts)


def resolves(site: str, page: str, href: str) -> bool:
    """An internal link's target file exists and, if it names an anchor, the anchor exists there."""
    target = urlsplit(href)
    if target.scheme not in ("http", "") or (target.netloc and not href.startswith(site)):
        return True  # external: not checked offline
    path = unquote(target.path)
    if href.startswith(site):
        path = "/" + path[len(urlsplit(site).path):]
    file = (HTML_DIR / path.lstrip("/")) if path.startswith("/") else (HTML_DIR / page).parent / path
    if path in ("", "/") and not target.path:
        file = HTML_DIR / page
    if file.is_dir():
        file = file / "index.html"
    if not file.resolve().is_file():
        return False
    if target.fragment and file.suffix == ".html":
        text = file.read_text(encoding="utf-8")
        return f'id="{target.fragment}"' in text
    return True


@pytest.mark.parametrize("page", html_pages())
def test_page_in_browser(site, browser, page):
    tab = browser.new_page()
    problems: list[str] = []
    # Failed loads are reported once, with their URL, by the response handler below.
    tab.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
           if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    # The browser asks every origin for /favicon.ico by itself; pages link their own icon instead
    # (the root redirect page has none), so that request alone is not a broken link of ours.
    tab.on("response", lambda response: problems.append(f"HTTP {response.status}: {response.url}")
           if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    tab.goto(site + page, wait_until="load")
    if page == "index.html":  # the root page only redirects to the first chapter
        tab.wait_for_url("**/intro.html")
        tab.wait_for_load_state("load")
        page = "intro.html"
    broken_images = tab.eval_on_selector_all("img", "images => images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
    assert not broken_images, broken_images
    links = tab.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    unresolved = [href for href in links if not href.startswith(("mailto:", "javascript:")) and not resolves(site, page, href)]
    assert not unresolved, unresolved
    glued = tab.locator("span.computed-value")
    for index in range(glued.count()):
        assert glued.nth(index).is_visible(), f"glued value {index} hidden"
    assert tab.evaluate("() => document.documentElement.lang") == "en"
    serious = accessibility_violations(tab, page)
    assert not serious, serious
    stem = page.removesuffix(".html")
    if stem in CHAPTERS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / f"{stem}.png"), full_page=True)
    tab.close()
    assert not problems, problems


# The source-code pages (sphinx.ext.viewcode, _modules/) are one template with one stylesheet for
# the syntax colours; axe needs seconds per page for their thousands of coloured spans. Rule: every
# page is checked, the code listing in full on the largest of them (FULL_LISTING), and on the
# others everything but the listing's inside.
LISTING = "div.highlight pre"
FULL_LISTING = "_modules/grcp9/build.html"


def accessibility_violations(tab, page: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical violations on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    # preload: false: axe would otherwise re-fetch the stylesheets and resolve their @imports
    # against the page (a 404 of its own making); the CSS-based rules are not the ones at stake here.
    context = {"exclude": [[LISTING]]} if page.startswith("_modules/") and page != FULL_LISTING else None
    response = Axe().run(tab, context=context, options={"resultTypes": ["violations"], "preload": False}).response
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("page", ["findings.html", "verification.html", "meeting-annexes.html"])
def test_dark_mode_is_accessible(site, browser, page):
    tab = browser.new_page()
    tab.goto(site + page, wait_until="load")
    tab.evaluate("() => { document.documentElement.dataset.theme = 'dark'; document.documentElement.dataset.mode = 'dark'; }")
    tab.wait_for_timeout(600)  # the theme's colour transitions
    assert accessibility_violations(tab) == []
    tab.close()


def test_the_accessibility_check_finds_a_violation(site, browser):
    tab = browser.new_page()
    tab.goto(site + "findings.html", wait_until="load")
    tab.evaluate("() => document.querySelector('article img').removeAttribute('alt')")
    assert any(line.startswith("image-alt") for line in accessibility_violations(tab))
    tab.close()


FIGURE_TEXT = """() => [...document.querySelectorAll('figure img')].map(img => [img.getAttribute('src'),
    img.getBoundingClientRect().width])"""
BODY_TEXT_PX = "() => parseFloat(getComputedStyle(document.querySelector('article p') || document.body).fontSize)"
PAGE_OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def smallest_svg_text(svg: Path) -> tuple[float, float]:
    """The smallest font size in an SVG and its viewBox width, in the SVG's own units."""
    import re

    text = svg.read_text(encoding="utf-8")
    sizes = [float(size) for size in re.findall(r"font-size: ?([0-9.]+)px", text)]
    view_box_width = float(re.search(r'viewBox="[0-9.\-]+ [0-9.\-]+ ([0-9.]+)', text).group(1))
    return min(sizes), view_box_width


def test_phone_width_no_sideways_page_and_readable_figures(site, browser):
    """At a phone's width no page scrolls sideways (tables and figures scroll in their own boxes),
    and no figure text is smaller than the body text."""
    tab = browser.new_page(viewport={"width": PHONE_WIDTH, "height": 800})
    sideways, small = [], []
    for page in html_pages():
        if page == "index.html":
            continue
        tab.goto(site + page, wait_until="load")
        if tab.evaluate(PAGE_OVERFLOW) > 0:
            sideways.append(page)
        body = tab.evaluate(BODY_TEXT_PX)
        for src, width in tab.evaluate(FIGURE_TEXT):
            if src.endswith(".svg"):
                smallest, view_box = smallest_svg_text((HTML_DIR / page).parent / src)
                shown = smallest * width / view_box
                if shown < body - ROUNDING_PX:
                    small.append(f"{page}: {src} text {shown:.1f} px, body {body:.1f} px")
    tab.close()
    assert sideways == [] and small == []


def test_value_links_land_on_the_cell_that_shows_the_value(site, browser):
    tab = browser.new_page()
    tab.goto(site + "findings.html", wait_until="load")
    link = tab.locator("a.computed-link").first
    key = link.get_attribute("title").split(": ")[1].split(" (")[0]
    link.click()
    tab.wait_for_load_state("load")
    anchor = tab.evaluate("() => location.hash.slice(1)")
    assert anchor.startswith("cell-")
    assert f"{key} = " in tab.locator(f"#{anchor}").inner_text()
    tab.close()


def test_search_page_finds_results(site, browser):
    tab = browser.new_page()
    tab.goto(site + "search.html?q=Stocktaking", wait_until="load")
    tab.wait_for_selector("#search-results ul li, #search-results li", timeout=15_000)
    assert tab.locator("#search-results li").count() > 0
    tab.close()


def test_ledger_filter_and_sort(site, browser):
    tab = browser.new_page()
    tab.goto(site + "verification.html", wait_until="load")
    rows = tab.locator("#tbl-ledger tbody tr")
    total = rows.count()
    tab.fill("#ledger-filter", "cannot be checked")
    visible = tab.eval_on_selector_all("#tbl-ledger tbody tr", "rows => rows.filter(r => r.style.display !== 'none').length")
    assert 0 < visible < total
    tab.fill("#ledger-filter", "")
    claims = "rows => rows.map(r => r.cells[0].textContent)"
    tab.click("#tbl-ledger thead th >> nth=0")
    ascending = tab.eval_on_selector_all("#tbl-ledger tbody tr", claims)
    tab.click("#tbl-ledger thead th >> nth=0")
    descending = tab.eval_on_selector_all("#tbl-ledger tbody tr", claims)
    assert len(ascending) == total and ascending == descending[::-1] and ascending != descending
    # By keyboard: the heading's button takes the focus and sorts with Enter.
    status_column = "rows => rows.map(r => r.cells[4].textContent)"
    before = tab.eval_on_selector_all("#tbl-ledger tbody tr", status_column)
    tab.focus("#tbl-ledger thead th >> nth=4 >> button")
    tab.keyboard.press("Enter")
    assert tab.get_attribute("#tbl-ledger thead th >> nth=4", "aria-sort") == "ascending"
    after = tab.eval_on_selector_all("#tbl-ledger tbody tr", status_column)
    runs = [status for index, status in enumerate(after) if index == 0 or after[index - 1] != status]
    assert after != before and len(runs) == len(set(after)), "sorting by status did not group the statuses"
    tab.close()
