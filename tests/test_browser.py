"""The HTML pages in a real browser: Debian's headless Chromium driven by Playwright.

The site is served on 127.0.0.1 by a local HTTP server. For each page: no console errors, no
broken images, every internal link and download resolves, glued numbers are visible, axe-core
finds no serious violation, and at a phone's width the page does not scroll sideways. Pages made
from one template (module sources) follow the rule written at FULL_LISTING. The search page must
find results. Pictures of the pages are not taken here: ``make screenshots`` (scripts/screenshots.py)."""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import CHROMIUM

from grcp9 import paths

HTML_DIR = paths.BUILD_DIR / "html"

pytestmark = [
    pytest.mark.skipif(not (paths.BUILD_DIR / paths.MANIFEST_NAME).is_file(), reason="book not built: run `make book`"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make system-packages)"),
]


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
        return f'id="{target.fragment}"' in page_source(file.resolve())
    return True


@functools.cache
def page_source(file: Path) -> str:
    """A built page's HTML, read once per test worker (pages link the same pages many times)."""
    return file.read_text(encoding="utf-8")


HIDDEN_VALUES = """values => values.map((value, index) => [index, value.checkVisibility({visibilityProperty: true,
    opacityProperty: true}) && value.getBoundingClientRect().width > 0]).filter(([, shown]) => !shown).map(([index]) => index)"""


def hidden_values(tab) -> list[int]:  # type: ignore[no-untyped-def]
    """The positions of the glued values on the page that a reader cannot see."""
    return list(tab.eval_on_selector_all("span.computed-value", HIDDEN_VALUES))


def is_generated_page(page: str) -> bool:
    """A page made from a template once per item (an ISCM profile, a module's source): these are
    checked in test_browser_generated.py, so that make test runs the two halves side by side."""
    return page.startswith(("generated/profiles/", "_modules/"))


def is_source_page(page: str) -> bool:
    return page.startswith("_modules/")


@pytest.mark.parametrize("page", [page for page in html_pages() if not is_generated_page(page)])
def test_page_in_browser(site, checking_tab, page):
    check_page(site, checking_tab, page)


DESKTOP = {"width": 1280, "height": 720}  # Playwright's default viewport, restored before each page


def check_page(site: str, tab, page: str) -> None:  # type: ignore[no-untyped-def]
    """Console, network, images, links, visible glued values, language and axe-core on one page.

    ``tab`` is the worker's checking tab (conftest.checking_tab): each page is loaded into the same
    tab, with this check's own listeners, removed when it ends. Measured on 6 profile pages: 0.9 s
    of CPU per page instead of 2.0 s with a new browser context and tab for each (no new renderer
    process, the stylesheets and scripts cached, axe-core's script compiled once)."""
    problems: list[str] = []
    # Failed loads are reported once, with their URL, by the response handler below.
    # The browser asks every origin for /favicon.ico by itself; pages link their own icon instead
    # (the root redirect page has none), so that request alone is not a broken link of ours.
    listeners = {
        "console": lambda message: problems.append(f"console {message.type}: {message.text}")
        if message.type == "error" and not message.text.startswith("Failed to load resource") else None,
        "response": lambda response: problems.append(f"HTTP {response.status}: {response.url}")
        if response.status >= 400 and not response.url.endswith("/favicon.ico") else None,
        "pageerror": lambda error: problems.append(f"page error: {error}"),
        "requestfailed": lambda request: problems.append(f"request failed: {request.url}"),
    }
    for event, listener in listeners.items():
        tab.on(event, listener)
    try:
        tab.set_viewport_size(DESKTOP)
        check_loaded_page(site, tab, page)
    finally:
        for event, listener in listeners.items():
            tab.remove_listener(event, listener)
    assert not problems, problems


def check_loaded_page(site: str, tab, page: str) -> None:  # type: ignore[no-untyped-def]
    """check_page's checks of what the page shows (its listeners collect what the browser reports)."""
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
    hidden = hidden_values(tab)
    assert not hidden, f"glued values hidden: {hidden}"
    assert tab.evaluate("() => document.documentElement.lang") == "en"
    serious = accessibility_violations(tab)
    assert not serious, serious
    # The same page at a phone's width (laid out again, not loaded again).
    tab.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    assert tab.evaluate(PAGE_OVERFLOW) <= 0, f"{page} scrolls sideways at {PHONE_WIDTH} px"
    assert small_figure_text(tab, page) == []


PHONE_WIDTH = 400
# A figure's smallest text must be at least the body text's size (less half a pixel for rounding);
# figures scroll sideways in their own box (book/_static).
ROUNDING_PX = 0.5
FIGURE_TEXT = """() => [...document.querySelectorAll('figure img')].map(img => [img.getAttribute('src'),
    img.getBoundingClientRect().width])"""
BODY_TEXT_PX = "() => parseFloat(getComputedStyle(document.querySelector('article p') || document.body).fontSize)"
PAGE_OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def smallest_svg_text(svg: Path) -> tuple[float, float]:
    """The smallest font size in an SVG and its viewBox width, in the SVG's own units."""
    import re

    text = svg.read_text(encoding="utf-8")
    sizes = [float(size) for size in re.findall(r"font-size: ?([0-9.]+)px", text)]
    view_box_width = float(re.search(r'viewBox="[0-9.\-]+ [0-9.\-]+ ([0-9.]+)', text).group(1))  # type: ignore[union-attr]
    return min(sizes), view_box_width


