"""bench/gen-data: real SSTables written by Cassandra's own CQLSSTableWriter, cached between runs.

Layout of one data set, <cache>/bench-data/<key>/ (key = generator version, size, seed):
  base/data/<ks>/<table>-<32 hex id>/   the node's data directory: what every tool backs up
  base/cassandra.yaml                   lets `cassvault backup --offline` and Cassandra's tools read base/data
  alt/data/<ks>/<table>-<id>/           new SSTables for the "compaction" scenario: same tables, new rows,
                                        fewer and larger SSTables, higher generations (as compaction writes)
  alt/cassandra.yaml
  schema.cql                            CREATE KEYSPACE/TABLE (WITH ID = the directory's id), for a live node
  manifest.json                         the plan, sizes, files per table, which tables the compaction swaps
A set is built in <key>.tmp and renamed into place only after cassvault has read and checked all of it,
so an interrupted generation is redone rather than half-used.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
import uuid

from .common import (CASSANDRA_VERSION, BENCH_DIR, BenchError, bench_data_root, cassandra_lib, cassvault_binary,
                     dir_bytes, java_tool_command, log, rmtree, run, write_cassandra_yaml, write_file, write_json)

# Bump when the plan or the generator changes what gets written: old cached sets are then not reused.
GEN_VERSION = 1

# On-disk bytes per raw value byte of GenSSTables' rows, measured on its output (LZ4 16 KiB chunks
# shrink the half-random rows to ~0.8x; without compression the row and index overhead adds ~4%).
DISK_PER_RAW = {"lz4": 0.80, "none": 1.04}

# The few large tables: (keyspace, table, share of the bytes, compression, format).
LARGE_TABLES = [
    ("bench_big", "events", 0.35, "lz4", "big"),
    ("bench_big", "metrics", 0.20, "lz4", "big"),
    ("bench_big", "raw_blobs", 0.10, "none", "big"),     # compression disabled: Data.db + CRC.db
    ("bench_bti", "events_bti", 0.15, "lz4", "bti"),     # 5.0's trie-indexed format: da-*-bti-*
]
SMALL_SHARE = 0.20                                        # spread over many small tables
SMALL_KEYSPACES = ["bench_small_a", "bench_small_b", "bench_small_c", "bench_small_d"]
# Small tables are written with a small buffer so each has several SSTables, as flushed tables do:
# this is what gives a node thousands of components.
SMALL_SSTABLE_MIB = 2
# The compaction scenario replaces this table plus small tables worth COMPACTION_SMALL_SHARE: ~30% of bytes.
COMPACTION_TABLE = ("bench_big", "metrics")
COMPACTION_SMALL_SHARE = 0.10
ALT_GENERATION_BASE = 1001

NAME_RE = re.compile(r"^([a-z]{2})-(\d+)-(big|bti)-(.+)$")


def dataset_key(size_gb, seed):
    return "v%d-size%s-seed%d" % (GEN_VERSION, ("%g" % size_gb).replace(".", "_"), seed)


def dataset_dir(size_gb, seed):
    return os.path.join(bench_data_root(), dataset_key(size_gb, seed))


def _derived(seed, *parts):
    """A 63-bit integer derived from the seed and names: per-table seeds that do not shift when tables are added."""
    h = hashlib.sha256(("%d/" % seed + "/".join(parts)).encode()).digest()
    return int.from_bytes(h[:8], "big") >> 1


def table_id(seed, ks, table):
    """A deterministic version-4-shaped UUID, as the table's directory suffix and its schema ID."""
    h = hashlib.sha256(("%d/id/%s.%s" % (seed, ks, table)).encode()).digest()
    return uuid.UUID(bytes=h[:16], version=4)


def small_table_count(size_gb):
    return max(24, min(160, int(round(30 * size_gb))))


