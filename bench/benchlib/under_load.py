"""bench/run --under-load (issue 16): what a backup does to a busy node's latency and throughput.

One Cassandra node (the --with-medusa set-up, benchlib/medusa.py: scripts/rig in its own rig dir, one data
directory, the bench data set's SSTables loaded) serves a fixed CQL load from bench/load/cql_load (the C++
driver, pinned to one core with `taskset -c 1` so it competes the same way in every window): 80 % single-
partition reads, 20 % writes of ~1 KB on its own table (keyspace cv_load, RF 1, populated first and
flushed), open loop at a fixed rate (default 60 % of the most the node served in a closed-loop calibration
of the same run), latency from each op's scheduled start. The load runs for the whole bench; the harness
cuts it into windows by wall-clock second (cql_load prints one line per second with a 1 % histogram).

Per window of --window-seconds (aligned to a whole second), one condition:
  idle                nothing else runs
  cassvault_full      `cassvault --json backup` (snapshot mode, default settings) into a fresh vault, in a loop
  cassvault_nochange  the same into one vault that already holds the data (made before the first window)
  restic              `nodetool snapshot -t T`, `restic backup` of the snapshot dirs into a fresh repo
                      (defaults, as benchlib/tools.py runs it), `nodetool clearsnapshot -t T`: one timed script
  medusa              `medusa backup --mode full` (its own snapshot + upload) to fresh local storage
  spin_idle           the control: two CPU spinners (`yes`) under SCHED_IDLE at nice 19, 5 s each, in a loop:
                      what any use of the CPU the node leaves idle costs its latency on this machine, whatever
                      the program (a backup cannot do better than this at the same CPU use)
  cassvault_normal    (--cassvault-normal) cassvault_full with `backup: {priority: normal}` in its config
Diagnostic conditions, chosen with --conditions (they separate what a backup does to the node):
  cassvault_tmpfs     cassvault_full with the vault on /dev/shm: no vault writes to the node's disk
  cassvault_cpu05     cassvault_full with `backup: {max_cpu: 0.5}`
  snapshot_only       `nodetool snapshot -t T` and the snapshot dirs deleted, as cassvault clears them: the
                      flush and hard links of a backup, without reading or storing anything
  snapshot_noflush    snapshot_only with `snapshot -sf`: the hard links without the flush
  jvm_only            `nodetool version`: one nodetool JVM start and JMX connection, nothing else
  hash_idle           two `sha256sum` of the node's SSTables (page cache, memory bandwidth) under SCHED_IDLE at
                      nice 19 and the idle I/O class
The tool loop starts a new run while the window is not over; a run that starts before the end finishes, so
every second of a backup window has a backup running (its load figures cover exactly the window). Fresh
vaults and repositories are copies of one empty vault/repo made at set-up (cheap, no scrypt/KDF in the
window); each window's runs are deleted after it. Rounds rotate the condition order by one each round, so
every condition (idle included) is interleaved with every other. Between windows: a short settle gap.
"""

import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import time

from .common import (BENCH_DIR, CASSANDRA_VERSION, REPO_DIR, BenchError, cache_dir, cassvault_binary, log,
                     require_tools, rmtree, run, tool_version, write_file, write_json)
from .gendata import generate
from .measure import timed
from .medusa import (MEDUSA_INI, BenchRig, cassvault_live_config, medusa_bin, medusa_version, node_bytes, preflight,
                     setup_node)
from .tools import PASSPHRASE

CONDITIONS = ["idle", "cassvault_full", "cassvault_nochange", "restic", "medusa", "spin_idle"]
EXTRA_CONDITIONS = ["cassvault_normal", "cassvault_tmpfs", "cassvault_cpu05", "snapshot_only", "snapshot_noflush",
                    "jvm_only", "hash_idle"]
CV_EXTRA = {"cassvault_full": "", "cassvault_tmpfs": "", "cassvault_normal": "backup: {priority: normal}\n",
            "cassvault_cpu05": "backup: {max_cpu: 0.5}\n"}
