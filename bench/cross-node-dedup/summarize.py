#!/usr/bin/python3
"""Helpers for dedup-measure.sh (issue 11: cross-node dedup on the rig's 3 nodes).

  dedup-measure.py config N URL CACHE_DIR OUT   write a cassvault config for rig node N
  dedup-measure.py quiesce                      wait for compactions to end, then disableautocompaction on all
  dedup-measure.py hash ROUND OUT_DIR           sha256 of every live file in each node's data dirs
  dedup-measure.py report OUT_DIR               tables for the report (file-level, by content hash)
  dedup-measure.py cvsummary OUT_DIR            tables from the `cassvault backup --json` reports
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import time

RIG = os.environ.get("RIG", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "rig"))
NODES = (1, 2, 3)
UUID = re.compile(r"^\s*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\s")


def env(n):
    return json.loads(subprocess.run([RIG, "env", str(n), "--json"], check=True, capture_output=True,
                                     text=True).stdout)


def nodetool(n, *args):
    return subprocess.run([RIG, "nodetool", str(n), *args], check=True, capture_output=True, text=True).stdout


def config(n, url, cache, out):
    e = env(n)
    with open(out, "w") as f:
        f.write("vault:\n  url: %s\n" % url)
        f.write("node:\n  cassandra_yaml: %s\n" % e["cassandra_yaml"])
        f.write("  nodetool: [%s]\n" % ", ".join(json.dumps(a) for a in
                                                  [e["nodetool"], "-h", e["jmx_host"], "-p", str(e["jmx_port"])]))
        f.write("  cql: {host: %s, port: %d}\n" % (e["cql_host"], int(e["cql_port"])))
        f.write("cache_dir: %s\n" % cache)


def busy(n):
    out = nodetool(n, "compactionstats")
    pending = re.search(r"pending tasks:?\s*(\d+)", out)
    active = [l for l in out.splitlines() if UUID.match(l)]
    return (int(pending.group(1)) if pending else 0), active, out


def wait_idle(limit, want_pending_zero=True):
    t0 = time.monotonic()
    while True:
        states = {n: busy(n) for n in NODES}
        if all(not a and (p == 0 or not want_pending_zero) for p, a, _ in states.values()):
            return time.monotonic() - t0, states
        if time.monotonic() - t0 > limit:
            print("quiesce: still busy after %d s:\n%s" % (limit, "\n".join(
                "node%d:\n%s" % (n, s[2]) for n, s in states.items())), file=sys.stderr)
            return time.monotonic() - t0, states
        time.sleep(3)


def quiesce():
    # First let natural compaction finish what it has queued (this is the state a backup would see on an
    # idle cluster), then freeze it so the shared-vault and per-node-vault backups see the same sstables.
    waited, _ = wait_idle(240)
    for n in NODES:
        nodetool(n, "disableautocompaction")
    waited2, _ = wait_idle(120, want_pending_zero=False)
    print("quiesce: idle after %.0f s, frozen after %.0f s more" % (waited, waited2))


def hash_round(rnd, out_dir):
    for n in NODES:
        files = []
        for d in env(n)["data_dirs"]:
            for base, dirs, names in os.walk(d):
                dirs[:] = [x for x in dirs if x not in ("snapshots", "backups")]
                for name in names:
                    p = os.path.join(base, name)
                    rel = os.path.relpath(p, d)
                    h = hashlib.sha256()
                    with open(p, "rb") as f:
                        for chunk in iter(lambda: f.read(1 << 20), b""):
                            h.update(chunk)
                    files.append({"path": rel, "ks": rel.split("/")[0], "size": os.path.getsize(p),
                                  "sha256": h.hexdigest()})
        with open(os.path.join(out_dir, "files-r%d-node%d.json" % (rnd, n)), "w") as f:
            json.dump(files, f)


def load(out_dir, rnd, n):
    with open(os.path.join(out_dir, "files-r%d-node%d.json" % (rnd, n))) as f:
        return json.load(f)


def user(files):
    return [f for f in files if f["ks"].startswith("cv_")]


def mb(b):
    return "%.2f MB" % (b / 1e6)


def share(files, known):
    """bytes of `files` whose content is in `known` (a set of sha256), and the share of all bytes."""
    tot = sum(f["size"] for f in files)
    hit = sum(f["size"] for f in files if f["sha256"] in known)
    return tot, hit, (100.0 * hit / tot if tot else 0.0)


def report(out_dir):
    rounds = [r for r in (1, 2) if os.path.exists(os.path.join(out_dir, "files-r%d-node1.json" % r))]
    for rnd in rounds:
        f = {n: load(out_dir, rnd, n) for n in NODES}
        print("\n### Round %d, live files by content hash (sha256 of each whole file)\n" % rnd)
        print("| node | scope | files | Data.db files | bytes | shared with node1 | shared with the other two |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for n in NODES:
            others = set(x["sha256"] for m in NODES if m != n for x in f[m])
            n1 = set(x["sha256"] for x in f[1])
            for scope, files in (("all keyspaces", f[n]), ("cv_* (user data)", user(f[n]))):
                tot, hit1, p1 = share(files, n1)
                _, hito, po = share(files, others)
                dcount = sum(1 for x in files if x["path"].endswith("Data.db"))
                print("| node%d | %s | %d | %d | %s | %s | %s (%.1f %%) |" % (
                    n, scope, len(files), dcount, mb(tot),
                    "-" if n == 1 else "%s (%.1f %%)" % (mb(hit1), p1), mb(hito), po))
        if rnd == 2:
            prev = {n: load(out_dir, 1, n) for n in NODES}
            print("\n### Round 2: each node's NEW bytes (content not in its own round-1 files), "
                  "and how much of that the other nodes hold (round 1 or 2)\n")
            print("| node | scope | new files | new bytes | of which held by another node |")
            print("|---|---|---:|---:|---:|")
            for n in NODES:
                own = set(x["sha256"] for x in prev[n])
                others = set(x["sha256"] for m in NODES if m != n for r in (prev, f) for x in r[m])
                for scope, files in (("all keyspaces", f[n]), ("cv_* (user data)", user(f[n]))):
                    new = [x for x in files if x["sha256"] not in own]
                    tot, hit, p = share(new, others)
                    print("| node%d | %s | %d | %s | %s (%.1f %%) |" % (n, scope, len(new), mb(tot), mb(hit), p))


def cvsummary(out_dir):
    def rep(r, vault, n):
        with open(os.path.join(out_dir, "backup-r%d-%s-node%d.json" % (r, vault, n))) as f:
            return json.load(f)
    print("\n### cassvault backup --json (shared vault: the 3 nodes in one vault; own: a vault per node)\n")
    print("| round | node (order) | files | bytes | own vault: new_bytes | shared vault: new_bytes | "
          "shared vault: stored_bytes (own vault) | of the node's own new bytes, already stored by others |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r, order in ((1, (1, 2, 3)), (2, (1, 3, 2))):
        for i, n in enumerate(order):
            try:
                s, o = rep(r, "shared", n), rep(r, "own", n)
            except OSError:
                continue
            by_new = max(0.0, 100.0 * (o["new_bytes"] - s["new_bytes"]) / o["new_bytes"]) if o["new_bytes"] else 0.0
            by_stored = max(0.0, 100.0 * (o["stored_bytes"] - s["stored_bytes"]) / o["stored_bytes"]) if o["stored_bytes"] else 0.0
            print("| %d | node%d (%d.) | %d | %s | %s | %s | %s (%s) | %.1f %% (stored: %.1f %%) |" % (
                r, n, i + 1, s["files"], mb(s["bytes"]), mb(o["new_bytes"]), mb(s["new_bytes"]),
                mb(s["stored_bytes"]), mb(o["stored_bytes"]), by_new, by_stored))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "config":
        config(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
    elif cmd == "quiesce":
        quiesce()
    elif cmd == "hash":
        hash_round(int(sys.argv[2]), sys.argv[3])
    elif cmd == "cvsummary":
        cvsummary(sys.argv[2])
    elif cmd == "report":
        report(sys.argv[2])
    else:
        sys.exit(__doc__)
