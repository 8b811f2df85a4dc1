"""`rootmap demo --clients N`: synthetic organisations at scale, in one transaction.

The demo organisation (rootmap.web.demo) gets half the clients and three more
organisations share the rest; about 50 clients per clinician, a supervisor per team of
eight clinicians, two administrators per organisation. Every signed assessment is scored
by the function the finalise service uses (assessments.signing), households are estimated
by the caregiving services' own file and scorer, and the history of it all goes to the
audit chain through `seed_audit_history`. Rows are written in bulk (rows.py), a batch of
clients at a time, so that 100,000 clients load in minutes (docs/performance.md).

A database is seeded once: the seed's own audit entry (action `import`, detail
`{"import": "scale seed", ...}`) says with what; the same number of clients and seed again
do nothing, others are refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from rootmap.instruments import current
from rootmap.web.accounts.models import Organisation, Team, User
from rootmap.web.assessments.case_files import CASE_FORMAT, case_dict
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.signing import score_for_signing
from rootmap.web.audit.models import AuditEntry
from rootmap.web.audit.services import CommandLineActor
from rootmap.web.caregiving.models import Estimate, Household
from rootmap.web.caregiving.services import child_client_pks, household_file, score_file
from rootmap.web.clients.follow_up import next_follow_up_due
from rootmap.web.clients.models import UNASSESSED, Client
from rootmap.web.demo import ORGANISATION
from rootmap.web.scale.audit_history import seed_audit_history
from rootmap.web.scale.rows import EncodedJSON, insert_rows, next_id, sequences_reset
from rootmap.web.scale.synthetic import ClientPlan, client_plan, household_inputs

MARK = "scale seed"
OTHER_ORGANISATIONS = (("Northside Youth Services", 0.5), ("Harbour Children's Trust", 0.3),
                       ("Valley Kinship Care", 0.2))
CLIENTS_PER_CLINICIAN = 50
CLINICIANS_PER_TEAM = 8
CLIENTS_PER_HOUSEHOLD = 25
BATCH = 1000
TEMPLATES = 2000  # distinct synthetic histories, plus one per 50 clients beyond


class SeedRefused(Exception):
    pass


@dataclass
class SeedSummary:
    clients: int
    seed: int
    as_of: dt.date
    already: bool = False
    assessments: int = 0
    audit_entries: int = 0
    households: int = 0
    seconds: float = 0.0


def seeded_with() -> dict[str, Any] | None:
    """The parameters of the seed this database holds (None when it holds none)."""
    entry = AuditEntry.objects.filter(action="import", detail__import=MARK).order_by("-id").first()
    return dict(entry.detail) if entry is not None else None


def seed_refusal(clients: int, seed: int) -> str | None:
    """Why this database cannot take a scale seed of `clients` (None when it can, or already has it)."""
    found = seeded_with()
    if found is None or (found.get("clients"), found.get("seed")) == (clients, seed):
        return None
    return (f"this database already holds a scale seed of {found.get('clients')} clients "
            f"(seed {found.get('seed')}, as of {found.get('as_of')}); use a fresh database")


def _split(total: int) -> list[tuple[str, int]]:
    demo = math.ceil(total / 2)
    rest = total - demo
    sizes = [math.floor(rest * share) for _name, share in OTHER_ORGANISATIONS]
    sizes[0] += rest - sum(sizes)
    return [(ORGANISATION, demo), *((name, n) for (name, _s), n in zip(OTHER_ORGANISATIONS, sizes, strict=True))]


class _Ids:
    """The next primary key of each table written, handed out in order."""

    def __init__(self, *models: type) -> None:
        self._next = {model: next_id(model) for model in models}

    def take(self, model: type) -> int:
        value = self._next[model]
        self._next[model] = value + 1
        return value


def _canonical(data: Any) -> str:
    """The text canonical_sha256 hashes (assessments.stored_results)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def _entry(action: str, at: dt.datetime, user: User, org: Organisation, obj_type: str, obj_id: int,
           client_id: int | None, detail: dict[str, Any]) -> AuditEntry:
    return AuditEntry(at=at, actor_id=user.pk, actor_name=user.username, organisation_id=org.pk,
                      action=action, object_type=obj_type, object_id=str(obj_id), client_id=client_id,
                      detail=detail)


