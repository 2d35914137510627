"""The pairing planner: for a site and a period, propose a lay and a clinical tutor for every empty
place of the sessions still to come, and say which rule blocks each place it cannot fill.

What the planner optimises, in this order:

1. **Places filled** (this is what "covered" means): the number of empty lay and clinical places
   given a tutor, subject to every readiness rule in `readiness.py` (kind, pool, accreditation,
   availability and time away, double-booking with the travel buffer, monthly cap), counting what
   tutors already teach and what the plan itself gives them. The planner reaches the maximum:
   no rule-respecting assignment fills more places. (It proves this by a bound or by an exact
   search; on a very large pool where neither finishes in its budget, `Plan.proved_best` is
   False and the plan is the best found by the repair below.)
2. **Whole-run pairs**: each place goes preferably to the tutor of its kind already teaching the
   run's other sessions, then to one tutor for as many of the run's sessions as possible, so a
   group keeps the same pair.
3. **Balance**: then to the tutor with the fewest sessions that month, then overall.

Points 2 and 3 are preferences the search follows when it chooses between tutors, never at the
cost of a place; unlike point 1 they are not proved best.

A tutor of one kind never takes a place of the other, and each rule depends only on the
tutor's own sessions, so the lay and the clinical places are planned separately. A proposed pair
shares availability because each tutor passes every rule for the session.

How: whether the rules (`rules.refusals` on the tutors' snapshots from `rules.load_tutors`,
which include what they already teach) accept a tutor for a place on their own is asked only
when the search needs it, and remembered; pairs of sessions one person cannot both teach are
found with the double-booking rule itself. A greedy pass gives each run, in time order, to the
tutor preferred above who can take most of it; augmenting chains then move assignments between
tutors to fill places it left empty; a flow bound (monthly caps and clashing sessions relaxed)
proves most plans best at once, and an exact memoised search settles the rest, component by
component. Finally every proposal is checked again with `rules.refusals` against the proposals
before it (booked on the snapshots), and each place left empty is explained by the first rule
that refuses each tutor of its kind.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from functools import cached_property

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from courses import errors
from courses.models import CourseRun, Session, Site, Tutor, TutorKind
from courses.workshops.readiness import (
    Refusal,
    Rule,
    SessionSnapshot,
    TutorSnapshot,
    load_tutors,
    refusals,
    sessions_for_rules,
    snapshot_of,
)
from courses.workshops.scheduling import SchedulingError, session_assign

KINDS = (TutorKind.LAY, TutorKind.CLINICAL)

RULE_HEADINGS = {
    Rule.KIND: "Tutor kind",
    Rule.INACTIVE: "Tutor pool",
    Rule.ACCREDITATION: "Accreditation",
    Rule.AVAILABILITY: "Availability",
    Rule.DOUBLE_BOOKING: "Double-booking",
    Rule.MONTHLY_CAP: "Monthly cap",
}

# No buffer between venues may exceed 8 hours (the site's validator), so sessions starting more
# than a day after another ends can never clash: only nearer pairs are put to the rule.
_CLASH_HORIZON = timedelta(days=1)
# The exact search stops after this many states; the plan is then the repaired one. It recurses
# once per place, so it is kept to components well within Python's recursion limit.
EXACT_SEARCH_STATES = 20_000
EXACT_SEARCH_MAX_PLACES = 200
NAMES_SHOWN = 5


# --- what the planner returns -----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Proposal:
    """Tutors proposed for a session's empty places. A place already filled, or one the planner
    cannot fill, has None."""

    session: Session
    lay_tutor: TutorSnapshot | None
    clinical_tutor: TutorSnapshot | None

    @property
    def makes_ready(self) -> bool:
        """Both places filled once the proposal is accepted."""
        return bool(self.lay_tutor or self.session.lay_tutor_id) and bool(
            self.clinical_tutor or self.session.clinical_tutor_id
        )

    @property
    def places(self) -> int:
        return (self.lay_tutor is not None) + (self.clinical_tutor is not None)


@dataclass(frozen=True, eq=False)
class Uncovered:
    """A place the planner cannot fill: `reasons` holds, for each tutor of that kind in the
    site's pool, the first rule that refuses them (given the plan); `summary` groups them by rule."""

    session: Session
    kind: str
    reasons: list[Refusal]
    summary: list[str]

    @property
    def kind_label(self) -> str:
        return TutorKind(self.kind).label


