"""What `edge serve` prints at start: example URLs only for sample originals that exist (else how to get some)."""

import re
from pathlib import Path

from edge.__main__ import _print_examples
from edge.settings import Settings


def _settings(storage: Path) -> Settings:
    return Settings.load({"EDGE_STORAGE_URL": f"file://{storage}"})


def test_without_samples_no_url_is_printed_only_how_to_get_images(tmp_path, capsys):
    _print_examples(_settings(tmp_path))
    out = capsys.readouterr().out
    assert "/samples/" not in out and "sample.jpg" not in out
    assert "--samples" in out and "edge upload" in out


def test_only_the_samples_that_exist_are_offered(tmp_path, capsys):
    (tmp_path / "demo" / "samples").mkdir(parents=True)
    (tmp_path / "demo" / "samples" / "coffee.jpg").write_bytes(b"\xff\xd8")
    _print_examples(_settings(tmp_path))
    urls = re.findall(r"http://\S+", capsys.readouterr().out)
    assert urls == ["http://127.0.0.1:8080/demo/image/upload/c_pad,b_black,w_500,h_500/samples/coffee.webp"]


def test_an_s3_node_offers_no_sample_url(capsys):
    _print_examples(Settings.load({"EDGE_STORAGE_URL": "s3://bucket/prefix"}))
    assert "/samples/" not in capsys.readouterr().out
