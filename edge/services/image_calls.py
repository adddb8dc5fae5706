"""Smaller Admin API calls on images: `config`, `delete_derived_resources` (by the ids resource
details list), and `publish_by_*` (a clear 400: edge has no access_mode)."""

from __future__ import annotations

from typing import Any

from edge.catalog import derived as derived_records
from edge.catalog.store import Catalog
from edge.errors import InvalidParameter
from edge.services.assets import Params, split_list, truthy

MAX_PAGE = 500


class ImageCalls:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def config(self, cloud: str, params: Params) -> dict[str, Any]:
        body: dict[str, Any] = {"cloud_name": cloud}
        if truthy(params.get("settings")):
            # public_ids carry their folders (Cloudinary's fixed folder mode); asset_folder mirrors it.
            body["settings"] = {"folder_mode": "fixed"}
        return body

    async def delete_derived_resources(self, cloud: str, params: Params) -> dict[str, Any]:
        """derived_resource_ids as resource details list them: `<asset_id>-<transformation>-<format>`."""
        deleted: dict[str, str] = {}
        for derived_id in split_list(params.get("derived_resource_ids"))[:MAX_PAGE]:
            asset_id, _, rest = derived_id.partition("-")
            transformation, _, fmt = rest.rpartition("-")
            found = await self.catalog.locate_asset_id(cloud, asset_id) if transformation else None
            known = found is not None and any(
                d.transformation == transformation and d.format == fmt for d in await self.catalog.derived(cloud, *found)
            )
            if known:
                await derived_records.delete_one(self.catalog.db, cloud, found[0], found[1], transformation, fmt)
            deleted[derived_id] = "deleted" if known else "not_found"
        return {"deleted": deleted}

    async def publish(self, cloud: str, params: Params) -> dict[str, Any]:
        raise InvalidParameter(
            "Not supported - publish_resources and access_mode: edge has no access_mode; upload with"
            " type=authenticated or private and deliver with signed URLs or tokens instead"
        )
