"""`bench/run --perf`: one extra cassvault full backup (fresh vault, cold cache, not part of any ratio) under
`perf record`, flat (self time per symbol), put into the results beside cassvault's own per-stage counters.

perf's software clock (cpu-clock) is used: this VM exposes no hardware counters (`perf stat` shows cycles and
instructions as <not supported>), but sampling the CPU clock works, kernel symbols included."""

import os
import re
import shutil
import subprocess

from .common import BenchError, log, run
from .measure import settle

FREQ = 999  # samples per CPU-second: each sample stands for ~1 ms of CPU

# (group, symbol pattern, "." for user space / "k" for the kernel): first match wins; the rest is "other".
BUCKETS = [
    ("checksum (Cassandra CRC32)", r"crc32|crc_|Crc32|DataFileVerifier|ChunkCrc", "."),
    ("blob id (BLAKE3 / HMAC-SHA-256)", r"blake3|sha256|sha2_|SHA256|Sha256|hmac|Hmac|HMAC", "."),
    ("compression (zstd / lz4)", r"ZSTD|zstd|HUF_|FSE_|LZ4|lz4", "."),
    ("sealing (AEAD: AES-GCM / ChaCha20-Poly1305)", r"aes|AES|gcm|GCM|ghash|chacha|ChaCha|poly1305|Poly1305", "."),
    ("libc memcpy / memset", r"memmove|memcpy|memset", "."),
    ("allocation", r"malloc|free|operator new|operator delete|_int_|tcache", "."),
    ("kernel: page-cache copy (read/write)", r"copy_user|_copy_to_iter|_copy_from_iter|copy_page|rep_movs|"
                                               r"memcpy_orig|clear_page", "k"),
    ("kernel: filesystem and block I/O (ext4 metadata CRCs included)", r"ext4_|jbd2|filemap_|folio|blk_|bio_|iomap|"
     r"page_cache|xas_|__find_get|mpage|writeback|submit_bio|virtio|crc32", "k"),
    ("kernel: other", r".", "k"),
]
# Libraries shipped without symbols (Debian's libcrypto: its SHA-256, AES-GCM and scrypt are assembly, not
# exported) show bare addresses: grouped by the library instead.
DSO_BUCKETS = [
    ("libcrypto, unresolved (HMAC-SHA-256, AES-GCM, and the passphrase's scrypt)", r"libcrypto"),
    ("compression (zstd / lz4)", r"libzstd|liblz4"),
    ("checksum (Cassandra CRC32)", r"libisal|libz\."),
    ("blob id (BLAKE3 / HMAC-SHA-256)", r"blake3"),
]


def available():
    """True when `perf record` can sample here (it may be missing, or denied by perf_event_paranoid)."""
    if not shutil.which("perf"):
        return False
    try:
        p = subprocess.run(["perf", "record", "-e", "cpu-clock", "-o", "/dev/null", "-q", "--", "true"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        return p.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def parse_report(text):
    """`perf report --stdio -q --sort dso,sym` lines -> [(percent, dso, 'k' or '.', symbol)]."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\s*([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.*?)\s*$", line)
        if m:
            rows.append((float(m.group(1)), m.group(2), m.group(3), m.group(4)))
    return rows


def bucket_of(dso, kind, symbol):
    for name, pattern, where in BUCKETS:
        if kind == where and re.search(pattern, symbol):
            return name
    for name, pattern in DSO_BUCKETS:
        if re.search(pattern, dso):
            return name
    return "other"


def summarize(data):
    """perf.data -> (samples, top rows, [group, percent] largest first)."""
    # Every symbol (grouping needs them all: a backup spreads over hundreds); the results list the top 40.
    text = run(["perf", "report", "-i", data, "--stdio", "-q", "--no-children", "--sort", "dso,sym"], "perf report")
    samples_text = run(["perf", "report", "-i", data, "--stdio", "--no-children", "--sort", "dso", "-q",
                        "--show-nr-samples"], "perf report --show-nr-samples")
    samples = 0
    for line in samples_text.splitlines():
        m = re.match(r"^\s*[\d.]+%\s+(\d+)\s+", line)
        if m:
            samples += int(m.group(1))
    rows = parse_report(text)
    buckets = {}
    for pct, dso, kind, sym in rows:
        b = bucket_of(dso, kind, sym)
        buckets[b] = buckets.get(b, 0.0) + pct
    listed = sum(p for p, *_ in rows)
    buckets["other"] = buckets.get("other", 0.0) + max(0.0, 100.0 - listed)  # rounding of perf's percentages
    return samples, rows, sorted(([k, v] for k, v in buckets.items()), key=lambda kv: -kv[1])


def profile(bench, dataset, make_node, cassvault_cls):
    """Runs the profiled backup; returns the dict the report shows (or raises BenchError)."""
    root = os.path.join(bench.work, "perf")
    os.makedirs(root, exist_ok=True)
    node = make_node(root, dataset)
    cv = cassvault_cls(root, node)
    cv.prepare()
    cmd, _cwd = cv.backup("perf")
    data = os.path.join(root, "perf.data")
    out = os.path.join(root, "backup.json")
    settle(bench.cold)
    log("perf: one more cassvault full backup under `perf record -e cpu-clock -F %d`" % FREQ)
    full = ["perf", "record", "-e", "cpu-clock", "-F", str(FREQ), "-o", data, "-q", "--"] + cmd
    with open(out, "w") as f, open(os.path.join(bench.work, "perf.log"), "a") as errf:
        rc = subprocess.run(full, env=cv.env, stdin=subprocess.DEVNULL, stdout=f, stderr=errf).returncode
    if rc != 0:
        raise BenchError("perf record of a cassvault backup failed (exit %d); see %s" % (rc, bench.work + "/perf.log"))
    details = cv.backup_details(out)
    samples, rows, buckets = summarize(data)
    return dict(cmd=full, freq=FREQ, samples=samples, cpu_seconds=samples / FREQ, bytes=details.get("bytes_read"),
                top=[dict(percent=p, dso=d, kind=k, symbol=s) for p, d, k, s in rows[:40]], buckets=buckets,
                counters=details.get("cpu_report"))
