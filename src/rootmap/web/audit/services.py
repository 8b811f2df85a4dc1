"""Writing and verifying the audit log.

Each entry carries an HMAC-SHA256, keyed with the audit key (rootmap.web.keys), over its
content and the previous entry's HMAC. Altering an entry breaks its own HMAC; deleting
one breaks the link of the entry after it; deleting the newest entries leaves the chain
shorter than its signed head (AuditHead) says. Without the key nobody can forge a
matching HMAC, so rewriting the whole chain from the database is detectable too.
`rootmap audit verify` reports the first entry that fails.

Two things the database cannot show by itself are checked too: a database that holds
records but no audit log at all (the log was emptied), and a chain wound back to an old
head or an old backup, seen against the signed checkpoints kept outside the database
(rootmap.web.audit.checkpoints).

The database refuses UPDATE and DELETE on entries (rootmap.web.integrity).
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import hmac
import ipaddress
import json
import os
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from rootmap.web.audit import checkpoints
from rootmap.web.audit.models import AuditChainHead, AuditEntry, AuditHead
from rootmap.web.keys import audit_key
from rootmap.web.transport import forwarded_client

GENESIS_HASH = "0" * 64

ACTIONS = (
    "view", "create", "change", "finalise", "amend", "download", "export", "import",
    "sign_in", "sign_in_failed", "sign_out", "delete", "restore", "invite", "password_reset",
    "upload", "remove_file",  # documents' files (rootmap.web.sources)
)


def _clean(value: Any) -> Any:
    """JSON-safe and free of NUL characters, which PostgreSQL refuses in text and jsonb."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value).replace("\x00", "")


# The fields an entry's HMAC covers, in the order _hash_row takes them.
HASHED_FIELDS = ("at", "actor_id", "actor_name", "organisation_id", "ip_address", "action",
                 "object_type", "object_id", "client_id", "detail", "previous_hash", "chain")


def _hash_row(key: bytes, at: Any, actor_id: int | None, actor_name: str,
              organisation_id: int | None, ip_address: str | None, action: str,
              object_type: str, object_id: str, client_id: int | None, detail: Any,
              previous_hash: str, chain: str | None) -> str:
    """The entry's HMAC over its content as canonical JSON (sorted keys, no spaces, ASCII)."""
    if (type(actor_name) is str and type(action) is str and type(object_type) is str
            and type(object_id) is str and type(previous_hash) is str
            and (actor_id is None or type(actor_id) is int)
            and (organisation_id is None or type(organisation_id) is int)
            and (client_id is None or type(client_id) is int)
            and (ip_address is None or type(ip_address) is str)
            and (chain is None or type(chain) is str)):
        text = _content_text(at.isoformat(), actor_id, actor_name, organisation_id, ip_address,
                             action, object_type, object_id, client_id, _canonical(detail),
                             previous_hash, chain)
    else:  # a value not of its column's type: the encoder itself says how it is written
        content = {"at": at.isoformat(), "actor_id": actor_id, "actor_name": actor_name,
                   "organisation_id": organisation_id, "ip_address": ip_address,
                   "action": action, "object_type": object_type, "object_id": object_id,
                   "client_id": client_id, "detail": detail, "previous_hash": previous_hash}
        if chain:
            content["chain"] = chain
        text = _canonical(content)
    # The one-shot C HMAC: verification runs this a million times.
    return hmac.digest(key, text.encode("ascii"), "sha256").hex()


_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode
_string = json.encoder.encode_basestring_ascii  # what _canonical writes for a str (C)


