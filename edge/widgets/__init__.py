"""The embeddable widgets: plain JavaScript files with the public API of Cloudinary's hosted
widgets, served by edge (`/widgets/<widget>/all.js`), their vendored libraries and a demo page.

An HTTP-level package: it serves files and calls no service. A widget is one entry in
`files.WIDGETS` (its source files, concatenated at serve time: no build step); the Media
Library Widget is added the same way.
"""

from edge.widgets.routes import add_routes

__all__ = ["add_routes"]
