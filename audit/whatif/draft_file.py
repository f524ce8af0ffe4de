"""Reading a draft file (YAML, docs/whatif.md): the text is parsed here, checked in `decisions.drafts`."""

from __future__ import annotations

from pathlib import Path

import yaml

from decisions.drafts import Draft, draft_from_data
from decisions.errors import one_line

from audit.errors import BadInput

MAX_DRAFT_BYTES = 64 * 1024


def read_draft_data(path: str | Path) -> dict:
    """The parsed draft file; BadInput naming `DRAFT` when it cannot be read or is not YAML."""
    path = Path(path)
    try:
        if path.is_dir():
            raise BadInput("DRAFT", f"{path} is a directory, not a draft file")
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput("DRAFT", f"no draft file at {path}") from None
    except OSError as exc:
        raise BadInput("DRAFT", f"cannot read {path} ({exc.strerror or exc})") from None
    if len(data) > MAX_DRAFT_BYTES:
        raise BadInput("DRAFT", f"a draft file is at most {MAX_DRAFT_BYTES} bytes (got {len(data)})")
    try:
        text = data.decode("utf-8")
        parsed = yaml.safe_load(text)
    except UnicodeDecodeError:
        raise BadInput("DRAFT", f"{path} is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise BadInput("DRAFT", one_line(f"{path} is not valid YAML{where}: {problem}")) from None
    if parsed is None:
        raise BadInput("DRAFT", f"{path} is empty; a draft names at least its base or one change")
    return parsed


def read_draft(path: str | Path, base_id: str | None = None) -> tuple[dict, Draft]:
    """The parsed draft file and the checked draft (InvalidCase names the field that is wrong)."""
    data = read_draft_data(path)
    return data, draft_from_data(data, base_id)