def _content_text(at: str, actor_id: int | None, actor_name: str, organisation_id: int | None,
                  ip_address: str | None, action: str, object_type: str, object_id: str,
                  client_id: int | None, detail_text: str, previous_hash: str,
                  chain: str | None) -> str:
    """`_canonical` of the hashed content: the dict of HASHED_FIELDS, with `chain` left out
    when empty (the legacy chain's entries were hashed without it, and still verify). Written
    field by field in sorted key order, which is the same text several times faster than
    encoding the dict; `detail_text` is `_canonical(detail)`. Only for values of their
    columns' types (int or None; str, or None where the column is nullable), as the
    database returns them: verification calls it on every row directly."""
    return "".join((
        '{"action":', _string(action),
        ',"actor_id":', "null" if actor_id is None else str(actor_id),
        ',"actor_name":', _string(actor_name),
        ',"at":', _string(at),
        ',"chain":' + _string(chain) if chain else "",
        ',"client_id":', "null" if client_id is None else str(client_id),
        ',"detail":', detail_text,
        ',"ip_address":', "null" if ip_address is None else _string(ip_address),
        ',"object_id":', _string(object_id),
        ',"object_type":', _string(object_type),
        ',"organisation_id":', "null" if organisation_id is None else str(organisation_id),
        ',"previous_hash":', _string(previous_hash), "}",
    ))


def _entry_hash(entry: AuditEntry, key: bytes | None = None) -> str:
    return _hash_row(key or audit_key(), *(getattr(entry, name) for name in HASHED_FIELDS))


def _head_signature(head: AuditHead, key: bytes | None = None) -> str:
    message = f"rootmap-audit-head:{head.length}:{head.last_entry_id}:{head.last_hash}"
    return hmac.new(key or audit_key(), message.encode(), hashlib.sha256).hexdigest()


def _chain_head_signature(head: AuditChainHead, key: bytes | None = None) -> str:
    # Its own prefix and the chain's name: no head can be replayed as another chain's.
    message = (f"rootmap-audit-chain-head:{head.chain}:{head.length}:{head.last_entry_id}:"
               f"{head.last_hash}")
    return hmac.new(key or audit_key(), message.encode(), hashlib.sha256).hexdigest()


# --- Chains ------------------------------------------------------------------------------------

NO_ORGANISATION = "no-organisation"
_ORGANISATION_PREFIX = "organisation-"


def chain_for(organisation_id: int | None) -> str:
    """The chain an entry of this organisation (or of none) is appended to."""
    return NO_ORGANISATION if organisation_id is None else f"{_ORGANISATION_PREFIX}{organisation_id}"


def chain_name(chain: str | None) -> str:
    """The chain in words, for the messages of `rootmap audit verify`."""
    if not chain:
        return "the legacy chain (entries written before chains were split per organisation)"
    if chain == NO_ORGANISATION:
        return "the chain of actions with no organisation"
    return f"the chain of organisation {chain.removeprefix(_ORGANISATION_PREFIX)}"


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from: REMOTE_ADDR, or, when that is one of the trusted
    proxies (ROOTMAP_BEHIND_PROXY, ROOTMAP_TRUSTED_PROXIES), the address the proxy saw (the
    last one it appended to X-Forwarded-For). django-axes counts failures by this too."""
    if request is None:
        return None
    address = forwarded_client(request) or request.META.get("REMOTE_ADDR") or ""
    return _valid_ip(address)


def _valid_ip(address: str) -> str | None:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    if parsed.version == 6:
        return clean_ipv6_address(address)
    return str(parsed)


@dataclass(frozen=True)
class CommandLineActor:
    """Who ran a command: the operating-system user and the host, as the system says."""

    os_user: str
    host: str

    @property
    def name(self) -> str:
        return f"{self.os_user}@{self.host}"

    def detail(self) -> dict[str, str]:
        return {"via": "command line", "os_user": self.os_user, "host": self.host}


def command_line_actor() -> CommandLineActor:
    """The actor of a command run from a shell, for its audit entries."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        user = f"uid {os.getuid()}"
    return CommandLineActor(os_user=user or f"uid {os.getuid()}",
                            host=socket.gethostname() or "unknown host")


