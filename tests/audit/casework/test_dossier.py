"""The committee dossier: Dutch, self-contained, escaped, and byte-stable on a fixed ledger (golden file)."""

from __future__ import annotations

import re
from datetime import date

import attrs
import pytest

from tests.support.casework_helpers import open_casework, record
from tests.support.cases import case_data
from audit.casework.dossier import render_dossier
from audit.errors import BadInput
from audit.ledger import Entry
from audit.casework.objections import decide_objection, extend_objection, file_objection
from audit.casework.referrals import decide_referral, file_referral
from decisions.evaluate import evaluate
from decisions.inputs import parse_case

# Decided under pilot-2024 on 2 June 2025: reinforcement area, recognised damage € 14.000 (just
# below € 15.000). Under 2026 it has 3 PGV events: one short of the kerngebied.
CONTESTED = dict(
    case_id="DOS-1", municipality="Midden-Groningen", assessed_on="2025-06-02", in_pilot_area=False,
    in_reinforcement_area=True, pgv_5mms_events=3, recognised_damage_eur="14000.00",
    unsettled_damage_eur="2500.00", structural_damage_eur="6000.00", estimated_cost_eur="90000.00",
)
TODAY = date(2026, 1, 15)  # the day the dossiers judge the decision term on
TEXT = "Er is meer schade erkend dan in het besluit staat.\n<script>alert('x')</script> & Één brief."


def build(path):
    """A small fixed ledger: an upheld objection with an extension, on fixed clocks and ids."""
    cw = open_casework(path)
    seq = record(cw, **CONTESTED)
    record(cw, case_id="DOS-2", pgv_5mms_events=5)  # another case, not in this dossier
    objection = file_objection(
        cw, seq=seq, sent_on=date(2025, 6, 5), received_on=date(2025, 7, 1), committee_hears=True,
        grounds=["damage_threshold"], text=TEXT, actor="r.devries",
    )
    extend_objection(cw, objection.id, notified_on=date(2025, 10, 1), actor="r.devries")
    decide_objection(
        cw, objection.id, outcome="upheld", decided_on=date(2025, 11, 3), actor="m.jansen",
        corrected_facts=parse_case(case_data(**{**CONTESTED, "recognised_damage_eur": "15500.00"})),
    )
    return cw, objection.id


def test_dossier_golden(tmp_path, file_regression):
    cw, objection_id = build(tmp_path / "golden.db")
    html = render_dossier(cw, objection_id, TODAY)
    file_regression.check(html, extension=".html", encoding="utf-8")


def test_dossier_is_the_same_for_the_same_ledger(tmp_path):
    first, objection_id = build(tmp_path / "a.db")
    second, _ = build(tmp_path / "b.db")
    assert render_dossier(first, objection_id, TODAY) == render_dossier(second, objection_id, TODAY) == render_dossier(
        first, objection_id, TODAY
    )


def test_dossier_holds_every_part_in_dutch(tmp_path):
    cw, objection_id = build(tmp_path / "ledger.db")
    html = render_dossier(cw, objection_id, TODAY)
    for text in (
        "Bezwaar 1 tegen besluit 1",
        "het bezwaar is <strong>gegrond</strong>",
        # the contested decision and its replay under pilot-2024
        "Gereproduceerd.",
        "Hoeveel erkende bevingsschade is er op het adres?",
        # the outcome under 2026, with its hardship routes
        "Uitkomst onder de huidige regels (2026)",
        "Interventieteam Vastgelopen Situaties of Commissie Bijzondere Situaties",
        # boundary classes and counterfactuals under both frameworks
        "Schadebedrag net onder de drempel (minder dan 10% eronder)",
        "Eén beving van 5 mm/s of meer te weinig",
        "er € 1.000,00 meer erkende bevingsschade was (€ 15.000,00 in totaal): dan komt het adres wel in aanmerking",
        # The timeline. Sent Thursday 5 June 2025; + 84 days = Thursday 28 August 2025, a working
        # day. Committee: + 84 days = Thursday 20 November 2025. Extension: + 42 days = Thursday
        # 1 January 2026 (Nieuwjaarsdag), then Friday 2 January (designated day), Saturday, Sunday:
        # Monday 5 January 2026.
        "<th>Besluit verzonden</th><td>5 juni 2025</td>",
        "<th>Bezwaar ontvangen</th><td>1 juli 2025</td>",
        "<th>Laatste dag van de bezwaartermijn</th><td>28 augustus 2025</td>",
        "<th>Uiterste datum voor de beslissing</th><td>20 november 2025</td>",
        "<th>Beslistermijn verlengd tot</th><td>5 januari 2026</td>",
        "<th>Beslist op</th><td>3 november 2025</td>",
        "Opnieuw berekend komen ze precies zo uit.",
        # the supersession chain
        "bestreden besluit",
        "besluit op dit bezwaar",
    ):
        assert text in html, text
    assert "DOS-2" not in html


def test_the_free_text_is_escaped_and_nothing_is_loaded_from_elsewhere(tmp_path):
    cw, objection_id = build(tmp_path / "ledger.db")
    html = render_dossier(cw, objection_id, TODAY)
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Één brief." in html
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert "http://" not in html and "https://" not in html and "src=" not in html


