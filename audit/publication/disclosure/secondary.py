"""Secondary suppression over all tables together (deterministic).

1. Start from the primary suppressions (:func:`audit.publication.disclosure.rules.primary_suppression`).
2. *Coupling*: a suppressed contributor count suppresses its amount cell, and a
   zero that only published empty groups implied (rule (c) of
   :mod:`audit.publication.disclosure.rules`) is suppressed as a revealing zero once all
   those groups' margins are suppressed.
3. *Plan*: every suppressed cell that needs protection and has no witness yet, in
   table and key order, gets the cheapest plan of :class:`audit.publication.disclosure.plan.Planner`:
   its published cells are suppressed, and the cells the plan moves are the
   cell's witness. The cells suppressed for one cell are nearly free for the
   next. A witness stays valid while its cells stay suppressed, so each cell is
   planned once. A plan that falls short once a count's bounds are rounded
   inward is made again 2 wider, which always suffices. An amount cell without
   contributions needs no protection: its sum is 0 whatever is published.
4. *Lone cells*: an equality relation with exactly one suppressed cell would give
   that cell away by differencing, to within the rounding of the published amounts
   in it. A count is then never protected, so it has been planned for already; an
   amount sum may pass on rounding alone, so the cheapest published cell of the
   relation is suppressed with it. Go back to 2 until nothing changes.
5. *Pruning*: the plans of different cells overlap, so the pattern may hold more
   than it needs. Every secondary cell, largest value first (a large published
   number is worth most to readers), is published again when that leaves no
   cell alone in an equality, no amount published next to a suppressed count, and
   every cell whose witness moves it has a new witness without it.
6. *Audit*: the exact integer interval of every suppressed cell is computed. Witnesses
   only bound intervals from inside, so the audit always passes; a cell that
   would not is planned again (steps 2 to 5) before :class:`DisclosureError` is
   raised.

Cells a table marks ``always_published`` (grand totals, the overall transition
matrix) are never chosen in steps 3 and 4 while any other pattern can protect the
cell; only when none can (a population of a few hundred) are they chosen after all,
and the result lists them (``ProtectionResult.suppressed_always_published``). A
primary-sensitive one is still suppressed by the primary rule. Step 6 is the integer audit of :mod:`.engine`.
Plans are LPs, so a witness may rely on fractional counts; a cell that the integer
audit finds exposed is planned again with whole-number moves only (an integer
program when the LP's moves are fractional), which gives a witness for the
integer reader.

7. *Exact groups*: a group of at most 600 cells tied together by relations (and
   to nothing else) is solved exactly by :mod:`.minimum`, the rest of the pattern
   fixed. Its work is limited (30 rounds of cuts, 5000 nodes per master program), not
   its time, so the result does not depend on the machine. Its pattern replaces the
   heuristic's there when it converged, has fewer suppressed counts and passes the
   integer audit; amounts suppressed only beside counts it publishes again are then
   published again when the audit allows. The final audit of :func:`.protect` runs on
   the result either way.

When no pattern at all protects a cell, :class:`DisclosureError` names it.
"""

from __future__ import annotations

from fractions import Fraction

from audit.publication.disclosure.engine import AMOUNT, COUNT, System
from audit.publication.disclosure.minimum import exact_minimum
from audit.publication.disclosure.model import STATUS_REVEALING_ZERO, STATUS_SECONDARY, DisclosureError
from audit.publication.disclosure.plan import Planner

#: Extra width (in counts) for a new plan of a cell whose plan fell short after rounding.
_COUNT_MARGIN = 2
#: Relative extra width of a plan for an amount sum (ten times more after each plan that fell short).
_AMOUNT_MARGIN = Fraction(1, 1000)
#: Plans per cell before giving up.
_ATTEMPTS = 3
#: Relation-connected groups of at most this many cells are solved exactly after the heuristic (step 7).
_EXACT_CELLS = 600
#: Work the exact solver may spend on one group: rounds of cuts, and nodes per master program. Limits of work,
#: not of time, keep the pattern the same on every machine.
_EXACT_ROUNDS = 30
_EXACT_NODES = 5000