def _locked_head(chain: str, organisation_id: int | None) -> AuditChainHead:
    """The chain's head row, locked until the transaction ends: appenders to this chain
    queue here; other chains' appenders lock other rows and never wait for this one."""
    head = AuditChainHead.objects.select_for_update().filter(pk=chain).first()
    if head is None:
        # The chain's very first entry: two writers may race to create the head; one wins.
        head = AuditChainHead(chain=chain, organisation_id=organisation_id, length=0,
                              last_entry_id=None, last_hash=GENESIS_HASH)
        head.signature = _chain_head_signature(head)
        try:
            with transaction.atomic():
                head.save(force_insert=True)
        except IntegrityError:
            pass
        head = AuditChainHead.objects.select_for_update().get(pk=chain)
    return head


def audit_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    user: Any = None,
    obj: Any = None,
    client_id: int | None = None,
    detail: dict[str, Any] | None = None,
    organisation_id: int | None = None,
    command_line: CommandLineActor | None = None,
) -> AuditEntry:
    """Append one entry. `user` defaults to the request's user; `obj` names the record.
    `command_line` names the operating-system user and host of a command-line action.

    >>> audit_record(action="view", request=request, obj=client)
    """
    return audit_record_each(action=action, request=request, user=user, obj=obj,
                             entries=[(client_id, detail)], organisation_id=organisation_id,
                             command_line=command_line)[0]


def audit_record_each(
    *,
    action: str,
    entries: Sequence[tuple[int | None, dict[str, Any] | None]],
    request: HttpRequest | None = None,
    user: Any = None,
    obj: Any = None,
    organisation_id: int | None = None,
    command_line: CommandLineActor | None = None,
) -> list[AuditEntry]:
    """Append one entry per (client id, detail) in `entries`, in that order, all by the same
    actor about the same record: the entries `audit_record` would write one by one, taken
    under one lock of the chain's head and inserted together, so that a page that shows
    several clients (a household) costs the same queries however many it shows.

    >>> audit_record_each(action="view", request=request, obj=household,
    ...                   entries=[(7, {"shown": "named"}), (9, {"shown": "unnamed"})])
    """
    if not entries:
        raise ValueError("audit_record_each needs at least one entry")
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    object_type = obj._meta.model_name if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    own_client = None
    if obj is not None:
        own_client = getattr(obj, "client_id", None)
        if own_client is None and object_type == "client":
            own_client = obj.pk
    if organisation_id is None and user is not None:
        organisation_id = getattr(user, "organisation_id", None)
    actor_name = getattr(user, "username", "") if user is not None else ""
    extra: dict[str, Any] = {}
    if command_line is not None:
        actor_name = actor_name or command_line.name
        extra.update(command_line.detail())
    token = getattr(request, "api_token", None) if request is not None else None
    if token is not None:  # an API call (rootmap.web.api.auth): the entry names the token
        extra.update({"via": "api", "api_token": token.name, "api_token_id": token.pk})
    chain = chain_for(organisation_id)
    ip_address = client_ip(request)
    with transaction.atomic():
        # The chain's head row is the lock: writers to one chain append one after another.
        head = _locked_head(chain, organisation_id)
        at = timezone.now()  # taken under the lock, so times rise along the chain
        made: list[AuditEntry] = []
        for client_id, detail in entries:
            entry = AuditEntry(
                at=at,
                actor=user,
                actor_name=_clean(actor_name)[:150],
                organisation_id=organisation_id,
                ip_address=ip_address,
                action=action,
                object_type=object_type,
                object_id=_clean(object_id)[:40],
                client_id=own_client if client_id is None else client_id,
                detail=_clean({**(detail or {}), **extra}),
                previous_hash=head.last_hash,
                chain=chain,
            )
            entry.entry_hash = _entry_hash(entry)
            head.last_hash = entry.entry_hash
            made.append(entry)
        if len(made) == 1:
            made[0].save(force_insert=True)
        else:
            # Ids in the order given (INSERT ... RETURNING): they rise along the chain,
            # which is the order verify walks.
            AuditEntry.objects.bulk_create(made)
            if made[-1].pk is None:  # a database that cannot return ids from a bulk insert
                raise RuntimeError("the audit log needs a database that returns the ids of a bulk insert")
        first_length = head.length + 1
        head.length += len(made)
        head.last_entry_id = made[-1].pk
        head.signature = _chain_head_signature(head)
        head.save(update_fields=["length", "last_entry_id", "last_hash", "signature"])
        reasons = [r for length in range(first_length, head.length + 1)
                   if (r := checkpoints.checkpoint_due(length, chain))]
        if reasons:
            # After commit, so that a checkpoint never anchors an entry that was rolled back.
            # It anchors the last entry written here, which includes the one that fell due.
            state = checkpoints.CheckpointState(head.length, made[-1].pk, made[-1].entry_hash, chain)
            transaction.on_commit(partial(checkpoints.checkpoint_after_commit, state, reasons[0]),
                                  robust=True)
    return made