def small_figure_text(tab, page: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The figures of the page whose smallest text is shown smaller than the body text."""
    body = tab.evaluate(BODY_TEXT_PX)
    small = []
    for src, width in tab.evaluate(FIGURE_TEXT):
        if src.endswith(".svg"):
            smallest, view_box = smallest_svg_text((HTML_DIR / page).parent / src)
            shown = smallest * width / view_box
            if shown < body - ROUNDING_PX:
                small.append(f"{page}: {src} text {shown:.1f} px, body {body:.1f} px")
    return small


# The source-code pages (sphinx.ext.viewcode, _modules/) are made by one generator from one
# template, with one stylesheet for the syntax colours; axe needs seconds per page for their
# thousands of coloured spans. Rule: two of them, the largest (FULL_LISTING) and their index, get
# every check in the browser (console, images, links, glued values, axe, the phone's width); the
# others differ from them only in the code they list, and are checked without a browser
# (test_browser_generated.py: every link resolves, every image exists, the page's language).
FULL_LISTING = "_modules/grcp9/analysis/ledger.html"
BROWSER_SOURCE_PAGES = {FULL_LISTING, "_modules/index.html"}


def accessibility_violations(tab) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical violations on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    # preload: false: axe would otherwise re-fetch the stylesheets and resolve their @imports
    # against the page (a 404 of its own making); the CSS-based rules are not the ones at stake here.
    response = Axe().run(tab, options={"resultTypes": ["violations"], "preload": False}).response
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("page", ["findings.html", "verification.html", "meeting-annexes.html"])
def test_dark_mode_is_accessible(site, tab, page):
    tab.goto(site + page, wait_until="load")
    tab.evaluate("() => { document.documentElement.dataset.theme = 'dark'; document.documentElement.dataset.mode = 'dark'; }")
    tab.wait_for_timeout(600)  # the theme's colour transitions
    assert accessibility_violations(tab) == []


def test_the_page_check_reports_what_the_browser_reports(site, checking_tab):
    """In the shared tab, a page's failed request fails its check, and that check's listeners are
    gone afterwards: the next page's check is its own."""
    with pytest.raises(AssertionError, match=r"HTTP 404: .*/no-such-page\.html"):
        check_page(site, checking_tab, "no-such-page.html")
    for event in ("console", "response", "pageerror", "requestfailed"):
        assert not checking_tab._impl_obj.listeners(event), f"a {event} listener survived its check"
    check_page(site, checking_tab, "findings.html")


def test_the_accessibility_check_finds_a_violation(site, tab):
    tab.goto(site + "findings.html", wait_until="load")
    assert hidden_values(tab) == []
    tab.evaluate("() => { const values = document.querySelectorAll('span.computed-value'); values[1].style.display = 'none'; "
                 "values[2].style.visibility = 'hidden'; }")
    assert hidden_values(tab) == [1, 2]
    tab.evaluate("() => document.querySelector('article img').removeAttribute('alt')")
    assert any(line.startswith("image-alt") for line in accessibility_violations(tab))


def test_value_links_land_on_the_cell_that_shows_the_value(site, tab):
    tab.goto(site + "findings.html", wait_until="load")
    link = tab.locator("a.computed-link").first
    key = link.get_attribute("title").split(": ")[1].split(" (")[0]
    link.click()
    tab.wait_for_load_state("load")
    anchor = tab.evaluate("() => location.hash.slice(1)")
    assert anchor.startswith("cell-")
    assert f"{key} = " in tab.locator(f"#{anchor}").inner_text()


def test_search_page_finds_results(site, tab):
    tab.goto(site + "search.html?q=Stocktaking", wait_until="load")
    tab.wait_for_selector("#search-results ul li, #search-results li", timeout=15_000)
    assert tab.locator("#search-results li").count() > 0


def test_ledger_filter_and_sort(site, tab):
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


def test_register_and_ledger_rows_link_both_ways(site, tab):
    """A register entry's "ledger row" link lands on the claim's row of the ledger, whose detail
    links back to the entry."""
    tab.goto(site + "verification.html", wait_until="load")
    link = tab.locator("#tbl-discrepancies a.row-link").first
    target = link.get_attribute("href")
    assert target.startswith("#claim-")
    row = tab.locator(f"#tbl-ledger tr:has({target})")
    assert row.count() == 1
    back = row.locator("a.row-link").first.get_attribute("href")
    assert back.startswith("#register-")
    assert tab.locator(f"#tbl-discrepancies tr:has({back})").count() == 1
    link.click()
    assert tab.evaluate("() => location.hash") == target


def test_a_ledger_row_leads_to_its_recipe_and_the_recipe_to_its_source(site, tab):
    """Number to code: the ledger row's "recipe" link opens the recipe's documentation, whose
    [source] link opens its code on the module's source page."""
    tab.goto(site + "verification.html", wait_until="load")
    link = tab.locator("#tbl-ledger a.code-link").first
    name = link.get_attribute("href").split("#", 1)[1]
    assert name.startswith("grcp9.analysis.ledger.")
    link.click()
    tab.wait_for_load_state("load")
    assert tab.url.split("#")[0].endswith("/api.html")
    entry = tab.locator(f"[id='{name}']")
    assert entry.count() == 1
    source = entry.locator("a[href*='_modules/grcp9/analysis/ledger.html']").first.get_attribute("href")
    tab.goto(site + source, wait_until="load")
    function = name.rsplit(".", 1)[1]
    assert f"def {function}(" in tab.locator(f"[id='{function}']").inner_text()


def test_the_phone_width_check_finds_a_page_that_scrolls_sideways(site, tab):
    tab.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    tab.goto(site + "findings.html", wait_until="load")
    assert tab.evaluate(PAGE_OVERFLOW) <= 0
    tab.evaluate("() => { const wide = document.createElement('div'); wide.style.width = '2000px'; "
                 "wide.textContent = 'wide'; document.querySelector('article').appendChild(wide); }")
    assert tab.evaluate(PAGE_OVERFLOW) > 0
