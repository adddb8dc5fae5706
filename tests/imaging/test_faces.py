"""Faces on a real photograph shipped in a package (scikit-image's astronaut), with OpenCV's
bundled Haar cascade: detection, face gravities, face effects, fl_getinfo."""

import functools
import json

import pytest
import pyvips
import skimage.data

from edge.grammar.chain import parse_chain
from edge.grammar.values import OutputFormat
from edge.imaging import faces, runtime
from edge.imaging.encode import OutputSpec
from edge.imaging.limits import Limits
from edge.imaging.render import render
from tests.helpers.images import decode, geometry_png

runtime.configure()
# Eileen Collins' face in the 512x512 astronaut photo: about x 170-280, y 60-170.
FACE_CENTRE = (225, 115)


@functools.cache
def astronaut() -> bytes:
    return pyvips.Image.new_from_array(skimage.data.astronaut()).copy(interpretation="srgb").jpegsave_buffer(Q=92)


def run(text, data=None):
    rendered = render(data or astronaut(), parse_chain(text), OutputSpec(OutputFormat.PNG), Limits())
    return rendered, (decode(rendered.data) if rendered.media_type is None else None)


def test_detector_finds_the_astronauts_face():
    (face,) = faces.detect(decode(astronaut()))
    cx, cy = face.left + face.width / 2, face.top + face.height / 2
    assert abs(cx - FACE_CENTRE[0]) < 25 and abs(cy - FACE_CENTRE[1]) < 25 and 70 < face.width < 140


def test_no_faces_in_synthetic_geometry():
    assert faces.detect(decode(geometry_png())) == ()


def test_getinfo_reports_sizes_and_faces():
    rendered, _ = run("c_fill,w_200,h_100/fl_getinfo")
    info = json.loads(rendered.data)
    assert rendered.media_type == "application/json"
    assert info["input"] == {"width": 512, "height": 512} and info["output"]["width"] == 200
    ((x, y, w, h),) = info["faces"]
    assert abs(x + w / 2 - FACE_CENTRE[0]) < 25


def test_thumb_face_is_a_headshot():
    _, image = run("c_thumb,g_face,w_120,h_120")
    assert (image.width, image.height) == (120, 120)
    (face,) = faces.detect(image)
    assert face.width > 50  # the face fills a good part of the thumbnail
    assert abs(face.left + face.width / 2 - 60) < 20


@pytest.mark.parametrize("gravity", ["face", "faces", "face:center", "auto:face", "auto:faces"])
def test_fill_face_keeps_the_face(gravity):
    _, image = run(f"c_fill,g_{gravity},w_120,h_400")  # a tall strip: which column is kept matters
    assert (image.width, image.height) == (120, 400)
    # The kept strip spans the face's centre column (x 225 at scale 400/512 -> 176).
    found = faces.detect(image.resize(2))
    assert found, f"no face in the strip kept by g_{gravity}"


def test_centre_strip_would_miss_the_face():
    _, image = run("c_fill,g_west,w_100,h_400")
    assert not faces.detect(image.resize(2))


def test_crop_face_with_zoom():
    _, image = run("c_crop,g_face,w_200,h_200")
    assert (image.width, image.height) == (200, 200) and faces.detect(image)
    _, zoomed = run("c_crop,g_face,w_200,h_200,z_1.5")
    assert (zoomed.width, zoomed.height) == (200, 200)


def test_blur_and_pixelate_faces_change_only_the_face():
    _, plain = run("w_256")
    for effect in ("e_blur_faces", "e_pixelate_faces:10"):
        _, image = run(f"w_256/{effect}")
        face = image.extract_area(95, 40, 30, 30)
        before = plain.extract_area(95, 40, 30, 30)
        assert face.deviate() < before.deviate() * 0.8, effect
        assert (image.extract_area(0, 200, 50, 50) - plain.extract_area(0, 200, 50, 50)).abs().max() == 0
    assert not faces.detect(run("e_blur_faces:2000")[1])


def test_face_gravity_on_a_photo_without_faces_falls_back_to_centre():
    _, image = run("c_thumb,g_face,w_100,h_100", data=geometry_png())
    assert (image.width, image.height) == (100, 100)