def test_an_open_late_objection_with_a_referral_on_the_case(tmp_path):
    cw = open_casework(tmp_path / "ledger.db")
    seq = record(cw, case_id="DOS-3", pgv_5mms_events=2)
    objection = file_objection(
        cw, seq=seq, sent_on=date(2026, 2, 17), received_on=date(2026, 5, 20), committee_hears=False,
        grounds=[], text="Alleen tekst.", actor="r.devries",
    )
    referral = file_referral(cw, seq=seq, route="cbs", referred_on=date(2026, 3, 1), actor="r.bakker")
    html = render_dossier(cw, objection.id, TODAY)
    assert "in behandeling" in html and "nog niet genomen" in html
    assert "Nee, het bezwaar is 8 dagen te laat ontvangen." in html  # period ended Tuesday 12 May 2026
    assert "6 weken, omdat er geen adviescommissie is" in html
    assert "De indiener noemt geen bepaalde voorwaarde." in html
    assert "Dit besluit is genomen met de regels die nu gelden" in html
    assert "Verwijzingen naar een hardheidsroute" in html and "Commissie Bijzondere Situaties" in html
    decide_referral(cw, referral.id, granted=True, decided_on=date(2026, 4, 1), actor="r.bakker")
    html = render_dossier(cw, objection.id, TODAY)
    assert "toegekend" in html and "uitzonderingsbesluit" in html and "€ 245.000,00" in html


def test_a_dossier_of_an_unknown_objection_is_bad_input(tmp_path):
    cw = open_casework(tmp_path / "ledger.db")
    with pytest.raises(BadInput, match="no objection with id 3"):
        render_dossier(cw, 3, TODAY)


def test_a_decision_that_no_longer_replays_is_marked_afwijkend(tmp_path):
    cw = open_casework(tmp_path / "ledger.db")
    case = parse_case(case_data(case_id="DOS-4", pgv_5mms_events=3))
    wrong = attrs.evolve(evaluate(case), referral_routes=())  # as if recorded by an older, buggy engine
    (seq,) = cw.ledger.append_entries([Entry(case, wrong)])
    objection = file_objection(
        cw, seq=seq, sent_on=date(2026, 2, 17), received_on=date(2026, 3, 2), committee_hears=True,
        grounds=["area"], text=None, actor="r.devries",
    )
    html = render_dossier(cw, objection.id, TODAY)
    assert "<strong>Afwijkend.</strong>" in html and "Gereproduceerd" not in html
    assert '<td class="mono">referral_routes[0]</td>' in html


def test_the_dossier_and_objection_list_say_the_same_about_the_term(tmp_path):
    from audit.casework.objections import all_objections

    cw = open_casework(tmp_path / "ledger.db")
    seq = record(cw, case_id="DOS-5", pgv_5mms_events=2)
    objection = file_objection(
        cw, seq=seq, sent_on=date(2026, 2, 17), received_on=date(2026, 3, 2), committee_hears=False,
        grounds=["area"], text=None, actor="r.devries",
    )
    due = objection.timeline.final_due
    assert due == date(2026, 6, 23)
    within = render_dossier(cw, objection.id, due)
    assert "<th>Beslistermijn op 23 juni 2026</th><td>loopt nog, tot en met 23 juni 2026</td>" in within
    late_day = date(2026, 10, 12)
    (listed,) = all_objections(cw)
    assert listed.term_status(late_day).describe() == "open, OVERDUE by 111 days"
    late = render_dossier(cw, objection.id, late_day)
    assert ('<td><span class="no">verstreken op 23 juni 2026: de beslissing is 111 dagen te laat</span></td>'
            in late)
    assert "in behandeling" in late  # the status; the term row says it is overdue


def test_the_outcome_under_the_current_rules_states_outcome_maximum_and_reason(tmp_path):
    cw = open_casework(tmp_path / "ledger.db")
    eligible = record(cw, case_id="DOS-6", pgv_5mms_events=5)
    objection = file_objection(
        cw, seq=eligible, sent_on=date(2026, 2, 17), received_on=date(2026, 3, 2), committee_hears=False,
        grounds=[], text="Het maximum is te laag.", actor="r.devries",
    )
    html = render_dossier(cw, objection.id, TODAY)
    section = html.split("Uitkomst onder de huidige regels (2026)</h2>")[1].split("<h2>")[0]
    assert "De uitkomst staat hierboven" not in html
    assert "Uitkomst: <strong>komt in aanmerking</strong>." in section
    assert re.search(r"Maximumbedrag: <strong>€ [0-9.]+,00</strong> \(.+\)\.", section), section
    assert "Reden: het adres voldoet aan alle voorwaarden" in section


def test_counterfactual_amounts_are_whole_euros(tmp_path):
    cw = open_casework(tmp_path / "ledger.db")
    seq = record(cw, **{**CONTESTED, "case_id": "DOS-7", "recognised_damage_eur": "14999.99"})
    objection = file_objection(
        cw, seq=seq, sent_on=date(2025, 6, 5), received_on=date(2025, 7, 1), committee_hears=True,
        grounds=["damage_threshold"], text=None, actor="r.devries",
    )
    html = render_dossier(cw, objection.id, TODAY)
    assert "€ 0,01" not in html
    assert "er € 1,00 meer erkende bevingsschade was (€ 15.000,99 in totaal)" in html
