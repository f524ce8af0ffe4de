"""The boundary dossier the objections committee works with (issue 17): summary first, actionable cases first,
the rest as a table, an offline filter that selects what `dh-audit boundary --class --municipality` selects, and
one page per class for a large population. Rendered and used in real headless Chromium."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit.cli import main
from decisions.boundary import BOUNDARY_CLASSES
from tests.support.browser import open_page

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
N_CASES = 1500
VIEWPORT_HEIGHT = 900


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    """A synthetic ledger with boundary cases of both kinds, its dossier, and the cases as the CLI lists them."""
    folder = tmp_path_factory.mktemp("boundary")
    cases, db, html = folder / "cases.jsonl", folder / "ledger.db", folder / "grensgevallen.html"
    assert run("synth", "--n", N_CASES, "--seed", 3, "--out", cases).exit_code == 0
    assert run("record", "--db", db, cases).exit_code == 0
    made = run("boundary", "--db", db, "--html", html)
    assert made.exit_code == 0, made.output
    listed = run("boundary", "--db", db, "--json")
    data = json.loads(listed.stdout)
    actionable = [c for c in data["cases"] if c["counterfactuals"] or c["event_counterfactuals"]]
    assert 0 < len(actionable) < len(data["cases"])  # both kinds occur, or the tests below prove little
    return folder, db, html, data


def _flips(case: dict) -> bool:
    return bool(case["counterfactuals"] or case["event_counterfactuals"])


def test_summary_then_actionable_cases_by_class_then_a_table_of_the_rest(population):
    _, _, html_path, data = population
    html = html_path.read_text(encoding="utf-8")
    cases = data["cases"]
    actionable = [c for c in cases if _flips(c)]
    overview, cards, table = html.index('id="overzicht"'), html.index('<section class="case"'), html.index(
        'id="zonder-omslag-tabel"')
    assert html.index('class="toc"') < overview < cards < table
    assert "Vertrouwelijk: dit overzicht noemt dossiernummers." in html
    # One card per actionable case, each stating its smallest change; one table row per other case.
    card_ids = re.findall(r'<section class="case"[^>]*>\n<h4>Dossier (\S+) ', html)
    assert sorted(card_ids) == sorted(c["case_id"] for c in actionable)
    assert html.count("<strong>Kleinste verandering:</strong> de uitkomst zou anders zijn als ") == len(actionable)
    rows = re.findall(r'<tr data-classes="[^"]*"[^>]*><td class="mono">([^<]+)</td>', html)
    assert sorted(rows) == sorted(c["case_id"] for c in cases if not _flips(c))
    assert "Er is niet één feit dat de uitkomst kan veranderen" not in html
    # Cards are grouped by their first class, in the order of the classes.
    first_class = {c["case_id"]: c["classes"][0] for c in cases}
    order = [BOUNDARY_CLASSES.index(first_class[i]) for i in card_ids]
    assert order == sorted(order)
    # Counts per municipality: all cases and actionable ones.
    for name, n in Counter(c["municipality"] for c in cases).items():
        m = sum(_flips(c) for c in actionable if c["municipality"] == name)
        assert f'<tr><th>{name}</th><td class="n">{n}</td><td class="n">{m}</td></tr>' in html


def _visible_ids(selection: dict) -> str:
    """JavaScript: set the filter, then list the case ids still visible (cards and table rows)."""
    steps = "".join(
        f'document.getElementById("filter-{key}").value = {json.dumps(value)};' for key, value in selection.items()
    )
    return (
        "(() => {" + steps
        + 'document.getElementById("filter").dispatchEvent(new Event("change"));'
        + 'return Array.from(document.querySelectorAll("[data-classes]")).filter(e => e.offsetParent !== null)'
        + '.map(e => e.matches("section") ? e.querySelector("h4").textContent.split(" ")[1]'
        + ' : e.querySelector("td").textContent);})()'
    )


def test_the_filter_in_chromium_selects_what_the_cli_selects(population):
    folder, db, html, data = population
    busiest = Counter(c["municipality"] for c in data["cases"]).most_common(1)[0][0]
    selections = [
        {"class": "pgv_one_event_short", "municipality": busiest, "outcome": ""},
        {"class": "fails_one_criterion", "municipality": "", "outcome": ""},
        {"class": "", "municipality": "", "outcome": "eligible"},
        {"class": "", "municipality": "", "outcome": ""},
    ]
    first_card = (
        '(() => { const c = document.querySelector("section.case");'
        ' return [c.getBoundingClientRect().top + window.scrollY, c.querySelector(".change") !== null]; })()'
    )
    page = open_page(
        html, screenshot=ARTIFACTS / "boundary_filtered.png", region=(0, VIEWPORT_HEIGHT),
        evaluate=(first_card, *(_visible_ids(s) for s in selections),
                  'document.getElementById("filter-count").textContent'),
    )
    assert page.errors == [] and page.external_requests == []
    top, states_change = page.values[0]
    assert states_change and top < 1.4 * VIEWPORT_HEIGHT  # the first actionable case is on the first screens
    for selection, visible in zip(selections, page.values[1:]):
        expected = [
            c["case_id"] for c in data["cases"]
            if (not selection["class"] or selection["class"] in c["classes"])
            and (not selection["municipality"] or c["municipality"] == selection["municipality"])
            and (not selection["outcome"] or c["outcome"] == selection["outcome"])
        ]
        assert sorted(visible) == sorted(expected), selection
        args = ["boundary", "--db", db, "--json"]
        if selection["class"]:
            args += ["--class", selection["class"]]
        if selection["municipality"]:
            args += ["--municipality", selection["municipality"]]
        if not selection["outcome"]:
            cli = json.loads(run(*args).stdout)
            assert sorted(c["case_id"] for c in cli["cases"]) == sorted(visible), selection
            assert cli["summary"]["boundary_cases"] == len(visible)
    assert page.values[-1] == f"{len(data['cases']):,}".replace(",", ".") + " adressen getoond."
    assert 0 < len(page.values[1]) < len(page.values[4])  # the filter really hid something


@pytest.mark.parametrize(
    "option, value, valid",
    [("--class", "pgv_two_events_short", "fails_one_criterion, pgv_one_event_short"),
     ("--municipality", "groningen", "Eemsdelta, Groningen, Het Hogeland")],
)
def test_an_unknown_class_or_municipality_is_refused_naming_the_valid_values(population, tmp_path, option, value, valid):
    _, db, _, _ = population
    out = tmp_path / "g.html"
    result = run("boundary", "--db", db, option, value, "--json", "--html", out)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {option}: unknown") and valid in lines[0], result.output
    assert list(tmp_path.iterdir()) == []


def test_a_large_population_gets_an_index_page_and_one_page_per_class(population, tmp_path):
    _, db, _, data = population
    index = tmp_path / "grensgevallen.html"
    made = run("boundary", "--db", db, "--html", index, "--pages-above", 100)
    assert made.exit_code == 0, made.output
    counts = Counter(c for case in data["cases"] for c in case["classes"])
    expected = {f"grensgevallen-{code.replace('_', '-')}.html": code for code in BOUNDARY_CLASSES if counts[code]}
    assert {p.name for p in tmp_path.iterdir()} == {index.name, *expected}
    text = index.read_text(encoding="utf-8")
    assert "<section" not in text and "<script" not in text
    for name, code in expected.items():
        assert f'<a href="{name}">' in text
        page = (tmp_path / name).read_text(encoding="utf-8")
        shown = re.findall(r'data-classes="([^"]*)"', page)
        assert len(shown) == counts[code] and all(code in s.split() for s in shown)
        assert '<a href="grensgevallen.html">Terug naar het overzicht' in page
    biggest = max(expected, key=lambda n: counts[expected[n]])
    rendered = open_page(tmp_path / biggest, evaluate=(_visible_ids({"outcome": "eligible"}),))
    assert rendered.errors == []
    assert sorted(rendered.values[0]) == sorted(
        c["case_id"] for c in data["cases"] if expected[biggest] in c["classes"] and c["outcome"] == "eligible")
    # Below the threshold: one page, nothing beside it.
    single = tmp_path / "single"
    single.mkdir()
    assert run("boundary", "--db", db, "--html", single / "g.html").exit_code == 0
    assert [p.name for p in single.iterdir()] == ["g.html"]


def test_a_risky_page_beside_the_index_is_refused_and_nothing_is_written(population, tmp_path):
    _, db, _, _ = population
    (tmp_path / "g-pgv-one-event-short.html").symlink_to(db)
    result = run("boundary", "--db", db, "--html", tmp_path / "g.html", "--pages-above", 10)
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith(f"error: --html: {tmp_path}/g-pgv-one-event-short.html")
    assert [p.name for p in tmp_path.iterdir()] == ["g-pgv-one-event-short.html"]
    (tmp_path / "g-pgv-one-event-short.html").unlink()
    notes = tmp_path / "g-woz-binds-cap.html"
    notes.write_text("mijn aantekeningen\n")
    result = run("boundary", "--db", db, "--html", tmp_path / "g.html", "--pages-above", 10, "--force")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        f"error: --html: {notes} exists and is not a HTML report made by dh-audit; it is never replaced "
        "(choose another path)")
    assert [p.name for p in tmp_path.iterdir()] == [notes.name] and notes.read_text() == "mijn aantekeningen\n"
