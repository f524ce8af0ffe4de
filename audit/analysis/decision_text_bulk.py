"""Canonical decision text (`canonical_json(decision_to_data(...))`) of vectorised decisions, in bulk.

`decision_texts` renders the canonical JSON of every decision in a
`decisions.vectorised.VectorDecisions` from string pieces fixed per framework
and the per-case values, without building `Decision` objects or dicts. The
result must be byte-identical to `audit.ledger.canonical.canonical_json` of
`decision_to_data`; `tests/decisions/test_vectorised.py` checks that on the golden corpus,
on random cases and under changed frameworks (odd strings included). Bulk replay
compares it with the stored text, so a difference would show up as a record that
goes the exact way, never as a wrong verdict.
"""

from __future__ import annotations

from itertools import repeat

import attrs
import numpy as np

from decisions.vectorised import BASES, CAP_BASES, NO_AMOUNT, Compiled, VectorDecisions, cents_text

from audit.ledger.canonical import canonical_json


@attrs.frozen
class _Pieces:
    """The fixed text of one framework's decisions, and its variants by value."""

    criterion_heads: tuple[str, ...]  # per criterion: '{"basis":…,"code":…,"observed":'
    criterion_tails: tuple[tuple[str, str], ...]  # per criterion, by passed: ',"passed":…,"required":…}'
    basis: tuple[str, ...]  # by basis code: '{"basis":…,"cap_basis":'
    cap_basis: tuple[str, ...]  # by cap_basis code: '…,"criteria":['
    middle: tuple[str, str]  # by discretionary_exceedance: '],"discretionary_exceedance":…,"interpretations":'
    interpretations: tuple[str, ...]  # by `VectorDecisions.interpretation_code`
    outcome: tuple[str, str]  # by eligible: ',"outcome":…,"referral_routes":'
    routes: tuple[str, str]  # by referred


def _pieces(compiled: Compiled, fingerprint: str) -> _Pieces:
    framework = compiled.framework
    heads, tails = [], []
    for c in compiled.criteria:
        heads.append('{"basis":' + canonical_json(c.basis) + ',"code":' + canonical_json(c.code) + ',"observed":')
        tails.append(tuple(
            ',"passed":' + canonical_json(passed) + ',"required":' + canonical_json(c.required) + "}"
            for passed in (False, True)
        ))
    fixed = ',"framework":' + canonical_json(framework.id) + ',"framework_fingerprint":' + canonical_json(fingerprint)
    return _Pieces(
        criterion_heads=tuple(heads),
        criterion_tails=tuple(tails),
        basis=tuple('{"basis":' + canonical_json(b) + ',"cap_basis":' for b in BASES),
        cap_basis=tuple(canonical_json(b) + ',"criteria":[' for b in CAP_BASES),
        middle=tuple(
            '],"discretionary_exceedance":' + canonical_json(flag) + fixed + ',"interpretations":'
            for flag in (False, True)
        ),
        interpretations=tuple(
            canonical_json(list(compiled.named(bool(code & 1), bool(code & 2), bool(code & 4)))) + ',"max_amount_eur":'
            for code in range(8)
        ),
        outcome=tuple(',"outcome":' + canonical_json(o) + ',"referral_routes":' for o in ("not_eligible", "eligible")),
        routes=("[]}", canonical_json(list(compiled.referral_routes)) + "}"),
    )


def decision_texts(decided: VectorDecisions, fingerprint: str) -> list[str]:
    """The canonical JSON text of each decision, in order."""
    pieces = _pieces(decided.compiled, fingerprint)
    n = len(decided)
    columns: list = [
        [b + c for b, c in zip(_pick(pieces.basis, decided.basis), _pick(pieces.cap_basis, decided.cap_basis))]
    ]
    for j, (head, tail, observed) in enumerate(zip(pieces.criterion_heads, pieces.criterion_tails, decided.observed)):
        columns.append(repeat(head if j == 0 else "," + head, n))
        if observed.kind == "label":
            columns.append(_pick(tuple(canonical_json(label) for label in observed.labels), observed.values))
        else:
            columns.append(['"' + text + '"' for text in observed.texts()])
        columns.append(_pick(tail, decided.passed[:, j]))
    columns.append(_pick(pieces.middle, decided.discretionary_exceedance))
    columns.append(_pick(pieces.interpretations, decided.interpretation_code()))
    columns.append(["null" if c == NO_AMOUNT else '"' + cents_text(c) + '"' for c in decided.max_amount_cents.tolist()])
    columns.append(_pick(pieces.outcome, decided.eligible))
    columns.append(_pick(pieces.routes, decided.referred))
    join = "".join
    return [join(parts) for parts in zip(*columns)]


def _pick(texts: tuple[str, ...], codes: np.ndarray) -> list[str]:
    """The text for each code (a bool or small int array)."""
    return [texts[code] for code in codes.tolist()]
