"""Raw uploads, called directly."""

from __future__ import annotations

import hashlib

import pytest

from edge.errors import InvalidParameter
from edge.services.intake import FileInput
from tests.helpers.api import signed
from tests.helpers.api import BASE


async def test_raw_bytes_are_stored_as_sent_with_their_md5(services):
    data = b"col1,col2\n1,2\n"
    body = await services.raw.upload("demo", signed({"use_filename": "true", "unique_filename": "false"}),
                                     FileInput(data=data, filename="table.csv"), BASE)
    assert body["public_id"] == "table.csv" and body["etag"] == hashlib.md5(data).hexdigest()
    assert (services.root / "demo@raw.upload" / "table.csv.raw").read_bytes() == data
    with pytest.raises(InvalidParameter, match="already exists"):
        await services.raw.upload("demo", signed({"public_id": "table.csv", "overwrite": "false"}), FileInput(data=b"x"), BASE)
    with pytest.raises(InvalidParameter, match="Unsupported type"):
        await services.raw.destroy("demo", signed({"public_id": "table.csv", "type": "fetch"}))
    assert await services.raw.destroy("demo", signed({"public_id": "table.csv"})) == {"result": "ok"}
