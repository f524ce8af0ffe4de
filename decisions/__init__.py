"""The pure decision engine of dh-audit: no I/O, and nothing of `audit`.

Deciding a case::

    from decisions import evaluate, parse_case
    decision = evaluate(parse_case(data))            # the framework in force on `assessed_on`
    decision = evaluate(case, "2026~I-4:letterlijk")  # a named framework or variant reading

The public names:

- `CaseInputs`, `parse_case`: the facts of one case, validated (`decisions.inputs`).
- `evaluate`, `decide`, `Decision`: decide a case (`decisions.evaluate`); `decide` takes the
  framework object and its fingerprint and is the logic every framework shares.
- `Framework`, `PILOT_2023`, `PILOT_2024`, `FRAMEWORK_2026`: the rule versions (`decisions.frameworks`),
  built from rule classes (`decisions.rules`: one class per kind of rule, with every form of it).
- `FRAMEWORKS`, `get_framework`, `framework_for_date`, `is_variant`, `Installed`: the framework
  registry (`decisions.registry`).
- `framework_fingerprint`: what a recorded decision says its framework was (`decisions.fingerprint`).
- `InvalidCase`: bad input, naming the field.
"""

# The version of the decision engine, recorded with every decision (see CHANGELOG.md).
ENGINE_VERSION = "0.2.0"

from .errors import InvalidCase  # noqa: E402
from .evaluate import Decision, decide, evaluate  # noqa: E402
from .fingerprint import framework_fingerprint  # noqa: E402
from .frameworks import FRAMEWORK_2026, PILOT_2023, PILOT_2024, Framework  # noqa: E402
from .inputs import CaseInputs, parse_case  # noqa: E402
from .registry import FRAMEWORKS, Installed, framework_for_date, get_framework, is_variant  # noqa: E402

__all__ = [
    "ENGINE_VERSION", "FRAMEWORKS", "FRAMEWORK_2026", "PILOT_2023", "PILOT_2024", "CaseInputs", "Decision",
    "Framework", "Installed", "InvalidCase", "decide", "evaluate", "framework_for_date", "framework_fingerprint",
    "get_framework", "is_variant", "parse_case",
]
