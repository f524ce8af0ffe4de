"""The public Python API: `audit` exports Ledger, verify, replay, compare and publish, and docs/api.md runs.

Each check runs in a fresh interpreter: ``import audit`` must be cheap there, and
the names must be the API functions whatever else the test session imported.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
API_NAMES = ["Ledger", "verify", "replay", "compare", "publish"]


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_examples_in_docs_api_md_run():
    out = run_python(
        "import doctest\n"
        "result = doctest.testfile('docs/api.md', module_relative=False, report=True)\n"
        "print(result.failed, result.attempted)\n"
    )
    failed, attempted = map(int, out.split()[-2:])
    assert failed == 0, out
    assert attempted >= 20


def test_import_audit_loads_nothing_else():
    out = run_python(
        "import sys\n"
        "import audit\n"
        "print(sorted(m for m in sys.modules if m.startswith(('audit.', 'decisions', 'scipy', 'numpy'))))\n"
    )
    assert out.strip() == "[]"


def test_the_api_names_are_exported_with_docstrings():
    out = run_python(
        "import inspect, audit\n"
        "from audit import *\n"
        "print(audit.__all__)\n"
        "for name in audit.__all__:\n"
        "    value = getattr(audit, name)\n"
        "    assert inspect.isfunction(value) or inspect.isclass(value), (name, value)\n"
        "    assert value is globals()[name]\n"
        "    assert len(inspect.getdoc(value) or '') > 40, name\n"
        "print('ok')\n"
    )
    assert out.splitlines() == [repr(API_NAMES), "ok"]


def test_an_unknown_name_is_an_attribute_error():
    import audit

    with pytest.raises(AttributeError, match="no attribute 'Ledgers'"):
        audit.Ledgers  # noqa: B018


def test_compare_defaults_are_those_of_the_cli():
    from audit import api
    from audit.analysis.compare import DEFAULT_FROM, DEFAULT_TO

    parameters = inspect.signature(api.compare).parameters
    assert (parameters["from_"].default, parameters["to"].default) == (DEFAULT_FROM, DEFAULT_TO)


def test_replay_takes_seq_or_case_id_not_both(tmp_path):
    from audit import api
    from audit.errors import BadInput
    from audit.ledger.recording import record_case
    from tests.support.cases import case_data
    from decisions.inputs import parse_case

    path = tmp_path / "ledger.db"
    with api.Ledger(path) as ledger:
        record_case(ledger, parse_case(case_data()))
    assert [r.status for r in api.replay(path)] == ["reproduced"]
    with pytest.raises(BadInput, match="seq/case_id"):
        api.replay(path, seq=1, case_id="TEST-0001")
    with pytest.raises(BadInput, match="no record with seq 2"):
        api.replay(path, seq=2)
