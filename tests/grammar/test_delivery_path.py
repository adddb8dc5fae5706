import cloudinary.utils
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.errors import EdgeError, InvalidTransformation, InvalidUrl, UnsupportedFormat
from edge.grammar.delivery_path import parse_delivery_path
from edge.grammar.values import Dimension, OutputFormat


def test_full_path():
    p = parse_delivery_path("/demo/image/upload/s--AbCd1234--/c_fill,w_400,h_300/zz_not_a_param/v1712/shoes/red.webp")
    # `zz_not_a_param` has no known key: it starts the public_id, and the `v1712` after it is a folder.
    assert p.signature == "AbCd1234"
    assert p.chain.canonical == "c_fill,h_300,w_400"
    assert p.public_id == "zz_not_a_param/v1712/shoes/red"
    assert p.version is None


def test_version_and_folders():
    p = parse_delivery_path("/demo/image/upload/c_fill,w_400,h_300/a_90/v1712/shoes/red.webp")
    assert (p.cloud, p.resource_type, p.delivery_type) == ("demo", "image", "upload")
    assert p.version == 1712
    assert p.public_id == "shoes/red"
    assert p.extension == "webp" and p.requested_format is OutputFormat.WEBP
    assert len(p.chain.components) == 2


def test_format_parameter_wins_over_extension():
    assert parse_delivery_path("/demo/image/upload/f_png/x.jpg").requested_format is OutputFormat.PNG
    assert parse_delivery_path("/demo/image/upload/x").requested_format is None


def test_folder_named_like_a_transformation_is_part_of_the_public_id():
    p = parse_delivery_path("/demo/image/upload/w_foo/x.jpg")
    assert p.public_id == "w_foo/x" and not p.chain.components
    assert p.suspect_error == "Invalid width - foo"  # used if w_foo/x does not exist
    q = parse_delivery_path("/demo/image/upload/w_200/w_foo/x.jpg")
    assert q.chain.components[0].width == Dimension(200) and q.public_id == "w_foo/x"


def test_with_a_version_transformations_are_strict():
    with pytest.raises(InvalidTransformation, match="Invalid width - abc"):
        parse_delivery_path("/demo/image/upload/w_abc/v1/x.jpg")


@pytest.mark.parametrize(
    "path, error",
    [
        ("/demo/image/upload", InvalidUrl),
        ("/demo/files/upload/x.mp4", InvalidUrl),
        ("/demo/image/fetch/x.jpg", InvalidUrl),
        ("/demo/image/upload/../../etc/passwd", InvalidUrl),
        ("/demo/image/upload/%2e%2e/%2e%2e/etc/passwd.jpg", InvalidUrl),
        ("/demo/image/upload/a//b.jpg", InvalidUrl),
        ("/demo/image/upload/a%5cb.jpg", InvalidUrl),
        ("/demo/image/upload/x.exe", UnsupportedFormat),
        ("/demo/image/upload/%ff.jpg", InvalidUrl),
    ],
)
def test_bad_paths(path, error):
    with pytest.raises(error):
        parse_delivery_path(path)


SDK_CASES = [
    dict(width=400, height=300, crop="fill", gravity="auto"),
    dict(width=0.5, crop="scale"),
    dict(width=200, height=200, crop="pad", background="#ff0000"),
    dict(width=300, aspect_ratio="16:9", crop="fill", gravity="north_east", quality="auto:eco"),
    dict(width=100, height=100, crop="crop", x=10, y=20, gravity="north_west"),
    dict(width=250, dpr=2.0, crop="limit", fetch_format="auto", quality="auto"),
    dict(angle=["hflip", 90], flags="progressive", format="jpg"),
    dict(transformation=[dict(width=500, crop="fit"), dict(angle=90)], crop="lpad", width=100, height=80),
    dict(width=120, height=90, crop="mpad", background="rgb:00000080"),
    dict(width=120, height=90, crop="fill_pad", gravity="auto"),
]


