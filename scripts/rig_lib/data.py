"""`rig load` and `rig dump`: a deterministic data set written through the Python driver, and a
canonical, diffable dump of what a node serves back.

The data set is made for backup/restore tests: several keyspaces and replication strategies,
clustering in both orders, counters, collections, a frozen UDT, static columns, TTLs, row, cell,
range and partition tombstones, an SAI and a legacy secondary index, an uncompressed table, and
several flushes so that every table has a few sstables in both data directories.

Every value comes from random.Random seeded with the table's name, and every delete is fixed by
the row's index, so the same scale always produces the same rows. Loading twice gives the same
result (counters are topped up to their target rather than incremented blindly).
"""

import concurrent.futures
import datetime
import decimal
import hashlib
import json
import os
import random
import sys
import time
import uuid

from .common import RigError, auth_provider, log, node_address
from .cluster import run_nodetool
from .node import Node

KEYSPACES = ("cv_simple", "cv_nts", "cv_misc")
PHASES = 3  # the data is written in three rounds with a flush after each
LONG_TTL = 86400  # one day: TTL'd rows stay put for the life of any test
BASE_TIME = datetime.datetime(2024, 1, 1)
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
CITIES = ["Lyon", "Oslo", "Porto", "Graz", "Turku", "Split", "Ghent", "Cork"]


class Unit:
    """One partition's worth of writes: the inserts, the deletes applied after them, and how many
    rows `SELECT *` returns for it afterwards."""

    def __init__(self):
        self.inserts = []  # (statement name, params)
        self.deletes = []
        self.rows = 0

    def insert(self, stmt, *params):
        self.inserts.append((stmt, params))

    def delete(self, stmt, *params):
        self.deletes.append((stmt, params))


class Table:
    """A table of the data set: DDL, named statements and a generator of Units for a scale.

    batch_rows > 1 sends a partition's inserts as unlogged single-partition batches of that many rows:
    one request and one mutation per replica instead of one per row, which roughly halves `load` on
    three nodes. The rows stay well under batch_size_warn_threshold (5 KiB), so the logs stay quiet.
    """

    def __init__(self, keyspace, name, ddl, statements, units, counter=False, batch_rows=1):
        self.keyspace, self.name, self.ddl, self.statements = keyspace, name, ddl, statements
        self.make_units = units
        self.counter = counter
        self.batch_rows = batch_rows

    @property
    def full_name(self):
        return "%s.%s" % (self.keyspace, self.name)

    def units(self, scale):
        return self.make_units(random.Random(self.full_name), scale)


def count(base, scale):
    return max(1, int(round(base * scale)))


def ts(seconds):
    return BASE_TIME + datetime.timedelta(seconds=seconds)


