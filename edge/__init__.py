"""edge: a self-hosted image CDN edge server that speaks Cloudinary's URL and REST dialect."""

__version__ = "0.1.0"