@pytest.mark.parametrize("options", SDK_CASES, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize("public_id", ["sample", "folder/sub/photo"])
def test_official_sdk_urls_parse_and_canonicalise_to_themselves(options, public_id):
    url, _ = cloudinary.utils.cloudinary_url(
        public_id, cloud_name="demo", secure=False, cname="edge.test", **dict(options, format=options.get("format", "jpg"))
    )
    path = url.removeprefix("http://edge.test")
    parsed = parse_delivery_path(path)
    assert parsed.public_id == public_id
    sdk_transformation, _ = cloudinary.utils.generate_transformation_string(**{k: v for k, v in options.items() if k != "format"})
    assert parsed.chain.canonical == sdk_transformation
    assert parsed.chain.components, url


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789_,:./%-~ \\"), max_size=80))
def test_any_path_is_a_value_or_a_4xx(tail):
    try:
        parse_delivery_path("/demo/image/upload/" + tail)
    except EdgeError as exc:
        assert 400 <= exc.status < 500


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_unicode_is_a_value_or_a_4xx(tail):
    try:
        parse_delivery_path("/" + tail)
    except EdgeError as exc:
        assert 400 <= exc.status < 500


# -- the other delivery types ------------------------------------------------------------------


def test_fetch_paths_take_the_remote_url_whole():
    remote = "https://images.example.com/a b/photo.jpg?size=large&v=2"
    built = cloudinary.utils.cloudinary_url(remote, type="fetch", cloud_name="demo", width=100, crop="scale",
                                            sign_url=True, api_secret="s")[0]
    path = parse_delivery_path(built.split("res.cloudinary.com", 1)[1])
    assert path.delivery_type == "fetch" and path.public_id == remote and path.extension is None
    assert path.chain.canonical == "c_scale,w_100" and path.signature is not None
    assert path.signed_part == "c_scale,w_100/" + built.split("/c_scale,w_100/", 1)[1]
    folded = parse_delivery_path("/demo/image/fetch/w_10/https:/example.com/x.png")
    assert folded.public_id == "https://example.com/x.png"
    versioned = parse_delivery_path("/demo/image/fetch/w_10/v17/https://example.com/x.png")
    assert versioned.version == 17 and versioned.signed_part == "w_10/https://example.com/x.png"


@pytest.mark.parametrize("raw, error", [
    ("/demo/image/fetch/w_10/example.com/x.png", "Invalid fetch URL"),
    ("/demo/image/fetch/http:/", "Invalid fetch URL - no host"),
    ("/demo/image/fetch/w_abc/http://example.com/x.png", "Invalid width"),
    ("/demo/raw/fetch/http://example.com/x.pdf", "Unsupported delivery type for raw files"),
    ("/demo/files/upload/x.mp4", "Unsupported resource type - files"),
    ("/demo/video/fetch/http://example.com/x.mp4", "Unsupported delivery type for video - fetch"),
    ("/demo/image/youtube/x", "Unsupported delivery type - youtube"),
])
def test_bad_paths_of_the_other_types(raw, error):
    with pytest.raises(EdgeError, match=error):
        parse_delivery_path(raw)


def test_raw_paths_keep_the_extension_in_the_public_id():
    path = parse_delivery_path("/demo/raw/private/s--abcdefgh--/v12/docs/report.v2.pdf")
    assert (path.resource_type, path.delivery_type, path.public_id, path.version) == ("raw", "private", "docs/report.v2.pdf", 12)
    assert path.signed_part == "docs/report.v2.pdf" and not path.chain.components
    with pytest.raises(EdgeError, match="Resource not found"):
        parse_delivery_path("/demo/raw/upload/.edge/backups/x")


def test_hidden_store_folders_are_never_public_ids():
    with pytest.raises(EdgeError, match="Resource not found"):
        parse_delivery_path("/demo/image/upload/.edge/backups/demo/x.jpg")