class _Organisation:
    """One organisation's people, made (or, for the demo organisation, completed) once."""

    def __init__(self, org: Organisation, clients: int, password_hash: str, slug: str) -> None:
        self.org = org
        wanted = max(1, math.ceil(clients / CLIENTS_PER_CLINICIAN))
        existing = list(User.objects.filter(organisation=org, role=User.Role.CLINICIAN).order_by("id"))
        # The demo's own clinician carries the first 50 clients: her pages are the benchmark's.
        existing.sort(key=lambda u: (u.username != "clinician", u.pk))
        made = [User(username=f"{slug}-clinician-{n:04d}", organisation=org, role=User.Role.CLINICIAN,
                     first_name="Clinician", last_name=f"{n:04d}", password=password_hash)
                for n in range(len(existing) + 1, wanted + 1)]
        teams = math.ceil(wanted / CLINICIANS_PER_TEAM)
        supervisors = list(User.objects.filter(organisation=org, role=User.Role.SUPERVISOR).order_by("id"))
        made_sup = [User(username=f"{slug}-supervisor-{n:03d}", organisation=org, role=User.Role.SUPERVISOR,
                         first_name="Supervisor", last_name=f"{n:03d}", password=password_hash)
                    for n in range(len(supervisors) + 1, teams + 1)]
        admins = User.objects.filter(organisation=org, role=User.Role.ADMIN).count()
        made_admin = [User(username=f"{slug}-admin-{n}", organisation=org, role=User.Role.ADMIN,
                           first_name="Admin", last_name=str(n), password=password_hash)
                      for n in range(admins + 1, 3)]
        User.objects.bulk_create([*made, *made_sup, *made_admin], batch_size=500)
        self.clinicians = existing + list(User.objects.filter(username__in=[u.username for u in made]).order_by("id"))
        self.supervisors = supervisors + list(
            User.objects.filter(username__in=[u.username for u in made_sup]).order_by("id"))
        self.created_users = [*made, *made_sup, *made_admin]
        for n in range(teams):
            team = Team.objects.create(organisation=org, name=f"Team {n + 1:03d} (seeded)")
            team.supervisors.add(self.supervisors[n % len(self.supervisors)])
            team.members.add(*self.clinicians[n * CLINICIANS_PER_TEAM:(n + 1) * CLINICIANS_PER_TEAM])


class _Batch:
    """The rows of one batch of clients, written together."""

    def __init__(self) -> None:
        self.clients: list[Client] = []
        self.links: list[Any] = []
        self.assessments: list[Assessment] = []
        self.households: list[Household] = []
        self.estimates: list[Estimate] = []
        self.audit: list[AuditEntry] = []

    def write(self) -> None:
        insert_rows(Client, self.clients)
        insert_rows(Client.clinicians.through, self.links)
        # Amendments refer to the assessment they correct: that one is written first.
        insert_rows(Assessment, [a for a in self.assessments if a.amends_id is None])
        insert_rows(Assessment, [a for a in self.assessments if a.amends_id is not None])
        insert_rows(Household, self.households)
        insert_rows(Estimate, self.estimates)
        seed_audit_history(self.audit)


@dataclass
class _Signed:
    """What signing one assessment of a template stored (shared by the template's clients)."""

    result: EncodedJSON
    result_sha256: str
    snapshot_assessments: list[dict[str, Any]]
    snapshot_assessments_text: str  # canonical JSON, shared by every client's snapshot
    phase: str
    undetermined_reason: str


@dataclass
class _Template:
    plan: ClientPlan
    signed: dict[str, _Signed]  # by assessment reference
    events_text: str
    interests_text: str
    next_follow_up_due: dt.date | None  # what finalising the history stores on the client
    latest_phase: str | None  # and the phase it stores (clients.latest_phase)


