"""Plan tests: no pixels (tier a of the style guide)."""

from __future__ import annotations

import pytest

from edge.errors import InvalidTransformation, OutputTooLarge
from edge.grammar.values import Colour
from edge.grammar.video_params import parse_video_component
from edge.video.limits import VideoLimits
from edge.video.plan import Crop, Pad, Scale, VideoPlan, make_plan
from edge.video.probe import VideoInfo

INFO = VideoInfo(duration=10.0, frame_rate=25.0, video_codec="h264", audio_codec="aac", width=320, height=240,
                 rotation=0, bit_rate=100_000, has_audio=True, nb_frames=250, format="mp4")


def plan(text: str, container: str = "mp4", info: VideoInfo = INFO, limits: VideoLimits = VideoLimits()) -> VideoPlan:
    return make_plan([parse_video_component(s) for s in text.split("/")] if text else [], info, container, limits)


@pytest.mark.parametrize(("text", "geometry", "size"), [
    ("", (), (320, 240)),
    ("w_160", (Scale(160, 120),), (160, 120)),
    ("h_0.5", (Scale(160, 120),), (160, 120)),
    ("w_100,h_100", (Scale(100, 100),), (100, 100)),
    ("c_fit,w_100,h_100", (Scale(100, 76),), (100, 76)),
    ("c_limit,w_1000", (), (320, 240)),
    ("c_limit,w_160", (Scale(160, 120),), (160, 120)),
    ("c_fill,w_100,h_100", (Scale(134, 100), Crop(17, 0, 100, 100)), (100, 100)),
    ("c_fill,w_100,h_100,g_west", (Scale(134, 100), Crop(0, 0, 100, 100)), (100, 100)),
    ("c_pad,w_200,h_200,b_red", (Scale(200, 150), Pad(200, 200, 0, 25, Colour(255, 0, 0))), (200, 200)),
    ("c_crop,w_100,h_50,x_10,y_20", (Crop(10, 20, 100, 50),), (100, 50)),
    ("c_crop,w_100,h_50,g_south_east", (Crop(220, 190, 100, 50),), (100, 50)),
    ("ar_16:9,c_fill", (Crop(0, 30, 320, 180),), (320, 180)),
    ("w_100,dpr_2", (Scale(200, 150),), (200, 150)),
    ("w_101", (Scale(100, 76),), (100, 76)),  # even sides (4:2:0)
    ("c_scale,w_160/c_crop,w_80,h_80,g_north_west", (Scale(160, 120), Crop(0, 0, 80, 80)), (80, 80)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_geometry(text: str, geometry: tuple, size: tuple[int, int]) -> None:
    result = plan(text)
    assert result.geometry == geometry
    assert (result.width, result.height) == size


@pytest.mark.parametrize(("text", "start", "end"), [
    ("", 0, 10), ("so_2", 2, 10), ("so_2,du_3", 2, 5), ("so_2,eo_4", 2, 4), ("so_10p,eo_50p", 1, 5),
    ("du_20", 0, 10), ("so_1,du_50%", 1, 6),
])
def test_trimming(text: str, start: float, end: float) -> None:
    result = plan(text)
    assert (result.start, result.end) == (start, end)


def test_timing_effects() -> None:
    result = plan("so_1,du_4,e_accelerate/e_boomerang/e_loop:2/e_fade:500/e_fade:-1000")
    assert result.speed == 2 and result.boomerang and result.loop == 2
    assert result.pass_duration == 4.0 and result.duration == 12.0
    assert (result.fade_in, result.fade_out) == (0.5, 1.0)
    assert result.audio_codec is None  # a boomerang has no sound


@pytest.mark.parametrize(("container", "text", "codecs"), [
    ("mp4", "", ("h264", "aac")), ("webm", "", ("vp9", "opus")), ("mov", "", ("h264", "aac")),
    ("mp4", "vc_h265", ("h265", "aac")), ("mp4", "vc_av1", ("av1", "aac")), ("webm", "vc_av1", ("av1", "opus")),
    ("mp4", "vc_auto,ac_none", ("h264", None)), ("mp4", "vc_none", (None, "aac")),
])
def test_codecs(container: str, text: str, codecs: tuple) -> None:
    result = plan(text, container)
    assert (result.video_codec, result.audio_codec) == codecs


def test_quality_and_bit_rate() -> None:
    assert plan("").crf == 23 and plan("q_auto:best").crf == 20 and plan("q_auto:low", "webm").crf == 40
    assert plan("q_100").crf == 18
    assert plan("br_1m").bit_rate == 1_000_000


@pytest.mark.parametrize(("text", "container"), [
    ("so_11", "mp4"), ("so_5,eo_4", "mp4"), ("vc_vp9", "mov"), ("vc_h264", "webm"), ("ac_aac", "webm"),
    ("e_sepia", "mp4"), ("c_thumb,w_100", "mp4"), ("g_auto,c_fill,w_10,h_10", "mp4"), ("r_20", "mp4"),
    ("vc_none,ac_none", "mp4"), ("e_fade:11000", "mp4"), ("sp_auto", "mp4"), ("f_jpg", "mp4"),
])
def test_refused(text: str, container: str) -> None:
    with pytest.raises(InvalidTransformation):
        plan(text, container)


def test_output_limits() -> None:
    with pytest.raises(OutputTooLarge):
        plan("w_5000")
    with pytest.raises(OutputTooLarge):
        plan("e_loop:20", limits=VideoLimits(max_output_duration=60))
    with pytest.raises(OutputTooLarge):
        plan("e_reverse", limits=VideoLimits(max_buffered_pixels=1_000_000))


def test_rotation_is_applied_before_geometry() -> None:
    rotated = VideoInfo(**{**{f: getattr(INFO, f) for f in INFO.__slots__}, "rotation": 90})
    result = plan("w_120", info=rotated)
    assert result.rotation == 90 and (result.width, result.height) == (120, 160)


def test_image_layers_become_overlay_ops() -> None:
    from edge.video.plan import Overlay, layer_groups

    components = [parse_video_component(s) for s in "w_160/l_logo/c_scale,w_40/fl_layer_apply,g_south_west,x_5,y_5".split("/")]
    [group] = layer_groups(components)
    assert (group.start, group.end, group.public_id) == (1, 3, "logo")
    assert [t.width for t in group.own] == [None, components[2].image.width]
    result = make_plan(components, INFO, "mp4", VideoLimits(), [(40, 20)])
    assert result.geometry == (Scale(160, 120), Overlay(0, 5, 95))
    single = [parse_video_component("l_logo,w_50,g_north_east,x_10,y_10")]
    assert make_plan(single, INFO, "mp4", VideoLimits(), [(50, 20)]).geometry == (Overlay(0, 260, 10),)
    centred = [parse_video_component("l_logo")]
    assert make_plan(centred, INFO, "mp4", VideoLimits(), [(100, 40)]).geometry == (Overlay(0, 110, 100),)


@pytest.mark.parametrize("text", ["l_video:dog", "u_logo", "l_logo,g_face"])
def test_layers_video_cannot_draw(text: str) -> None:
    with pytest.raises(InvalidTransformation):
        make_plan([parse_video_component(text)], INFO, "mp4", VideoLimits(), [(10, 10)])