@dataclass(eq=False)
class Plan:
    site: Site
    first_day: date
    last_day: date
    proposals: list[Proposal]
    uncovered: list[Uncovered]
    places: int  # empty places considered
    proved_best: bool  # no rule-respecting assignment fills more places

    @property
    def filled(self) -> int:
        return sum(proposal.places for proposal in self.proposals)

    @property
    def sessions_made_ready(self) -> int:
        return sum(proposal.makes_ready for proposal in self.proposals)


# --- the places and the model of the rules the search works on --------------------------------


class _PlannedSession(SessionSnapshot):
    """A session snapshot that works out its local date and month once: the planner puts each
    session to the rules hundreds of times."""

    @cached_property
    def local_start(self) -> datetime:
        return timezone.localtime(self.starts_at)

    @cached_property
    def local_end(self) -> datetime:
        return timezone.localtime(self.ends_at)

    @cached_property
    def day(self) -> date:
        return self.local_start.date()

    @cached_property
    def month(self) -> tuple[int, int]:
        return (self.day.year, self.day.month)


def _planned(snapshot: SessionSnapshot) -> _PlannedSession:
    return _PlannedSession(**{f.name: getattr(snapshot, f.name) for f in fields(snapshot)})


@dataclass(eq=False)
class _Place:
    index: int
    session: Session
    snapshot: _PlannedSession
    kind: str
    # Tutors who pass every rule for it on their own, best first: worked out when first needed.
    candidates: list[int] | None = None
    candidate_set: frozenset[int] = frozenset()

    @property
    def run_id(self) -> int:
        return self.session.run_id

    @property
    def month(self) -> tuple[int, int]:
        return self.snapshot.month

    @property
    def order(self):
        return (self.snapshot.starts_at, self.session.pk)


def _clashing_pairs(snapshots: list[_PlannedSession]) -> dict[int, set[int]]:
    """Session id -> ids of the sessions one person cannot also teach, as the double-booking
    rule decides (both ways round, so a plan is safe in whatever order it is checked)."""
    ordered = sorted(snapshots, key=lambda s: s.starts_at)
    found: dict[int, set[int]] = defaultdict(set)
    for position, one in enumerate(ordered):
        for other in ordered[position + 1 :]:
            if other.starts_at >= one.ends_at + _CLASH_HORIZON:
                break
            if _double_booked(one, other) or _double_booked(other, one):
                found[one.id].add(other.id)
                found[other.id].add(one.id)
    return found


def _double_booked(session: SessionSnapshot, other: SessionSnapshot) -> bool:
    # Someone accredited for the programme whatever the date, teaching `other`; their
    # availability and cap set aside: only the double-booking rule can refuse them.
    scratch = TutorSnapshot(
        id=0,
        name="",
        kind=TutorKind.LAY,
        site_id=0,
        monthly_cap=10**6,
        accreditations=[(session.programme_id, date.min, date.max)],
    )
    scratch.book(other)
    return any(
        refusal.rule == Rule.DOUBLE_BOOKING
        for refusal in refusals(
            scratch,
            session,
            kind=TutorKind.LAY,
            overridden={Rule.AVAILABILITY, Rule.MONTHLY_CAP},
        )
    )


class _OutOfBudget(Exception):
    pass


