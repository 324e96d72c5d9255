"""In the HTML edition, make every glued value a link to the notebook page that computed it.

myst-nb resolves cross-document glue references in a post-transform; this one runs just before it
and wraps each pending reference in a link to its notebook, so the value the reader sees points to
the cell output it came from (the glue key is in the link's title). The PDF keeps plain values:
there the verification appendix and the computation chapters are the trace.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from myst_nb.ext.glue.utils import PendingGlueReference
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform


class LinkGluedValues(SphinxPostTransform):
    default_priority = 4  # before myst-nb replaces the pending references (priority 5)
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for pending in list(self.document.findall(PendingGlueReference)):
            uri = self.app.builder.get_relative_uri(self.env.docname, pending.refdoc)
            link = nodes.reference("", "", refuri=uri, reftitle=f"computed in {pending.refdoc}.ipynb: {pending.key}",
                                   classes=["glue-link"], internal=True)
            pending.replace_self(link)
            link.append(pending)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_post_transform(LinkGluedValues)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
