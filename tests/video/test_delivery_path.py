"""`/<cloud>/video/<type>/...` paths, with the official SDK as the oracle for the URLs."""

from __future__ import annotations

import urllib.parse

import cloudinary
import cloudinary.utils
import pytest

from edge.errors import InvalidTransformation, InvalidUrl, UnsupportedFormat
from edge.grammar.delivery_path import parse_delivery_path
from edge.grammar.values import OutputFormat
from edge.grammar.video_params import FrameRate, Offset
from edge.signing import verify_url_signature


@pytest.fixture(autouse=True)
def sdk() -> None:
    cloudinary.reset_config()
    cloudinary.config(cloud_name="demo", api_key="1234", api_secret="secret", secure=False)


def sdk_path(public_id: str, **options: object) -> str:
    url, _ = cloudinary.utils.cloudinary_url(public_id, resource_type="video", **options)
    return urllib.parse.urlsplit(url).path


CASES = [
    (dict(width=300, height=200, crop="fill", gravity="north", format="mp4"), "mp4", lambda d: d.chain.components[0].width.value == 300),
    (dict(start_offset="10%", end_offset="90%", format="webm"), "webm",
     lambda d: d.video_components[0].video.start_offset == Offset(10, percent=True)),
    (dict(start_offset=2.5, duration=3, video_codec="h265", audio_codec="none", bit_rate="800k", fps="15-25", format="mp4"), "mp4",
     lambda d: d.video_components[0].video.frame_rate == FrameRate(15, 25) and d.video_components[0].video.bit_rate == 800_000),
    (dict(video_codec={"codec": "h264", "profile": "baseline", "level": "3.1"}, format="mov"), "mov",
     lambda d: d.video_components[0].video.video_codec == "h264"),
    (dict(effect="accelerate:50", transformation=[{"effect": "reverse"}, {"effect": "fade:2000"}, {"effect": "volume:-50"}], format="mp4"),
     "mp4", lambda d: [c.video.reverse for c in d.video_components] == [True, False, False, False]),
    (dict(start_offset="auto", format="jpg"), "jpg", lambda d: d.video_components[0].video.start_offset.auto),
    (dict(start_offset=1, width=200, crop="scale", format="png"), "png", lambda d: d.requested_format is OutputFormat.PNG),
    (dict(duration=2, format="gif", effect="loop"), "gif", lambda d: d.video_components[0].video.loop == 1),
    (dict(streaming_profile="hd", format="m3u8"), "m3u8", lambda d: d.video_components[0].video.streaming_profile == "hd"),
    (dict(quality="auto", fetch_format="auto"), None, lambda d: d.requested_format == "auto"),
    (dict(keyframe_interval=2, format="mp4"), "mp4", lambda d: d.video_components[0].video.keyframe_interval == 2.0),
    (dict(dpr=2.0, aspect_ratio="16:9", crop="pad", background="black", width=320, format="mp4"), "mp4",
     lambda d: d.chain.components[0].dpr == 2.0),
]


@pytest.mark.parametrize(("options", "extension", "check"), CASES,
                         ids=lambda v: ",".join(f"{k}={o}" for k, o in v.items()) if isinstance(v, dict) else "")
def test_sdk_urls_parse(options: dict, extension: str | None, check: object) -> None:
    path = sdk_path("dogs/run", **options)
    parsed = parse_delivery_path(path)
    assert (parsed.cloud, parsed.resource_type, parsed.delivery_type) == ("demo", "video", "upload")
    assert (parsed.public_id, parsed.extension) == ("dogs/run", extension)
    assert parsed.version == 1
    assert check(parsed)  # type: ignore[operator]
    # The canonical text is the SDK's (it sorts each component's parameters too).
    transformation = path.split("/video/upload/")[1].rsplit("/v1/", 1)[0]
    assert parsed.chain.canonical == transformation


def test_signed_sdk_url() -> None:
    path = sdk_path("dogs/run", sign_url=True, width=100, format="mp4", version=1712, type="authenticated")
    parsed = parse_delivery_path(path)
    assert parsed.delivery_type == "authenticated" and parsed.signature and parsed.version == 1712
    assert parsed.signed_part == "w_100/dogs/run.mp4"
    assert any(verify_url_signature(parsed.signature, text, "secret") for text in parsed.signed_texts)


def test_without_version_leading_components_are_transformations() -> None:
    parsed = parse_delivery_path("/demo/video/upload/so_1,du_2/e_boomerang/clips/dog.webm")
    assert parsed.public_id == "clips/dog" and len(parsed.video_components) == 2
    parsed = parse_delivery_path("/demo/video/upload/clips/so_folder/dog.mp4")
    assert parsed.public_id == "clips/so_folder/dog"


@pytest.mark.parametrize(("path", "error"), [
    ("/demo/video/fetch/https://example.com/a.mp4", InvalidUrl),
    ("/demo/video/upload/dog.exe", UnsupportedFormat),
    ("/demo/video/upload/v1/dog.tiff", UnsupportedFormat),
    ("/demo/video/upload/so_abc/v1/dog.mp4", InvalidTransformation),
    ("/demo/video/upload/e_volume:1000/v1/dog.mp4", InvalidTransformation),
])
def test_bad_video_paths(path: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_delivery_path(path)


def test_image_paths_still_refuse_video_parameters() -> None:
    with pytest.raises(InvalidTransformation, match="video parameter"):
        parse_delivery_path("/demo/image/upload/so_2/v1/dog.jpg")