def signed64(i):
    """A well-spread, unique signed 64-bit key for index i (odd multiplier: a bijection mod 2^64)."""
    x = ((i + 1) * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    return x - (1 << 64) if x >= (1 << 63) else x


def det_uuid(rng):
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def det_timeuuid(seconds, seq):
    from cassandra.util import uuid_from_time
    # Fixed node and clock_seq: uuid_from_time randomises whichever is not given.
    return uuid_from_time(BASE_TIME.replace(tzinfo=datetime.timezone.utc).timestamp() + seconds,
                          node=0x0242AC110002, clock_seq=seq & 0x3FFF)


# --- the tables --------------------------------------------------------------------------------

def users_units(rng, scale):
    units = []
    for i in range(count(1000, scale)):
        u = Unit()
        tags = set(rng.sample(WORDS, rng.randint(0, 4)))
        prefs = {w: rng.choice(WORDS) for w in rng.sample(WORDS, rng.randint(0, 3))}
        history = [rng.randint(-1000, 1000) for _ in range(rng.randint(0, 5))]
        addr = ("%d %s street" % (rng.randint(1, 999), rng.choice(WORDS)), rng.choice(CITIES), rng.randint(1000, 99999))
        u.insert("insert", i, "user%05d" % i, "user%d@example.com" % i, rng.randint(18, 90), rng.random() * 100,
                 rng.random() < 0.5, ts(rng.randint(0, 10**8)), rng.randbytes(16), tags, prefs, history, addr)
        if i % 10 == 0:
            u.delete("delete_row", i)
        else:
            u.rows = 1
            if i % 7 == 3:
                u.delete("delete_email", i)  # a cell tombstone
        units.append(u)
    return units


def events_units(rng, scale):
    units = []
    for s in range(count(20, scale)):
        for d in range(3):
            u = Unit()
            sensor, day = "sensor-%03d" % s, (BASE_TIME + datetime.timedelta(days=d)).date()
            for k in range(25):
                for seq in range(2):
                    note = None if rng.random() < 0.2 else " ".join(rng.sample(WORDS, 3))
                    u.insert("insert", sensor, day, ts(d * 86400 + k * 60), seq, rng.gauss(20, 5), note)
            u.rows = 50
            if (s + d) % 9 == 4:
                u.delete("delete_partition", sensor, day)
                u.rows = 0
            elif (s + d) % 4 == 0:
                # A range tombstone over five minutes (ten rows) of a DESC-clustered partition.
                u.delete("delete_range", sensor, day, ts(d * 86400 + 5 * 60), ts(d * 86400 + 10 * 60))
                u.rows = 40
            units.append(u)
    return units


def counter_units(rng, scale):
    units = []
    for i in range(count(200, scale)):
        u = Unit()
        u.target = ("/page/%04d" % i, rng.randint(1, 1000), rng.randint(0, 50))
        u.rows = 1
        units.append(u)
    return units


def orders_units(rng, scale):
    units = []
    for c in range(count(200, scale)):
        u = Unit()
        customer, name = det_uuid(rng), "customer %d" % c
        stmt = "insert_ttl" if c % 5 == 1 else "insert"
        ids = [det_timeuuid(c * 3600 + k * 60, c * 8 + k) for k in range(5)]
        for k, order_id in enumerate(ids):
            items = {rng.choice(WORDS): rng.randint(1, 9) for _ in range(rng.randint(1, 4))}
            total = decimal.Decimal("%d.%02d" % (rng.randint(1, 9999), rng.randint(0, 99)))
            u.insert(stmt, customer, order_id, name, total, items, rng.choice(["new", "paid", "shipped"]),
                     ts(c * 3600 + k * 60))
        u.rows = 5
        if c % 50 == 7:
            # Every order gone, the static column stays: SELECT * shows one row with null clustering.
            u.delete("delete_range", customer, ids[0], ids[-1])
            u.rows = 1
        elif c % 3 == 0:
            u.delete("delete_row", customer, ids[4])
            u.rows = 4
        units.append(u)
    return units


def blobs_units(rng, scale):
    units = []
    for i in range(count(300, scale)):
        u = Unit()
        k = signed64(i)
        for part in range(5):
            u.insert("insert", k, part, rng.randbytes(4096))
        u.rows = 5
        if i % 25 == 0:
            u.delete("delete_row", k, 0)
            u.rows = 4
        units.append(u)
    return units


def all_types_units(rng, scale):
    from cassandra.util import Duration, Time
    units = []
    for i in range(count(500, scale)):
        u = Unit()
        # inet values stay in loopback space (127/8, also IPv4-mapped as IPv6) like everything in the rig.
        quad = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
        ip = ("127.%d.%d.%d" if i % 3 else "::ffff:127.%d.%d.%d") % quad
        nested = {w: [rng.randint(0, 99) for _ in range(rng.randint(0, 3))] for w in rng.sample(WORDS, 2)}
        u.insert("insert", det_uuid(rng), rng.randint(-128, 127), rng.randint(-32768, 32767),
                 rng.getrandbits(63) - (1 << 62), rng.getrandbits(100) - (1 << 99),
                 decimal.Decimal("%d.%03d" % (rng.randint(-10**6, 10**6), rng.randint(0, 999))),
                 rng.uniform(-1e3, 1e3), rng.uniform(-1e9, 1e9), ip, Time(rng.randint(0, 86400 * 10**9 - 1)),
                 (BASE_TIME + datetime.timedelta(days=rng.randint(-5000, 5000))).date(),
                 Duration(rng.randint(0, 24), rng.randint(0, 30), rng.randint(0, 10**12)),
                 det_timeuuid(i * 17, i), "ascii-%d" % i, i % 2 == 0, (i, rng.choice(WORDS)), nested,
                 ts(rng.randint(0, 10**9)), rng.randbytes(rng.randint(0, 40)))
        u.rows = 1
        if i % 13 == 5:
            u.delete("delete_tup", u.inserts[0][1][0])
        units.append(u)
    return units


def wide_units(rng, scale):
    units = []
    for pk in range(count(10, scale)):
        u = Unit()
        for ck1 in range(100):
            for ck2 in ("a", "b"):
                stmt = "insert_ttl" if ck1 % 10 == 9 else "insert"
                u.insert(stmt, pk, ck1, ck2, "".join(rng.choice("abcdefghij") for _ in range(rng.randint(0, 60))))
        u.rows = 200
        if pk % 2 == 0:
            u.delete("delete_range", pk, 50, 60)  # ck1 in [50, 60): 20 rows
            u.rows -= 20
        if pk % 3 == 1:
            u.delete("delete_prefix", pk, 7)  # one clustering prefix: 2 rows
            u.rows -= 2
        units.append(u)
    return units


def tables(rf, dc="dc1"):
    simple = "{'class': 'SimpleStrategy', 'replication_factor': %d}" % rf
    nts = "{'class': 'NetworkTopologyStrategy', '%s': %d}" % (dc, rf)
    return [
        Table("cv_simple", "users", [
            "CREATE KEYSPACE IF NOT EXISTS cv_simple WITH replication = %s" % simple,
            "CREATE TYPE IF NOT EXISTS cv_simple.address (street text, city text, zip int)",
            "CREATE TABLE IF NOT EXISTS cv_simple.users (id int PRIMARY KEY, name text, email text, age int, "
            "score double, active boolean, created timestamp, avatar blob, tags set<text>, "
            "prefs map<text, text>, history list<int>, addr frozen<address>)",
            "CREATE INDEX IF NOT EXISTS users_age_sai ON cv_simple.users (age) USING 'sai'",
        ], {
            "insert": "INSERT INTO cv_simple.users (id, name, email, age, score, active, created, avatar, tags, "
                      "prefs, history, addr) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "delete_row": "DELETE FROM cv_simple.users WHERE id = ?",
            "delete_email": "DELETE email FROM cv_simple.users WHERE id = ?",
        }, users_units),
        Table("cv_simple", "events", [
            "CREATE TABLE IF NOT EXISTS cv_simple.events (sensor text, day date, ts timestamp, seq int, "
            "value double, note text, PRIMARY KEY ((sensor, day), ts, seq)) "
            "WITH CLUSTERING ORDER BY (ts DESC, seq ASC)",
        ], {
            "insert": "INSERT INTO cv_simple.events (sensor, day, ts, seq, value, note) VALUES (?, ?, ?, ?, ?, ?)",
            "delete_partition": "DELETE FROM cv_simple.events WHERE sensor = ? AND day = ?",
            "delete_range": "DELETE FROM cv_simple.events WHERE sensor = ? AND day = ? AND ts >= ? AND ts < ?",
        }, events_units, batch_rows=50),
        Table("cv_simple", "page_counters", [
            "CREATE TABLE IF NOT EXISTS cv_simple.page_counters (page text PRIMARY KEY, hits counter, likes counter)",
        ], {
            "add": "UPDATE cv_simple.page_counters SET hits = hits + ?, likes = likes + ? WHERE page = ?",
        }, counter_units, counter=True),
        Table("cv_nts", "orders", [
            "CREATE KEYSPACE IF NOT EXISTS cv_nts WITH replication = %s" % nts,
            "CREATE TABLE IF NOT EXISTS cv_nts.orders (customer uuid, order_id timeuuid, customer_name text static, "
            "total decimal, items map<text, int>, status text, placed timestamp, "
            "PRIMARY KEY (customer, order_id)) WITH CLUSTERING ORDER BY (order_id ASC)",
            # A legacy (table-backed) index: its sstables live in a hidden .orders_status_idx dir.
            "CREATE INDEX IF NOT EXISTS orders_status_idx ON cv_nts.orders (status)",
        ], {
            "insert": "INSERT INTO cv_nts.orders (customer, order_id, customer_name, total, items, status, placed) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)",
            "insert_ttl": "INSERT INTO cv_nts.orders (customer, order_id, customer_name, total, items, status, "
                          "placed) VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL %d" % LONG_TTL,
            "delete_row": "DELETE FROM cv_nts.orders WHERE customer = ? AND order_id = ?",
            "delete_range": "DELETE FROM cv_nts.orders WHERE customer = ? AND order_id >= ? AND order_id <= ?",
        }, orders_units, batch_rows=5),
        Table("cv_nts", "blobs", [
            "CREATE TABLE IF NOT EXISTS cv_nts.blobs (k bigint, part int, payload blob, PRIMARY KEY (k, part)) "
            "WITH compression = {'enabled': 'false'}",
        ], {
            "insert": "INSERT INTO cv_nts.blobs (k, part, payload) VALUES (?, ?, ?)",
            "delete_row": "DELETE FROM cv_nts.blobs WHERE k = ? AND part = ?",
        }, blobs_units),
        Table("cv_misc", "all_types", [
            "CREATE KEYSPACE IF NOT EXISTS cv_misc WITH replication = %s" % simple,
            "CREATE TABLE IF NOT EXISTS cv_misc.all_types (id uuid PRIMARY KEY, tiny tinyint, small smallint, "
            "big bigint, vint varint, dec decimal, f float, d double, ip inet, t time, dt date, dur duration, "
            "tu timeuuid, a ascii, b boolean, tup frozen<tuple<int, text>>, "
            "nested frozen<map<text, frozen<list<int>>>>, ts timestamp, bl blob)",
        ], {
            "insert": "INSERT INTO cv_misc.all_types (id, tiny, small, big, vint, dec, f, d, ip, t, dt, dur, tu, a, b, "
                      "tup, nested, ts, bl) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "delete_tup": "DELETE tup FROM cv_misc.all_types WHERE id = ?",
        }, all_types_units),
        Table("cv_misc", "wide", [
            "CREATE TABLE IF NOT EXISTS cv_misc.wide (pk int, ck1 int, ck2 text, v text, PRIMARY KEY (pk, ck1, ck2)) "
            "WITH CLUSTERING ORDER BY (ck1 ASC, ck2 DESC)",
        ], {
            "insert": "INSERT INTO cv_misc.wide (pk, ck1, ck2, v) VALUES (?, ?, ?, ?)",
            "insert_ttl": "INSERT INTO cv_misc.wide (pk, ck1, ck2, v) VALUES (?, ?, ?, ?) USING TTL %d" % LONG_TTL,
            "delete_range": "DELETE FROM cv_misc.wide WHERE pk = ? AND ck1 >= ? AND ck1 < ?",
            "delete_prefix": "DELETE FROM cv_misc.wide WHERE pk = ? AND ck1 = ?",
        }, wide_units, batch_rows=50),
    ]


# --- the driver --------------------------------------------------------------------------------

def consistency_for(state, name=None):
    from cassandra import ConsistencyLevel
    if name:
        try:
            return ConsistencyLevel.name_to_value[name.upper()]
        except KeyError:
            raise RigError("unknown consistency level %r" % name)
    # RF = nodes, so ALL on a cluster proves every replica has the data; ONE on a single node.
    return ConsistencyLevel.ALL if state["nodes"] > 1 else ConsistencyLevel.ONE


def connect(n, state=None):
    """A session whose only coordinator is node n (with the superuser's credentials on an `--auth` rig)."""
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable
    from cassandra.policies import WhiteListRoundRobinPolicy
    from cassandra.query import tuple_factory
    addr = node_address(n)
    profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([addr]), request_timeout=60,
                               row_factory=tuple_factory)
    cluster = Cluster([addr], port=9042, protocol_version=5, connect_timeout=10,
                      execution_profiles={EXEC_PROFILE_DEFAULT: profile}, auth_provider=auth_provider(state))
    try:
        session = cluster.connect()
    except NoHostAvailable as e:
        cluster.shutdown()
        raise RigError("cannot connect to CQL on %s:9042 (node %d): %s" % (addr, n, e))
    return cluster, session


