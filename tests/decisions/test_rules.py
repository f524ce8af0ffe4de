"""Every rule is one class with every form of itself, and decisions/ is a clean, acyclic package."""

import ast
import inspect
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pytest

import decisions
from decisions import rules
from decisions.boundary import BOUNDARY_CLASSES
from decisions.columns import Columns, CompiledCap, CompiledCriterion, CompiledTransitional, Unsupported
from decisions.fingerprint import framework_fingerprint
from decisions.frameworks import FRAMEWORKS, CriterionResult, KernArea
from decisions.inputs import CaseInputs, parse_case
from decisions.registry import get_framework
from decisions.variants import variant_ids
from decisions.vectorised import compile_framework

FRAMEWORK_IDS = (*FRAMEWORKS, *variant_ids("2026"), "2026~I-4:letterlijk~I-5:afgeschaft")
DECISIONS_DIR = Path(decisions.__file__).parent
GROUPABLE_FACTS = {
    "recognised_damage_eur", "unsettled_damage_eur", "structural_damage_eur", "woz_value_eur", "pgv_5mms_events",
    "existing_dossier_since",
}


def _rules_by_kind():
    for framework_id in FRAMEWORK_IDS:
        framework = get_framework(framework_id)
        for criterion in framework.criteria:
            yield framework_id, "criterion", criterion
        yield framework_id, "cap_rule", framework.cap_rule
        if framework.transitional is not None:
            yield framework_id, "transitional", framework.transitional


RULES = list(_rules_by_kind())
RULE_IDS = [f"{fid}:{type(rule).__name__}" for fid, _, rule in RULES]


def _case(**changes) -> CaseInputs:
    data = {
        "case_id": "R-1", "address_id": "0003010000000001", "municipality": "Eemsdelta",
        "assessed_on": "2026-02-01", "technical_cause": True, "recognised_damage_eur": "20000.00",
        "unsettled_damage_eur": "6000.00", "structural_damage_eur": "4800.00", "woz_value_eur": "240000.00",
        "estimated_cost_eur": "300000.00", "rijksmonument": False, "pgv_5mms_events": 3,
        "in_pilot_area": True, "in_reinforcement_area": False, "existing_dossier_since": "2024-05-01",
    }
    return parse_case({**data, **changes})


@pytest.mark.parametrize("framework_id, kind, rule", RULES, ids=RULE_IDS)
def test_every_rule_class_implements_every_form(framework_id, kind, rule):
    for form in rules.RULE_FORMS[kind]:
        assert callable(getattr(rule, form, None)), f"{type(rule).__name__} of {framework_id} has no {form}()"
    # The column form was checked against the per-case form as it is now.
    assert getattr(type(rule), rules.COLUMN_CHECKED_AGAINST) == rules.per_case_digest(type(rule))

    case = _case()
    columns = Columns.from_cases([case, _case(pgv_5mms_events=4, woz_value_eur="90000.00")])
    column = rule.column()
    cuts = rule.cut_points()
    assert set(cuts) <= GROUPABLE_FACTS and all(isinstance(values, set) for values in cuts.values())
    if kind == "criterion":
        result = rule.check(case)
        assert isinstance(result, CriterionResult)
        passed, observed = column.check(columns)
        assert isinstance(column, CompiledCriterion) and passed.dtype == bool and len(passed) == 2
        assert bool(passed[0]) == result.passed and observed.text(0) == result.observed
        assert column.required == result.required and column.basis == result.basis
        for field, changed in rule.flips(case, result.passed):
            assert rule.check(changed).passed != result.passed, field
    elif kind == "cap_rule":
        cap = rule.cap(case)
        amount, _, exceeds, floored = column.apply(columns)
        assert isinstance(column, CompiledCap)
        assert int(amount[0]) == int(cap.max_amount_eur * 100) and bool(exceeds[0]) == cap.discretionary_exceedance
        assert bool(floored[0]) == cap.floor_applied
    else:
        covers, applies = column.apply(columns)
        assert isinstance(column, CompiledTransitional)
        assert bool(covers[0]) == rule.covers_dossier(case) and bool(applies[0]) == rule.applies(case)
    if kind != "transitional":
        assert set(rule.boundary_classes(case, "woz")) <= set(BOUNDARY_CLASSES)


def test_each_kind_of_rule_names_its_boundary_classes():
    case = _case()  # 3 events (one short of 4), ≥D3 damage 4,800.00 (within 10% of 5,000.00), cost > WOZ
    framework = get_framework("2026")
    found = {c for rule in (*framework.criteria, framework.cap_rule) for c in rule.boundary_classes(case, "woz")}
    assert found == {"pgv_one_event_short", "damage_just_below_threshold", "woz_binds_cap"}
    assert framework.cap_rule.boundary_classes(case, None) == ()  # not eligible: no maximum binds