class Suppressor:
    """Grows a suppression pattern from the primary suppressions until every suppressed cell is protected."""

    def __init__(self, system: System, implied: dict[int, frozenset[int]]) -> None:
        self.system = system
        self.implied = implied
        self.planner = Planner(system)
        self.suppressed: set[int] = set()
        self.reasons: dict[int, str] = {}
        self.witnesses: dict[int, frozenset[int]] = {}
        self.attempts: dict[int, int] = {}

    def run(self, primary: dict[int, str]) -> None:
        """Grow, prune, audit, then solve small groups exactly; ``suppressed`` and ``reasons`` hold the pattern."""
        self._heuristic(primary)
        self._exact_groups(primary)

    def _exact_groups(self, primary: dict[int, str]) -> None:
        """Step 7: a relation-connected group of cells gets the exact minimum when that is smaller (and converged)."""
        system = self.system
        for members in self.planner.groups():
            if len(members) > _EXACT_CELLS or not any(self.reasons.get(i) == STATUS_SECONDARY for i in members):
                continue
            if any(i in system.always_published and i in self.suppressed for i in members):
                continue  # the last resort was needed here: the exact step never suppresses these cells
            inside = set(members)
            fixed = {c.index: c.index in self.suppressed for c in system.cells if c.index not in inside}
            best = exact_minimum(
                system, system.policy, time_limit=float("inf"), fixed=fixed, max_rounds=_EXACT_ROUNDS,
                node_limit=_EXACT_NODES,
            )
            now = sum(1 for i in members if i in self.suppressed and system.cells[i].kind == COUNT)
            found = sum(1 for i in best.suppressed if i in inside and system.cells[i].kind == COUNT)
            if not (best.converged and best.integer_audit_ok and found < now):
                continue
            if any(i in system.always_published and i not in self.suppressed for i in best.suppressed):
                continue
            for i in members:
                if i in best.suppressed and i not in self.suppressed:
                    self.suppressed.add(i)
                    self.reasons[i] = STATUS_SECONDARY
                elif i not in best.suppressed and i in self.suppressed:
                    self.suppressed.discard(i)
                    del self.reasons[i]
            for zero, margins in self.implied.items():
                if zero in self.suppressed and margins <= self.suppressed:
                    self.reasons[zero] = STATUS_REVEALING_ZERO
            self._publish_unneeded_amounts(members)

    def _publish_unneeded_amounts(self, members: list[int]) -> None:
        """Publish again every secondary amount of the group that the integer audit does not need.

        The group holds the contributor counts, not their amounts: an amount suppressed beside a
        count that the exact pattern publishes again may no longer be needed.
        """
        system = self.system
        coupled = {system.coupled[c]: c for c in members if c in system.coupled}
        for i in sorted(coupled, key=lambda i: system.cells[i].order):
            if self.reasons.get(i) != STATUS_SECONDARY or coupled[i] in self.suppressed:
                continue  # an amount is never published beside its suppressed contributor count
            trial = self.suppressed - {i}
            intervals = system.intervals(trial, sorted(trial))
            if all(system.is_protected(j, intervals[j]) for j in trial):
                self.suppressed = trial
                del self.reasons[i]

    def _heuristic(self, primary: dict[int, str]) -> None:
        system = self.system
        for i in sorted(primary, key=lambda i: system.cells[i].order):
            self._add(i, primary[i])
        while True:
            self._grow()
            self._prune()
            ordered = sorted(self.suppressed, key=lambda i: system.cells[i].order)
            intervals = system.intervals(self.suppressed, ordered)
            exposed = [i for i in ordered if not system.is_protected(i, intervals[i])]
            if not exposed:
                return
            for i in exposed:
                self.witnesses.pop(i, None)
                self.attempts[i] = self.attempts.get(i, 0) + 1

    def _add(self, i: int, reason: str) -> bool:
        if i in self.suppressed:
            return False
        self.suppressed.add(i)
        self.reasons[i] = reason
        return True

    def _width(self, i: int) -> Fraction:
        """The width to plan for: the protection level, plus a margin after a plan that fell short.

        An amount always gets a margin of a thousandth: the audit's LP solves in floating point.
        """
        cell = self.system.cells[i]
        extra = self.attempts.get(i, 0)
        if cell.kind == COUNT:
            return cell.required + _COUNT_MARGIN * extra
        return cell.required * (1 + _AMOUNT_MARGIN * (1 + 10 * extra))

    def _grow(self) -> None:
        system = self.system
        while True:
            for count, amount in sorted(system.coupled.items()):
                if count in self.suppressed:
                    self._add(amount, STATUS_SECONDARY)
            for zero, margins in sorted(self.implied.items()):
                if margins <= self.suppressed:  # no published zero implies it any more
                    self._add(zero, STATUS_REVEALING_ZERO)
                    self.reasons[zero] = STATUS_REVEALING_ZERO
            pending = sorted(
                (i for i in self.suppressed if i not in self.witnesses and system.cells[i].required > 0),
                key=lambda i: system.cells[i].order,
            )
            for i in pending:
                self._protect(i)
            if not pending and not self._lone():
                return

    def _protect(self, i: int) -> None:
        cell = self.system.cells[i]
        while True:
            attempt = self.attempts.get(i, 0)
            if attempt >= _ATTEMPTS:
                raise DisclosureError(
                    f"table {cell.ref.table!r}, cell {cell.ref.key!r}: cannot be protected, "
                    f"the planned suppressions leave its interval narrower than {cell.required}"
                )
            plan = self.planner.plan(i, self.suppressed, self._width(i), whole=attempt > 0)
            if plan is None:
                # Last resort, for populations too small to protect otherwise: an always-published cell
                # is suppressed after all (the publication says which; see `suppressed_always_published`).
                plan = self.planner.plan(i, self.suppressed, self._width(i), keep_public=False, whole=True)
            if plan is None:
                raise DisclosureError(self._impossible(i))
            for j in plan.added:
                self._add(j, STATUS_SECONDARY)
            if plan.reaches:
                self.witnesses[i] = plan.moved
                return
            self.attempts[i] = attempt + 1

    def _impossible(self, i: int) -> str:
        """Why cell ``i`` cannot be protected, naming the always-published cells it would need."""
        system = self.system
        cell = system.cells[i]
        message = f"table {cell.ref.table!r}, cell {cell.ref.key!r}: cannot be protected, "
        if system.always_published:
            wider = self.planner.plan(i, self.suppressed, self._width(i), keep_public=False, whole=True)
            if wider is not None:
                needed = sorted(
                    (j for j in wider.added if j in system.always_published), key=lambda j: system.cells[j].order
                )
                names = ", ".join(
                    f"table {system.cells[j].ref.table!r}, cell {system.cells[j].ref.key!r}" for j in needed
                )
                if needed:
                    return message + f"only suppressing always-published cells would protect it ({names})"
        return message + "no suppression pattern gives it an interval of its protection level"

    def _lone(self) -> bool:
        """Step 4: suppress a partner of every cell alone in an equality; True when one was added."""
        system = self.system
        added = False
        for rel in system.relations:
            if rel.op != "==":
                continue
            inside = [i for i, _ in rel.coefs if i in self.suppressed]
            if len(inside) != 1 or system.cells[inside[0]].required == 0:
                continue
            lone = system.cells[inside[0]]
            candidates = [
                j
                for j, _ in rel.coefs
                if not system.cells[j].structural and (j == lone.index or j not in system.always_published)
            ]
            if len(candidates) < 2:  # the last resort again: only an always-published partner is left
                candidates = [j for j, _ in rel.coefs if not system.cells[j].structural]
            if len(candidates) < 2:
                continue
            best = min(
                (j for j in candidates if j != lone.index),
                key=lambda j: (system.cells[j].kind != lone.kind, system.cells[j].level, system.cells[j].order),
            )
            added |= self._add(best, STATUS_SECONDARY)
        return added

    def _prune(self) -> None:
        """Step 5, in passes until a pass publishes nothing more."""
        system = self.system
        pruned = True
        while pruned:
            pruned = False
            secondary = [i for i in self.suppressed if self.reasons[i] == STATUS_SECONDARY]
            secondary.sort(key=lambda i: (-self._published_size(i), system.cells[i].order))
            for i in secondary:
                pruned |= self._publish_again(i)

    def _publish_again(self, i: int) -> bool:
        """Publish secondary cell ``i`` when the pattern stays protected without it; True when it was."""
        system = self.system
        trial = self.suppressed - {i}
        if system.cells[i].kind == AMOUNT and any(
            amount == i and count in trial for count, amount in system.coupled.items()
        ):
            return False
        if self._leaves_lone(trial, i):
            return False
        renewed: dict[int, frozenset[int]] = {}
        for t in sorted(self.witnesses, key=lambda t: system.cells[t].order):
            if t == i or i not in self.witnesses[t]:
                continue
            witness = self.planner.check(t, trial, self._width(t), whole=self.attempts.get(t, 0) > 0)
            if witness is None:
                return False
            renewed[t] = witness
        self.suppressed = trial
        del self.reasons[i]
        self.witnesses.pop(i, None)
        self.witnesses.update(renewed)
        return True

    def _published_size(self, i: int) -> Fraction:
        cell = self.system.cells[i]
        return cell.value / self.system.policy.rounding_unit if cell.kind == AMOUNT else cell.value

    def _leaves_lone(self, pattern: set[int], i: int) -> bool:
        """Whether publishing ``i`` leaves a cell that needs protection alone in one of its equalities."""
        system = self.system
        for r in system.relations_of[i]:
            rel = system.relations[r]
            if rel.op != "==":
                continue
            inside = [j for j, _ in rel.coefs if j in pattern]
            if len(inside) == 1 and system.cells[inside[0]].required > 0:
                return True
        return False
