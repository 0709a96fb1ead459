"""`generate` and `engine_gallery` management commands (embedded engine, small sizes)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().split()


def test_generate_writes_pngs_and_prints_paths(tmp_path: Path) -> None:
    paths = run(
        "generate",
        "calm ocean at sunset",
        "--seed",
        "5",
        "--count",
        "2",
        "--engine",
        "embedded",
        "--out",
        str(tmp_path),
        "--size",
        "256x256",
        "--steps",
        "2",
        "--negative",
        "red",
    )
    assert [Path(p).name for p in paths] == [
        "calm-ocean-at-sunset-5.png",
        "calm-ocean-at-sunset-6.png",
    ]
    with Image.open(paths[0]) as image:
        assert image.size == (256, 256)
        assert image.text["seed"] == "5"
        assert image.text["negative_prompt"] == "red"
        assert image.text["engine"].startswith("embedded ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "Prompt must not be empty"),
        (["x" * 5000], "maximum is 1000"),
        (["sea", "--size", "300x300"], "Size 300x300 is not supported"),
        (["sea", "--size", "big"], "Size must look like 512x512"),
        (["sea", "--steps", "99"], "Steps must be between 1 and 50"),
        (["sea", "--seed", "-3"], "Seed must be between 0 and 4294967295"),
        (["sea", "--engine", "nope"], "Unknown engine 'nope'; available engines: "),
        (["sea", "--count", "0"], "--count must be between 1 and 1000"),
    ],
)
def test_generate_bad_input_is_a_command_error(
    tmp_path: Path, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("generate", *args, "--out", str(tmp_path / "out"), stdout=StringIO())
    assert not (tmp_path / "out").exists()


def test_engine_gallery_writes_contact_sheet(tmp_path: Path) -> None:
    target = tmp_path / "gallery.png"
    assert run("engine_gallery", "--out", str(target), "--size", "256", "--steps", "1") == [
        str(target)
    ]
    with Image.open(target) as sheet:
        assert sheet.width > 1000 and sheet.height > 1000