# --- Appending many entries at once (the scale seed) -------------------------------------------

BULK_FIELDS = ("at", "actor_id", "actor_name", "organisation_id", "ip_address", "action",
               "object_type", "object_id", "client_id", "detail")


def audit_bulk_append(entries: Iterable[Mapping[str, Any]], *, batch_size: int = 5000) -> int:
    """Append many entries, each chain in the order given; returns how many.

    Each item is a mapping of the entry's fields (BULK_FIELDS: `action` required, `at`
    defaulting to now, `actor_id`, `actor_name`, `organisation_id`, `ip_address`,
    `object_type`, `object_id`, `client_id`, `detail`). The result is the chain that
    appending them one by one with audit_record would build, written with bulk inserts
    under each chain's head lock, in one transaction. For seeding synthetic history
    (`rootmap demo --clients N`); the application's writes go through audit_record.

    >>> audit_bulk_append([{"action": "view", "organisation_id": 1, "client_id": 7}])
    """
    key = audit_key()
    total = 0
    with transaction.atomic():
        heads: dict[str, AuditChainHead] = {}
        batch: list[tuple[Any, ...]] = []  # HASHED_FIELDS values, then entry_hash

        def flush() -> None:
            # ids are taken within the chains' locks, in the order given: they rise along
            # each chain, which is the order verify walks.
            ids = _insert_rows(batch)
            for row, pk in zip(batch, ids, strict=True):
                heads[row[11]].last_entry_id = pk
            batch.clear()

        for item in entries:
            organisation_id = item.get("organisation_id")
            chain = chain_for(organisation_id)
            head = heads.get(chain)
            if head is None:
                head = heads[chain] = _locked_head(chain, organisation_id)
            at = item.get("at") or timezone.now()
            # Stored and read back in UTC: hashed as it will be read, or it would not verify.
            at = at.astimezone(dt.UTC) if timezone.is_aware(at) else at.replace(tzinfo=dt.UTC)
            ip = item.get("ip_address")
            values = (
                at, item.get("actor_id"), _clean(item.get("actor_name") or "")[:150],
                organisation_id, _cached_ip(ip) if ip else None, item["action"],
                item.get("object_type") or "", _clean(str(item.get("object_id") or ""))[:40],
                item.get("client_id"), _clean(item.get("detail") or {}), head.last_hash, chain,
            )
            head.last_hash = _hash_row(key, *values)
            head.length += 1
            batch.append((*values, head.last_hash))
            total += 1
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
        for head in heads.values():
            head.signature = _chain_head_signature(head, key)
            head.save(update_fields=["length", "last_entry_id", "last_hash", "signature"])
            if checkpoints.checkpoint_path() is not None:
                state = checkpoints.CheckpointState(head.length, head.last_entry_id,
                                                    head.last_hash, head.chain)
                transaction.on_commit(partial(checkpoints.checkpoint_after_commit, state,
                                              "bulk append"), robust=True)
    return total


@lru_cache(maxsize=4096)
def _cached_ip(address: str) -> str | None:
    return _valid_ip(address)


