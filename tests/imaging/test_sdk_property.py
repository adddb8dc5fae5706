"""Property: every URL the official SDK builds from random option dictionaries (effects, shape,
layers, flags, faces) parses, and renders or answers a 4xx, never anything else."""

import pyvips
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import cloudinary.utils

from edge.errors import EdgeError
from edge.grammar.delivery_path import parse_delivery_path
from edge.imaging import runtime
from edge.imaging.encode import negotiate
from edge.imaging.limits import Limits
from edge.imaging.render import render
from tests.helpers.images import geometry_png

runtime.configure()
BASE = geometry_png(120, 90)
LAYERS = {"logo": (pyvips.Image.black(30, 20) + 200).cast("uchar").bandjoin([10, 10]).copy(interpretation="srgb").pngsave_buffer()}

OPTIONS = {
    "width": st.sampled_from([40, 120, 0.5, 300]),
    "height": st.sampled_from([30, 90, 0.25]),
    "crop": st.sampled_from(["fill", "fit", "pad", "thumb", "crop", "scale", "limit", "lfill"]),
    "gravity": st.sampled_from(["face", "faces", "center", "north_east", "auto", "auto:face"]),
    "effect": st.sampled_from(["sepia", "grayscale", "blur:300", "pixelate:4", "vignette:50", "negate", "trim",
                               "brightness:30", "hue:40", "tint:50:red", "shadow:40", "outline:3", "blur_faces",
                               "replace_color:blue:20:red", "make_transparent", "oil_paint", "cartoonify", "unknown_fx",
                               "ordered_dither:3", "simulate_colorblind:protanopia", "gradient_fade", "noise:20"]),
    "radius": st.sampled_from([5, "max", "10:20", 0]),
    "border": st.sampled_from(["2px_solid_red", "3px_solid_rgb:00ff00"]),
    "color": st.sampled_from(["red", "rgb:0000ff"]),
    "opacity": st.sampled_from([0, 50, 100]),
    "zoom": st.sampled_from([0.5, 1.5]),
    "angle": st.sampled_from([90, 45, "hflip", "auto_right"]),
    "background": st.sampled_from(["white", "auto", "rgb:00000080"]),
    "flags": st.sampled_from(["png8", "strip_profile", "attachment", "getinfo", "keep_iptc", "lossy", ["relative", "tiled"]]),
    "overlay": st.sampled_from(["logo", "missing", {"font_family": "DejaVu Sans", "font_size": 12, "text": "Hi, you/there"}]),
    "underlay": st.sampled_from(["logo"]),
    "x": st.sampled_from([0, 5, -5]),
    "y": st.sampled_from([0, 5]),
    "quality": st.sampled_from([50, "auto"]),
    "fetch_format": st.sampled_from(["auto", "webp", "png"]),
    "if": st.sampled_from(["w > 100", "ar < 1 && h > 20", "fc > 0", "iw != ih", "$small < w"]),
    "$small": st.sampled_from([30, "iw / 4"]),
    "named_transformation": st.sampled_from(["nope"]),
    "page": st.sampled_from([1, 2]),
}

options = st.dictionaries(st.sampled_from(sorted(OPTIONS)), st.none(), max_size=6).flatmap(
    lambda keys: st.fixed_dictionaries({k: OPTIONS[k] for k in keys})
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(options, min_size=1, max_size=3))
def test_sdk_urls_parse_and_render_or_4xx(chain):
    url, _ = cloudinary.utils.cloudinary_url(
        "geometry", cloud_name="demo", secure=False, cname="edge.test", transformation=chain, format="png"
    )
    try:
        path = parse_delivery_path(url.removeprefix("http://edge.test"))
        output = negotiate(path.requested_format, path.chain.last("quality"), path.chain.flags, "image/webp")
        layers = {pid: LAYERS[pid] for pid in path.chain.layer_ids if pid in LAYERS}
        render(BASE, path.chain, output, Limits(max_output_dimension=2000), layers=layers)
    except EdgeError as exc:  # e.g. an undefined $small, an unknown t_nope, a missing layer
        assert 400 <= exc.status < 500, (url, exc.public_message)
