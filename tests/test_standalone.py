"""The repository stands alone: a plain clone, with nothing beside it, collects the whole suite.

The clone holds only committed files, so a test that still needs a file outside the repository (or one that was never
committed) fails here, not on a reviewer's machine.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

# The folder that must not be needed beside a clone.
SIBLING = "sha" + "red"

# Built from parts so that this file does not match itself.
FORBIDDEN_STRINGS = ("../" + "shared", "SPEC" + ".md", "SPEC" + " §")

# The files checked for FORBIDDEN_STRINGS, as tracked paths (folders or files): the whole repository.
STANDALONE_CHECKED_PATHS = (".",)

# Files allowed to mention the old specification: the history of the project.
ALLOWED_FILES = frozenset({"CHANGELOG.md"})

# Lines that must keep their old wording: the framework fingerprint covers the source of every class a framework
# uses, docstrings included, so rewording this one would change every recorded fingerprint. It changes with the
# next change of the frameworks (docs/README.md maps the old section numbers to the pages).
FROZEN_LINES = frozenset({
    ("decisions/frameworks.py", '    """A named choice where the source texts leave a point open (' + "SPEC" + ' §3)."""'),
})

COLLECTED_LINE = re.compile(r"^(\d+) tests? collected", re.MULTILINE)


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


def _clone(tmp_path: Path) -> Path:
    clone = tmp_path / "dh-audit"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(clone)],
        capture_output=True,
        text=True,
        check=True,
    )
    return clone


def _clone_env(clone: Path) -> dict[str, str]:
    # The editable install of the development virtualenv points at the original checkout; PYTHONPATH puts the
    # clone's packages first so the clone's own code is what gets imported and collected.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(clone)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _tracked_files(root: Path, paths: tuple[str, ...]) -> list[str]:
    return [line for line in _git("ls-files", "-z", "--", *paths, cwd=root).split("\0") if line]


def offending_lines(root: Path, relative_paths: list[str]) -> list[str]:
    """Every `path:line: text` among relative_paths (below root) that mentions a FORBIDDEN_STRINGS entry."""
    found = []
    for rel in relative_paths:
        if Path(rel).name in ALLOWED_FILES:
            continue
        data = (root / rel).read_bytes()
        if not any(s.encode() in data for s in FORBIDDEN_STRINGS):
            continue
        for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
            if any(s in line for s in FORBIDDEN_STRINGS) and (rel, line) not in FROZEN_LINES:
                found.append(f"{rel}:{number}: {line.strip()}")
    return found


def test_clone_without_shared_collects_the_whole_suite(tmp_path: Path) -> None:
    clone = _clone(tmp_path)
    assert not (clone.parent / SIBLING).exists()
    assert (clone / "tests" / "data" / "merkle" / "LICENSE").is_file()
    env = _clone_env(clone)

    where = subprocess.run(
        [sys.executable, "-c", "import audit, decisions; print(audit.__file__); print(decisions.__file__)"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    for module_file in where.stdout.split():
        assert Path(module_file).resolve().is_relative_to(clone.resolve()), module_file

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "error" not in output.splitlines()[-1].lower(), output[-4000:]
    assert "ERROR collecting" not in output, output[-4000:]
    collected = COLLECTED_LINE.search(output)
    assert collected is not None, output[-4000:]
    assert int(collected.group(1)) > 500
    # The Merkle vectors are collected from the clone's own tests/data (196 of them, each at least once).
    lines = done.stdout.splitlines()
    vector_ids = {line for line in lines if line.startswith("tests/audit/log/test_merkle.py::") and ".json" in line}
    assert len(vector_ids) >= 196
    # Every test file of the clone was collected.
    test_files = {p.relative_to(clone).as_posix() for p in (clone / "tests").rglob("test_*.py")}
    collected_files = {line.split("::", 1)[0] for line in lines if "::" in line}
    assert test_files <= collected_files, sorted(test_files - collected_files)


def test_no_file_references_anything_outside_the_repository() -> None:
    files = _tracked_files(REPO_ROOT, STANDALONE_CHECKED_PATHS)
    assert any(f.startswith("tests/") for f in files)
    assert any(f.startswith("docs/") for f in files)
    assert offending_lines(REPO_ROOT, files) == []


def test_offending_lines_finds_each_forbidden_string(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("fine\nsee " + FORBIDDEN_STRINGS[0] + "/x\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("# per " + FORBIDDEN_STRINGS[1] + " §5\n", encoding="utf-8")
    (tmp_path / "CHANGELOG.md").write_text(FORBIDDEN_STRINGS[1] + "\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("nothing here\n", encoding="utf-8")
    found = offending_lines(tmp_path, ["a.md", "b.py", "CHANGELOG.md", "c.txt"])
    assert found == ["a.md:2: see " + FORBIDDEN_STRINGS[0] + "/x", "b.py:1: # per " + FORBIDDEN_STRINGS[1] + " §5"]