def _insert_rows(rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert rows of (HASHED_FIELDS..., entry_hash); their ids, in order. On PostgreSQL
    COPY with ids drawn from the table's sequence first (several times faster than
    INSERT ... RETURNING); elsewhere bulk_create."""
    fields = (*HASHED_FIELDS, "entry_hash")
    if connection.vendor != "postgresql":
        made = AuditEntry.objects.bulk_create(
            [AuditEntry(**dict(zip(fields, row, strict=True))) for row in rows])
        return [entry.pk for entry in made]
    table = AuditEntry._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       [table, len(rows)])
        ids = sorted(r[0] for r in cursor.fetchall())
        columns = ", ".join(quote(AuditEntry._meta.get_field(f.removesuffix("_id")).column
                                  if f == "actor_id" else f) for f in ("id", *fields))
        with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row((pk, *row[:9], _canonical(row[9]), *row[10:]))
    return ids


# --- Verifying ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChainState:
    """Where one chain stands after verification."""

    chain: str | None  # None: the legacy chain
    length: int
    last_entry_id: int | None
    last_hash: str


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    first_bad_id: int | None
    problem: str | None
    notes: tuple[str, ...] = ()  # said alongside the result, e.g. a restore that wound it back
    last_entry_id: int | None = None  # the newest entry of all chains
    last_hash: str = GENESIS_HASH
    chains: tuple[ChainState, ...] = ()  # every chain that verified, legacy first
    bad_chain: str | None = None  # the chain the problem is in, when it is in one

    @property
    def ok(self) -> bool:
        return self.problem is None


Progress = Callable[[int], None]


def audit_verify(*, against_checkpoints: bool = True, progress: Progress | None = None) -> VerifyReport:
    """Walk every chain and report the first entry altered or deleted (naming its chain);
    then check that a database with records has a log, and each chain against its
    checkpoints. Streams the log in one pass ordered by id (memory does not grow with
    it); `progress` is called with the number of entries checked every 20,000."""
    wanted: dict[str | None, set[int]] = {}
    checkpoint_file = checkpoints.checkpoints_read() if against_checkpoints else None
    if checkpoint_file is not None:
        for c in checkpoint_file.active:
            wanted.setdefault(c.state.chain, set()).add(c.state.length)
    report, hash_at = _verify_chains(wanted, progress)
    if not report.ok:
        return report
    if report.checked == 0:
        records = _records_outside_the_log()
        if records:
            return VerifyReport(0, None, (
                f"the audit log is empty but the database holds {', '.join(records)}: the log "
                "was emptied, or these were written around the application"))
    if checkpoint_file is None:
        note = ("no checkpoints are kept (ROOTMAP_AUDIT_CHECKPOINT_FILE=off): a database wound "
                "back to an old copy cannot be seen") if against_checkpoints else None
        return _with_notes(report, (note,) if note else ())
    return _against_checkpoints(report, hash_at, checkpoint_file)


def _with_notes(report: VerifyReport, notes: tuple[str, ...], problem: str | None = None,
                first_bad_id: int | None = None, bad_chain: str | None = None) -> VerifyReport:
    return VerifyReport(report.checked, first_bad_id if problem else report.first_bad_id,
                        problem or report.problem, report.notes + notes,
                        report.last_entry_id, report.last_hash, report.chains,
                        bad_chain if problem else report.bad_chain)


_ROW_FIELDS = ("id", *HASHED_FIELDS, "entry_hash")
VERIFY_CHUNK = 5000  # rows fetched at a time (a server-side cursor on PostgreSQL)
_DETAIL_CACHE = 1024  # distinct details kept as canonical text while verifying (bounded)
HashAt = dict[tuple[str | None, int], tuple[int, str]]
# A chain's signed head as verification reads it: chain, length, last id, last hash, signed.
Head = tuple[str | None, int, int | None, str, bool]


@contextmanager
def _snapshot() -> Iterator[bool]:
    """One transaction for the heads and the walk; yields whether it is one snapshot.

    On PostgreSQL, REPEATABLE READ: the heads and every entry are read as of one moment,
    so entries appended while the walk runs (their heads moved with them) are seen by
    neither. SQLite's transactions are serializable. Inside a caller's transaction on
    PostgreSQL at READ COMMITTED (a restore) each statement sees newer commits: not a
    snapshot, and the walk is checked against the heads as read before it (_check_heads)."""
    if connection.vendor == "sqlite":
        with transaction.atomic():
            yield True
        return
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:  # the transaction's first statement
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield True
        return
    snapshot = False
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW transaction_isolation")
            snapshot = cursor.fetchone()[0] in ("repeatable read", "serializable")
    with transaction.atomic():
        yield snapshot


def _entry_rows() -> Iterator[tuple[Any, ...]]:
    """Every entry as (id, at as isoformat() text, the other HASHED_FIELDS with `detail` as
    its canonical JSON text, entry_hash), oldest first, VERIFY_CHUNK rows at a time.

    On PostgreSQL a server-side cursor of our own, which gives `at` as the text its
    isoformat() would be (UTC, as every entry is written) and `detail` as jsonb text, made
    canonical once per distinct text: the datetime and JSON loaders Django puts on each row
    cost more than the HMAC (decision 0029). Elsewhere the ORM's iterator."""
    if connection.vendor != "postgresql":
        for row in AuditEntry.objects.order_by("id").values_list(*_ROW_FIELDS).iterator(
                chunk_size=VERIFY_CHUNK):
            yield (row[0], row[1].isoformat(), *row[2:10], _canonical(row[10]), *row[11:])
        return
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    sql = (
        "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), actor_id, "
        "actor_name, organisation_id, ip_address, action, object_type, object_id, client_id, "
        f"detail::text, previous_hash, chain, entry_hash FROM {table} ORDER BY id"
    )
    loads = json.loads
    details: dict[str, str] = {}
    with transaction.atomic():  # a named cursor lives inside a transaction
        connection.ensure_connection()
        raw = connection.connection
        assert raw is not None
        with raw.cursor(name="rootmap_audit_verify") as cursor:
            cursor.execute(sql)
            while rows := cursor.fetchmany(VERIFY_CHUNK):
                for row in rows:
                    at = row[1]
                    if at.endswith(".000000"):  # isoformat() leaves out zero microseconds
                        at = at[:-7]
                    detail = details.get(row[10])
                    if detail is None:
                        if len(details) >= _DETAIL_CACHE:
                            details.clear()
                        detail = details[row[10]] = _canonical(loads(row[10]))
                    yield (row[0], at + "+00:00", *row[2:10], detail, *row[11:])


