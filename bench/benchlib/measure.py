"""Timing whole processes, page-cache control and the machine's primitive limits."""

import os
import re
import shlex
import statistics
import subprocess
import time

from .common import BenchError, log, run

GNU_TIME = "/usr/bin/time"


class Timed:
    """One timed process: wall (our monotonic clock around the whole process), CPU and peak RSS
    (GNU time -v, i.e. getrusage of the child), plus whatever the caller adds (bytes, stored, ...)."""

    def __init__(self, wall, user, sys, rss_kb, cmd, extra=None):
        self.wall, self.user, self.sys, self.rss_kb, self.cmd = wall, user, sys, rss_kb, cmd
        self.extra = dict(extra or {})

    @property
    def cpu(self):
        return self.user + self.sys

    def as_dict(self):
        return dict(wall=self.wall, user=self.user, sys=self.sys, cpu=self.cpu, rss_kb=self.rss_kb,
                    cmd=self.cmd, **self.extra)


def busy_cpu_seconds():
    """CPU seconds the whole machine has been busy since boot (/proc/stat: everything but idle and iowait).
    Its delta over a step, less the tool's own CPU (and a server's), is what other processes took: a step
    that shared the cores with a build or a test run shows it."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        v = [int(x) for x in fields[1:9]]
        return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def timed(cmd, what, env=None, cwd=None, log_path=None, stdout_path=None, ok_codes=(0,), timeout=3600):
    """Run cmd under /usr/bin/time -v and return a Timed. Output goes to files (stdout to stdout_path if
    given, else with stderr to log_path), never to a pipe we read while timing, so the tool's own output
    does not skew its time."""
    tfile = (log_path or "/tmp/bench-%d" % os.getpid()) + ".time"
    full = [GNU_TIME, "-v", "-o", tfile] + list(cmd)
    out = open(log_path, "a") if log_path else open(os.devnull, "w")
    stdout = open(stdout_path, "w") if stdout_path else out
    try:
        if log_path:
            out.write("\n$ %s%s\n" % ("cd %s && " % shlex.quote(cwd) if cwd else "", " ".join(shlex.quote(c) for c in cmd)))
            out.flush()
        busy0 = busy_cpu_seconds()
        t0 = time.monotonic()
        proc = subprocess.run(full, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=out,
                              timeout=timeout)
        wall = time.monotonic() - t0
        busy1 = busy_cpu_seconds()
    finally:
        out.close()
        if stdout_path:
            stdout.close()
    with open(tfile) as f:
        text = f.read()
    os.unlink(tfile)
    if proc.returncode not in ok_codes:
        tail = ""
        if log_path:
            with open(log_path) as f:
                tail = "\n".join(f.read().splitlines()[-20:])
        raise BenchError("%s failed (exit %d): %s\n%s" % (what, proc.returncode, " ".join(cmd), tail))

    def field(name):
        m = re.search(r"^\s*%s:\s*([\d.]+)\s*$" % re.escape(name), text, re.M)
        if not m:
            raise BenchError("cannot read '%s' from GNU time's output:\n%s" % (name, text))
        return float(m.group(1))

    return Timed(wall, field("User time (seconds)"), field("System time (seconds)"),
                 int(field("Maximum resident set size (kbytes)")), list(cmd),
                 extra=dict(busy_cpu=busy1 - busy0) if busy0 is not None and busy1 is not None else None)


# --- page cache ----------------------------------------------------------------------------------------

def sync():
    subprocess.run(["sync"], check=True)


def drop_caches():
    """Write back dirty pages, then drop the page cache, dentries and inodes (needs root)."""
    sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    except OSError as e:
        raise BenchError("cannot drop caches (%s): run as root, or pass --warm" % e)


def settle(cold):
    """Before every timed step: flush the previous step's writes (so their writeback is not charged to the
    next tool), and in cold mode drop the page cache so every tool reads from disk."""
    if cold:
        drop_caches()
    else:
        sync()


# --- statistics ---------------------------------------------------------------------------------------

def median(xs):
    return statistics.median(xs) if xs else float("nan")


def summary(xs):
    return dict(median=median(xs), min=min(xs), max=max(xs), n=len(xs)) if xs else None


# --- machine limits -------------------------------------------------------------------------------------

def cold_read(path, cold=True):
    """Read every file under path once with 1 MiB reads (one thread) after dropping caches: the disk's
    sequential read rate as a backup tool would see it. Returns (bytes, seconds)."""
    files = []
    for root, _dirs, names in os.walk(path):
        files.extend(os.path.join(root, n) for n in sorted(names))
    files.sort()
    if cold:
        drop_caches()
    buf = bytearray(1 << 20)
    mv = memoryview(buf)
    total = 0
    t0 = time.monotonic()
    for p in files:
        fd = os.open(p, os.O_RDONLY)
        try:
            while True:
                n = os.readv(fd, [mv])
                if n <= 0:
                    break
                total += n
        finally:
            os.close(fd)
    return total, time.monotonic() - t0


def openssl_speed(algorithm, seconds=3):
    """`openssl speed -evp ALG -bytes 8388608`: bytes/s on one core for 8 MiB buffers."""
    out = run(["openssl", "speed", "-evp", algorithm, "-bytes", str(8 << 20), "-seconds", str(seconds)],
              "openssl speed -evp " + algorithm)
    # The result line: "<name>   <N>k" (thousands of bytes per second) at the end of the output.
    for line in reversed(out.splitlines()):
        m = re.match(r"^\s*(\S[\w\- ]*?)\s+([\d.]+)k\s*$", line)
        if m:
            return float(m.group(2)) * 1000.0
    raise BenchError("cannot parse `openssl speed -evp %s` output:\n%s" % (algorithm, out[-2000:]))


def machine_limits(data_dir, cold):
    log("measuring machine limits: cold sequential read of the data set, SHA-256 and AES-256-GCM (openssl speed)")
    reads = []
    for _ in range(2):
        n, s = cold_read(data_dir, cold=True)
        reads.append(n / s)
    sha = openssl_speed("sha256")
    gcm = openssl_speed("aes-256-gcm")
    return dict(cold_read=max(reads), cold_read_runs=reads, sha256=sha, aes_256_gcm=gcm,
                cold_read_cmd="python: os.readv 1 MiB over every file, after sync; echo 3 > /proc/sys/vm/drop_caches",
                sha256_cmd="openssl speed -evp sha256 -bytes 8388608 -seconds 3",
                aes_cmd="openssl speed -evp aes-256-gcm -bytes 8388608 -seconds 3")
