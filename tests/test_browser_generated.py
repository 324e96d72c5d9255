"""The second half of the browser checks (see test_browser.py): the pages made from a template
once per item, ISCM profiles and module sources. Of the module sources, two are checked in the
browser and the others without one (the rule is written in test_browser.py)."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from test_browser import (  # noqa: F401  (pytestmark: the same skips)
    BROWSER_SOURCE_PAGES,
    HTML_DIR,
    check_page,
    html_pages,
    is_generated_page,
    is_source_page,
    pytestmark,
    resolves,
)

IN_BROWSER = [page for page in html_pages() if is_generated_page(page) and (not is_source_page(page) or page in BROWSER_SOURCE_PAGES)]
WITHOUT_BROWSER = [page for page in html_pages() if is_source_page(page) and page not in BROWSER_SOURCE_PAGES]


@pytest.mark.parametrize("page", IN_BROWSER)
def test_generated_page_in_browser(site, checking_tab, page):
    check_page(site, checking_tab, page)


@pytest.mark.parametrize("page", WITHOUT_BROWSER)
def test_source_page_without_browser(page):
    """Links resolve, images exist, the language is set: what a source page can get wrong beyond
    the template the browser checks on the two others."""
    soup = BeautifulSoup((HTML_DIR / page).read_text(encoding="utf-8"), "html.parser")
    assert soup.html is not None and soup.html.get("lang") == "en"
    site = "http://127.0.0.1/"
    links = [a["href"] for a in soup.find_all("a", href=True)]
    assert [href for href in links if not href.startswith(("mailto:", "javascript:")) and not resolves(site, page, href)] == []
    images = [img["src"] for img in soup.find_all("img", src=True) if not re.match(r"(?:https?:|data:)", img["src"])]
    assert [src for src in images if not ((HTML_DIR / page).parent / src).resolve().is_file()] == []


def test_the_rule_keeps_two_source_pages_in_the_browser():
    assert BROWSER_SOURCE_PAGES <= set(html_pages())
    assert WITHOUT_BROWSER and not set(WITHOUT_BROWSER) & BROWSER_SOURCE_PAGES