def _read_heads(key: bytes) -> list[Head]:
    """The legacy head and every chain's head, each with whether its signature holds."""
    heads: list[Head] = []
    legacy = AuditHead.objects.filter(pk=1).first()
    if legacy is not None:
        heads.append((None, legacy.length, legacy.last_entry_id, legacy.last_hash,
                      hmac.compare_digest(_head_signature(legacy, key), legacy.signature)))
    for head in AuditChainHead.objects.order_by("chain"):
        heads.append((head.chain, head.length, head.last_entry_id, head.last_hash,
                      hmac.compare_digest(_chain_head_signature(head, key), head.signature)))
    return heads


def _verify_chains(wanted: dict[str | None, set[int]], progress: Progress | None,
                   ) -> tuple[VerifyReport, HashAt]:
    """Every chain and its signed head; `wanted` positions (1-based, per chain) have their
    entry noted, for the checkpoints. The heads are read first, in the walk's snapshot
    (_snapshot): entries appended while it runs never look like a head ahead of the log."""
    key = audit_key()
    content, digest, compare = _content_text, hmac.digest, hmac.compare_digest
    # chain -> [last hash, last id, length]; a handful of chains, however long the log.
    states: dict[str | None, list[Any]] = {}
    checked = 0
    hash_at: HashAt = {}
    with _snapshot() as snapshot:
        heads = _read_heads(key)
        # Each head's position and the one after it are noted, to compare with the head.
        wanted = {chain: set(positions) for chain, positions in wanted.items()}
        for chain, length, *_ in heads:
            wanted.setdefault(chain, set()).update((length, length + 1))
        for row in _entry_rows():
            pk, chain, entry_hash, previous_hash = row[0], row[12] or None, row[13], row[11]
            state = states.get(chain)
            if state is None:
                state = states[chain] = [GENESIS_HASH, None, 0]
            if not compare(digest(key, content(*row[1:13]).encode("ascii"), "sha256").hex(),
                           entry_hash):
                problem = f"{chain_name(chain)}: entry {pk}: its content was altered"
                if checked == 0:
                    # Nothing verifies from the very first entry: more often the key than the log.
                    problem += (", or the log was written under another audit key (check "
                                "ROOTMAP_AUDIT_KEY, or the keys file beside a demo database)")
                return VerifyReport(checked, pk, problem, bad_chain=chain), hash_at
            if previous_hash != state[0]:
                where = (f"between entry {state[1]} and entry {pk}" if state[1]
                         else f"before entry {pk}")
                return VerifyReport(checked, pk, f"{chain_name(chain)}: entry {pk}: entries "
                                    f"{where} were deleted", bad_chain=chain), hash_at
            state[0], state[1] = entry_hash, pk
            state[2] += 1
            checked += 1
            if chain in wanted and state[2] in wanted[chain]:
                hash_at[(chain, state[2])] = (pk, entry_hash)
            if progress is not None and checked % 20000 == 0:
                progress(checked)
        late: list[Head] = []
        if not snapshot:  # the heads of chains begun during the walk
            known = {head[0] for head in heads}
            late = [head for head in _read_heads(key) if head[0] not in known]
    if progress is not None:
        progress(checked)
    chains = tuple(ChainState(chain, state[2], state[1], state[0])
                   for chain, state in sorted(states.items(), key=lambda item: item[0] or ""))
    problem = _check_heads(heads, late, chains, hash_at, checked, snapshot)
    if problem is not None:
        return problem, hash_at
    newest = max(chains, key=lambda c: c.last_entry_id or 0, default=None)
    return VerifyReport(checked, None, None, (), newest.last_entry_id if newest else None,
                        newest.last_hash if newest else GENESIS_HASH, chains), hash_at


