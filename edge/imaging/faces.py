"""Face detection with OpenCV's Haar cascade, whose model ships inside the opencv-python-headless
wheel (`cv2.data.haarcascades`): nothing is downloaded at run time.

Detection runs on a small greyscale copy (at most DETECT_SIZE px on the long side); boxes come
back in the coordinates of the image given.
"""

from __future__ import annotations

import threading

import numpy as np
import pyvips

from edge.imaging.ops import Box

DETECT_SIZE = 480
CASCADE = "haarcascade_frontalface_default.xml"
_local = threading.local()


def _classifier():  # type: ignore[no-untyped-def]
    """One classifier per render thread (OpenCV's cascade keeps scratch state)."""
    classifier = getattr(_local, "classifier", None)
    if classifier is None:
        import cv2

        cv2.setNumThreads(1)  # parallelism comes from the render pool
        classifier = cv2.CascadeClassifier(cv2.data.haarcascades + CASCADE)
        if classifier.empty():
            raise RuntimeError(f"OpenCV cascade {CASCADE} is missing from the installed wheel")
        _local.classifier = classifier
    return classifier


def detect(image: pyvips.Image) -> tuple[Box, ...]:
    """Faces in an sRGB image, largest first."""
    scale = min(1.0, DETECT_SIZE / max(image.width, image.height))
    small = image.resize(scale) if scale < 1 else image
    if small.hasalpha():
        small = small.flatten(background=[255, 255, 255])
    grey = small.colourspace("b-w")[0].cast("uchar")
    array = np.ndarray(buffer=grey.write_to_memory(), dtype=np.uint8, shape=(grey.height, grey.width))
    import cv2

    array = cv2.equalizeHist(array)
    minimum = max(20, min(grey.width, grey.height) // 20)
    found = _classifier().detectMultiScale(array, scaleFactor=1.15, minNeighbors=5, minSize=(minimum, minimum))
    boxes = [
        Box(round(x / scale), round(y / scale), round(w / scale), round(h / scale))
        for x, y, w, h in (found if len(found) else [])
    ]
    boxes = [_inside(b, image.width, image.height) for b in boxes]
    return tuple(sorted(boxes, key=lambda b: -b.width * b.height))


def _inside(box: Box, width: int, height: int) -> Box:
    left, top = max(0, min(box.left, width - 1)), max(0, min(box.top, height - 1))
    return Box(left, top, max(1, min(box.width, width - left)), max(1, min(box.height, height - top)))
