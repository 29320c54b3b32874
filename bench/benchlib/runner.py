"""bench/run: every scenario, every tool, several repetitions in alternating order, one results file.

Method (also written into the results):
- Each repetition works on its own copy of the cached data set: hard links of the SSTables (cheap, and
  safe because nothing below writes into an existing file: the compaction swap unlinks and links,
  SSTableRepairedAtSetter writes a new Statistics.db and renames it over the old one), with every
  Statistics.db copied anyway so the cached set can never be touched through a shared inode.
- Tools run one after another in each scenario; the order alternates between repetitions
  (cassvault, restic, borg, cp / cp, borg, restic, cassvault), so drift on this shared VM (the memory
  handed back to the host, other jobs) hits both members of a pair alike; ratios are taken per pair.
- Before every timed step: `sync`, and in cold mode (default) `echo 3 > /proc/sys/vm/drop_caches`.
"""

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import time

from . import report
from .common import (BENCH_DIR, CASSANDRA_VERSION, REPO_DIR, BenchError, cache_dir, cassandra_lib, cassvault_binary,
                     dir_bytes, disk_usage, java_tool_command, log, require_tools, rmtree, run, tool_version,
                     write_cassandra_yaml, write_file, write_json)
from .gendata import generate
from .measure import machine_limits, settle, timed
from .tools import ALL, CassVault

SCENARIOS = [
    ("full", "1. full backup"),
    ("nochange", "2. nothing changed"),
    ("compaction", "3. after a compaction (~30% of bytes new)"),
    ("repair", "4. after incremental repair (Statistics.db of most SSTables rewritten)"),
    ("restore", "5. full restore"),
    ("restore_table", "6. restore one table"),
]
BACKUP_SCENARIOS = ["full", "nochange", "compaction", "repair"]
REPAIRED_FRACTION = 0.8     # "most SSTables": every SSTable but each fifth in name order


class Node:
    """An offline node: <root>/data (the data directory) and <root>/cassandra.yaml."""

    def __init__(self, root):
        self.root = root
        self.data = os.path.join(root, "data")
        self.yaml = os.path.join(root, "cassandra.yaml")


def link_tree(src, dst):
    """Hard-link every file of src into dst (same tree), copying *-Statistics.db instead: see module doc."""
    for root, _dirs, names in os.walk(src):
        rel = os.path.relpath(root, src)
        out = os.path.join(dst, rel) if rel != "." else dst
        os.makedirs(out, exist_ok=True)
        for n in names:
            s, d = os.path.join(root, n), os.path.join(out, n)
            if n.endswith("-Statistics.db"):
                shutil.copy2(s, d)
            else:
                os.link(s, d)


def make_node(rep_dir, dataset):
    node = Node(os.path.join(rep_dir, "node"))
    link_tree(os.path.join(dataset, "base", "data"), node.data)
    write_cassandra_yaml(node.yaml, node.data)
    return node


def compaction(node, dataset, manifest):
    """Swap in the compacted replacements: the old SSTables of those tables go, new ones (new generations,
    new bytes, fewer and larger files) appear, as after a compaction."""
    alt_root = os.path.join(dataset, "alt", "data")
    for t in manifest["alt"]["tables"]:
        d = os.path.join(node.data, t["dir"])
        if not os.path.isdir(d):
            raise BenchError("compaction: table dir %s missing from the working copy" % d)
        for n in os.listdir(d):
            os.unlink(os.path.join(d, n))
        link_tree(os.path.join(alt_root, t["dir"]), d)