def flush_all(state):
    """nodetool flush on every running node, in parallel (each nodetool is a JVM start)."""
    nodes = [n for n in range(1, state["nodes"] + 1) if Node(n).running()]
    if not nodes:
        raise RigError("no rig node is running to flush")
    with concurrent.futures.ThreadPoolExecutor(len(nodes)) as pool:
        for n, proc in zip(nodes, pool.map(lambda n: run_nodetool(state, n, ["flush"]), nodes)):
            if proc.returncode != 0:
                raise RigError("nodetool flush failed on node %d:\n%s" % (n, proc.stdout + proc.stderr))


def load(state, scale, n):
    if scale <= 0:
        raise RigError("--scale must be positive")
    started = time.monotonic()
    rf = min(3, state["nodes"])
    cl = consistency_for(state)
    all_tables = tables(rf, state.get("dc", "dc1"))
    units = {t.full_name: t.units(scale) for t in all_tables}
    cluster, session = connect(n, state)
    try:
        for t in all_tables:
            for ddl in t.ddl:
                session.execute(ddl)
        prepared = prepare_all(session, all_tables, cl)
        total = 0
        for phase in range(PHASES):
            phase_started = time.monotonic()
            requests = write_round(session, all_tables, units, phase, prepared, cl)
            flush_started = time.monotonic()
            # Flushing every node at once makes replicas write byte-identical SSTables (the same writes,
            # flushed at the same point); RIG_LOAD_FLUSH=none leaves flushes to each node, as in production.
            if os.environ.get("RIG_LOAD_FLUSH", "all") == "all":
                flush_all(state)
            total += requests
            log("load: round %d/%d: %d requests in %.1f s, flush %.1f s" % (
                phase + 1, PHASES, requests, flush_started - phase_started, time.monotonic() - flush_started))
    finally:
        cluster.shutdown()
    for t in all_tables:
        print("%s %d" % (t.full_name, sum(u.rows for u in units[t.full_name])))
    log("load: scale %g, RF %d, %d requests in %.1f s" % (scale, rf, total, time.monotonic() - started))
    return 0