def build_plan(size_gb, seed):
    """The tables to write, with their on-disk byte targets; deterministic for (size_gb, seed)."""
    total = size_gb * 1e9
    big_mib = 64 if size_gb >= 2 else 16   # 64 MiB needs ~3 GiB of heap; small sets get more SSTables this way
    tables = []
    for ks, t, share, comp, fmt in LARGE_TABLES:
        tables.append(dict(ks=ks, table=t, disk_target=total * share, compression=comp, format=fmt,
                           sstable_mib=big_mib))
    n = small_table_count(size_gb)
    # Uneven sizes (0.25x-1.75x of the mean, by the golden-ratio sequence) like real small tables.
    weights = [0.25 + 1.5 * ((i * 0.6180339887) % 1.0) for i in range(n)]
    for i, w in enumerate(weights):
        tables.append(dict(ks=SMALL_KEYSPACES[i % len(SMALL_KEYSPACES)], table="t%03d" % i,
                           disk_target=total * SMALL_SHARE * w / sum(weights), compression="lz4", format="big",
                           sstable_mib=SMALL_SSTABLE_MIB))
    for t in tables:
        t["id"] = table_id(seed, t["ks"], t["table"]).hex
        t["seed"] = _derived(seed, "rows", t["ks"], t["table"])
        t["raw_bytes"] = int(t["disk_target"] / DISK_PER_RAW[t["compression"]])
    # Compaction: the chosen large table and the first small tables up to the share, rewritten with new rows
    # into few large SSTables.
    swap, share = [COMPACTION_TABLE], 0.0
    for t in tables[len(LARGE_TABLES):]:
        if share >= COMPACTION_SMALL_SHARE * total:
            break
        swap.append((t["ks"], t["table"]))
        share += t["disk_target"]
    alt = []
    for t in tables:
        if (t["ks"], t["table"]) in swap:
            a = dict(t)
            a["seed"] = _derived(seed, "rows-compacted", t["ks"], t["table"])
            a["sstable_mib"] = big_mib
            alt.append(a)
    return tables, alt


def compile_generator(lib):
    """Compile bench/java/GenSSTables.java once per source version into the cache."""
    src = os.path.join(BENCH_DIR, "java", "GenSSTables.java")
    with open(src, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    out = os.path.join(bench_data_root(), "classes-" + digest)
    if os.path.exists(os.path.join(out, "GenSSTables.class")):
        return out
    if shutil.which("javac") is None:
        raise BenchError("javac not found: install a JDK (bench/install-peers installs openjdk-17-jdk-headless)")
    tmp = out + ".tmp"
    rmtree(tmp)
    os.makedirs(tmp)
    run(["javac", "-nowarn", "-d", tmp, "-cp", os.path.join(lib, "*"), src], "compiling " + src)
    rmtree(out)
    os.replace(tmp, out)
    return out


def _split(tables, jobs):
    """Greedy split by size into `jobs` plan files, largest first, so the JVMs finish together."""
    bins = [[] for _ in range(max(1, min(jobs, len(tables))))]
    loads = [0] * len(bins)
    for t in sorted(tables, key=lambda t: -t["raw_bytes"]):
        i = loads.index(min(loads))
        bins[i].append(t)
        loads[i] += t["raw_bytes"]
    return bins


def _run_generators(lib, classes, jobs_tables, out_root, heap):
    procs = []
    for i, tables in enumerate(jobs_tables):
        plan = os.path.join(out_root, "plan-%d.tsv" % i)
        lines = ["# keyspace table out_dir raw_bytes compression format max_sstable_mib seed"]
        for t in tables:
            lines.append("\t".join(str(x) for x in (t["ks"], t["table"], t["gen_dir"], t["raw_bytes"], t["compression"],
                                                     t["format"], t["sstable_mib"], t["seed"])))
        write_file(plan, "\n".join(lines) + "\n")
        cmd = java_tool_command(heap, classes + ":" + os.path.join(lib, "*"), "GenSSTables", [plan])
        logf = open(os.path.join(out_root, "gen-%d.log" % i), "w")
        procs.append((subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT),
                      logf, plan))
    failed = []
    for proc, logf, plan in procs:
        rc = proc.wait()
        logf.close()
        if rc != 0:
            failed.append((plan, rc, logf.name))
    if failed:
        plan, rc, logname = failed[0]
        with open(logname) as f:
            tail = "\n".join(f.read().splitlines()[-25:])
        raise BenchError("GenSSTables failed (exit %d) on %s; log %s:\n%s" % (rc, plan, logname, tail))