class _KindPlanner:
    """The places of one kind and an assignment of tutors to them.

    A tutor can take a set of places when the rules accept them for each on their own (their
    snapshot as loaded: what they already teach), no two of the places clash, and each month's
    count stays within their cap less what they already teach that month: what the rules check
    one booking at a time. Whether the rules accept a tutor for a place is asked only when the
    search needs to know, and remembered.
    """

    def __init__(self, places, pool, tutors, clashes, run_tutors):
        self.places: list[_Place] = places
        self.pool: list[int] = [tutor.id for tutor in pool]
        self.pool_set = frozenset(self.pool)
        self.tutors: dict[int, TutorSnapshot] = tutors
        by_session = {place.session.pk: place for place in places}
        self.clash: list[set[int]] = [
            {by_session[s].index for s in clashes.get(place.session.pk, ()) if s in by_session}
            for place in places
        ]
        self.run_tutors = run_tutors  # run id -> Counter of this kind's tutors already teaching it
        self.accepted: dict[tuple[int, int], bool] = {}
        self.tutor_of: dict[int, int] = {}
        self.assigned: dict[int, set[int]] = defaultdict(set)
        self.used: dict[int, Counter] = defaultdict(Counter)
        self.in_run: dict[int, Counter] = defaultdict(Counter)
        self.base_load = {t: sum(s.month_load.values()) for t, s in tutors.items()}
        self.log: list[tuple[str, int, int]] = []
        self.proved_best = True

    # -- what the rules say, asked once per tutor and place --

    def eligible(self, tutor_id, place: _Place) -> bool:
        key = (tutor_id, place.index)
        if key not in self.accepted:
            self.accepted[key] = not refusals(
                self.tutors[tutor_id], place.snapshot, kind=place.kind, first_only=True
            )
        return self.accepted[key]

    def candidates(self, place: _Place) -> list[int]:
        if place.candidates is None:
            counts = self.run_tutors[place.run_id]
            place.candidates = sorted(
                (t for t in self.pool if self.eligible(t, place)),
                key=lambda t: (-counts[t], self.base_load[t], t),
            )
            place.candidate_set = frozenset(place.candidates)
        return place.candidates

    # -- the assignment, with an undo log for the repair --

    def room(self, tutor_id, month) -> int:
        tutor = self.tutors[tutor_id]
        return tutor.monthly_cap - tutor.month_load[month]

    def fits(self, tutor_id, place: _Place) -> bool:
        """No clash with the tutor's other places and room in the month (the rules said yes)."""
        return not (self.assigned[tutor_id] & self.clash[place.index]) and self.used[tutor_id][
            place.month
        ] < self.room(tutor_id, place.month)

    def feasible(self, tutor_id, place: _Place) -> bool:
        return self.eligible(tutor_id, place) and self.fits(tutor_id, place)

    def assign(self, place: _Place, tutor_id: int):
        self.tutor_of[place.index] = tutor_id
        self.assigned[tutor_id].add(place.index)
        self.used[tutor_id][place.month] += 1
        self.in_run[place.run_id][tutor_id] += 1
        self.log.append(("assign", place.index, tutor_id))

    def unassign(self, place: _Place):
        tutor_id = self.tutor_of.pop(place.index)
        self.assigned[tutor_id].discard(place.index)
        self.used[tutor_id][place.month] -= 1
        self.in_run[place.run_id][tutor_id] -= 1
        self.log.append(("unassign", place.index, tutor_id))

    def rollback(self, mark: int):
        while len(self.log) > mark:
            action, index, tutor_id = self.log.pop()
            place = self.places[index]
            if action == "assign":
                self.unassign(place)
            else:
                self.assign(place, tutor_id)
            self.log.pop()  # the entry the undo itself wrote

    # -- preferences: the run's tutor, then the least loaded that month, then overall --

    def run_count(self, run_id, tutor_id) -> int:
        return self.run_tutors[run_id][tutor_id] + self.in_run[run_id][tutor_id]

    def month_load(self, tutor_id, month) -> int:
        return self.tutors[tutor_id].month_load[month] + self.used[tutor_id][month]

    def total_load(self, tutor_id) -> int:
        return self.base_load[tutor_id] + len(self.assigned[tutor_id])

    def _preference_key(self, place: _Place):
        return lambda t: (
            -self.run_count(place.run_id, t),
            self.month_load(t, place.month),
            self.total_load(t),
        )

    def preference(self, place: _Place):
        return sorted(self.candidates(place), key=self._preference_key(place))

    # -- 1. greedy: whole runs to one tutor --

    def greedy(self):
        by_run: dict[int, list[_Place]] = defaultdict(list)
        for place in sorted(self.places, key=lambda p: p.order):
            by_run[place.run_id].append(place)
        for waiting in by_run.values():
            run_id = waiting[0].run_id
            while waiting:
                months = {place.month for place in waiting}

                def key(tutor_id, months=months, run_id=run_id):
                    return (
                        -self.run_count(run_id, tutor_id),
                        sum(self.month_load(tutor_id, month) for month in months),
                        self.total_load(tutor_id),
                        tutor_id,
                    )

                # Tutors in order of preference. A later one is better only with more places
                # (fewer run sessions or more load rank them lower), so the scan stops at the
                # first who takes them all, and skips anyone whose caps cannot beat the best.
                best_take, best_tutor, best_count = [], None, 0
                for tutor_id in sorted(self.pool, key=key):
                    count = self.run_count(run_id, tutor_id)
                    if best_tutor is not None and count < best_count:
                        break
                    need = len(best_take) + 1
                    if self._most_possible(tutor_id, waiting) < need:
                        continue
                    take = self._takeable(tutor_id, waiting, need)
                    if len(take) < need:
                        continue
                    best_take, best_tutor, best_count = take, tutor_id, count
                    if len(take) == len(waiting):
                        break
                if not best_take:
                    break
                for place in best_take:
                    self.assign(place, best_tutor)
                    waiting.remove(place)
        self.log.clear()

    def _most_possible(self, tutor_id, waiting: list[_Place]) -> int:
        """The most of `waiting` the tutor's monthly caps leave room for."""
        per_month = Counter(place.month for place in waiting)
        return sum(
            max(0, min(count, self.room(tutor_id, month) - self.used[tutor_id][month]))
            for month, count in per_month.items()
        )

    def _takeable(self, tutor_id, waiting: list[_Place], need: int = 1) -> list[_Place]:
        """The waiting places the tutor can take together, in time order; stops early once
        fewer than `need` are within reach."""
        take, months = [], Counter()
        busy = self.assigned[tutor_id]
        for position, place in enumerate(waiting):
            if len(take) + len(waiting) - position < need:
                break
            if (
                not (busy & self.clash[place.index])
                and not any(other.index in self.clash[place.index] for other in take)
                and self.used[tutor_id][place.month] + months[place.month]
                < self.room(tutor_id, place.month)
                and self.eligible(tutor_id, place)
            ):
                take.append(place)
                months[place.month] += 1
        return take

    # -- 2. repair: augmenting chains that move assignments to make room --

    def repair(self):
        for _ in range(4):
            improved = False
            for place in self.places:
                if place.index not in self.tutor_of and self.candidates(place):
                    self._visited: set[int] = set()
                    if self._augment(place):
                        improved = True
                    self.log.clear()
            if not improved:
                return

    def _augment(self, place: _Place) -> bool:
        free = [tutor_id for tutor_id in self.candidates(place) if self.fits(tutor_id, place)]
        if free:
            self.assign(place, min(free, key=self._preference_key(place)))
            return True
        for tutor_id in place.candidates:
            if tutor_id in self._visited:
                continue
            self._visited.add(tutor_id)
            for evicted in self._evictions(tutor_id, place):
                mark = len(self.log)
                for other in evicted:
                    self.unassign(other)
                if self.fits(tutor_id, place):
                    self.assign(place, tutor_id)
                    if all(self._augment(other) for other in evicted):
                        return True
                self.rollback(mark)
        return False

    def _evictions(self, tutor_id, place: _Place):
        """Sets of the tutor's places whose removal would let them take `place`."""
        clashing = [self.places[i] for i in self.assigned[tutor_id] & self.clash[place.index]]
        in_month = sum(1 for other in clashing if other.month == place.month)
        over = self.used[tutor_id][place.month] - in_month + 1 - self.room(tutor_id, place.month)
        if over <= 0:
            yield clashing
        elif over == 1:
            for index in sorted(self.assigned[tutor_id]):
                other = self.places[index]
                if other.month == place.month and other not in clashing:
                    yield [*clashing, other]

    # -- 3. proof: a bound per component, else an exact search --

    def components(self) -> list[list[_Place]]:
        parent = list(range(len(self.places)))

        def root(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        first_place_of: dict[int, int] = {}
        for place in self.places:
            for tutor_id in place.candidates:
                if tutor_id in first_place_of:
                    parent[root(place.index)] = root(first_place_of[tutor_id])
                else:
                    first_place_of[tutor_id] = place.index
        groups: dict[int, list[_Place]] = defaultdict(list)
        for place in self.places:
            if place.candidates:
                groups[root(place.index)].append(place)
        return list(groups.values())

    def prove(self):
        unfilled = [place for place in self.places if place.index not in self.tutor_of]
        if not any(self.candidates(place) for place in unfilled):
            return  # every place left empty is one the rules let nobody take
        for place in self.places:
            self.candidates(place)
        for component in self.components():
            filled = sum(1 for place in component if place.index in self.tutor_of)
            if filled == len(component) or filled == self._flow_bound(component):
                continue
            if len(component) > EXACT_SEARCH_MAX_PLACES:
                self.proved_best = False
                continue
            try:
                self._exact(component, filled)
            except _OutOfBudget:
                self.proved_best = False

    def _flow_bound(self, component: list[_Place]) -> int:
        """Most places a relaxed problem could fill: each tutor takes at most one of each group
        of mutually clashing sessions, and no more in a month than their cap allows."""
        flow = _Flow()
        source, sink = flow.node(), flow.node()
        nodes: dict[tuple, int] = {}

        def node(key):
            if key not in nodes:
                nodes[key] = flow.node()
            return nodes[key]

        place_nodes = {place.index: node(("place", place.index)) for place in component}
        eligible: dict[int, list[_Place]] = defaultdict(list)
        for place in component:
            flow.edge(source, place_nodes[place.index], 1)
            for tutor_id in place.candidates:
                eligible[tutor_id].append(place)
        for tutor_id, places in eligible.items():
            group, members = 0, []
            for place in sorted(places, key=lambda p: p.order):
                if not members or not all(
                    other.index in self.clash[place.index] and other.month == place.month
                    for other in members
                ):
                    group, members = group + 1, []
                members.append(place)
                group_node = node(("group", tutor_id, group))
                if len(members) == 1:
                    month_node = node(("month", tutor_id, place.month))
                    flow.edge(group_node, month_node, 1)
                flow.edge(place_nodes[place.index], group_node, 1)
            for month in {place.month for place in places}:
                flow.edge(
                    node(("month", tutor_id, month)), sink, max(0, self.room(tutor_id, month))
                )
        return flow.max_flow(source, sink)

    def _exact(self, component: list[_Place], incumbent: int):
        """The most places of a component that can be filled, by a search over the places in
        time order whose states are memoised on what can still matter: each tutor's sessions
        that clash with a later place, and their counts in months still to come."""
        ordered = sorted(component, key=lambda p: p.order)
        n = len(ordered)
        saved = {
            place.index: self.tutor_of[place.index]
            for place in ordered
            if place.index in self.tutor_of
        }
        for place in ordered:
            if place.index in self.tutor_of:
                self.unassign(place)
        position = {place.index: i for i, place in enumerate(ordered)}
        clash_until: dict[tuple[int, int], int] = {}
        month_until: dict[tuple[int, tuple], int] = {}
        for i, place in enumerate(ordered):
            for tutor_id in place.candidates:
                month_until[(tutor_id, place.month)] = i
                for index in self.clash[place.index]:
                    if index in position and tutor_id in self.places[index].candidate_set:
                        key = (tutor_id, index)
                        clash_until[key] = max(clash_until.get(key, -1), i)
        tutors = sorted({t for place in ordered for t in place.candidates})
        memo: dict[tuple, int] = {}
        budget = [EXACT_SEARCH_STATES]

        def state(i):
            parts = []
            for tutor_id in tutors:
                busy = self.assigned[tutor_id]
                if not busy:
                    continue
                matters = tuple(sorted(a for a in busy if clash_until.get((tutor_id, a), -1) >= i))
                counts = tuple(
                    sorted(
                        (month, count)
                        for month, count in self.used[tutor_id].items()
                        if count and month_until.get((tutor_id, month), -1) >= i
                    )
                )
                if matters or counts:
                    parts.append((tutor_id, matters, counts))
            return (i, tuple(parts))

        def best(i) -> int:
            if i == n:
                return 0
            key = state(i)
            if key in memo:
                return memo[key]
            budget[0] -= 1
            if budget[0] < 0:
                raise _OutOfBudget
            place = ordered[i]
            found = -1
            for tutor_id in place.candidates:
                if self.feasible(tutor_id, place):
                    self.assign(place, tutor_id)
                    value = 1 + best(i + 1)
                    self.unassign(place)
                    found = max(found, value)
                    if found == n - i:
                        break
            if found < n - i:
                found = max(found, best(i + 1))
            memo[key] = found
            return found

        try:
            optimum = best(0)
            if optimum <= incumbent:
                raise _Keep
            # Walk the optimum, choosing among equally good tutors by the usual preferences.
            for i, place in enumerate(ordered):
                target = best(i)
                for tutor_id in self.preference(place):
                    if self.feasible(tutor_id, place):
                        self.assign(place, tutor_id)
                        if 1 + best(i + 1) == target:
                            break
                        self.unassign(place)
        except (_Keep, _OutOfBudget) as outcome:
            for place in ordered:
                if place.index in self.tutor_of:
                    self.unassign(place)
            for index, tutor_id in saved.items():
                self.assign(self.places[index], tutor_id)
            if isinstance(outcome, _OutOfBudget):
                raise
        finally:
            self.log.clear()

    # -- 4. polish: the same tutor for the rest of the run where it changes nothing else --

    def polish(self):
        for place in sorted(self.places, key=lambda p: p.order):
            current = self.tutor_of.get(place.index)
            if current is None:
                continue
            # Only tutors already in the run can beat the current one on whole-run pairs.
            count = self.run_count(place.run_id, current) - 1
            rivals = self.pool_set & (
                set(self.run_tutors[place.run_id]) | set(self.in_run[place.run_id])
            )
            better = [
                t
                for t in rivals
                if t != current
                and self.run_count(place.run_id, t) > count
                and self.eligible(t, place)
            ]
            if not better:
                continue
            favourite = max(better, key=lambda t: (self.run_count(place.run_id, t), -t))
            self.unassign(place)
            self.assign(place, favourite if self.fits(favourite, place) else current)
        self.log.clear()

    def solve(self) -> dict[int, int]:
        self.greedy()
        self.repair()
        self.prove()
        self.polish()
        return dict(self.tutor_of)


class _Keep(Exception):
    """The exact search found nothing better than the repaired plan."""


class _Flow:
    """Dinic's maximum flow on small integer capacities."""

    def __init__(self):
        self.adjacent: list[list[int]] = []
        self.to: list[int] = []
        self.capacity: list[int] = []

    def node(self) -> int:
        self.adjacent.append([])
        return len(self.adjacent) - 1

    def edge(self, start, end, capacity):
        self.adjacent[start].append(len(self.to))
        self.to.append(end)
        self.capacity.append(capacity)
        self.adjacent[end].append(len(self.to))
        self.to.append(start)
        self.capacity.append(0)

    def max_flow(self, source, sink) -> int:
        total = 0
        while True:
            level = [-1] * len(self.adjacent)
            level[source] = 0
            queue = [source]
            for here in queue:
                for edge in self.adjacent[here]:
                    if self.capacity[edge] > 0 and level[self.to[edge]] < 0:
                        level[self.to[edge]] = level[here] + 1
                        queue.append(self.to[edge])
            if level[sink] < 0:
                return total
            progress = [0] * len(self.adjacent)
            while pushed := self._push(source, sink, level, progress):
                total += pushed

    def _push(self, source, sink, level, progress) -> int:
        # Iterative depth-first search for one augmenting path in the level graph.
        path: list[int] = []
        here = source
        while True:
            if here == sink:
                pushed = min(self.capacity[edge] for edge in path)
                for edge in path:
                    self.capacity[edge] -= pushed
                    self.capacity[edge ^ 1] += pushed
                return pushed
            edges = self.adjacent[here]
            while progress[here] < len(edges):
                edge = edges[progress[here]]
                there = self.to[edge]
                if self.capacity[edge] > 0 and level[there] == level[here] + 1:
                    break
                progress[here] += 1
            else:
                if here == source:
                    return 0
                level[here] = -1  # a dead end: never visit it again in this phase
                edge = path.pop()
                here = self.to[edge ^ 1]
                progress[here] += 1
                continue
            path.append(edge)
            here = there


# --- the selector ---------------------------------------------------------------------------


def _period(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first_day, time.min, tzinfo=zone),
        datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone),
    )