def prepare_all(session, all_tables, cl):
    """(table, statement name) -> prepared statement at consistency cl."""
    prepared = {}
    for t in all_tables:
        for key, cql in t.statements.items():
            p = session.prepare(cql)
            p.consistency_level = cl
            prepared[(t.full_name, key)] = p
    return prepared


def write_round(session, all_tables, units, phase, prepared, cl):
    """Write round `phase` of PHASES: its third of every table's partitions, then deletes. Returns the
    number of requests sent."""
    from cassandra.concurrent import execute_concurrent
    inserts = []
    for t in all_tables:
        if t.counter:
            inserts += counter_statements(session, t, units[t.full_name], phase, prepared, cl)
        else:
            inserts += [r for u in split(units[t.full_name])[phase] for r in insert_requests(t, u, prepared, cl)]
    execute_concurrent(session, inserts, concurrency=64, raise_on_first_error=True)
    # Deletes aimed at the previous round shadow rows already flushed to an older sstable; the last round
    # also deletes its own rows, so some tombstones and the data they cover meet in one memtable.
    deletes = []
    for t in all_tables:
        chunks = split(units[t.full_name])
        targets = (chunks[phase - 1] if phase > 0 else []) + (chunks[phase] if phase == PHASES - 1 else [])
        deletes += [(prepared[(t.full_name, s)], p) for u in targets for s, p in u.deletes]
    execute_concurrent(session, deletes, concurrency=64, raise_on_first_error=True)
    return len(inserts) + len(deletes)


