"""GENERATION_ENGINES_FILE: the operator's engine registry, checked when settings load."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.engines import engines_from_file

ROOT = Path(__file__).resolve().parent.parent
DIFFUSERS = "generation.engines.diffusers_engine.DiffusersEngine"


def write(tmp_path: Path, data) -> str:
    path = tmp_path / "engines.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_no_file_adds_no_engines():
    assert engines_from_file("") == {}


def test_a_good_file_gives_entries_with_options_and_labels(tmp_path):
    path = write(
        tmp_path,
        {
            "sdxl": {"class": DIFFUSERS, "label": "SDXL", "options": {"checkpoint": "/c/sdxl"}},
            "sd15": {"class": DIFFUSERS},
        },
    )

    assert engines_from_file(path) == {
        "sdxl": {"class": DIFFUSERS, "options": {"checkpoint": "/c/sdxl"}, "label": "SDXL"},
        "sd15": {"class": DIFFUSERS, "options": {}},
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "expected an object of engines by name"),
        ({"sdxl": {"options": {}}}, "engine 'sdxl': missing \"class\""),
        ({"sdxl": "DiffusersEngine"}, "engine 'sdxl': expected an object"),
        ({"sdxl": {"class": DIFFUSERS, "options": []}}, '"options" must be an object'),
        ({"sdxl": {"class": DIFFUSERS, "sizes": ["1024x1024"]}}, "unknown keys ['sizes']"),
        ({"SDXL 1.0": {"class": DIFFUSERS}}, "names are lower-case letters"),
    ],
)
def test_a_bad_file_is_refused_with_the_file_and_entry_named(tmp_path, content, message):
    path = write(tmp_path, content)

    with pytest.raises(ImproperlyConfigured) as error:
        engines_from_file(path)

    assert message in str(error.value) and path in str(error.value)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="cannot read it"):
        engines_from_file(str(tmp_path / "nope.json"))


def _settings_with(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(sorted(settings.GENERATION_ENGINES), settings.GENERATION_WORKER_ENGINES)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_merge_the_file_with_the_old_diffusers_variable(tmp_path):
    path = write(tmp_path, {"sdxl": {"class": DIFFUSERS, "options": {"checkpoint": "/c"}}})

    result = _settings_with(
        {"GENERATION_ENGINES_FILE": path, "GENERATION_DIFFUSERS_PATH": "/c/turbo"}
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "['diffusers', 'embedded', 'sdxl'] ['embedded', 'diffusers', 'sdxl']"
    )


def test_settings_stop_at_load_on_a_bad_file(tmp_path):
    result = _settings_with({"GENERATION_ENGINES_FILE": write(tmp_path, {"x": {}})})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and 'missing "class"' in result.stderr