def plan_for(*, site: Site, first_day: date, last_day: date) -> Plan:
    """Propose tutors for every empty place of the site's sessions (runs not cancelled, not yet
    started) whose local date is between `first_day` and `last_day`. Seven queries, whatever
    the number of sessions and tutors."""
    if last_day < first_day:
        raise SchedulingError(errors.DATES_REVERSED)
    start, end = _period(first_day, last_day)
    sessions = list(
        sessions_for_rules()
        .select_related("lay_tutor__user", "clinical_tutor__user")
        .filter(run__site=site, starts_at__gte=start, starts_at__lt=end)
        .filter(starts_at__gt=timezone.now())
        .exclude(run__status=CourseRun.Status.CANCELLED)
        .filter(Q(lay_tutor__isnull=True) | Q(clinical_tutor__isnull=True))
        .order_by("starts_at", "pk")
    )
    if not sessions:
        return Plan(site, first_day, last_day, [], [], places=0, proved_best=True)

    run_ids = {session.run_id for session in sessions}
    run_tutors = {kind: defaultdict(Counter) for kind in KINDS}
    for run_id, lay_id, clinical_id in Session.objects.filter(run_id__in=run_ids).values_list(
        "run_id", "lay_tutor_id", "clinical_tutor_id"
    ):
        if lay_id:
            run_tutors[TutorKind.LAY][run_id][lay_id] += 1
        if clinical_id:
            run_tutors[TutorKind.CLINICAL][run_id][clinical_id] += 1

    days = [timezone.localtime(session.starts_at).date() for session in sessions]
    tutors = load_tutors(
        Tutor.objects.filter(site=site, is_active=True), first=min(days), last=max(days)
    )
    pool = {
        kind: sorted(
            (t for t in tutors.values() if t.kind == kind), key=lambda t: (t.name.lower(), t.id)
        )
        for kind in KINDS
    }
    snapshots = {session.pk: _planned(snapshot_of(session)) for session in sessions}
    clashes = _clashing_pairs(list(snapshots.values()))

    chosen: dict[tuple[int, str], int] = {}  # (session id, kind) -> tutor id
    planners: dict[str, _KindPlanner] = {}
    for kind in KINDS:
        places = [
            _Place(index, session, snapshots[session.pk], kind)
            for index, session in enumerate(
                s for s in sessions if getattr(s, f"{kind}_tutor_id") is None
            )
        ]
        planners[kind] = planner = _KindPlanner(
            places, pool[kind], tutors, clashes, run_tutors[kind]
        )
        for index, tutor_id in planner.solve().items():
            chosen[(places[index].session.pk, kind)] = tutor_id

    every_place = sorted(
        (place for planner in planners.values() for place in planner.places),
        key=lambda p: (p.order, p.kind),
    )
    _check_and_book(every_place, chosen, tutors, planners)

    proposals = []
    for session in sessions:
        lay_id = chosen.get((session.pk, TutorKind.LAY))
        clinical_id = chosen.get((session.pk, TutorKind.CLINICAL))
        if lay_id or clinical_id:
            proposals.append(
                Proposal(
                    session,
                    tutors[lay_id] if lay_id else None,
                    tutors[clinical_id] if clinical_id else None,
                )
            )
    uncovered = [
        _explain(place, pool[place.kind])
        for place in every_place
        if (place.session.pk, place.kind) not in chosen
    ]
    return Plan(
        site,
        first_day,
        last_day,
        proposals,
        uncovered,
        places=len(every_place),
        proved_best=all(planner.proved_best for planner in planners.values()),
    )


