"""`dh-audit frameworks`: the registered frameworks and their named variants, as text or JSON.

Everything shown comes from `decisions/` (the registry, the framework
definitions, the variant readings and `framework_fingerprint`); this module
only lays it out.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import attrs
import click

from decisions.drafts import overridable, parameter_value
from decisions.errors import InvalidCase
from decisions.fingerprint import framework_fingerprint
from decisions.frameworks import VARIANT_SEPARATOR, Framework, Parameter
from decisions.registry import FRAMEWORKS, get_framework
from decisions.variants import READINGS, variant_ids


def _value(value: Decimal | int | date) -> str | int:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _parameter(name: str, parameter: Parameter) -> dict:
    return {"name": name, "value": _value(parameter.value), "effective_from": parameter.effective_from.isoformat(),
            "reference": parameter.reference}


def parameters(framework: Framework) -> list[dict]:
    """Every dated parameter of the framework's rules, named `<criterion code|cap|transitional>.<field>`."""
    components = [(c.code, c) for c in framework.criteria]
    components += [("cap", framework.cap_rule), ("transitional", framework.transitional)]
    found = []
    for name, component in components:
        if component is None:
            continue
        for field in attrs.fields(type(component)):
            value = getattr(component, field.name)
            if isinstance(value, Parameter):
                found.append(_parameter(f"{name}.{field.name}", value))
    return found


def draft_parameters(framework: Framework) -> list[dict]:
    """What a draft of this framework may change (`dh-audit whatif`), with the current values and sources."""
    found = []
    for spec, current in overridable(framework):
        found.append({
            "name": spec.name, "kind": spec.kind, "meaning": spec.meaning, "null_means": spec.null_means,
            "value": parameter_value(current, spec),
            "effective_from": current.effective_from.isoformat() if current is not None else None,
            "reference": current.reference if current is not None else None,
        })
    return found


def describe(framework: Framework) -> dict:
    """One framework as plain data: dates, criteria, parameters, interpretations, routes and fingerprint."""
    return {
        "id": framework.id,
        "title": framework.title,
        "in_force_from": framework.in_force_from.isoformat(),
        "in_force_until": framework.in_force_until.isoformat() if framework.in_force_until else None,
        "legal_basis": framework.legal_basis,
        "criteria": [{"code": c.code, "basis": c.basis} for c in framework.criteria],
        "parameters": parameters(framework),
        "draft_parameters": draft_parameters(framework),
        "draft_readings": [{"interpretation": r.interpretation, "reading": r.name, "english": r.english}
                           for r in READINGS.values()
                           if any(i.id == r.interpretation for i in framework.interpretations)],
        "interpretations": [{"id": i.id, "text": i.text, "named_when": i.named_when}
                            for i in framework.interpretations],
        "referral_routes": [{"code": r.code, "short": r.short, "name": r.name, "source": r.source}
                            for r in framework.referral_routes],
        "referral_basis": framework.referral_basis,
        "evaluation_due": _parameter("evaluation_due", framework.evaluation_due) if framework.evaluation_due else None,
        "fingerprint": framework_fingerprint(framework),
    }


def variants_of(framework_id: str) -> list[tuple[str, Framework]]:
    """The single-reading variants that apply to a framework (decisions.variants refuses the others)."""
    found = []
    for variant_id in variant_ids(framework_id):
        try:
            found.append((variant_id, get_framework(variant_id)))
        except InvalidCase:
            continue
    return found


def catalogue() -> dict:
    """Every registered framework and every named variant, in registry order."""
    variants = []
    for base in FRAMEWORKS:
        for variant_id, variant in variants_of(base):
            reading = READINGS[variant_id.split(VARIANT_SEPARATOR, 1)[1]]
            variants.append({**describe(variant), "variant_of": base,
                             "reading": {"id": reading.id, "interpretation": reading.interpretation,
                                         "text": reading.text}})
    return {"frameworks": [describe(f) for f in FRAMEWORKS.values()], "variants": variants}


def _until(entry: dict) -> str:
    return f"{entry['in_force_from']} to {entry['in_force_until']}" if entry["in_force_until"] \
        else f"from {entry['in_force_from']} (no end date)"


def _text(entry: dict) -> list[str]:
    lines = [f"{entry['id']}: {entry['title']}"]
    if "variant_of" in entry:
        lines.append(f"  variant of {entry['variant_of']}, for comparison only (never recorded)")
        lines.append(f"  reading {entry['reading']['id']}: {entry['reading']['text']}")
    lines.append(f"  in force: {_until(entry)}")
    lines.append(f"  fingerprint: {entry['fingerprint']}")
    lines.append(f"  legal basis: {entry['legal_basis']}")
    lines.append("  criteria: " + ", ".join(c["code"] for c in entry["criteria"]))
    lines.append("  parameters:")
    for p in entry["parameters"]:
        lines.append(f"    {p['name']} = {p['value']} (from {p['effective_from']}; {p['reference']})")
    if entry["draft_parameters"] and "variant_of" not in entry:
        lines.append("  overridable in a draft (dh-audit whatif, docs/whatif.md):")
        for p in entry["draft_parameters"]:
            null = f"; null: {p['null_means']}" if p["null_means"] else ""
            lines.append(f"    {p['name']} = {json.dumps(p['value'])} ({p['kind']}: {p['meaning']}{null};"
                         f" source: {p['reference']})")
    if entry["draft_readings"] and "variant_of" not in entry:
        lines.append("  readings a draft may choose: " + ", ".join(
            f"{r['interpretation']}: {r['english']} ({r['reading']})" for r in entry["draft_readings"]))
    if entry["interpretations"]:
        lines.append("  interpretations:")
        lines.extend(f"    {i['id']}: {i['text']}" for i in entry["interpretations"])
    else:
        lines.append("  interpretations: none")
    if entry["referral_routes"]:
        lines.append("  referral routes:")
        lines.extend(f"    {r['short']}: {r['name']} ({r['code']})" for r in entry["referral_routes"])
    else:
        lines.append("  referral routes: none")
    if entry["evaluation_due"]:
        due = entry["evaluation_due"]
        lines.append(f"  evaluation due: {due['value']} ({due['reference']})")
    return lines


def as_text(data: dict) -> str:
    lines = ["Frameworks in force (the rules a decision is recorded under):", ""]
    for entry in data["frameworks"]:
        lines += [*_text(entry), ""]
    lines += ["Named variants (other readings of an interpretation, for 'compare' only):", ""]
    for entry in data["variants"]:
        lines += [*_text(entry), ""]
    return "\n".join(lines)


@click.command(
    epilog="""\b
Examples:
  dh-audit frameworks
  dh-audit frameworks --json"""
)
@click.option("--json", "as_json", is_flag=True, help="Print the frameworks as JSON (sorted keys).")
def frameworks(as_json):
    """List the frameworks and variants, with rules and fingerprints.

    Everything comes from the rule definitions in decisions/; nothing is read from a ledger.
    """
    data = catalogue()
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(as_text(data), nl=False)


COMMANDS = (frameworks,)