def test_the_derived_forms_are_not_part_of_the_fingerprint():
    """Adding or changing a column form, cut points or boundary classes leaves every fingerprint as it was."""

    @attrs.frozen
    class LooserKernArea(KernArea):
        def column(self):
            raise Unsupported("none")

        def cut_points(self):
            return {}

    source = rules.per_case_source(LooserKernArea)
    assert "column" not in source and "cut_points" not in source and "Unsupported" not in source
    framework = get_framework("2026")
    assert framework_fingerprint(framework) == framework_fingerprint(attrs.evolve(framework))


@attrs.frozen
class RecountedKernArea(KernArea):
    """A changed per-case form that keeps the inherited column form: the bulk path must refuse it."""

    def check(self, case: CaseInputs) -> CriterionResult:
        return attrs.evolve(super().check(case), passed=case.pgv_5mms_events >= self.min_events.value + 1)


def test_a_per_case_change_without_its_column_change_is_refused():
    framework = get_framework("2026")
    changed = attrs.evolve(framework, criteria=(RecountedKernArea(*attrs.astuple(framework.criteria[0], recurse=False)),
                                                *framework.criteria[1:]))
    with pytest.raises(Unsupported, match="RecountedKernArea changed since its column form was written"):
        compile_framework(changed)
    assert framework_fingerprint(changed) != framework_fingerprint(framework)


def test_variants_are_rule_objects():
    literal = get_framework("2026~I-4:letterlijk")
    assert literal.cap_rule.floor is None and literal.cap_rule.cut_points() == {"woz_value_eur": {Decimal("500000.00")}}
    every = get_framework("2026~I-1:alle-dossiers")
    covers, applies = every.transitional.column().apply(Columns.from_cases([_case(in_pilot_area=False)]))
    assert covers.tolist() == applies.tolist() == [True]
    assert np.array_equal(*compile_framework(every).transitional.apply(Columns.from_cases([_case()])))


# --- the package ------------------------------------------------------------------------------------


def _modules() -> dict[str, ast.Module]:
    return {path.stem: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(DECISIONS_DIR.glob("*.py"))}


def _imported(node: ast.AST) -> list[tuple[str, list[str]]]:
    """(module in decisions, names) for an import statement that reaches into decisions/."""
    if isinstance(node, ast.ImportFrom):
        names = [a.name for a in node.names]
        if node.level == 1:
            return [(node.module, names)] if node.module else [(name, []) for name in names]
        if node.level == 0 and node.module and node.module.split(".")[0] == "decisions":
            parts = node.module.split(".")
            return [(parts[1] if len(parts) > 1 else "__init__", names)]
    if isinstance(node, ast.Import):
        return [(a.name.split(".")[1], []) for a in node.names if a.name.startswith("decisions.")]
    return []


def test_decisions_has_no_import_cycle():
    modules = _modules()
    graph = {name: set() for name in modules}
    for name, tree in modules.items():
        for node in tree.body:  # module level: every import of decisions/ is at module level (next test)
            for module, _ in _imported(node):
                module = module.split(".")[0]
                graph[name].add(module if module in modules else "__init__")  # `from . import NAME`
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            assert state.get(nxt) != 1, f"import cycle in decisions/: {' -> '.join(path + [nxt])}"
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_decisions_imports_only_at_module_level_and_only_public_names():
    for name, tree in _modules().items():
        top_level = set(map(id, tree.body))
        for node in ast.walk(tree):
            found = _imported(node)
            if not found:
                continue
            assert id(node) in top_level, f"decisions/{name}.py line {node.lineno}: an import inside a function"
            for module, names in found:
                private = [n for n in names if n.startswith("_")]
                assert not private, f"decisions/{name}.py imports private {private} from {module}"
        # `from . import inputs` then `inputs._name`: a private name used across modules all the same.
        modules = {module for node in tree.body for module, names in _imported(node) if not names}
        modules |= {a.asname or a.name for node in tree.body if isinstance(node, ast.ImportFrom) and node.level == 1
                    and not node.module for a in node.names}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
                assert not node.attr.startswith("_"), f"decisions/{name}.py uses {node.value.id}.{node.attr}"
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(m.split(".")[0] == "audit" for m in modules), f"decisions/{name}.py imports audit"


def test_the_public_api_is_named_and_documented():
    for name in decisions.__all__:
        value = getattr(decisions, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"decisions.{name} has no docstring"
    assert decisions.evaluate(_case(), "2026").framework == "2026"
    assert decisions.get_framework("2026") is decisions.FRAMEWORK_2026
    assert decisions.framework_for_date(date(2026, 1, 1)) is decisions.FRAMEWORKS["2026"]
    assert decisions.Installed().get("2026") == (decisions.FRAMEWORK_2026, decisions.framework_fingerprint(
        decisions.FRAMEWORK_2026))



def test_deciding_one_case_does_not_load_numpy():
    """`dh-audit decide` must start fast: only the column forms need NumPy."""
    import json
    import subprocess
    import sys

    from tests.support.cases import case_data

    script = (
        "import json, sys\n"
        "from decisions import evaluate, parse_case\n"
        f"evaluate(parse_case(json.loads({json.dumps(json.dumps(case_data()))})), '2026')\n"
        "print('numpy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stderr