def repair(node, log_path):
    """Mark most SSTables repaired with Cassandra's own SSTableRepairedAtSetter, as incremental repair
    does: each chosen SSTable's Statistics.db is rewritten (new file renamed over the old: new inode,
    same size, different bytes). Returns how many Statistics.db files changed."""
    datas = []
    for root, _dirs, names in os.walk(node.data):
        datas.extend(os.path.join(root, n) for n in names if n.endswith("-Data.db"))
    datas.sort()
    chosen = [p for i, p in enumerate(datas) if i % 5 != 4]
    stats = [p[: -len("Data.db")] + "Statistics.db" for p in chosen]
    before = {p: (os.stat(p).st_ino, os.path.getsize(p)) for p in stats}
    listing = os.path.join(node.root, "repaired-sstables.txt")
    write_file(listing, "".join(p + "\n" for p in chosen))
    lib = cassandra_lib()
    cmd = java_tool_command("512m", os.path.join(lib, "*"), "org.apache.cassandra.tools.SSTableRepairedAtSetter",
                            ["--really-set", "--is-repaired", "-f", listing],
                            ["-Dcassandra.config=file://" + node.yaml])
    with open(log_path, "a") as f:
        f.write("\n$ %s\n" % " ".join(cmd))
        f.flush()
        rc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        raise BenchError("SSTableRepairedAtSetter failed (exit %d); see %s" % (rc, log_path))
    changed = 0
    for p, (ino, size) in before.items():
        st = os.stat(p)
        if st.st_size != size:
            raise BenchError("repair: %s changed size (%d -> %d); expected the same size" % (p, size, st.st_size))
        changed += st.st_ino != ino
    if changed < len(stats):
        raise BenchError("repair: only %d of %d Statistics.db files were rewritten" % (changed, len(stats)))
    return changed, len(datas)