def _check_and_book(
    places: list[_Place],
    chosen: dict,
    tutors: dict[int, TutorSnapshot],
    planners: dict[str, _KindPlanner],
):
    """Put each proposal to the rules against those before it, booking it on the tutor's
    snapshot; a proposal the rules refuse is dropped. Then fill any place a tutor can still
    take (so the plan is never one booking short)."""
    for place in places:
        key = (place.session.pk, place.kind)
        tutor_id = chosen.get(key)
        if tutor_id is None:
            continue
        if refusals(tutors[tutor_id], place.snapshot, kind=place.kind, first_only=True):
            del chosen[key]
        else:
            tutors[tutor_id].book(place.snapshot)
    for place in places:
        key = (place.session.pk, place.kind)
        if key in chosen:
            continue
        for tutor_id in planners[place.kind].candidates(place):
            if not refusals(tutors[tutor_id], place.snapshot, kind=place.kind, first_only=True):
                tutors[tutor_id].book(place.snapshot)
                chosen[key] = tutor_id
                break


def _explain(place: _Place, pool: list[TutorSnapshot]) -> Uncovered:
    reasons, names_by_rule = [], defaultdict(list)
    for tutor in pool:
        found = refusals(tutor, place.snapshot, kind=place.kind, first_only=True)
        if found:
            reasons.append(found[0])
            names_by_rule[found[0].rule].append(tutor.name)
    if not pool:
        summary = [errors.PLANNER_NO_TUTORS.format(kind=TutorKind(place.kind).label.lower())]
    else:
        summary = []
        for rule, names in names_by_rule.items():
            shown = ", ".join(names[:NAMES_SHOWN])
            if len(names) > NAMES_SHOWN:
                shown += f" and {len(names) - NAMES_SHOWN} more"
            count = f"{len(names)} tutor{'s' if len(names) != 1 else ''}"
            summary.append(f"{RULE_HEADINGS[rule]}: {count} ({shown}).")
    return Uncovered(place.session, place.kind, reasons, summary)


