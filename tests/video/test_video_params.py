from __future__ import annotations

import pytest

from edge.errors import InvalidTransformation
from edge.grammar.video_params import FrameRate, Offset, looks_like_video_component, parse_video_component


def test_video_and_image_parameters_are_split() -> None:
    component = parse_video_component("c_fill,w_200,h_100,so_1.5,du_10p,vc_vp9,e_volume:-50,ac_none,fps_15-30,br_2m")
    assert component.image.width.value == 200 and component.image.crop.value == "fill"
    video = component.video
    assert video.start_offset == Offset(1.5) and video.duration == Offset(10, percent=True)
    assert video.frame_rate == FrameRate(15, 30)
    assert (video.video_codec, video.audio_codec, video.bit_rate, video.volume) == ("vp9", "none", 2_000_000, 0.5)
    assert component.image.canonical == "ac_none,br_2m,c_fill,du_10p,e_volume:-50,fps_15-30,h_100,so_1.5,vc_vp9,w_200"


@pytest.mark.parametrize(("text", "field", "value"), [
    ("so_10%", "start_offset", Offset(10, percent=True)),
    ("eo_3", "end_offset", Offset(3)),
    ("fps_25", "frame_rate", FrameRate(25, 25)),
    ("fps_15-", "frame_rate", FrameRate(15, None)),
    ("vc_h264:baseline:3.1", "video_codec", "h264"),
    ("br_800k:constant", "bit_rate", 800_000),
    ("e_accelerate", "speed", 2.0),
    ("e_accelerate:-50", "speed", 0.5),
    ("e_volume:mute", "volume", 0.0),
    ("e_volume:6db", "volume", pytest.approx(1.995, abs=1e-3)),
    ("e_reverse", "reverse", True),
    ("e_boomerang", "boomerang", True),
    ("e_loop", "loop", 1),
    ("e_loop:3", "loop", 3),
    ("e_fade:1500", "fade_in", 1.5),
    ("e_fade:-2000", "fade_out", 2.0),
    ("f_webm", "video_format", "webm"),
    ("sp_auto", "streaming_profile", "auto"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_each_video_parameter(text: str, field: str, value: object) -> None:
    assert getattr(parse_video_component(text).video, field) == value


@pytest.mark.parametrize("text", ["so_abc", "so_101p", "fps_0", "fps_30-15", "vc_divx", "ac_mp3", "br_fast", "e_volume:999",
                                  "e_accelerate:300", "e_loop:0", "e_fade:0", "e_reverse:2", "so_1,so_2", "f_avi"])
def test_bad_values_are_400(text: str) -> None:
    with pytest.raises(InvalidTransformation):
        parse_video_component(text)


def test_looks_like_a_component() -> None:
    assert looks_like_video_component("so_2,w_100") == (True, True)
    assert looks_like_video_component("e_boomerang") == (True, True)
    assert looks_like_video_component("my_folder") == (False, False)
