"""A quick bulk seed for the scale tests of the list pages (decision 0027): thousands of
clients with finalised assessments, amendments and drafts, caseloads, households and
people, written with bulk_create in a few seconds. Not the product's demo seed (that is
`rootmap demo --clients N`): no scoring, no audit history, `result` holds the phase only.

The stored follow-up due date is set from the same core rule the services use
(clients.follow_up.next_follow_up_due), over the assessments the seed writes, and the
stored latest phase by the rule of clients.latest_phase (checked against it in
test_latest_phase.py).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.caregiving.models import Estimate, Household
from rootmap.web.clients.follow_up import next_follow_up_due
from rootmap.web.clients.models import UNASSESSED, Client

FIRST = ["Ada", "Bo", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kai", "Lu", "Mo", "Nia", "Oz", "Pia"]
LAST = ["Ashby", "Brook", "Cole", "Dale", "Ember", "Frost", "Grove", "Hale", "Ings", "Jude", "Kerr", "Lowe"]
PHASES = ["regulate", "relate", "reason", "maintain"]


@dataclass
class Seeded:
    organisation: Organisation
    admin: User
    supervisor: User
    clinician: User
    clients: int


def _users(org: Organisation, n: int, count: int) -> list[User]:
    unusable = make_password(None)
    people = [User(username=f"o{n}-admin", organisation=org, role="admin", password=unusable,
                   last_name="Admin"),
              User(username=f"o{n}-super", organisation=org, role="supervisor", password=unusable,
                   last_name="Super")]
    people += [User(username=f"o{n}-c{k:04}", organisation=org, role="clinician", password=unusable,
                    first_name=FIRST[k % len(FIRST)], last_name=LAST[k % len(LAST)]) for k in range(count)]
    return User.objects.bulk_create(people)


def _plan(rng: random.Random) -> list[tuple[str, dt.date, str]]:
    """(kind, date, status) of one client's assessments: most have a full one, some follow-ups."""
    if rng.random() < 0.15:
        return []
    start = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(0, 900))
    plan = [("full", start, "final")]
    for months in (6, 12, 24):
        if rng.random() < 0.5:
            plan.append(("follow_up", start + dt.timedelta(days=months * 30), "final"))
    if rng.random() < 0.1:
        plan.append(("follow_up", plan[-1][1] + dt.timedelta(days=20), "draft"))
    return plan


def _phase(rng: random.Random) -> str:
    """One of the four phases; rarely (1%) undetermined, a filter few clients match."""
    return "undetermined" if rng.random() < 0.01 else rng.choice(PHASES)


def bulk_seed(*, organisations: int = 2, clients_per_org: int = 3000, clinicians_per_org: int = 60,
              households_per_org: int = 300, seed: int = 15) -> list[Seeded]:
    rng = random.Random(seed)
    through = Client.clinicians.through
    out = []
    for n in range(organisations):
        org = Organisation.objects.create(name=f"Scale organisation {n}")
        people = _users(org, n, clinicians_per_org)
        admin, supervisor, clinicians = people[0], people[1], people[2:]
        plans = [_plan(rng) for _ in range(clients_per_org)]
        # Each row's phase, drawn first, so that each client is written with the latest
        # phase finalising its history would store (clients.latest_phase's rule, worked out
        # here: an UPDATE of every client afterwards would leave the table half dead rows,
        # which no test transaction can VACUUM, and skew the plans the EXPLAIN tests check).
        phases, latest, k = [], [], 0
        for plan in plans:
            mine, best = [], None
            for _kind, d, status in plan:
                final = status == "final"
                phase = _phase(rng) if final else None
                amended = _phase(rng) if final and k % 25 == 0 else None
                mine.append((phase, amended))
                if final:  # an amendment is written after every original: the higher id
                    key = (d, 1, k) if amended else (d, 0, k)
                    if best is None or key > best[0]:
                        best = (key, amended or phase)
                k += 1
            phases.append(mine)
            latest.append(best[1] if best else UNASSESSED)
        clients = Client.objects.bulk_create([
            Client(organisation=org, reference=f"C-{k:06}",
                   birth_date=dt.date(2012, 1, 1) + dt.timedelta(days=k % 3000),
                   display_name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.randrange(10_000):04}",
                   next_follow_up_due=next_follow_up_due((kind, d) for kind, d, status in plan if status == "final"),
                   latest_phase=latest[k])
            for k, plan in enumerate(plans)
        ], batch_size=2000)
        through.objects.bulk_create([through(client_id=c.pk, user_id=clinicians[k % len(clinicians)].pk)
                                     for k, c in enumerate(clients) if k % 20], batch_size=5000)
        rows, amended_phases = [], []
        for c, plan, drawn in zip(clients, plans, phases, strict=True):
            for m, ((kind, d, status), (phase, amended)) in enumerate(zip(plan, drawn, strict=True), 1):
                final = status == "final"
                rows.append(Assessment(client=c, reference=f"A-{m}", kind=kind, date=d, status=status,
                                       result={"phase": phase} if final else None,
                                       created_by=admin, finalised_by=admin if final else None))
                amended_phases.append(amended)
        written = Assessment.objects.bulk_create(rows, batch_size=2000)
        # Some finalised assessments were amended: the amendment replaces the original.
        amendments = [Assessment(client_id=a.client_id, reference=f"{a.reference}.1", kind=a.kind, date=a.date,
                                 status="final", result={"phase": amended_phases[k]}, created_by=admin,
                                 finalised_by=admin, amends=a)
                      for k, a in enumerate(written) if amended_phases[k] is not None]
        Assessment.objects.bulk_create(amendments, batch_size=2000)
        households = Household.objects.bulk_create([
            Household(organisation=org, reference=f"H-{k:05}", name=f"The {rng.choice(LAST)} household {k:05}",
                      inputs={"caregivers": [], "internal": {}, "external": {}, "children": []})
            for k in range(households_per_org)
        ], batch_size=2000)
        Estimate.objects.bulk_create([Estimate(household=h, date=dt.date(2025, 1, 1) + dt.timedelta(days=k % 300),
                                               inputs={}, result={"reserve_band": None}, created_by=admin)
                                      for k, h in enumerate(households) if k % 2], batch_size=2000)
        out.append(Seeded(org, admin, supervisor, clinicians[1], len(clients)))
    return out