class _Seeder:
    """Clients are drawn from a pool of templates (a synthetic history, scored once each):
    scoring does not read the client's reference or name, so each client of a template
    stores what finalising its own case would store, at a fraction of the time."""

    def __init__(self, rng: random.Random, as_of: dt.date, templates: int) -> None:
        self.rng = rng
        self.as_of = as_of
        self.instrument = current()
        self.ids = _Ids(Client, Client.clinicians.through, Assessment, Household, Estimate)
        self.pool_size = templates
        self.pool: dict[int, _Template] = {}
        self.summary_assessments = 0
        self.summary_households = 0

    def _template(self, number: int) -> _Template:
        key = (number - 1) % self.pool_size
        if key not in self.pool:
            plan = client_plan(self.rng, self.instrument, key + 1, self.as_of)
            client = Client(pk=0, reference="T-1", display_name="Template", birth_date=plan.birth_date,
                            interests=plan.interests, events=plan.events)
            current: list[Assessment] = []
            rows: dict[str, Assessment] = {}
            signed: dict[str, _Signed] = {}
            for n, item in enumerate(plan.assessments, start=1):
                row = Assessment(pk=n, client=client, reference=item.reference, kind=item.kind, date=item.date,
                                 instrument_version=self.instrument.version, inputs=item.inputs,
                                 amends=rows.get(item.amends) if item.amends else None)
                rows[item.reference] = row
                if not item.final:
                    continue
                # The finalise service's own scoring (assessments.signing), on the case as it stood.
                done = score_for_signing(case_dict(client, current, row), row.reference)
                reason = ""
                if done.result.phase == "undetermined":
                    reason = "Too little was rated at this age to say where to start; signed to record it"
                    done.snapshot["assessments"][-1]["undetermined_reason"] = reason
                result_text = _canonical(done.result_json)
                signed[item.reference] = _Signed(
                    EncodedJSON(done.result_json, result_text), _sha256(result_text),
                    done.snapshot["assessments"], _canonical(done.snapshot["assessments"]),
                    done.result.phase, reason)
                current = [a for a in current if a.pk != row.amends_id] + [row]
            # The latest current assessment by date, then id (a client's ids follow the
            # plan's order, as the template's do): clients.latest_phase's rule.
            latest = max(current, key=lambda a: (a.date, a.pk), default=None)
            self.pool[key] = _Template(plan, signed, _canonical(plan.events), _canonical(plan.interests),
                                       next_follow_up_due((a.kind, a.date) for a in current),
                                       signed[latest.reference].phase if latest is not None else UNASSESSED)
        return self.pool[key]

    def client(self, batch: _Batch, people: _Organisation, number: int, position: int) -> Client:
        template = self._template(number)
        plan = template.plan
        clinician = people.clinicians[min(position // CLIENTS_PER_CLINICIAN, len(people.clinicians) - 1)]
        first_day = plan.assessments[0].date - dt.timedelta(days=self.rng.randint(1, 14))
        client = Client(id=self.ids.take(Client), organisation=people.org, reference=f"S-{number:06d}",
                        display_name=f"{plan.display_name.rsplit(' ', 1)[0]} {number}",
                        birth_date=plan.birth_date, interests=plan.interests,
                        events=plan.events, next_follow_up_due=template.next_follow_up_due,
                        latest_phase=template.latest_phase,
                        created_at=_at(first_day, 9), updated_at=_at(first_day, 9))
        batch.clients.append(client)
        carriers = [clinician]
        if self.rng.random() < 0.05 and len(people.clinicians) > 1:  # a shared case
            carriers.append(self.rng.choice([c for c in people.clinicians if c.pk != clinician.pk]))
        for user in carriers:
            batch.links.append(Client.clinicians.through(id=self.ids.take(Client.clinicians.through),
                                                         client_id=client.pk, user_id=user.pk))
        batch.audit.append(_entry("create", _at(first_day, 9), clinician, people.org, "client", client.pk,
                                  client.pk, {"reference": client.reference}))
        self._assessments(batch, people, client, template, clinician)
        supervisor = people.supervisors[0] if people.supervisors else clinician
        for n, day in enumerate(plan.views):
            viewer = supervisor if n % 3 == 2 else clinician
            batch.audit.append(_entry("view", _at(day, 11, n), viewer, people.org, "client", client.pk,
                                      client.pk, {}))
        return client

    def _assessments(self, batch: _Batch, people: _Organisation, client: Client, template: _Template,
                     clinician: User) -> None:
        by_reference: dict[str, Assessment] = {}
        case_client = {"id": client.reference, "birth_date": client.birth_date.isoformat(),
                       "display_name": client.display_name}
        for item in template.plan.assessments:
            amends = by_reference.get(item.amends) if item.amends else None
            row = Assessment(id=self.ids.take(Assessment), client=client, reference=item.reference,
                             kind=item.kind, date=item.date, status=Assessment.Status.DRAFT,
                             instrument_version=self.instrument.version, inputs=item.inputs,
                             created_by_id=clinician.pk, amends=amends, amendment_reason=item.reason,
                             created_at=_at(item.date, 9), updated_at=_at(item.date, 9))
            by_reference[item.reference] = row
            if amends is not None:
                batch.audit.append(_entry("amend", _at(item.date, 15), clinician, people.org, "assessment",
                                          row.pk, client.pk, {"amends": amends.reference, "reason": item.reason}))
            else:
                batch.audit.append(_entry("create", _at(item.date, 9), clinician, people.org, "assessment",
                                          row.pk, client.pk, {"kind": item.kind, "reference": item.reference}))
            signed = template.signed.get(item.reference)
            if signed is not None:
                self._sign(batch, people, row, signed, case_client, template, clinician)
            batch.assessments.append(row)
        self.summary_assessments += len(template.plan.assessments)

    def _sign(self, batch: _Batch, people: _Organisation, row: Assessment, signed: _Signed,
              case_client: dict[str, Any], template: _Template, clinician: User) -> None:
        client = row.client
        snapshot_data = {"format": CASE_FORMAT, "client": case_client, "interests": list(client.interests),
                         "events": list(client.events), "assessments": signed.snapshot_assessments}
        # The canonical text (keys sorted) of snapshot_data, from its parts: what the
        # finalise entry's snapshot_sha256 hashes (stored_results.canonical_sha256).
        text = (f'{{"assessments":{signed.snapshot_assessments_text},"client":{_canonical(case_client)},'
                f'"events":{template.events_text},"format":{_canonical(CASE_FORMAT)},'
                f'"interests":{template.interests_text}}}')
        snapshot = EncodedJSON(snapshot_data, text)
        at = _at(row.date, 16)
        row.result, row.snapshot, row.undetermined_reason = signed.result, snapshot, signed.undetermined_reason
        row.status, row.finalised_by_id, row.finalised_at, row.revision = Assessment.Status.FINAL, clinician.pk, at, 1
        row.updated_at = at
        batch.audit.append(_entry("finalise", at, clinician, people.org, "assessment", row.pk, client.pk, {
            "reference": row.reference, "amends": row.amends.reference if row.amends else None,
            "phase": signed.phase, "result_sha256": signed.result_sha256,
            "snapshot_sha256": _sha256(text)}))

    def households(self, batch: _Batch, people: _Organisation, number: int) -> None:
        """A household for every CLIENTS_PER_HOUSEHOLD clients of the batch, estimated once."""
        clients = batch.clients
        for start in range(0, len(clients) - CLIENTS_PER_HOUSEHOLD + 1, CLIENTS_PER_HOUSEHOLD):
            number += 1
            children = self.rng.sample(clients[start:start + CLIENTS_PER_HOUSEHOLD], self.rng.randint(1, 3))
            pks: list[int | None] = [c.pk for c in children]
            ages = [0] * len(children)
            if self.rng.random() < 0.3:
                pks.append(None)
                ages.append(self.rng.randint(0, 200))
            inputs = household_inputs(self.rng, self.instrument, pks, ages)
            first = clients[start]
            household = Household(id=self.ids.take(Household), organisation=people.org,
                                  reference=f"H-{number:05d}", name=f"Household {number:05d}", inputs=inputs,
                                  created_at=first.created_at, updated_at=first.created_at)
            on = self.as_of - dt.timedelta(days=self.rng.randint(0, 300))
            data = household_file(household, on=on, inputs=inputs, clients={c.pk: c for c in children})
            result = score_file(data)
            estimate = Estimate(id=self.ids.take(Estimate), household=household, date=on, inputs=data,
                                child_clients=child_client_pks(inputs), result=result.to_dict(),
                                instrument_version=result.instrument_version,
                                created_by_id=people.clinicians[0].pk, created_at=_at(on, 14))
            batch.households.append(household)
            batch.estimates.append(estimate)
            actor = people.clinicians[0]
            batch.audit.append(_entry("create", _at(on, 13), actor, people.org, "household", household.pk, None,
                                      {"reference": household.reference}))
            batch.audit.append(_entry("create", _at(on, 14), actor, people.org, "estimate", estimate.pk, None,
                                      {"household": household.pk, "reserve": estimate.result.get("reserve")}))
            self.summary_households += 1


def scale_load(*, clients: int, seed: int = 15, as_of: dt.date | None = None,
               command_line: CommandLineActor | None = None,
               progress: Callable[[str], None] | None = None) -> SeedSummary:
    """Add `clients` synthetic clients (and their organisations' people) to the demo database.

    Call after rootmap.web.demo.demo_load (the demo users carry the first clients and lend
    their password to every seeded user). Raises SeedRefused for a database seeded otherwise.
    """
    as_of = as_of or timezone.localdate()
    started = time.monotonic()
    say = progress or (lambda _text: None)
    refusal = seed_refusal(clients, seed)
    if refusal:
        raise SeedRefused(refusal)
    found = seeded_with()
    if found is not None:  # the same clients and seed on another day: the same data set, a day older
        return SeedSummary(clients, seed, dt.date.fromisoformat(found["as_of"]), already=True)
    demo_org = Organisation.objects.filter(name=ORGANISATION).first()
    demo_user = User.objects.filter(username="clinician").first()
    if demo_org is None or demo_user is None:
        raise SeedRefused("load the demo first (rootmap demo --no-serve)")
    rng = random.Random(seed)
    summary = SeedSummary(clients, seed, as_of)
    with transaction.atomic():
        seeder = _Seeder(rng, as_of, templates=min(clients, TEMPLATES + clients // 50) or 1)
        number = 0
        households = 0
        for n, (name, size) in enumerate(_split(clients)):
            org = demo_org if n == 0 else Organisation.objects.get_or_create(name=name)[0]
            people = _Organisation(org, size, demo_user.password, slug=f"org{n + 1}")
            for start in range(0, size, BATCH):
                batch = _Batch()
                for position in range(start, min(size, start + BATCH)):
                    number += 1
                    seeder.client(batch, people, number, position)
                seeder.households(batch, people, households)
                households = seeder.summary_households
                summary.audit_entries += len(batch.audit)
                batch.write()
                say(f"{number} of {clients} clients ({time.monotonic() - started:.0f} s)")
        actor = command_line.name if command_line else ""
        mark = AuditEntry(at=timezone.now(), actor_name=actor, organisation_id=None, action="import",
                          detail={"import": MARK, "clients": clients, "seed": seed, "as_of": as_of.isoformat(),
                                  **(command_line.detail() if command_line else {})})
        seed_audit_history([mark])
        sequences_reset([Client, Client.clinicians.through, Assessment, Household, Estimate, AuditEntry])
        summary.audit_entries += 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics, so the planner knows the tables' sizes
            cursor.execute("ANALYZE")
    summary.assessments = seeder.summary_assessments
    summary.households = seeder.summary_households
    summary.seconds = time.monotonic() - started
    return summary