def insert_requests(table, unit, prepared, cl):
    """(statement, params) pairs for execute_concurrent: single rows, or unlogged batches of batch_rows."""
    from cassandra.query import BatchStatement, BatchType
    rows = [(prepared[(table.full_name, s)], p) for s, p in unit.inserts]
    if table.batch_rows == 1:
        return rows
    out = []
    for i in range(0, len(rows), table.batch_rows):
        batch = BatchStatement(batch_type=BatchType.UNLOGGED, consistency_level=cl)
        for stmt, params in rows[i:i + table.batch_rows]:
            batch.add(stmt, params)
        out.append((batch, None))
    return out


def split(units):
    n = len(units)
    return [units[i * n // PHASES:(i + 1) * n // PHASES] for i in range(PHASES)]


def counter_statements(session, table, units, phase, prepared, cl):
    """Counter updates that bring each counter to phase/PHASES of its target. Reading the current value
    first makes `load` repeatable: a second load tops up (or down) instead of doubling."""
    from cassandra.query import SimpleStatement
    current = {row[0]: (row[1] or 0, row[2] or 0) for row in session.execute(
        SimpleStatement("SELECT page, hits, likes FROM %s" % table.full_name, consistency_level=cl, fetch_size=1000))}
    out = []
    for u in units:
        page, hits, likes = u.target
        want = (hits * (phase + 1) // PHASES, likes * (phase + 1) // PHASES)
        have = current.get(page, (0, 0))
        if want != have:
            out.append((prepared[(table.full_name, "add")], (want[0] - have[0], want[1] - have[1], page)))
    return out


# --- dump --------------------------------------------------------------------------------------

def dump(state, target, n, consistency=None):
    from cassandra.metadata import protect_name
    from cassandra.query import SimpleStatement
    ks, _, table = target.partition(".")
    cl = consistency_for(state, consistency)
    cluster, session = connect(n, state)
    try:
        meta = cluster.metadata.keyspaces.get(ks)
        if meta is None:
            user = sorted(k for k in cluster.metadata.keyspaces if not k.startswith("system"))
            raise RigError("unknown keyspace %r (node %d has %s)" % (
                ks, n, "these: " + ", ".join(user) if user else "no user keyspaces; `rig load` makes some"))
        if table and table not in meta.tables:
            raise RigError("unknown table %r in keyspace %s (it has: %s)" % (table, ks, ", ".join(sorted(meta.tables))))
        out = sys.stdout
        for name in [table] if table else sorted(meta.tables):
            stmt = SimpleStatement("SELECT * FROM %s.%s" % (protect_name(ks), protect_name(name)),
                                   consistency_level=cl, fetch_size=1000)
            result = session.execute(stmt)
            cols = result.column_names
            lines = sorted(" ".join("%s=%s" % (c, fmt(v)) for c, v in zip(cols, row)) for row in result)
            out.write("== %s.%s\n" % (ks, name))
            out.writelines(line + "\n" for line in lines)
    finally:
        cluster.shutdown()
    return 0


def fmt(v):
    """Canonical text for a CQL value: the same data always prints the same way."""
    from cassandra.util import Date, Duration, Time
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (bytes, bytearray)):
        return fmt_blob(bytes(v))
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return v.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (v.microsecond // 1000)
    if isinstance(v, (datetime.date, datetime.time, Date, Time)):
        return str(v)
    if isinstance(v, Duration):
        return "%dmo%dd%dns" % (v.months, v.days, v.nanoseconds)
    if isinstance(v, tuple) and hasattr(v, "_fields"):  # a UDT: fields sorted by name
        return "{" + ",".join("%s:%s" % (f, fmt(getattr(v, f))) for f in sorted(v._fields)) + "}"
    if isinstance(v, tuple):
        return "(" + ",".join(fmt(x) for x in v) + ")"
    if isinstance(v, list):
        return "[" + ",".join(fmt(x) for x in v) + "]"
    if hasattr(v, "items"):  # dict, OrderedMap, OrderedMapSerializedKey
        return "{" + ",".join("%s:%s" % (fmt(k), fmt(x)) for k, x in _sorted_items(v)) + "}"
    if isinstance(v, (set, frozenset)) or type(v).__name__ == "SortedSet":
        return "{" + ",".join(fmt(x) for x in _sorted(v)) + "}"
    return repr(v)


BLOB_INLINE = 64


def fmt_blob(b):
    """Hex; blobs longer than BLOB_INLINE bytes print as a prefix plus length and digest, which keeps
    dumps readable while any changed byte still changes the line."""
    if len(b) <= BLOB_INLINE:
        return "0x" + b.hex()
    return "0x%s...(len=%d,sha256=%s)" % (b[:16].hex(), len(b), hashlib.sha256(b).hexdigest()[:16])


def _sorted(items):
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=fmt)


def _sorted_items(mapping):
    keys = _sorted(list(mapping.keys()))
    return [(k, mapping[k]) for k in keys]