def versions(with_medusa, with_cloud=False, source_bin=None):
    v = {
        "cassvault": tool_version([cassvault_binary(), "--version"]),
        "restic": tool_version(["restic", "version"]),
        "borg": tool_version(["borg", "--version"]),
        "cp": tool_version(["cp", "--version"]),
        "openssl": tool_version(["openssl", "version"]),
        "GNU time": tool_version(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n", "time"]),
        "java": tool_version(["java", "-version"]),
        "cassandra-all (SSTable writer)": CASSANDRA_VERSION,
        "kernel": platform.release(),
    }
    try:
        # The checkout the binary was built in (CASSVAULT_BIN may point into another worktree), else this one.
        repo = REPO_DIR
        if source_bin:
            top = subprocess.run(["git", "-C", os.path.dirname(source_bin), "rev-parse", "--show-toplevel"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
            repo = top or repo
        rev = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
        v["cassvault source"] = "%s%s in %s (HEAD at the end of the run; the binary may predate it)" % (
            rev, " + uncommitted changes" if dirty else "", repo)
    except OSError:
        pass
    if with_medusa or with_cloud:
        from .medusa import medusa_version
        v["cassandra-medusa"] = medusa_version()
    if with_cloud:
        from .cloud import azurite_version, versitygw_version
        v["Azurite"] = azurite_version()
        v["Versity S3 Gateway"] = versitygw_version()
    return v


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M)
            cpu = m.group(1) if m else cpu
    except OSError:
        pass
    with open("/proc/meminfo") as f:
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
    return dict(cpu=cpu, cores=os.cpu_count(), mem_gib=round(mem_kb / 2**20, 1))


class Bench:
    def __init__(self, args):
        self.args = args
        self.cold = not args.warm
        self.quick = args.quick
        self.reps = args.reps or (2 if args.quick else 3)
        self.size = args.size_gb or (0.5 if args.quick else 4.0)
        self.work = args.work_dir or os.path.join(cache_dir(), "bench-work")
        self.results = {s: {} for s, _ in SCENARIOS}     # scenario -> tool -> [dict per rep]
        self.stored = {}                                  # tool -> {"after full": [...], "after repair": [...]}
        self.commands = {}                                # (scenario, tool) -> argv of the first repetition
        self.notes = []
        self.list_info = None

    # --- one timed step ------------------------------------------------------------------------------
    def step(self, scenario, tool, rep, cmd_cwd, nbytes, log_path, stdout_path=None, details=None):
        cmd, cwd = cmd_cwd
        settle(self.cold)
        t = timed(cmd, "%s: %s" % (scenario, tool.name), env=tool.env, cwd=cwd, log_path=log_path,
                  stdout_path=stdout_path)
        t.extra.update(rep=rep, bytes=nbytes, mbps=nbytes / t.wall / 1e6 if t.wall > 0 else None)
        if stdout_path:
            t.extra.update((details or tool.backup_details)(stdout_path))
        self.results.setdefault(scenario, {}).setdefault(tool.name, []).append(t.as_dict())
        self.commands.setdefault((scenario, tool.name), (cmd, cwd))
        log("  %-13s rep %d %-9s %7.2f s  %8.1f MB/s  cpu %6.2f s  rss %5.0f MB" % (
            scenario, rep + 1, tool.name, t.wall, t.extra["mbps"] or 0, t.cpu, t.rss_kb / 1024))
        return t

    def repetition(self, rep, dataset, manifest):
        rep_dir = os.path.join(self.work, "rep%d" % (rep + 1))
        rmtree(rep_dir)
        os.makedirs(rep_dir)
        logp = os.path.join(self.work, "rep%d.log" % (rep + 1))
        node = make_node(rep_dir, dataset)
        tools = [cls(rep_dir, node) for cls in ALL]
        for t in tools:
            t.prepare()
        order = tools if rep % 2 == 0 else list(reversed(tools))
        log("repetition %d of %d, order: %s" % (rep + 1, self.reps, ", ".join(t.name for t in order)))

        def backups(scenario, tag):
            size, _files = dir_bytes(node.data)
            for t in order:
                if scenario != "full" and not t.incremental:
                    continue
                out = os.path.join(rep_dir, "%s-%s.out" % (t.name, tag))
                self.step(scenario, t, rep, t.backup(tag), size, logp, stdout_path=out)

        backups("full", "s1")
        for t in tools:
            self.stored.setdefault(t.name, {}).setdefault("after full", []).append(disk_usage(t.stored_path()))
        backups("nochange", "s2")
        compaction(node, dataset, manifest)
        backups("compaction", "s3")
        changed, total = repair(node, logp)
        if rep == 0:
            self.notes.append("Scenario 4 rewrote the Statistics.db of %d of %d SSTables." % (changed, total))
        backups("repair", "s4")
        for t in tools:
            if t.incremental:
                self.stored[t.name].setdefault("after repair", []).append(disk_usage(t.stored_path()))

        # Restores: every byte restored is counted afterwards, so a tool restoring the wrong thing fails loudly.
        final_bytes, final_files = dir_bytes(node.data)
        table = manifest["restore_table"]
        table_bytes, table_files = dir_bytes(os.path.join(node.data, table))
        for scenario, nbytes, nfiles in (("restore", final_bytes, final_files),
                                         ("restore_table", table_bytes, table_files)):
            for t in order:
                dest = os.path.join(rep_dir, "restore-" + t.name)
                rmtree(dest)
                cmd = t.restore(dest) if scenario == "restore" else t.restore_table(dest, table)
                expect_bytes, expect_files = nbytes, nfiles
                if not t.incremental and scenario == "restore":
                    # cp and the floor restore their copy of the scenario-1 state (they have no incrementals).
                    expect_bytes, expect_files = dir_bytes(t.stored_path())
                # cassvault's --json report (its CPU time by stage) is kept; other tools' stdout goes to the log.
                out = os.path.join(rep_dir, "%s-%s.out" % (t.name, scenario)) if isinstance(t, CassVault) else None
                self.step(scenario, t, rep, cmd, expect_bytes, logp, stdout_path=out, details=t.restore_details)
                got_bytes, got_files = dir_bytes(dest)
                if (got_bytes, got_files) != (expect_bytes, expect_files):
                    raise BenchError("%s %s restored %d files / %d bytes, expected %d / %d (see %s)" % (
                        t.name, scenario, got_files, got_bytes, expect_files, expect_bytes, logp))
                rmtree(dest)
        if not self.args.keep:
            rmtree(rep_dir)

    # --- scenario 7 ------------------------------------------------------------------------------------
    def list_scenario(self, dataset, manifest):
        """`cassvault list` of N backups: N offline backups of a one-table node into one vault (a key file,
        not a passphrase, so creating them does not pay scrypt N times), then `list` timed."""
        n = self.args.list_backups
        root = os.path.join(self.work, "list")
        rmtree(root)
        node = Node(os.path.join(root, "node"))
        small = min((t for t in manifest["base"]["tables"] if t["ks"].startswith("bench_small")),
                    key=lambda t: t["bytes"])
        link_tree(os.path.join(dataset, "base", "data", small["dir"]), os.path.join(node.data, small["dir"]))
        write_cassandra_yaml(node.yaml, node.data)
        key = os.path.join(root, "vault.key")
        write_file(key, os.urandom(32).hex() + "\n", mode=0o600)
        cv = CassVault(root, node, key_file=key)
        cv.prepare()
        log("scenario 7: creating %d backups of %s (%d files) in one vault" % (n, small["dir"], small["files"]))
        t0 = time.monotonic()
        for i in range(n):
            run([cv.bin, "--config", cv.config, "backup", "--offline", "--tag", "l%04d" % i],
                "cassvault backup #%d for the list scenario" % i, env=cv.env)
        created = time.monotonic() - t0
        self.list_info = dict(backups=n, create_seconds=created, table=small["dir"], files=small["files"],
                              vault_bytes=disk_usage(cv.stored_path()))
        log("  created in %.1f s (%.1f ms per backup)" % (created, 1000 * created / n))
        logp = os.path.join(self.work, "list.log")
        for rep in range(self.reps):
            t = self.step("list", cv, rep, ([cv.bin, "--config", cv.config, "list"], None), 0, logp,
                          stdout_path=os.path.join(root, "list.out"))
            with open(os.path.join(root, "list.out")) as f:
                lines = sum(1 for line in f if line.strip())
            if lines < n:
                raise BenchError("cassvault list printed %d lines for %d backups" % (lines, n))
        if not self.args.keep:
            rmtree(root)

    def pin_binary(self):
        """Run a private copy of the binary: others rebuild build/release while a run takes minutes, and
        every figure of one run must come from the same build (its SHA-256 goes into the results)."""
        src = cassvault_binary()
        dst = os.path.join(self.work, "bin", "cassvault")
        os.makedirs(os.path.dirname(dst))
        shutil.copy2(src, dst)
        run([dst, "--version"], "the copied cassvault binary (%s was being rebuilt? retry)" % src)
        os.environ["CASSVAULT_BIN"] = dst
        with open(dst, "rb") as f:
            self.binary_sha256 = hashlib.sha256(f.read()).hexdigest()
        self.binary_source = src

    def flags(self):
        """The bench/run flags of this run, for the report's first line."""
        a = self.args
        out = []
        if a.quick:
            out.append("--quick")
        if a.size_gb:
            out.append("--size-gb %g" % a.size_gb)
        if a.reps:
            out.append("--reps %d" % a.reps)
        if a.warm:
            out.append("--warm")
        if a.perf:
            out.append("--perf")
        if a.with_medusa:
            out.append("--with-medusa")
        if a.with_cloud:
            out.append("--with-cloud")
        if a.cloud_no_medusa:
            out.append("--cloud-no-medusa")
        return " ".join(out)

    # --- all of it ------------------------------------------------------------------------------------
    def main(self):
        started = time.monotonic()
        require_tools(["restic", "borg", "/usr/bin/time", "openssl", "java"])
        cassvault_binary()
        if self.args.perf:
            from . import perf
            if not perf.available():
                raise BenchError("--perf: `perf record -e cpu-clock` does not work here (perf missing, or "
                                 "kernel.perf_event_paranoid denies it); run without --perf")
        if self.cold and os.geteuid() != 0:
            raise BenchError("cold mode drops the page cache and needs root; run as root or pass --warm")
        if self.args.with_medusa:
            from .medusa import preflight
            preflight()
        if self.args.with_cloud:
            from .cloud import preflight as cloud_preflight
            cloud_preflight(not self.args.cloud_no_medusa)
        self.results["list"] = {}
        dataset = generate(self.size, self.args.seed, self.args.jobs)
        with open(os.path.join(dataset, "manifest.json")) as f:
            manifest = json.load(f)
        # Scenario 6 restores the median-sized small table: one table out of many.
        smalls = sorted((t for t in manifest["base"]["tables"] if t["ks"].startswith("bench_small")
                         and "%s.%s" % (t["ks"], t["table"]) not in manifest["compaction_swap"]),
                        key=lambda t: t["bytes"])
        manifest["restore_table"] = smalls[len(smalls) // 2]["dir"]
        rmtree(self.work)
        os.makedirs(self.work)
        self.pin_binary()
        limits = machine_limits(os.path.join(dataset, "base", "data"), self.cold)
        log("limits: cold read %.2f GB/s, SHA-256 %.2f GB/s, AES-256-GCM %.2f GB/s (one core)"
            % (limits["cold_read"] / 1e9, limits["sha256"] / 1e9, limits["aes_256_gcm"] / 1e9))
        for rep in range(self.reps):
            self.repetition(rep, dataset, manifest)
        self.list_scenario(dataset, manifest)
        perf_doc = None
        if self.args.perf:
            from . import perf
            perf_doc = perf.profile(self, dataset, make_node, CassVault)
        medusa = None
        if self.args.with_medusa:
            from .medusa import run_medusa
            medusa = run_medusa(self, dataset, manifest)
        cloud = None
        if self.args.with_cloud:
            from .cloud import run_cloud
            cloud = run_cloud(self, dataset, manifest)
        elapsed = time.monotonic() - started
        doc = dict(
            date=time.strftime("%Y-%m-%d"), started=time.strftime("%Y-%m-%dT%H:%M:%S%z"), quick=self.quick,
            cold=self.cold, reps=self.reps, elapsed_seconds=elapsed, dataset=dict(
                dir=dataset, key=manifest["key"], bytes=manifest["base"]["bytes"], files=manifest["base"]["files"],
                sstables=manifest["base"]["sstables"], tables=len(manifest["base"]["tables"]),
                compaction_bytes=manifest["alt"]["bytes"], compaction_tables=manifest["compaction_swap"],
                restore_table=manifest["restore_table"],
                restore_table_bytes=dir_bytes(os.path.join(dataset, "base", "data", manifest["restore_table"]))[0],
                generation_seconds=manifest["generation_seconds"], tocs_written=manifest["tocs_written"],
                layout=[dict(ks=t["ks"], table=t["table"], bytes=t["bytes"], files=t["files"], sstables=t["sstables"],
                             compression=t["compression"], format=t["format"]) for t in manifest["base"]["tables"]]),
            machine=machine(), versions=dict(versions(
                self.args.with_medusa or (self.args.with_cloud and not self.args.cloud_no_medusa), self.args.with_cloud,
                self.binary_source), **{
                "cassvault binary": "%s, sha256 %s" % (self.binary_source, self.binary_sha256[:16])}), limits=limits, results=self.results,
            stored=self.stored, list_info=self.list_info, notes=self.notes, medusa=medusa,
            cloud=cloud, perf=perf_doc, flags=self.flags(),
            commands={"%s|%s" % k: dict(cmd=v[0], cwd=v[1]) for k, v in self.commands.items()},
            work_dir=self.work)
        out_dir = self.args.out_dir or os.path.join(BENCH_DIR, "results")
        # --with-cloud runs get their own name, so a same-day run without it is never overwritten.
        base = os.path.join(out_dir, doc["date"] + ("-quick" if self.quick else "")
                            + ("-cloud" if self.args.with_cloud else ""))
        write_json(base + ".json", doc)
        report.write(doc, base + ".md", base + ".png")
        if not self.args.keep:
            rmtree(self.work)
        log("done in %.0f s: %s.md, %s.png" % (elapsed, base, base))
        return base
