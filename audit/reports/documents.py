"""The Dutch reports of replay, comparison and boundary cases, rendered from `templates/`.

Every report is self-contained HTML (inline CSS and SVG; nothing to load) or
Markdown. Nothing in a report depends on the clock or on chance: the same ledger
gives the same bytes. The comparison report shows only counts protected by
`audit.publication.disclosure`; a suppressed count shows as `SUPPRESSED`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from decisions.boundary import BOUNDARY_CLASSES, BoundaryCase
from decisions.evaluate import Decision, decision_from_data
from decisions.fingerprint import framework_fingerprint
from decisions.frameworks import Framework

from audit.reports.analysis_wording import (
    BAND_LABELS,
    CAUSE_LABELS,
    CLASS_LABELS,
    DECISION_BASIS_LABELS,
    DECISION_CAP_LABELS,
    KIND_LABELS,
    REASON_LABELS,
    STATUS_LABELS,
    describe_event_counterfactual,
)
from audit.analysis.boundary import BoundarySummary, Found
from audit.log.checkpoints import describe_checkpoint
from audit.analysis.compare import BANDS, CELLS, GAINS, LOSES
from audit.publication.comparison_tables import (
    CAP_BANDS,
    EXCEEDANCE,
    I1,
    MATRIX,
    NO,
    REASONS,
    TRANSITIONS,
    YES,
    ProtectedComparison,
)
from audit.publication.disclosure import TOTAL
from audit.reports.rendering import datum, getal, render
from audit.analysis.replay import ReplayResult
from audit.ledger.scan import StoredRecord
from audit.reports.charts import bar_chart
from audit.reports.wording import CRITERION_LABELS, OUTCOME_LABELS, describe_counterfactual, describe_criterion, euro

SUPPRESSED = "·"
GAINS_COLOUR = "#01689b"
LOSSES_COLOUR = "#e17000"
BANDS_COLOUR = "#39870c"


def shown(value: int | None) -> str:
    """A published count, or the suppression mark."""
    return SUPPRESSED if value is None else getal(value)


def tijdstip(timestamp: str) -> str:
    """`2026-03-01T09:30:00.000000Z` as `1 maart 2026, 09:30 UTC`."""
    return f"{datum(timestamp[:10])}, {timestamp[11:16]} UTC"


def _head_text(head: tuple[int, str | None]) -> dict:
    seq, hash_ = head
    return {"head_seq": seq, "head_hash": hash_ or "–"}


# --- replay -----------------------------------------------------------------------------------


def criterion_rows(decision: Decision) -> list[dict]:
    rows = []
    for result in decision.criteria:
        text = describe_criterion(result, decision.framework)
        rows.append(
            {
                "label": CRITERION_LABELS.get(result.code, result.code),
                "passed": result.passed,
                "vraag": text["vraag"],
                "gezien": text["gezien"],
                "nodig": text["nodig"],
                "basis": result.basis,
            }
        )
    return rows


def _json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def replay_report(
    result: ReplayResult,
    stored: StoredRecord,
    history: Sequence[tuple[StoredRecord, ReplayResult]],
    framework: Framework | None,
    other_framework: Framework | None,
    head: tuple[int, str | None],
) -> str:
    """The case replay report: the decision, its criteria, the replay status and the other framework."""
    decision = decision_from_data(json.loads(stored.decision))
    used = set(decision.interpretations)
    other = None
    if result.other is not None and other_framework is not None:
        other = {"framework": other_framework, "decision": result.other, "criteria": criterion_rows(result.other)}
    other_passed = {c.code: c.passed for c in result.other.criteria} if result.other is not None else {}
    return render(
        "replay.html.j2",
        record=stored,
        case=result.case,
        kind_label=KIND_LABELS.get(stored.kind, stored.kind),
        framework=framework,
        decision=decision,
        criteria=criterion_rows(decision),
        interpretations=[i for i in framework.interpretations if i.id in used] if framework else [],
        result=result,
        status_label=STATUS_LABELS[result.status],
        reason_text=REASON_LABELS.get(result.reason_code, result.reason or ""),
        diffs=[
            {"field": d.path, "recorded": _json_text(d.recorded), "replayed": _json_text(d.replayed)}
            for d in result.diffs
        ],
        other=other,
        side_by_side=[
            {"label": CRITERION_LABELS.get(c.code, c.code), "recorded": c.passed, "other": other_passed[c.code]}
            for c in decision.criteria
            if c.code in other_passed
        ],
        history=[
            {
                "seq": s.seq,
                "kind": KIND_LABELS.get(s.kind, s.kind),
                "supersedes": s.supersedes,
                "recorded_at": s.recorded_at,
                "framework": s.framework,
                "outcome": OUTCOME_LABELS.get(json.loads(s.decision).get("outcome"), "onbekend"),
                "status": STATUS_LABELS[r.status],
            }
            for s, r in history
        ],
        basis_labels=DECISION_BASIS_LABELS,
        cap_labels=DECISION_CAP_LABELS,
        tijdstip=tijdstip,
        **_head_text(head),
    )


# --- comparison -------------------------------------------------------------------------------


def _cause_label(key: str) -> str:
    labels = [CAUSE_LABELS.get(code, code) for code in key.split("+")]
    labels = labels[:1] + [label[:1].lower() + label[1:] for label in labels[1:]]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " en " + labels[-1]


def _reason_rows(protected: ProtectedComparison, cell: str) -> dict:
    row = protected.comparison.reasons.get(cell, {})
    if not row:
        return {"rows": [], "total": {"label": "Totaal", "cells": [shown(protected.transition(TOTAL, cell))]}}
    name = REASONS[cell]
    return {
        "rows": [{"label": _cause_label(k), "cells": [shown(protected.count(name, k))]} for k in row],
        "total": {"label": "Totaal", "cells": [shown(protected.count(name, TOTAL))]},
    }


def compare_context(
    protected: ProtectedComparison,
    from_fw: Framework,
    to_fw: Framework,
    head: tuple[int, str | None],
    signed_head: str | None = None,
) -> dict:
    """Everything the comparison report shows, as protected, formatted counts.

    `signed_head` is the Dutch sentence naming the signed checkpoint the figures were
    computed from (`audit.log.checkpoints.describe_checkpoint`).
    """
    comparison = protected.comparison
    municipalities = comparison.municipalities
    count = protected.count
    matrix_labels = {YES: f"In aanmerking onder {from_fw.id}", NO: f"Niet in aanmerking onder {from_fw.id}", TOTAL: "Totaal"}
    changes_chart = bar_chart(
        "Adressen die erbij komen en die afvallen, per gemeente",
        [(m, [protected.transition(m, GAINS), protected.transition(m, LOSES)]) for m in municipalities],
        [("komt erbij", GAINS_COLOUR), ("valt af", LOSSES_COLOUR)],
    )
    bands_chart = bar_chart(
        "Verschil in maximumbedrag voor adressen die in aanmerking blijven",
        [(BAND_LABELS[b], [count(CAP_BANDS, TOTAL, b)]) for b in BANDS],
        [("adressen", BANDS_COLOUR)],
    )
    interpretations = {i.id: i for fw in (from_fw, to_fw) for i in fw.interpretations}
    return {
        "from_fw": from_fw,
        "to_fw": to_fw,
        "from_fingerprint": framework_fingerprint(from_fw),
        "to_fingerprint": framework_fingerprint(to_fw),
        "synthetic": comparison.synthetic,
        "cases_total": shown(count(TRANSITIONS, TOTAL, TOTAL)),
        "cells": {cell: shown(protected.transition(TOTAL, cell)) for cell in CELLS},
        "matrix": [
            {"label": matrix_labels[v], "cells": [shown(count(MATRIX, v, n)) for n in (YES, NO, TOTAL)]}
            for v in (YES, NO, TOTAL)
        ],
        "municipalities": [
            {"label": m, "cells": [shown(protected.transition(m, c)) for c in CELLS] + [shown(count(TRANSITIONS, m, TOTAL))]}
            for m in municipalities
        ],
        "municipalities_total": {
            "label": "Totaal",
            "cells": [shown(protected.transition(TOTAL, c)) for c in CELLS] + [shown(count(TRANSITIONS, TOTAL, TOTAL))],
        },
        "chart_changes": changes_chart,
        "reasons": {"gains": _reason_rows(protected, GAINS), "loses": _reason_rows(protected, LOSES)},
        "bands": [{"label": BAND_LABELS[b], "cells": [shown(count(CAP_BANDS, TOTAL, b))]} for b in BANDS],
        "bands_total": {"label": "Totaal", "cells": [shown(count(CAP_BANDS, TOTAL, TOTAL))]},
        "chart_bands": bands_chart,
        "band_labels": [BAND_LABELS[b] for b in BANDS],
        "bands_by_municipality": [
            {"label": m, "cells": [shown(count(CAP_BANDS, m, b)) for b in BANDS] + [shown(count(CAP_BANDS, m, TOTAL))]}
            for m in municipalities
        ],
        "bands_by_municipality_total": {
            "label": "Totaal",
            "cells": [shown(count(CAP_BANDS, TOTAL, b)) for b in BANDS] + [shown(count(CAP_BANDS, TOTAL, TOTAL))],
        },
        "i1_rows": [{"label": m, "cells": [shown(count(I1, m))]} for m in municipalities],
        "i1_total": {"label": "Totaal", "cells": [shown(count(I1, TOTAL))]},
        "exceedance_rows": [
            {"label": m, "cells": [shown(count(EXCEEDANCE, m, side)) for side in ("voor", "na")]}
            for m in municipalities
        ],
        "exceedance_total": {
            "label": "Totaal", "cells": [shown(count(EXCEEDANCE, TOTAL, side)) for side in ("voor", "na")]
        },
        "interpretations": [interpretations[k] for k in sorted(interpretations)],
        "signed_head": signed_head or describe_checkpoint(None),
        **_head_text(head),
    }


def compare_report_html(
    protected: ProtectedComparison, from_fw: Framework, to_fw: Framework, head, signed_head: str | None = None
) -> str:
    """The comparison report for Parliament-facing use, as self-contained HTML."""
    return render("compare.html.j2", **compare_context(protected, from_fw, to_fw, head, signed_head))


def compare_report_markdown(
    protected: ProtectedComparison, from_fw: Framework, to_fw: Framework, head, signed_head: str | None = None
) -> str:
    """The same report as Markdown (no charts)."""
    return render("compare.md.j2", **compare_context(protected, from_fw, to_fw, head, signed_head))


# --- boundary cases ---------------------------------------------------------------------------


def counterfactual_sentences(case: BoundaryCase) -> list[str]:
    """Dutch sentences completing "De uitkomst zou anders zijn als ...", verified counterfactuals only."""
    sentences = [describe_counterfactual(cf) for cf in case.counterfactuals]
    sentences += [describe_event_counterfactual(e) for e in case.event_counterfactuals]
    return sentences


def _boundary_entry(found: Found) -> dict:
    case = found.case
    sentences = counterfactual_sentences(case)
    return {
        "case_id": case.case_id,
        "seq": found.seq,
        "kind": KIND_LABELS.get(found.kind, found.kind) if found.kind != "assessment" else None,
        "municipality": case.municipality,
        "outcome_code": case.outcome,
        "outcome": OUTCOME_LABELS[case.outcome],
        "failed": [CRITERION_LABELS.get(c, c) for c in case.failed_criteria],
        "class_codes": list(case.classes),
        "classes": [CLASS_LABELS[c] for c in case.classes],
        "sentences": sentences,
        "actionable": bool(sentences),
        "cap_shortfall": None if case.cap_shortfall_eur is None else euro(case.cap_shortfall_eur),
    }


def page_name(stem: str, code: str) -> str:
    """The file name of the page of one class beside the index `stem.html`: `stem-<class>.html`."""
    return f"{stem}-{code.replace('_', '-')}.html"


def _boundary_context(entries: list[dict], framework: Framework) -> dict:
    """Counts per class and per municipality, and the actionable cases grouped by their first class."""
    municipalities = sorted({e["municipality"] for e in entries})
    per_municipality = [
        {
            "name": m,
            "cases": sum(e["municipality"] == m for e in entries),
            "actionable": sum(e["municipality"] == m and e["actionable"] for e in entries),
        }
        for m in municipalities
    ]
    groups = []
    for code in BOUNDARY_CLASSES:
        members = [e for e in entries if e["actionable"] and e["class_codes"][0] == code]
        if members:
            groups.append({"code": code, "label": CLASS_LABELS[code], "cases": members})
    return {
        "framework": framework,
        "fingerprint": framework_fingerprint(framework),
        "class_labels": [(c, CLASS_LABELS[c]) for c in BOUNDARY_CLASSES],
        "outcome_labels": list(OUTCOME_LABELS.items()),
        "municipalities": municipalities,
        "per_municipality": per_municipality,
        "actionable_count": sum(e["actionable"] for e in entries),
        "actionable_by_class": {c: sum(e["actionable"] and c in e["class_codes"] for e in entries) for c in BOUNDARY_CLASSES},
        "groups": groups,
        "group_codes": [g["code"] for g in groups],
        "unflippable": [e for e in entries if not e["actionable"]],
    }


def boundary_report(
    cases: Iterable[Found],
    summary: BoundarySummary,
    framework: Framework,
    cases_scanned: int,
    head: tuple[int, str | None],
) -> str:
    """The boundary dossier for the objections committee, as one self-contained HTML page.

    Summary and contents first, then the actionable cases (one fact flips the outcome)
    grouped by class, then a table of the cases without a single-fact flip. An inline
    script filters by class, municipality and outcome; without it every case shows.
    """
    entries = [_boundary_entry(c) for c in cases]
    return render(
        "boundary.html.j2",
        summary=summary,
        cases_scanned=cases_scanned,
        cases_total=len(entries),
        page=None,
        pages=None,
        **_boundary_context(entries, framework),
        **_head_text(head),
    )


def boundary_pages(
    cases: Iterable[Found],
    summary: BoundarySummary,
    framework: Framework,
    cases_scanned: int,
    head: tuple[int, str | None],
    stem: str,
) -> tuple[str, dict[str, str]]:
    """The boundary dossier for a large population: an index page and `{file name: page}` for every class.

    The index holds the summary and links to the pages; the page of a class holds every
    case in that class (a case in two classes is on both pages).
    """
    entries = [_boundary_entry(c) for c in cases]
    links = [
        {"code": code, "label": CLASS_LABELS[code], "file": page_name(stem, code), "cases": summary.by_class[code]}
        for code in BOUNDARY_CLASSES
        if summary.by_class[code]
    ]
    common = {"summary": summary, "cases_scanned": cases_scanned, "pages": links, **_head_text(head)}
    index = render(
        "boundary.html.j2", cases_total=len(entries), page=None,
        **(_boundary_context(entries, framework) | {"groups": [], "group_codes": [], "unflippable": []}), **common,
    )
    pages = {}
    for link in links:
        members = [e for e in entries if link["code"] in e["class_codes"]]
        context = _boundary_context(members, framework)
        actionable = [e for e in members if e["actionable"]]
        context["groups"] = [{"code": link["code"], "label": link["label"], "cases": actionable}] if actionable else []
        context["group_codes"] = [g["code"] for g in context["groups"]]
        pages[link["file"]] = render(
            "boundary.html.j2", cases_total=len(members), page=link, index=False, index_file=f"{stem}.html",
            **context, **common,
        )
    return index, pages
