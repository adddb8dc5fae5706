"""Intake: who calls, with which settings."""

from __future__ import annotations

import pytest

from edge.catalog.models import UploadPreset
from edge.errors import InvalidCredentials, InvalidParameter
from edge.services.intake import FileInput, md5_hex, merge, public_id_for
from tests.helpers.api import signed


def test_an_unsigned_preset_decides_everything_but_the_name_and_description():
    preset = UploadPreset("p", True, {"overwrite": "false", "folder": "fixed"})
    merged = merge({"public_id": "mine", "overwrite": "true", "type": "private", "tags": "t"}, preset)
    assert merged == {"public_id": "mine", "tags": "t", "overwrite": "false", "folder": "fixed"}
    assert public_id_for(merged, "") == "fixed/mine"
    assert merge({"overwrite": "true"}, UploadPreset("s", False, {"overwrite": "false", "x": ""})) == {"overwrite": "true"}


async def test_authorise_and_read(services):
    intake = services.uploads.intake
    call = await intake.authorise("demo", signed({"public_id": "x"}))
    assert call.api_key.key == "edge" and call.overwrite()
    with pytest.raises(InvalidCredentials):
        await intake.authorise("demo", {**signed({"public_id": "x"}), "public_id": "y"})
    with pytest.raises(InvalidParameter, match="Upload preset must be specified"):
        await intake.authorise("demo", {"public_id": "x"})
    assert await intake.read(FileInput(text="data:image/png;base64,aGVsbG8=")) == (b"hello", "")
    with pytest.raises(InvalidParameter, match="Empty file"):
        await intake.read(FileInput(data=b""))
    assert await md5_hex(b"hello") == "5d41402abc4b2a76b9719d911017c592"
