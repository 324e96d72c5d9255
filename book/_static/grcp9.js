// Accessibility repairs of the theme's markup (checked by axe-core in tests/test_browser.py).
document.addEventListener("DOMContentLoaded", () => {
  // The navigation's expand/collapse toggles are <summary> elements with an icon only: name them.
  document.querySelectorAll("summary").forEach((summary) => {
    if (!summary.textContent.trim() && !summary.getAttribute("aria-label")) {
      const link = summary.parentElement && summary.parentElement.parentElement &&
        summary.parentElement.parentElement.querySelector(":scope > a");
      summary.setAttribute("aria-label", link ? `Show or hide the pages under ${link.textContent.trim()}` : "Show or hide");
    }
  });
  // The bibliography is a list whose entries carry only role="doc-biblioentry": make them list items.
  document.querySelectorAll('[role="list"] > [role="doc-biblioentry"]').forEach((entry) => {
    entry.setAttribute("role", "listitem");
  });
});
