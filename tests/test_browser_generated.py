"""The second half of the browser checks (see test_browser.py): the pages made from a template
once per item, ISCM profiles and module sources, and every page at a phone's width."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import HTML_DIR, check_page, html_pages, is_generated_page, pytestmark  # noqa: F401  (pytestmark: the same skips)

PHONE_WIDTH = 400
# A figure's smallest text must be at least the body text's size (less half a pixel for rounding);
# figures scroll sideways in their own box (book/_static).
ROUNDING_PX = 0.5


@pytest.mark.parametrize("page", [page for page in html_pages() if is_generated_page(page)])
def test_generated_page_in_browser(site, browser, page):
    check_page(site, browser, page)


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