TMPFS = "/dev/shm"
LOAD_CPU = "1"               # taskset -c: the load client's core
CALIBRATE_INFLIGHT = 64
RATE_FRACTION = 0.6
LOG_BASE = 1.01              # cql_load's histogram: bucket b = [1.01^b, 1.01^(b+1)) microseconds
GAP_SECONDS = 5              # settle time between windows (the previous tool's writeback, a load backlog)
# Bars (issue 16).
BAR_THROUGHPUT = 0.95
BAR_P99 = 1.2
BAR_SPEEDUP = 2.0
BAR_NODETOOL_CPU = 1.0


def cql_load_binary():
    path = os.environ.get("CASSVAULT_CQL_LOAD") or os.path.join(REPO_DIR, "build", "release", "bench", "load",
                                                                 "cql_load")
    if not os.access(path, os.X_OK):
        raise BenchError("cql_load not found at %s: `cmake --build --preset release --target cql_load` "
                         "(or set CASSVAULT_CQL_LOAD)" % path)
    return path


# --- the load's per-second lines ---------------------------------------------------------------------------

def read_seconds(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.endswith("}"):
                    d = json.loads(line)
                    out[d["t"]] = d
    except OSError:
        pass
    return out


def percentile(hist, q):
    """The q-quantile (0..1) of a merged {bucket: count} histogram, in ms (bucket midpoint, 1 % precision)."""
    total = sum(hist.values())
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for b in sorted(hist):
        seen += hist[b]
        if seen >= rank:
            return LOG_BASE ** (b + 0.5) / 1000.0
    return LOG_BASE ** (max(hist) + 0.5) / 1000.0


def window_figures(seconds, t0, t1):
    """ops/s, p50/p99/p99.9 (ms), errors and shed ops over the whole seconds t0 <= t < t1."""
    hist, ops, errors, shed, present = {}, 0, 0, 0, 0
    for t in range(t0, t1):
        d = seconds.get(t)
        if not d:
            continue    # no line: nothing completed in that second (counts as 0 ops)
        present += 1
        ops += d["ops"]
        errors += d["errors"]
        shed += d.get("shed", 0)
        for b, n in d["hist"]:
            hist[b] = hist.get(b, 0) + n
    span = t1 - t0
    return dict(ops_per_s=ops / span, ops=ops, errors=errors, shed=shed, seconds=span, seconds_with_data=present,
                p50_ms=percentile(hist, 0.5), p99_ms=percentile(hist, 0.99), p999_ms=percentile(hist, 0.999))


def timeline(seconds, t0, t1):
    """[t, ops, p50 ms, p99 ms] of every second of a window: where in a backup the node stalls."""
    out = []
    for t in range(t0, t1):
        d = seconds.get(t) or {"ops": 0, "hist": []}
        hist = {b: n for b, n in d["hist"]}
        p50, p99 = percentile(hist, 0.5), percentile(hist, 0.99)
        out.append([t, d["ops"], None if p50 is None else round(p50, 2), None if p99 is None else round(p99, 2)])
    return out


def find_key(doc, key):
    """The first value of `key` anywhere in a JSON document (cassvault's report nests some figures)."""
    if isinstance(doc, dict):
        if key in doc:
            return doc[key]
        for v in doc.values():
            r = find_key(v, key)
            if r is not None:
                return r
    elif isinstance(doc, list):
        for v in doc:
            r = find_key(v, key)
            if r is not None:
                return r
    return None


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio(a, b):
    return a / b if a is not None and b else None


def kill_descendants(except_pid=None):
    """SIGTERM every process below this one (by pid, from /proc), but except_pid (and its own children)."""
    children = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(pid))
    todo, found = [os.getpid()], []
    while todo:
        for c in children.get(todo.pop(), []):
            if c == except_pid:
                continue
            found.append(c)
            todo.append(c)
    for pid in found:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    if found:
        log("under-load: stopped %d leftover process(es) of an interrupted run" % len(found))


SNAPSHOT_ONLY_SCRIPT = """\
nodetool=$1 jmx=$2 tag=$3 data=$4
"$nodetool" -h 127.0.0.1 -p "$jmx" snapshot $5 -t "$tag" >/dev/null || exit 1
find "$data" -type d -path "*/snapshots/$tag" -prune -exec rm -rf {} +
"""

