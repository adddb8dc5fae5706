"""Typed application state the HTTP handlers read: services and settings, never a store or a cache
(those are wired in `edge.app`; edge.http reaches them only through services)."""

from __future__ import annotations

from aiohttp import web

from edge.metrics import Metrics
from edge.services.admin import Admin
from edge.services.chunks import ChunkedUploads
from edge.services.credentials import Credentials
from edge.services.delivery import Delivery
from edge.services.edits import AssetEdits
from edge.services.lists import TagLists
from edge.services.raw import RawFiles
from edge.services.raw_upload import RawUploads
from edge.services.upload import Uploads
from edge.services.render_pool import RenderPool
from edge.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
POOL = web.AppKey("pool", RenderPool)
DELIVERY = web.AppKey("delivery", Delivery)
CACHE_CONTROL = web.AppKey("cache_control", dict)  # versioned URL? -> Cache-Control value
DRAINING = web.AppKey("draining", list)  # non-empty once SIGTERM arrived: /readyz fails
CREDENTIALS = web.AppKey("credentials", Credentials)
UPLOADS = web.AppKey("uploads", Uploads)
RAW_UPLOADS = web.AppKey("raw_uploads", RawUploads)
CHUNKS = web.AppKey("chunks", ChunkedUploads)
EDITS = web.AppKey("edits", AssetEdits)
ADMIN = web.AppKey("admin", Admin)
SURROGATE_HEADERS = web.AppKey("surrogate_headers", tuple)  # ((header, separator), ...) for surrogate keys
LISTS = web.AppKey("lists", TagLists)
RAW = web.AppKey("raw", RawFiles)
