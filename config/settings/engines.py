"""The operator's engine registry: GENERATION_ENGINES_FILE names a JSON file of engines.

    {"sdxl": {"class": "generation.engines.diffusers_engine.DiffusersEngine",
              "label": "SDXL", "options": {"checkpoint": "/checkpoints/sdxl", ...}}}

It is read once when settings load and checked there, so a typo stops web, worker and beat
at start with the file and the entry named, instead of failing jobs later.
"""

import json
import re
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# Engine names become job fields (40 characters) and Celery queue names (gpu.<name>).
ENGINE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
ENTRY_KEYS = {"class", "options", "label"}


def engines_from_file(path: str) -> dict[str, dict[str, Any]]:
    """The file's engines as GENERATION_ENGINES entries; {} when no file is named."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).expanduser().read_text())
    except OSError as error:
        raise ImproperlyConfigured(
            f"GENERATION_ENGINES_FILE {path}: cannot read it: {error}"
        ) from None
    except ValueError as error:
        raise ImproperlyConfigured(
            f"GENERATION_ENGINES_FILE {path}: not valid JSON: {error}"
        ) from None
    if not isinstance(data, dict):
        raise ImproperlyConfigured(
            f"GENERATION_ENGINES_FILE {path}: expected an object of engines by name."
        )
    return {name: _entry(path, name, entry) for name, entry in data.items()}


def _entry(path: str, name: str, entry: Any) -> dict[str, Any]:
    where = f"GENERATION_ENGINES_FILE {path}: engine {name!r}"
    if not ENGINE_NAME.match(name):
        raise ImproperlyConfigured(
            f"{where}: names are lower-case letters, digits, '-' and '_' (at most 40)."
        )
    if not isinstance(entry, dict):
        raise ImproperlyConfigured(f'{where}: expected an object with a "class".')
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise ImproperlyConfigured(f"{where}: unknown keys {sorted(unknown)}.")
    dotted = entry.get("class")
    if not isinstance(dotted, str) or "." not in dotted:
        raise ImproperlyConfigured(f'{where}: missing "class" (a dotted path to the engine).')
    options = entry.get("options", {})
    if not isinstance(options, dict):
        raise ImproperlyConfigured(f'{where}: "options" must be an object.')
    label = entry.get("label")
    if label is not None and not isinstance(label, str):
        raise ImproperlyConfigured(f'{where}: "label" must be text.')
    return {"class": dotted, "options": options, **({"label": label} if label else {})}
