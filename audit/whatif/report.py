"""The internal Dutch what-if report (HTML and Markdown), rendered from templates/whatif.*.j2.

Internal: the figures are exact counts and sums, not protected by disclosure
control, and every page says "Intern, niet publiceren". Publishing goes through
the release (docs/publication.md), never through this report.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from decisions.drafts import COUNT, DATE, Draft, Overridable, overridable, parameter_value
from decisions.fingerprint import framework_fingerprint
from decisions.variants import READINGS

from audit.analysis.transitions import CELLS, GAINS, LOSES, STAYS_ELIGIBLE, STAYS_INELIGIBLE
from audit.reports.analysis_wording import CAUSE_LABELS
from audit.reports.rendering import datum, getal, render
from audit.whatif.chart import sweep_chart
from audit.whatif.evaluate import MAXIMUM_BANDS, NO_MAXIMUM, QUANTILES, Sweep, WhatIf

PARAMETER_LABELS = {
    "area.min_events": "Minimaal aantal bevingen van 5 mm/s of meer vóór 2026 (kerngebied)",
    "damage_threshold.amount": "Drempelbedrag voor de schade",
    "cap.statutory_max": "Hoogste maximumbedrag (plafond)",
    "cap.floor": "Ondergrens van het maximumbedrag",
    "cap.standard_max": "Standaard maximumbedrag in de pilot",
    "transitional.dossier_opened_before": "Bestaande dossiers worden afgemaakt als ze geopend zijn vóór",
}
NULL_LABELS = {"cap.statutory_max": "geen plafond", "cap.floor": "geen ondergrens"}
CELL_LABELS = {
    STAYS_ELIGIBLE: "Blijft in aanmerking", GAINS: "Komt erbij", LOSES: "Valt af", STAYS_INELIGIBLE: "Blijft buiten",
}
BAND_LABELS = {
    "up_to_125k": "tot en met € 125.000",
    "125k_to_250k": "€ 125.000 tot en met € 250.000",
    "250k_to_500k": "€ 250.000 tot en met € 500.000",
    "over_500k": "meer dan € 500.000",
    NO_MAXIMUM: "geen maximum (rijksmonument)",
}
QUANTILE_LABELS = {"p10": "10% heeft hoogstens", "p25": "25% heeft hoogstens", "median": "de helft heeft hoogstens",
                   "p75": "75% heeft hoogstens", "p90": "90% heeft hoogstens"}
MINUS = "−"


def euro_whole(amount: str | None) -> str:
    """€ 125.000 (whole euros, rounded half up); a dash for none."""
    if amount is None:
        return "–"
    value = Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    sign = MINUS if value < 0 else ""
    return f"{sign}€ {getal(abs(value))}"


def signed(value: int | None) -> str:
    if value is None:
        return "–"
    return f"+{getal(value)}" if value > 0 else (f"{MINUS}{getal(-value)}" if value < 0 else "0")


def signed_euro(amount: str | None) -> str:
    if amount is None:
        return "–"
    value = Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if value == 0:
        return "€ 0"
    return ("+" if value > 0 else MINUS) + euro_whole(str(abs(value)))


def _shown_value(spec: Overridable, written: object) -> str:
    if written is None:
        return NULL_LABELS.get(spec.name, "geen")
    if spec.kind == COUNT:
        return getal(written)
    if spec.kind == DATE:
        return datum(date.fromisoformat(str(written)))
    return euro_whole(str(written))


def changes(draft: Draft) -> dict:
    """The parameter and interpretation changes of a draft, in Dutch."""
    specs = {spec.name: (spec, current) for spec, current in overridable(draft.base)}
    rows = []
    for name, written in draft.data()["parameters"].items():
        spec, current = specs[name]
        rows.append({"label": PARAMETER_LABELS[name], "name": name,
                     "before": _shown_value(spec, parameter_value(current, spec)),
                     "after": _shown_value(spec, written)})
    readings = [{"id": i, "reading": reading, "text": READINGS[reading].text} for i, reading in draft.interpretations]
    return {"parameters": rows, "readings": readings}


def _cost_rows(base: dict, draft: dict, change: dict) -> list[dict]:
    def count(*path):
        b, d, c = (_get(x, path) for x in (base, draft, change))
        return [getal(b), getal(d), signed(c)]

    def money(*path):
        b, d, c = (_get(x, path) for x in (base, draft, change))
        return [euro_whole(b), euro_whole(d), signed_euro(c)]

    return [
        {"label": "Adressen in aanmerking", "cells": count("eligible")},
        {"label": "Som van de maximumbedragen", "cells": money("maximum", "sum_eur")},
        {"label": "Verwachte uitbetaling", "cells": money("expected_payout_eur")},
        {"label": "In aanmerking, maar nog zonder kostenraming", "cells": count("cases_without_estimate")},
        {"label": "In aanmerking zonder maximum (rijksmonument)", "cells": count("no_maximum_cases")},
        {"label": "Uitzondering nodig (kosten boven het maximum)", "cells": count("discretionary_exception", "cases")},
        {"label": "Kosten boven het maximum, samen", "cells": money("discretionary_exception", "above_maximum_eur")},
    ]


def _get(data: dict, path: tuple[str, ...]):
    for key in path:
        data = data[key]
    return data


def _reason_rows(result: WhatIf, cell: str) -> list[dict]:
    rows = result.comparison.reasons.get(cell, {})
    return [{"label": _cause_label(key), "n": getal(n)} for key, n in sorted(rows.items(), key=lambda kv: (-kv[1], kv[0]))]


def _cause_label(key: str) -> str:
    labels = [CAUSE_LABELS.get(code, code) for code in key.split("+")]
    labels = labels[:1] + [label[:1].lower() + label[1:] for label in labels[1:]]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " en " + labels[-1]


def _draft_context(result: WhatIf) -> dict:
    comparison = result.comparison
    base, draft, change = result.cost_base, result.cost_draft, result.cost_change
    municipalities = [
        {
            "label": name,
            "cells": [getal(row[c]) for c in CELLS] + [getal(sum(row.values()))],
            "cost": [getal(result.cost_by_municipality[name]["base"]["eligible"]),
                     getal(result.cost_by_municipality[name]["draft"]["eligible"]),
                     euro_whole(result.cost_by_municipality[name]["base"]["expected_payout_eur"]),
                     euro_whole(result.cost_by_municipality[name]["draft"]["expected_payout_eur"]),
                     signed_euro(result.cost_by_municipality[name]["change"]["expected_payout_eur"])],
        }
        for name, row in comparison.by_municipality.items()
    ]
    cells = comparison.cells
    eligible_before = cells[STAYS_ELIGIBLE] + cells[LOSES]
    eligible_after = cells[STAYS_ELIGIBLE] + cells[GAINS]
    return {
        "cases_total": getal(comparison.cases),
        "cells": {c: getal(cells[c]) for c in CELLS},
        "matrix": [
            {"label": "In aanmerking onder de geldende regels",
             "cells": [getal(cells[STAYS_ELIGIBLE]), getal(cells[LOSES]), getal(eligible_before)]},
            {"label": "Niet in aanmerking onder de geldende regels",
             "cells": [getal(cells[GAINS]), getal(cells[STAYS_INELIGIBLE]),
                       getal(cells[GAINS] + cells[STAYS_INELIGIBLE])]},
            {"label": "Totaal", "cells": [getal(eligible_after), getal(cells[LOSES] + cells[STAYS_INELIGIBLE]),
                                          getal(comparison.cases)]},
        ],
        "municipalities": municipalities,
        "municipalities_total": {"label": "Totaal", "cells": [getal(cells[c]) for c in CELLS] + [getal(comparison.cases)]},
        "reasons": {GAINS: _reason_rows(result, GAINS), LOSES: _reason_rows(result, LOSES)},
        "cost_rows": _cost_rows(base, draft, change),
        "bands": [
            {"label": BAND_LABELS[name], "cells": [getal(base["maximum"]["bands"][name]),
                                                   getal(draft["maximum"]["bands"][name]),
                                                   signed(change["maximum"]["bands"][name])]}
            for name in [n for n, _ in MAXIMUM_BANDS] + [NO_MAXIMUM]
        ],
        "quantiles": [
            {"label": QUANTILE_LABELS[q], "cells": [euro_whole(base["maximum"]["quantiles"][q]),
                                                    euro_whole(draft["maximum"]["quantiles"][q])]}
            for q, _ in QUANTILES
        ],
    }


def _sweep_context(result: Sweep) -> dict:
    spec = next(s for s, _ in overridable(result.base) if s.name == result.parameter)
    labels = [_shown_value(spec, p.value) for p in result.points]
    eligible = [p.result.cost_draft["eligible"] for p in result.points]
    payout = [p.result.cost_draft["expected_payout_eur"] for p in result.points]
    base_eligible, base_payout = result.base_cost["eligible"], result.base_cost["expected_payout_eur"]
    chart = sweep_chart(
        f"{PARAMETER_LABELS[result.parameter]}: adressen in aanmerking en verwachte uitbetaling per waarde",
        labels, eligible, [getal(v) for v in eligible], [float(Decimal(v)) for v in payout],
        [euro_whole(v) for v in payout], base_eligible, getal(base_eligible), float(Decimal(base_payout)),
        euro_whole(base_payout), [p.is_base for p in result.points],
    )
    rows = [
        {
            "value": label, "is_base": p.is_base,
            "cells": [getal(p.result.cost_draft["eligible"]), signed(p.result.cost_change["eligible"]),
                      getal(p.result.comparison.cells[GAINS]), getal(p.result.comparison.cells[LOSES]),
                      euro_whole(p.result.cost_draft["expected_payout_eur"]),
                      signed_euro(p.result.cost_change["expected_payout_eur"]),
                      getal(p.result.cost_draft["discretionary_exception"]["cases"])],
        }
        for label, p in zip(labels, result.points)
    ]
    return {
        "parameter": result.parameter,
        "parameter_label": PARAMETER_LABELS[result.parameter],
        "base_value": _shown_value(spec, result.base_value),
        "base_eligible": getal(base_eligible),
        "base_payout": euro_whole(base_payout),
        "rows": rows,
        "chart": chart,
        "cases_total": getal(result.points[0].result.comparison.cases),
    }


def whatif_context(result: WhatIf | Sweep, head: tuple[int, str | None]) -> dict:
    """Everything the report shows, formatted the Dutch way (1.000; € 125.000)."""
    is_sweep = isinstance(result, Sweep)
    first = result.points[0].result if is_sweep else result
    draft = first.draft
    changed = changes(draft)
    if is_sweep:  # the swept parameter has its own table
        changed["parameters"] = [row for row in changed["parameters"] if row["name"] != result.parameter]
    return {
        "base": draft.base,
        "draft": draft,
        "label": draft.label or f"Concept op basis van {draft.base.id}",
        "changes": changed,
        "synthetic": first.comparison.synthetic,
        "single": None if is_sweep else _draft_context(result),
        "sweep": _sweep_context(result) if is_sweep else None,
        "base_fingerprint": framework_fingerprint(draft.base),
        "draft_fingerprint": draft.fingerprint,
        "head_seq": getal(head[0]),
        "head_hash": head[1] or "–",
    }


def whatif_report_html(result: WhatIf | Sweep, head: tuple[int, str | None]) -> str:
    return render("whatif.html.j2", **whatif_context(result, head))


def whatif_report_markdown(result: WhatIf | Sweep, head: tuple[int, str | None]) -> str:
    return render("whatif.md.j2", **whatif_context(result, head))