def _check_heads(heads: list[Head], late: list[Head], chains: tuple[ChainState, ...],
                 hash_at: HashAt, checked: int, snapshot: bool) -> VerifyReport | None:
    """Each chain against its signed head, and a head for every chain. In one snapshot a
    chain must end where its head says. Otherwise (not a snapshot) it must pass through the
    head's entry, entries after it being ones appended during the walk (verified by their
    links); `late` are the heads, read after the walk, of chains that had none before it:
    such a chain was begun during the walk, and the walk may have seen only its start."""
    found = {c.chain: c for c in chains}
    for chain, length, last_entry_id, _, signed in late:
        state = found.pop(chain, None)
        if state is not None and (not signed or length < state.length):
            return VerifyReport(checked, last_entry_id,
                                f"{chain_name(chain)}: its signed head was altered",
                                bad_chain=chain)
    for chain, length, last_entry_id, last_hash, signed in heads:
        state = found.pop(chain, None) or ChainState(chain, 0, None, GENESIS_HASH)
        name = chain_name(chain)
        if not signed:
            return VerifyReport(checked, last_entry_id, f"{name}: its signed head was altered",
                                bad_chain=chain)
        at_head = hash_at.get((chain, length), (None, GENESIS_HASH))[1] if length else GENESIS_HASH
        if state.length < length or at_head != last_hash:
            after = f"after entry {state.last_entry_id}" if state.last_entry_id else "from the start"
            return VerifyReport(
                checked, (state.last_entry_id or 0) + 1,
                f"{name}: entries {after} were deleted: the signed head records {length} entries "
                f"ending at entry {last_entry_id}, the log holds {state.length}",
                bad_chain=chain)
        if state.length > length and snapshot:
            beyond = hash_at[(chain, length + 1)][0]
            return VerifyReport(
                checked, beyond,
                f"{name}: entry {beyond}: the log holds {state.length} entries but the signed "
                f"head records {length} ending at entry {last_entry_id}: the head was put back "
                "to an older one, or entries were added around the application",
                bad_chain=chain)
    for state in found.values():
        return VerifyReport(checked, state.last_entry_id,
                            f"{chain_name(state.chain)}: its signed head is missing",
                            bad_chain=state.chain)
    return None