def _finish_table(src, dst, first_generation):
    """Move one table's SSTables to dst, renumbering generations first_generation, +1, ... and writing a
    TOC.txt where the writer left none. Returns (sstables, tocs_written).

    Renumbering makes file names independent of how tables were spread over JVMs (each JVM counts
    generations across all the tables it writes)."""
    groups = {}
    for name in os.listdir(src):
        m = NAME_RE.match(name)
        if not m:
            raise BenchError("unexpected file %s in %s (not <version>-<gen>-<format>-<component>)" % (name, src))
        groups.setdefault(int(m.group(2)), []).append((name, m))
    if not groups:
        raise BenchError("the generator wrote no SSTable into %s" % src)
    os.makedirs(dst)
    tocs = 0
    for new_gen, old_gen in enumerate(sorted(groups), start=first_generation):
        components = []
        version = fmt = None
        for name, m in groups[old_gen]:
            version, fmt, comp = m.group(1), m.group(3), m.group(4)
            components.append(comp)
            os.rename(os.path.join(src, name), os.path.join(dst, "%s-%d-%s-%s" % (version, new_gen, fmt, comp)))
        if "Data.db" not in components:
            raise BenchError("SSTable generation %d in %s has no Data.db: %s" % (old_gen, src, components))
        if "TOC.txt" not in components:
            # cassandra.md saw CQLSSTableWriter leave no TOC.txt; Cassandra needs one to load the SSTable.
            write_file(os.path.join(dst, "%s-%d-%s-TOC.txt" % (version, new_gen, fmt)),
                       "".join(c + "\n" for c in sorted(components + ["TOC.txt"])))
            tocs += 1
    return len(groups), tocs


def schema_cql(tables):
    lines = ["-- Generated by bench/gen-data: the schema of the bench data set (table ids match its directories)."]
    for ks in sorted({t["ks"] for t in tables}):
        lines.append("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = "
                     "{'class': 'SimpleStrategy', 'replication_factor': 1};" % ks)
    for t in tables:
        opts = "ID = %s" % uuid.UUID(hex=t["id"])
        if t["compression"] == "none":
            opts += " AND compression = {'enabled': 'false'}"
        lines.append("CREATE TABLE IF NOT EXISTS %s.%s (pk bigint, ck int, name text, value double, payload blob, "
                     "tags text, PRIMARY KEY (pk, ck)) WITH %s;" % (t["ks"], t["table"], opts))
    return "\n".join(lines) + "\n"


def verify_with_cassvault(node_root, what):
    """Back the set up with `cassvault backup --offline` into a scratch vault: cassvault checks every
    Data.db against Digest.crc32 and its chunk CRCs, so acceptance means Cassandra's checksums hold."""
    cv = cassvault_binary()
    scratch = os.path.join(node_root, "verify.tmp")
    rmtree(scratch)
    os.makedirs(scratch)
    key = os.path.join(scratch, "vault.key")
    write_file(key, uuid.uuid4().hex + uuid.uuid4().hex + "\n", mode=0o600)
    cfg = os.path.join(scratch, "cassvault.yaml")
    # JMX port 1 as well: the check must not take the rig's running node for this stopped one.
    write_file(cfg, "vault: {url: 'file://%s/vault', key_file: '%s'}\nnode: {cassandra_yaml: '%s', "
               "nodetool: ['/bin/false', '-p', '1']}\ncache_dir: '%s/cache'\n"
               % (scratch, key, os.path.join(node_root, "cassandra.yaml"), scratch))
    run([cv, "--config", cfg, "init"], "cassvault init (verifying %s)" % what)
    out = run([cv, "--config", cfg, "--json", "backup", "--offline", "--tag", "verify"],
              "cassvault backup --offline of the generated %s SSTables (a checksum or format problem)" % what)
    rmtree(scratch)
    return json.loads(out)


