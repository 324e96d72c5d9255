"""Screenshots of the built book, for a person to look at: each chapter's whole page at a desktop's
width and at a phone's, in test-artifacts/screenshots/ (make screenshots).

    .venv/bin/python scripts/screenshots.py

The site in _build/html is served on 127.0.0.1 and opened in Debian's Chromium (Playwright). The
test suite checks the pages; this only pictures them (a full-page picture of a long chapter costs
more than all the checks of that page).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import threading

from grcp9 import paths

CHAPTERS = ["intro", "findings", "annex1", "meeting", "meeting-annexes", "data", "profiles", "questionnaire",
            "verification", "references"]
WIDTHS = {"desktop": 1300, "phone": 400}
TARGET = paths.REPO_ROOT / "test-artifacts" / "screenshots"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> int:
    from playwright.sync_api import sync_playwright

    html = paths.BUILD_DIR / "html"
    if not (paths.BUILD_DIR / paths.MANIFEST_NAME).is_file():
        sys.exit("screenshots: no built book in _build/ (run `make book`)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}/"
    TARGET.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    written = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        for name, width in WIDTHS.items():
            for chapter in CHAPTERS:
                if not (html / f"{chapter}.html").is_file():
                    continue  # a chapter this wave's book does not have
                tab = browser.new_page(viewport={"width": width, "height": 900})
                tab.goto(site + f"{chapter}.html", wait_until="load")
                tab.screenshot(path=str(TARGET / f"{chapter}-{name}.png"), full_page=True)
                tab.close()
                written += 1
        browser.close()
    server.shutdown()
    print(f"screenshots: {written} pages in {TARGET.relative_to(paths.REPO_ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