def _records_outside_the_log() -> list[str]:
    """What the application's own tables hold, e.g. ["2 users", "1 client"]."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("rootmap.web.") or config.label == "audit":
            continue
        for model in config.get_models():
            count = model._default_manager.count()
            if count:
                noun = model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural
                found.append(f"{count} {noun}")
    return found


def _against_checkpoints(report: VerifyReport, hash_at: HashAt,
                         checkpoint_file: checkpoints.CheckpointFile) -> VerifyReport:
    notes = tuple(
        f"a restore on {c.at[:19].replace('T', ' ')} wound the log back: the checkpoints had "
        f"recorded {c.wound_back_from} entries, the backup it restored held "
        f"{c.restored_entries if c.restored_entries is not None else c.state.length - 1}"
        for c in checkpoint_file.restores if c.wound_back_from is not None
    )
    if checkpoint_file.problem:
        return _with_notes(report, notes, checkpoint_file.problem)
    active = checkpoint_file.active
    if not active:
        return _with_notes(report, (
            *notes, f"no checkpoint in {checkpoint_file.path} yet: run `rootmap audit checkpoint`"))
    chains = {c.chain: c for c in report.chains}
    for checkpoint in sorted(active, key=lambda c: (c.state.chain or "", -c.state.length)):
        chain = checkpoint.state.chain
        state = chains.get(chain) or ChainState(chain, 0, None, GENESIS_HASH)
        length = checkpoint.state.length
        if length > state.length:
            return _with_notes(report, notes, (
                f"{chain_name(chain)} holds {state.length} entries but "
                f"{checkpoints.describe(checkpoint)} recorded {length}: entries after entry "
                f"{state.last_entry_id} were removed, or an old database or backup was put back"),
                first_bad_id=(state.last_entry_id or 0) + 1, bad_chain=chain)
        if length and hash_at.get((chain, length)) != (checkpoint.state.last_entry_id,
                                                       checkpoint.state.last_hash):
            entry_id = hash_at.get((chain, length), (None, ""))[0]
            return _with_notes(report, notes, (
                f"{chain_name(chain)}: entry {entry_id}, number {length} of the chain, is not the "
                f"one {checkpoints.describe(checkpoint)} recorded: the log was replaced"),
                first_bad_id=entry_id, bad_chain=chain)
    newest = max(active, key=lambda c: c.line)
    anchored = {c.state.chain for c in active}
    if len(anchored) == 1:
        return _with_notes(report, (*notes, f"matches {checkpoints.describe(newest)} in "
                                            f"{checkpoint_file.path}"))
    return _with_notes(report, (*notes, f"matches the checkpoints of {len(anchored)} chains in "
                                        f"{checkpoint_file.path}, the newest "
                                        f"{checkpoints.describe(newest)}"))


def audit_checkpoint() -> tuple[VerifyReport, Path | None]:
    """Verify the log, then append a checkpoint of each chain's head; nothing is written
    for a log that does not verify (that would anchor the damage)."""
    report = audit_verify()
    if not report.ok:
        return report, None
    states = [checkpoints.CheckpointState(c.length, c.last_entry_id, c.last_hash, c.chain)
              for c in report.chains] or [checkpoints.CheckpointState(0, None, GENESIS_HASH)]
    path = None
    for state in states:
        path = checkpoints.checkpoint_write(state=state, reason="command")
    return report, path