def generate(size_gb, seed, jobs, force=False):
    """Return the directory of the data set, generating it unless a complete one is cached."""
    final = dataset_dir(size_gb, seed)
    if os.path.exists(os.path.join(final, "manifest.json")) and not force:
        log("using cached data set %s" % final)
        return final
    started = time.monotonic()
    lib = cassandra_lib()
    classes = compile_generator(lib)
    tables, alt = build_plan(size_gb, seed)
    work = final + ".tmp"
    rmtree(work)
    os.makedirs(work)
    big_mib = max(t["sstable_mib"] for t in tables)
    heap = "3g" if big_mib >= 64 else "1536m"
    raw_total = sum(t["raw_bytes"] for t in tables + alt)
    log("generating %s: %d tables (+%d compacted replacements), %.2f GB of raw rows, %d JVM(s) with -Xmx%s"
        % (os.path.basename(final), len(tables), len(alt), raw_total / 1e9, min(jobs, len(tables)), heap))
    # Alt tables share keyspace and table names with base ones, so each entry names its own output dir.
    gen = [dict(t, variant=variant, gen_dir=os.path.join(work, "gen", variant, t["ks"], t["table"]))
           for variant, ts in (("base", tables), ("alt", alt)) for t in ts]
    _run_generators(lib, classes, _split(gen, jobs), work, heap)
    info = {"base": [], "alt": []}
    tocs = 0
    for g in gen:
        src = g["gen_dir"]
        dst = os.path.join(work, g["variant"], "data", g["ks"], "%s-%s" % (g["table"], g["id"]))
        n, written = _finish_table(src, dst, 1 if g["variant"] == "base" else ALT_GENERATION_BASE)
        tocs += written
        size, files = dir_bytes(dst)
        info[g["variant"]].append(dict(ks=g["ks"], table=g["table"], id=g["id"],
                                       dir="%s/%s-%s" % (g["ks"], g["table"], g["id"]), compression=g["compression"], format=g["format"], sstables=n, files=files,
                                       bytes=size, raw_bytes=g["raw_bytes"], seed=g["seed"]))
    rmtree(os.path.join(work, "gen"))
    for variant in ("base", "alt"):
        write_cassandra_yaml(os.path.join(work, variant, "cassandra.yaml"), os.path.join(final, variant, "data"))
    write_file(os.path.join(work, "schema.cql"), schema_cql(tables))
    gen_seconds = time.monotonic() - started
    # Verify at the final paths (the yaml names them), then publish the manifest last.
    rmtree(final)
    os.replace(work, final)
    checks = {v: verify_with_cassvault(os.path.join(final, v), v) for v in ("base", "alt")}
    base_bytes, base_files = dir_bytes(os.path.join(final, "base", "data"))
    manifest = dict(
        key=os.path.basename(final), gen_version=GEN_VERSION, size_gb=size_gb, seed=seed, jobs=jobs,
        cassandra_version=CASSANDRA_VERSION, generated_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        generation_seconds=round(gen_seconds, 1), tocs_written=tocs,
        base=dict(bytes=base_bytes, files=base_files, sstables=sum(t["sstables"] for t in info["base"]),
                  tables=info["base"]),
        alt=dict(bytes=sum(t["bytes"] for t in info["alt"]), tables=info["alt"]),
        compaction_swap=["%s.%s" % (t["ks"], t["table"]) for t in info["alt"]],
        cassvault_check={v: {k: checks[v].get(k) for k in ("files", "bytes", "tables")} for v in checks},
    )
    write_json(os.path.join(final, "manifest.json"), manifest)
    log("data set ready in %.0f s: %.2f GB in %d files (%d SSTables, %d tables); compaction swaps %.0f%% of bytes; "
        "%d TOC.txt written by us" % (time.monotonic() - started, base_bytes / 1e9, base_files,
                                      manifest["base"]["sstables"], len(info["base"]),
                                      100.0 * manifest["alt"]["bytes"] / base_bytes, tocs))
    return final