# --- accepting a plan -----------------------------------------------------------------------


@transaction.atomic
def plan_accept(
    *, site: Site, choices: list[tuple[int, int | None, int | None]], accepted_by=None
) -> int:
    """Assign the chosen tutors (session id, lay tutor id, clinical tutor id; None leaves a
    place as it is), all or nothing. Each assignment goes through `scheduling.session_assign`,
    which checks every rule against the database again; the first refusal undoes everything
    and names the session and the rule. Returns the number of sessions given tutors."""
    choices = [choice for choice in choices if choice[1] is not None or choice[2] is not None]
    if not choices:
        raise SchedulingError(errors.PLANNER_NOTHING_CHOSEN)
    session_ids = [session_id for session_id, _, _ in choices]
    if len(set(session_ids)) != len(session_ids):
        raise SchedulingError(errors.PLANNER_SESSION_TWICE)
    sessions = {
        session.pk: session
        for session in sessions_for_rules().filter(pk__in=session_ids, run__site=site)
    }
    if len(sessions) != len(session_ids):
        raise SchedulingError(errors.PLANNER_SESSION_ELSEWHERE.format(site=site.name))
    tutor_ids = {t for _, lay, clinical in choices for t in (lay, clinical) if t is not None}
    pool = set(Tutor.objects.filter(pk__in=tutor_ids, site=site).values_list("pk", flat=True))
    if pool != tutor_ids:
        raise SchedulingError(errors.UNKNOWN_TUTOR)
    for session_id, lay_id, clinical_id in sorted(
        choices, key=lambda c: (sessions[c[0]].starts_at, c[0])
    ):
        session = sessions[session_id]
        for kind, tutor_id in ((TutorKind.LAY, lay_id), (TutorKind.CLINICAL, clinical_id)):
            if tutor_id is None:
                continue
            try:
                session_assign(
                    session=session, tutor_id=tutor_id, kind=kind, assigned_by=accepted_by
                )
            except SchedulingError as error:
                reason = (
                    " ".join(refusal.message for refusal in error.refusals)
                    if error.refusals
                    else error.message
                )
                raise SchedulingError(
                    errors.PLANNER_REFUSED.format(session=str(session), reason=reason),
                    error.refusals,
                ) from error
    return len(choices)
