"""A framework's fingerprint: SHA-256 over its definition and the code that gives it behaviour.

The definition is the framework's data (criteria, parameters, bases) in
canonical JSON. The code is the per-case source of every class the framework
uses and of `decide`, tokenised so that comments and layout do not count but
any change to logic does.

"Per-case" is defined in one place, `decisions.rules.per_case_source`: a rule
class without its derived forms (`DERIVED_FORMS`: the column form, the cut
points, the boundary classes and the digest its column form was checked
against). Those forms decide no single case, so they are left out: giving a
rule a column form did not change any fingerprint recorded before, and the
column form is guarded by its own digest and by the differential tests
instead (see `decisions.rules`).
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import date
from decimal import Decimal

import attrs

from .decision import FRAMEWORK_LOGIC
from .frameworks import Framework
from .rules import per_case_source

__all__ = ["framework_fingerprint", "normalised_source"]


def normalised_source(obj) -> str:
    """The per-case source of a class or function as a token stream: comments and formatting do not change it."""
    return per_case_source(obj)


def _definition(value):
    if attrs.has(type(value)):
        data = {"__class__": type(value).__qualname__}
        for field in attrs.fields(type(value)):
            data[field.name] = _definition(getattr(value, field.name))
        return data
    if isinstance(value, (tuple, list)):
        return [_definition(v) for v in value]
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _component_classes(framework: Framework) -> list[type]:
    seen: dict[str, type] = {}

    def walk(value):
        if attrs.has(type(value)):
            seen.setdefault(type(value).__qualname__, type(value))
            for field in attrs.fields(type(value)):
                walk(getattr(value, field.name))
        elif isinstance(value, (tuple, list)):
            for v in value:
                walk(v)

    walk(framework)
    return [seen[name] for name in sorted(seen)]


_BY_IDENTITY: dict[tuple[int, tuple], tuple[Framework, str]] = {}
_BY_IDENTITY_MAX = 64


def framework_fingerprint(framework: Framework, logic: tuple = ()) -> str:
    """`sha256:<hex>` over the framework's definition, its classes and the given logic functions.

    Deciding a case asks for its framework's fingerprint every time, so the
    answer is cached by the framework object's identity first (hashing a frozen
    framework costs microseconds), then by equality. The cache keeps the object
    alive, so an id is never reused while its entry exists.
    """
    key = (id(framework), logic)
    hit = _BY_IDENTITY.get(key)
    if hit is not None and hit[0] is framework:
        return hit[1]
    fingerprint = _fingerprint(framework, logic)
    if len(_BY_IDENTITY) >= _BY_IDENTITY_MAX:
        _BY_IDENTITY.clear()
    _BY_IDENTITY[key] = (framework, fingerprint)
    return fingerprint


@functools.lru_cache(maxsize=64)
def _fingerprint(framework: Framework, logic: tuple) -> str:
    code = [normalised_source(cls) for cls in _component_classes(framework)]
    # The decision logic itself is part of every framework.
    code += [normalised_source(fn) for fn in (*FRAMEWORK_LOGIC, *logic)]
    payload = json.dumps(
        {"definition": _definition(framework), "code": code},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()