RESTIC_SCRIPT = """\
# One restic run against the live node: snapshot, back up the snapshot dirs, clear the snapshot (also on failure).
nodetool=$1 jmx=$2 tag=$3 data=$4 repo=$5 list=$6
"$nodetool" -h 127.0.0.1 -p "$jmx" snapshot -t "$tag" >/dev/null || exit 1
find "$data" -type d -path "*/snapshots/$tag" > "$list"
restic -r "$repo" backup --tag "$tag" --files-from-verbatim "$list"
rc=$?
"$nodetool" -h 127.0.0.1 -p "$jmx" clearsnapshot -t "$tag" >/dev/null || rc=1
exit $rc
"""


class UnderLoad:
    def __init__(self, args):
        self.args = args
        self.size = args.size_gb if args.size_gb is not None else 1.0
        self.window = args.window_seconds
        self.rounds = args.windows
        self.work = args.work_dir or os.path.join(cache_dir(), "bench-work-under-load")
        if args.conditions:
            self.conditions = [c.strip() for c in args.conditions.split(",") if c.strip()]
            unknown = [c for c in self.conditions if c not in CONDITIONS + EXTRA_CONDITIONS]
            if unknown or "idle" not in self.conditions:
                raise BenchError("--conditions: %s; choose from %s (idle is required: every ratio is to it)" % (
                    "unknown " + ", ".join(unknown) if unknown else "no idle",
                    ", ".join(CONDITIONS + EXTRA_CONDITIONS)))
        else:
            self.conditions = list(CONDITIONS)
        if args.cassvault_normal and "cassvault_normal" not in self.conditions:
            self.conditions.append("cassvault_normal")
        self.load_proc = None
        self.windows = []        # one dict per window
        self.notes = []
        self.nochange_base = dict(wall=0.0, cpu=0.0)

    # --- processes ------------------------------------------------------------------------------------
    def start_load(self, rate):
        self.load_out = os.path.join(self.work, "load.jsonl")
        cmd = ["taskset", "-c", LOAD_CPU, self.cql_load, "run", "--rate", "%g" % rate, "--rows", str(self.args.rows),
               "--out", self.load_out]
        self.load_cmd = cmd
        log("under-load: starting the load: %s" % " ".join(cmd))
        self.load_err = open(os.path.join(self.work, "load.err"), "w")
        self.load_proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.load_err, stderr=self.load_err,
                                          start_new_session=True)   # Ctrl-C is ours to forward, in stop_load

    def stop_load(self):
        p, self.load_proc = self.load_proc, None
        if p is None:
            return
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.load_err.close()

    def check_load(self):
        if self.load_proc is not None and self.load_proc.poll() is not None:
            raise BenchError("the load client exited (code %s); see %s" % (self.load_proc.returncode,
                                                                        os.path.join(self.work, "load.err")))

    def cql(self, *args, what):
        return run(["taskset", "-c", LOAD_CPU, self.cql_load] + list(args) + ["--rows", str(self.args.rows)], what,
                   timeout=3600)

    # --- set-up ----------------------------------------------------------------------------------------
    def setup(self, rig, dataset, manifest):
        env = setup_node(rig, dataset, manifest)
        self.env = env
        log("under-load: populating cv_load.kv (%d rows of ~1 KB)" % self.args.rows)
        out = self.cql("populate", what="cql_load populate")
        self.populate = json.loads(out.strip().splitlines()[-1])
        rig.nodetool("flush", "cv_load")
        self.node_bytes = node_bytes(env["data1"])
        log("under-load: the node holds %.2f GB of live SSTables" % (self.node_bytes / 1e9))
        if self.args.rate:
            self.rate = float(self.args.rate)
            self.calibration = None
        else:
            log("under-load: calibrating (closed loop, %d in flight: 10 s warm-up, then 15 s)" % CALIBRATE_INFLIGHT)
            self.cql("calibrate", "--inflight", str(CALIBRATE_INFLIGHT), "--seconds", "10", what="cql_load warm-up")
            out = self.cql("calibrate", "--inflight", str(CALIBRATE_INFLIGHT), "--seconds", "15",
                           what="cql_load calibrate")
            self.calibration = json.loads(out.strip().splitlines()[-1])["calibrate"]
            self.rate = round(self.args.load_fraction * self.calibration["ops_per_s"])
            log("under-load: calibrated max %.0f ops/s -> rate %d ops/s (%d %%)" % (
                self.calibration["ops_per_s"], self.rate, self.args.load_fraction * 100))
        # Empty vault and repo templates: copies of them are the fresh vaults/repos of every run.
        self.cv_env = dict(os.environ, CASSVAULT_PASSPHRASE=PASSPHRASE)
        tpl = os.path.join(self.work, "templates")
        self.cv_template = os.path.join(tpl, "vault")
        cfg = os.path.join(tpl, "cassvault.yaml")
        write_file(cfg, cassvault_live_config(env, self.cv_template, os.path.join(tpl, "cache")))
        run([self.cv, "--config", cfg, "init"], "cassvault init (template)", env=self.cv_env)
        # nodetool's class archive, as a node's cassvault has it after its first backup (seed_class_archive).
        warm = os.path.join(tpl, "class-archive")
        shutil.copytree(self.cv_template, os.path.join(warm, "vault"))
        run([self.cv, "--config", self.cv_config(warm, os.path.join(warm, "vault")), "backup", "--keyspace",
             "system_schema", "--tag", "class-archive"], "cassvault backup (writes nodetool's class archive)",
            env=self.cv_env)
        self.class_archive_dir = os.path.join(warm, "cache", "jvm-classes")
        self.restic_template = os.path.join(tpl, "restic-repo")
        self.restic_env = dict(os.environ, RESTIC_PASSWORD=PASSPHRASE)
        run(["restic", "-r", self.restic_template, "init"], "restic init (template)", env=self.restic_env)
        self.restic_script = os.path.join(tpl, "restic-run.sh")
        write_file(self.restic_script, RESTIC_SCRIPT)
        self.medusa = medusa_bin()
        self.m_env = dict(os.environ, PATH=os.path.dirname(env["nodetool"]) + ":" + os.environ.get("PATH", ""))
        if "cassvault_normal" in self.conditions:
            self.check_normal_priority(tpl)

    def settle_compactions(self, rig, limit=600):
        """Loading 1 GB of SSTables and populating the load table leave compactions queued for minutes; windows
        measured meanwhile show the compactions, not the tools. Waits (the load running) until none is pending."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:
            out = rig.nodetool("compactionstats")
            # 5.0: "pending tasks   N", then a table of the running ones headed "id  compaction type ...".
            m = re.search(r"^pending tasks:?\s+(\d+)", out, re.M)
            if m and int(m.group(1)) == 0 and "compaction type" not in out.lower():
                log("under-load: no compaction pending after %.0f s" % (time.monotonic() - t0))
                return
            time.sleep(5)
        self.notes.append("compactions were still pending %d s after set-up; the windows started anyway" % limit)
        log("under-load: warning: " + self.notes[-1])

    def cv_config(self, d, vault, extra=""):
        cfg = os.path.join(d, "cassvault.yaml")
        write_file(cfg, cassvault_live_config(self.env, vault, os.path.join(d, "cache"), extra))
        return cfg

    def check_normal_priority(self, tpl):
        """--cassvault-normal needs a cassvault that knows backup.priority: a config check, before any window."""
        d = os.path.join(tpl, "normal-check")
        shutil.copytree(self.cv_template, os.path.join(d, "vault"))
        cfg = self.cv_config(d, os.path.join(d, "vault"), "backup: {priority: normal}\n")
        proc = subprocess.run([self.cv, "--config", cfg, "list"], env=self.cv_env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            raise BenchError("--cassvault-normal: this cassvault does not accept `backup: {priority: normal}`:\n%s"
                             % proc.stdout[-2000:])
        rmtree(d)

    def prepare_nochange(self):
        """The vault of cassvault_nochange: one full backup (outside any window, the load running)."""
        d = os.path.join(self.work, "nochange")
        shutil.copytree(self.cv_template, os.path.join(d, "vault"))
        self.nochange_cfg = self.cv_config(d, os.path.join(d, "vault"))
        log("under-load: the no-change vault's first (full) backup, outside any window")
        t = timed([self.cv, "--config", self.nochange_cfg, "--json", "backup", "--tag", "nochange-base"],
                  "cassvault backup (no-change vault's base)", env=self.cv_env, log_path=self.logp,
                  stdout_path=os.path.join(d, "base.out"))
        self.nochange_base = dict(wall=t.wall, cpu=t.cpu)
        log("  base backup %.1f s, cpu %.1f s" % (t.wall, t.cpu))

    # --- one tool run -----------------------------------------------------------------------------------
    # Each condition's command for one run in directory d: (argv, environment).
    def cmd_cassvault(self, cond, d, tag):
        vault = os.path.join(TMPFS, "cassvault-under-load-vault") if cond == "cassvault_tmpfs" else \
            os.path.join(d, "vault")
        rmtree(vault)
        shutil.copytree(self.cv_template, vault)
        cfg = self.cv_config(d, vault, CV_EXTRA[cond])
        self.seed_class_archive(d)
        return [self.cv, "--config", cfg, "--json", "backup", "--tag", tag], self.cv_env

    def seed_class_archive(self, d):
        """A node's cassvault keeps nodetool's class archive in its cache dir from one backup to the next
        (src/cassandra/jvm_class_cache.h). A full-backup run starts from an empty cache dir, but with the
        archive its predecessors would have left, written by the template's own first nodetool run."""
        dst = os.path.join(d, "cache", "jvm-classes")
        rmtree(dst)
        shutil.copytree(self.class_archive_dir, dst)
        os.chmod(dst, 0o700)

    def cmd_cassvault_nochange(self, _cond, _d, tag):
        return [self.cv, "--config", self.nochange_cfg, "--json", "backup", "--tag", tag], self.cv_env

    def cmd_restic(self, _cond, d, tag):
        repo = os.path.join(d, "repo")
        shutil.copytree(self.restic_template, repo)
        env = dict(self.restic_env, RESTIC_CACHE_DIR=os.path.join(d, "cache"))
        return ["sh", self.restic_script, self.env["nodetool"], str(self.env["jmx_port"]), tag, self.env["data1"],
                repo, os.path.join(d, "paths.txt")], env

    def cmd_medusa(self, _cond, d, tag):
        ini = os.path.join(d, "medusa.ini")
        write_file(ini, MEDUSA_INI.format(yaml=self.env["cassandra_yaml"], nodetool=self.env["nodetool"],
                                          jmx_port=self.env["jmx_port"], storage=os.path.join(d, "storage")))
        return [self.medusa, "--config-file", ini, "backup", "--backup-name", tag, "--mode", "full"], self.m_env

    def cmd_snapshot(self, cond, _d, tag):
        flags = "-sf" if cond == "snapshot_noflush" else ""
        return ["sh", "-c", SNAPSHOT_ONLY_SCRIPT, cond, self.env["nodetool"], str(self.env["jmx_port"]), tag,
                self.env["data1"], flags], os.environ

    def cmd_jvm_only(self, _cond, _d, _tag):
        return [self.env["nodetool"], "-h", "127.0.0.1", "-p", str(self.env["jmx_port"]), "version"], os.environ

    def cmd_spin_idle(self, _cond, _d, _tag):
        return ["chrt", "-i", "0", "nice", "-n", "19", "sh", "-c",
                "timeout 5 yes >/dev/null & timeout 5 yes >/dev/null & wait"], os.environ

    def cmd_hash_idle(self, _cond, _d, _tag):
        return ["chrt", "-i", "0", "nice", "-n", "19", "ionice", "-c3", "sh", "-c",
                "find \"$1\" -name '*-Data.db' -not -path '*/snapshots/*' -print0 | "
                "xargs -0 -n 8 -P 2 sha256sum >/dev/null 2>&1; exit 0",  # compaction deletes files
                "hash_idle", self.env["data1"]], os.environ

    COMMANDS = dict(dict.fromkeys(CV_EXTRA, cmd_cassvault), cassvault_nochange=cmd_cassvault_nochange,
                    restic=cmd_restic, medusa=cmd_medusa, snapshot_only=cmd_snapshot, snapshot_noflush=cmd_snapshot,
                    jvm_only=cmd_jvm_only, spin_idle=cmd_spin_idle, hash_idle=cmd_hash_idle)

    def tool_run(self, cond, rdir, i):
        d = os.path.join(rdir, "run%d" % i)
        os.makedirs(d)
        tag = "%s-%s" % (os.path.basename(rdir), i)
        out = os.path.join(d, "stdout")
        cmd, env = self.COMMANDS[cond](self, cond, d, tag)
        self.commands.setdefault(cond, cmd)
        start = time.time()
        t = timed(cmd, "%s run" % cond, env=env, log_path=self.logp, stdout_path=out, timeout=3600)
        r = dict(start=start, end=start + t.wall, wall=t.wall, cpu=t.cpu, user=t.user, sys=t.sys, rss_kb=t.rss_kb,
                 cpu_per_gb=t.cpu / (self.node_bytes / 1e9))
        if cond.startswith("cassvault"):
            try:
                with open(out) as f:
                    doc = json.loads(f.read())
            except (OSError, ValueError):
                doc = {}
            r["nodetool_cpu_seconds"] = find_key(doc, "nodetool_cpu_seconds")
            r["bytes"] = doc.get("bytes")
            r["new_bytes"] = doc.get("new_bytes")
        return r

    # --- one window --------------------------------------------------------------------------------------
    def one_window(self, rnd, cond, idx):
        rdir = os.path.join(self.work, "runs", "w%02d-%s" % (idx, cond))
        os.makedirs(rdir)
        self.check_load()
        # Align to a whole second: the load's lines are per wall-clock second.
        time.sleep(math.ceil(time.time()) - time.time())
        t0 = int(round(time.time()))
        t1 = t0 + self.window
        runs = []
        if cond == "idle":
            time.sleep(max(0.0, t1 - time.time()))
        else:
            i = 0
            while time.time() < t1:
                runs.append(self.tool_run(cond, rdir, i))
                i += 1
        # The load writes second s once s+1 is over.
        time.sleep(max(0.0, t1 + 1.5 - time.time()))
        self.check_load()
        fig = window_figures(read_seconds(self.load_out), t0, t1)
        w = dict(round=rnd, index=idx, condition=cond, t0=t0, t1=t1, runs=runs,
                 timeline=timeline(read_seconds(self.load_out), t0, t1), **fig)
        self.windows.append(w)
        durs = ", ".join("%.1f" % r["wall"] for r in runs)
        log("  w%02d r%d %-18s %7.1f ops/s  p50 %6.2f  p99 %7.2f  p99.9 %7.2f ms  err %d shed %d%s" % (
            idx, rnd + 1, cond, fig["ops_per_s"], fig["p50_ms"] or 0, fig["p99_ms"] or 0, fig["p999_ms"] or 0,
            fig["errors"], fig["shed"], "  runs: %s s" % durs if runs else ""))
        if not self.args.keep:
            rmtree(rdir)

    def eta_seconds(self):
        """Set-up (three node starts, populate, calibrate, the no-change base backup) plus every window with
        its gap and the overrun of the last tool run (~half a full backup under load, ~25 s per GB)."""
        gb = self.size + self.args.rows * 1100 / 1e9
        setup = 90 + self.args.rows / 4000 + (0 if self.args.rate else 35) + 30 * gb
        tools = len(self.conditions) - 1
        per_round = len(self.conditions) * (self.window + GAP_SECONDS + 2) + tools * 12.5 * gb
        return setup + self.rounds * per_round

    # --- all of it ----------------------------------------------------------------------------------------
    def main(self):
        # Ctrl-C and SIGTERM: first every process below this one (while the tree is intact: subprocess.run
        # kills only GNU time, which would orphan the tool it runs), then the finally below stops the load
        # client and takes the node down (Cassandra is daemonised by the rig, not below us).
        def on_signal(_sig, _frame):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            kill_descendants(except_pid=self.load_proc.pid if self.load_proc else None)
            raise KeyboardInterrupt()
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        started = time.monotonic()
        require_tools(["restic", "/usr/bin/time", "taskset"])
        preflight()                      # medusa, cqlsh, the rig's ports free
        self.cv = cassvault_binary()
        self.cql_load = cql_load_binary()
        eta = self.eta_seconds()
        log("under-load: %d conditions x %d windows x %d s; estimated total %.0f min (done about %s UTC, plus "
            "data generation if %.1f GB is not cached yet)" % (
                len(self.conditions), self.rounds, self.window, eta / 60,
                time.strftime("%H:%M", time.gmtime(time.time() + eta)), self.size))
        dataset = generate(self.size, self.args.seed, self.args.jobs)
        with open(os.path.join(dataset, "manifest.json")) as f:
            manifest = json.load(f)
        rmtree(self.work)
        os.makedirs(self.work)
        self.pin_binary()
        self.logp = os.path.join(self.work, "tools.log")
        self.commands = {}
        rig = BenchRig(self.args.keep)
        try:
            self.setup(rig, dataset, manifest)
            self.start_load(self.rate)
            time.sleep(10)               # the load reaches its steady state before anything is measured
            self.check_load()
            self.settle_compactions(rig)
            if "cassvault_nochange" in self.conditions:
                self.prepare_nochange()
            idx = 0
            for rnd in range(self.rounds):
                order = self.conditions[rnd % len(self.conditions):] + self.conditions[:rnd % len(self.conditions)]
                log("under-load: round %d of %d: %s" % (rnd + 1, self.rounds, ", ".join(order)))
                r0 = time.monotonic()
                for cond in order:
                    self.one_window(rnd, cond, idx)
                    idx += 1
                    time.sleep(GAP_SECONDS)
                left = (self.rounds - rnd - 1) * (time.monotonic() - r0)
                if left > 0:
                    log("under-load: round %d took %.0f s; about %.0f min to go (done about %s UTC)" % (
                        rnd + 1, time.monotonic() - r0, left / 60,
                        time.strftime("%H:%M", time.gmtime(time.time() + left))))
        finally:
            self.stop_load()
            try:
                rig("down", what="rig down (bench rig)")
                if not self.args.keep:
                    rmtree(rig.dir)
            except BenchError as e:
                log("warning: could not stop the bench rig: %s" % e)
        elapsed = time.monotonic() - started
        doc = self.document(dataset, manifest, elapsed)
        out_dir = self.args.out_dir or os.path.join(BENCH_DIR, "results")
        base = os.path.join(out_dir, doc["date"] + "-under-load")
        write_json(base + ".json", doc)
        from . import under_load_report
        under_load_report.write(doc, base + ".md", base + ".png")
        if not self.args.keep:
            rmtree(self.work)
        log("done in %.0f s: %s.md, %s.png" % (elapsed, base, base))
        return base

    def pin_binary(self):
        from .runner import Bench
        Bench.pin_binary(self)           # a private copy of the binary (and its SHA-256), as bench/run does
        self.cv = os.environ["CASSVAULT_BIN"]

    # --- the results document ---------------------------------------------------------------------------------
    def document(self, dataset, manifest, elapsed):
        from .runner import machine
        per = {}
        for cond in self.conditions:
            ws = [w for w in self.windows if w["condition"] == cond]
            runs = [r for w in ws for r in w["runs"]]
            per[cond] = dict(
                windows=len(ws), ops_per_s=median([w["ops_per_s"] for w in ws]),
                p50_ms=median([w["p50_ms"] for w in ws]), p99_ms=median([w["p99_ms"] for w in ws]),
                p999_ms=median([w["p999_ms"] for w in ws]), errors=sum(w["errors"] for w in ws),
                shed=sum(w["shed"] for w in ws), runs=len(runs), run_wall=median([r["wall"] for r in runs]),
                run_cpu=median([r["cpu"] for r in runs]), run_cpu_per_gb=median([r["cpu_per_gb"] for r in runs]),
                nodetool_cpu_seconds=median([r.get("nodetool_cpu_seconds") for r in runs]))
        idle = [w for w in self.windows if w["condition"] == "idle"]

        def spread(key):
            xs = [w[key] for w in idle if w[key]]
            return max(xs) / min(xs) if len(xs) >= 2 else None

        noise = dict(ops_max_min=spread("ops_per_s"), p99_max_min=spread("p99_ms"), windows=len(idle))
        base = per["idle"]
        for cond, p in per.items():
            p["throughput_ratio"] = ratio(p["ops_per_s"], base["ops_per_s"])
            p["p99_ratio"] = ratio(p["p99_ms"], base["p99_ms"])
        missing = dict(run_wall=None, throughput_ratio=None, p99_ratio=None, nodetool_cpu_seconds=None)
        cv = per.get("cassvault_full", missing)
        speedup = ratio(per.get("restic", missing)["run_wall"], cv["run_wall"])
        nt = per.get("cassvault_nochange", missing)["nodetool_cpu_seconds"]
        bars = [
            dict(bar="cassvault full backup (default settings) keeps >= 95 % of idle ops/s",
                 value=cv["throughput_ratio"], unit="x idle", target=BAR_THROUGHPUT,
                 ok=None if cv["throughput_ratio"] is None else cv["throughput_ratio"] >= BAR_THROUGHPUT),
            dict(bar="p99 during a cassvault full backup <= 1.2x idle", value=cv["p99_ratio"], unit="x idle",
                 target=BAR_P99, ok=None if cv["p99_ratio"] is None else cv["p99_ratio"] <= BAR_P99),
            dict(bar="cassvault full backup under load >= 2x faster than restic's (median wall)", value=speedup,
                 unit="x", target=BAR_SPEEDUP, ok=None if speedup is None else speedup >= BAR_SPEEDUP),
            dict(bar="nodetool CPU-s per no-change backup <= 1", value=nt, unit="CPU-s", target=BAR_NODETOOL_CPU,
                 ok=None if nt is None else nt <= BAR_NODETOOL_CPU),
        ]
        versions = {
            "cassvault": tool_version([self.cv, "--version"]),
            "cassvault binary": "%s, sha256 %s" % (self.binary_source, self.binary_sha256[:16]),
            "restic": tool_version(["restic", "version"]),
            "cassandra-medusa": medusa_version(),
            "Cassandra (rig node)": CASSANDRA_VERSION,
            "cql_load": "bench/load/cql_load.cc, DataStax C++ driver 2.17.1 (scripts/install-deps)",
            "java": tool_version(["java", "-version"]),
            "kernel": os.uname().release,
        }
        try:
            rev = subprocess.run(["git", "-C", REPO_DIR, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True).stdout.strip()
            versions["bench source"] = "%s in %s" % (rev, REPO_DIR)
        except OSError:
            pass
        a = self.args
        flags = "--under-load --size-gb %g --window-seconds %d --windows %d%s%s%s%s" % (
            self.size, self.window, self.rounds, " --rate %g" % a.rate if a.rate else "",
            " --rows %d" % a.rows if a.rows != 200000 else "", " --cassvault-normal" if a.cassvault_normal else "",
            " --conditions " + a.conditions if a.conditions else "") + (
            " --load-fraction %g" % a.load_fraction if a.load_fraction != RATE_FRACTION and not a.rate else "")
        return dict(
            date=time.strftime("%Y-%m-%d"), started=time.strftime("%Y-%m-%dT%H:%M:%S%z"), elapsed_seconds=elapsed,
            command="bench/run " + flags, window_seconds=self.window, rounds=self.rounds,
            conditions=self.conditions, rate=self.rate, rate_source="--rate" if a.rate else
            "%d %% of the calibrated max" % (a.load_fraction * 100), calibration=self.calibration,
            populate=self.populate, node_bytes=self.node_bytes, load_cmd=self.load_cmd, load_cpu=LOAD_CPU,
            dataset=dict(dir=dataset, bytes=manifest["base"]["bytes"], files=manifest["base"]["files"],
                         tables=len(manifest["base"]["tables"])),
            nochange_base=self.nochange_base, machine=machine(), versions=versions, windows=self.windows,
            per_condition=per, idle_noise=noise, speedup_vs_restic=speedup, bars=bars,
            commands=self.commands, notes=self.notes, gap_seconds=GAP_SECONDS)
