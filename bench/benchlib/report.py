"""The results file (Markdown) and the throughput chart (PNG) from one run's JSON document."""

import os
import shlex
import statistics

SCENARIO_TITLES = {
    "full": "1. full backup",
    "nochange": "2. nothing changed",
    "compaction": "3. after compaction",
    "repair": "4. after incremental repair",
    "restore": "5. full restore",
    "restore_table": "6. restore one table",
    "list": "7. list backups",
    "cloud_full": "cloud: full backup",
    "cloud_nochange": "cloud: nothing changed",
    "cloud_compaction": "cloud: after compaction",
    "cloud_restore": "cloud: full restore / download",
}
CLOUD_SCENARIOS = ["cloud_full", "cloud_nochange", "cloud_compaction", "cloud_restore"]
MAIN_SCENARIOS = ["full", "nochange", "compaction", "repair", "restore", "restore_table"]
TOOL_ORDER = ["cassvault", "cassvault-wo", "restic", "borg", "cp", "floor", "medusa", "cassvault-online", "cassvault-azure", "cassvault-s3",
              "medusa-azure"]
COLORS = {"cassvault": "#1f77b4", "cassvault-wo": "#aec7e8", "restic": "#ff7f0e", "borg": "#2ca02c", "cp": "#7f7f7f", "floor": "#bcbd22",
          "medusa": "#d62728",
          "cassvault-online": "#17becf", "cassvault-azure": "#9467bd", "cassvault-s3": "#8c564b",
          "medusa-azure": "#e377c2"}


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_s(x):
    if x is None:
        return "—"
    return "%.3f" % x if x < 1 else "%.2f" % x if x < 100 else "%.0f" % x


def fmt_mbps(x):
    if x is None:
        return "—"
    return "%.0f" % x if x >= 10 else "%.1f" % x


def fmt_mb(b):
    return "—" if b is None else "%.0f" % (b / 1e6) if b >= 1e7 else "%.1f" % (b / 1e6)


def stats(runs):
    walls = [r["wall"] for r in runs]
    nbytes = med([r["bytes"] for r in runs]) or 0
    wall = med(walls)
    cpu = med([r["cpu"] for r in runs])
    return dict(wall=wall, wmin=min(walls), wmax=max(walls), mbps=nbytes / wall / 1e6 if wall and nbytes else None,
                mbps_min=nbytes / max(walls) / 1e6 if nbytes else None,
                mbps_max=nbytes / min(walls) / 1e6 if nbytes else None, cpu=cpu,
                cpu_per_gb=cpu / (nbytes / 1e9) if nbytes else None, rss_mib=max(r["rss_kb"] for r in runs) / 1024,
                n=len(runs), bytes=nbytes)


def pair_ratios(results, scenario, peer, ours="cassvault"):
    """peer wall / cassvault wall for each repetition both ran: cassvault's speed-up over the peer
    (> 1: cassvault faster). Per pair, so both members of a ratio saw the same conditions."""
    a = {r["rep"]: r["wall"] for r in results.get(scenario, {}).get(ours, [])}
    b = {r["rep"]: r["wall"] for r in results.get(scenario, {}).get(peer, [])}
    return [b[k] / a[k] for k in sorted(a) if k in b and a[k] > 0]


def tools_in(results, scenario):
    present = results.get(scenario, {})
    return [t for t in TOOL_ORDER if t in present] + sorted(t for t in present if t not in TOOL_ORDER)


def rel(path, doc):
    return path.replace(doc["work_dir"], "$WORK").replace(doc["dataset"]["dir"], "$DATA").replace(
        os.path.expanduser("~"), "~")


def bar_lines(doc):
    """Issue 5's bars, each with the measured value and, where missed, by how much."""
    r = doc["results"]
    out = []

    def speedup(scenario, peer, need, what, ours="cassvault"):
        ratios = pair_ratios(r, scenario, peer, ours)
        if not ratios:
            return
        m = med(ratios)
        ok = m >= need
        detail = "" if ok else ": needs %.1f× more speed" % (need / m)
        out.append("| %s | ≥ %s× | %.2f× (pairs: %s) | %s%s |" % (
            what, ("%g" % need), m, ", ".join("%.2f" % x for x in ratios), "holds" if ok else "**missed**", detail))

    speedup("full", "restic", 10, "full backup vs restic")
    speedup("full", "borg", 5, "full backup vs borg")
    speedup("medusa_full", "medusa", 10, "full backup vs Medusa (live node)", "cassvault-online")
    cp = pair_ratios(r, "full", "cp")
    if cp:
        m = med(cp)
        ok = m >= 0.6
        out.append("| full backup vs `cp -a` (cp time ÷ cassvault time) | ≥ 0.60 | %.2f (pairs: %s) | %s%s |" % (
            m, ", ".join("%.2f" % x for x in cp), "holds" if ok else "**missed**",
            "" if ok else ": needs %.1f× more speed" % (0.6 / m)))
    speedup("restore", "restic", 4, "full restore vs restic")
    speedup("medusa_restore", "medusa", 4, "full restore vs Medusa download (live node)", "cassvault-online")
    speedup("nochange", "restic", 4, "nothing changed: ≤ ¼ of restic's time")
    nc = r.get("nochange", {}).get("cassvault")
    if nc:
        w = med([x["wall"] for x in nc])
        inner = med([x.get("seconds") for x in nc])
        files = doc["dataset"]["files"]
        est = w * max(1.0, 10000.0 / files)
        ok = est < 0.5
        out.append("| nothing changed: 10,000 components < 0.5 s | < 0.5 s | %.3f s wall (%s s inside the backup, "
                   "cassvault's own figure) for %d files → ≤ %.2f s per 10,000 (upper bound: scales the whole wall "
                   "time, fixed start-up included) | %s |" % (
                       w, "%.3f" % inner if inner is not None else "?", files, est,
                       "holds" if ok else "**missed** by up to %.1f×" % (est / 0.5)))
    rss = [x["rss_kb"] / 1024 for s in r if not s.startswith("cloud_") for t, runs in r[s].items()
           if t.startswith("cassvault") for x in runs]
    if rss:
        m = max(rss)
        out.append("| peak RSS, every cassvault run | ≤ 128 MiB | %.0f MiB | %s |" % (
            m, "holds" if m <= 128 else "**missed** by %.0f MiB" % (m - 128)))
    ls = r.get("list", {}).get("cassvault")
    if ls:
        m = med([x["wall"] for x in ls])
        out.append("| `list` of %d backups (bar: 1,000) | < 1 s | %.3f s (median of %d) | %s |" % (
            doc["list_info"]["backups"], m, len(ls), "holds" if m < 1 else "**missed** by %.1f×" % m))
    return out


def v2_bar_lines(doc):
    """Issue 10's bars (format v2): CPU-s per GB (the whole process, GNU time's user + sys, over the data set or
    the restored bytes), speed-ups per pair, and the fraction of the machine's floor (floor wall ÷ cassvault
    wall per pair: cold read plus durable write of the same bytes, `cp -r --reflink=never` then `sync`)."""
    r = doc["results"]
    out = []

    def row(what, target, measured, ok, detail=""):
        verdict = "—" if ok is None else "holds" if ok else "**missed**" + detail
        out.append("| %s | %s | %s | %s |" % (what, target, measured, verdict))

    def cpu_gb(scenario, limit, what, ours="cassvault"):
        runs = r.get(scenario, {}).get(ours)
        if not runs:
            return
        per = [x["cpu"] / (x["bytes"] / 1e9) for x in runs if x.get("bytes")]
        m = med(per)
        if m is None:
            return
        row(what, "≤ %.1f CPU-s/GB" % limit, "%.2f CPU-s/GB (runs: %s)" % (m, ", ".join("%.2f" % x for x in per)),
            m <= limit, ": %.1f× too much CPU" % (m / limit))

    def speed(scenario, peer, need, what, ours="cassvault"):
        pr = pair_ratios(r, scenario, peer, ours)
        if not pr:
            return
        m = med(pr)
        row(what, "≥ %g×" % need if need else "(reported)", "%.2f× (pairs: %s)" % (m, ", ".join("%.2f" % x for x in pr)),
            m >= need if need else None, ": needs %.1f× more speed" % (need / m) if need else "")

    def floor(scenario, need, what):
        pr = pair_ratios(r, scenario, "floor")
        if not pr:
            return
        m = med(pr)
        row(what, "≥ %.0f %%" % (100 * need) if need else "(reported)",
            "%.0f %% (pairs: %s)" % (100 * m, ", ".join("%.0f %%" % (100 * x) for x in pr)),
            m >= need if need else None, ": needs %.1f× more speed" % (need / m) if need else "")

    cpu_gb("full", 1.5, "full backup, CPU per GB (whole process)")
    speed("full", "restic", 3, "full backup vs restic")
    speed("full", "borg", 2, "full backup vs borg")
    floor("full", 0.7, "full backup as a fraction of the floor")
    cpu_gb("restore", 1.0, "full restore, CPU per GB (whole process)")
    speed("restore", "restic", 2, "full restore vs restic")
    speed("restore", "borg", 0, "full restore vs borg")
    floor("restore", 0, "full restore as a fraction of the floor")
    # The same bars in write-only mode: the public-key step is per backup, not per blob, so it must not show.
    cpu_gb("full", 1.5, "write-only: full backup, CPU per GB", "cassvault-wo")
    speed("full", "restic", 3, "write-only: full backup vs restic", "cassvault-wo")
    speed("full", "borg", 2, "write-only: full backup vs borg", "cassvault-wo")
    cpu_gb("restore", 1.0, "write-only: full restore (admin key), CPU per GB", "cassvault-wo")
    speed("restore", "restic", 2, "write-only: full restore vs restic", "cassvault-wo")
    nc = r.get("nochange", {}).get("cassvault")
    if nc:
        inner = med([x.get("seconds") for x in nc])
        files = doc["dataset"]["files"]
        if inner is not None:
            est = inner * 10000.0 / files
            row("nothing changed: 10,000 components inside the process", "< 0.3 s",
                "%.3f s inside the backup for %d files → %.3f s per 10,000 (linear, so an upper bound: fixed costs scale too)" % (inner, files, est), est < 0.3,
                " by %.1f×" % (est / 0.3))
    return out


def stage_table(doc, scenario, add):
    """cassvault's own per-stage counters (its --json "cpu"), median over the repetitions, per GB of the data set
    (backup) or of the restored bytes; "outside" is GNU time's process CPU less what the counters cover (start-up,
    the config, the key derivation)."""
    runs = [x for x in doc["results"].get(scenario, {}).get("cassvault", []) if isinstance(x.get("cpu_report"), dict)]
    if not runs:
        return False
    gb = med([x["bytes"] for x in runs]) / 1e9
    names = []
    for x in runs:
        for st in x["cpu_report"]["stages"]:
            if st["stage"] not in names:
                names.append(st["stage"])
    process = med([x["cpu"] for x in runs])
    add("| stage | CPU s | CPU s/GB | share of the process |")
    add("|---|---|---|---|")
    for n in names:
        v = med([next((st["seconds"] for st in x["cpu_report"]["stages"] if st["stage"] == n), 0.0) for x in runs])
        add("| %s | %s | %.3f | %.0f %% |" % (n, fmt_s(v), v / gb if gb else 0, 100 * v / process if process else 0))
    inside = med([x["cpu_report"]["seconds"] for x in runs])
    outside = max(0.0, process - inside)
    add("| outside the operation (start-up, config, key derivation) | %s | %.3f | %.0f %% |" % (
        fmt_s(outside), outside / gb if gb else 0, 100 * outside / process if process else 0))
    add("| **process (GNU time, user + sys)** | **%s** | **%.3f** | 100 %% |" % (fmt_s(process),
                                                                              process / gb if gb else 0))
    return True


def profile_section(doc, add):
    add("## Where the CPU goes")
    add("")
    add("cassvault's own counters: each stage is charged the thread CPU time (user + system, "
        "`CLOCK_THREAD_CPUTIME_ID`) its threads spent in it, read once per part (4 MiB) or file, so the kernel's "
        "page-cache copy of a read counts under *read*. *other* is the process CPU under no stage: queues, "
        "progress, scheduling, buffer page faults, and the vault's background pack uploads (write(2) and fdatasync "
        "of each pack) unless the vault charges them to *pack_write* through `CpuStages::Current()`. Stages the "
        "vault does not split itself (*blob_id*, *compress*, *seal*, *pack_write*; restore: *pack_read*, "
        "*decrypt*, *decompress*, *blob_id*) stay inside *store* / *blob_read*. Median over the repetitions.")
    add("")
    for scenario in ("full", "restore"):
        add("### %s" % SCENARIO_TITLES[scenario])
        add("")
        if not stage_table(doc, scenario, add):
            add("(no per-stage counters in cassvault's --json report: a binary from before them)")
        add("")
    p = doc.get("perf")
    if not p:
        add("No `perf` profile in this run (`bench/run --perf` adds one).")
        add("")
        return
    gb = (p.get("bytes") or 0) / 1e9
    add("### perf: one more full backup, flat profile")
    add("")
    add("`%s` (fresh vault, cold cache, outside the timed pairs): %d samples at %d Hz ≈ %.2f CPU-s%s. Grouped by "
        "symbol (self time), or by library where it has no symbols (Debian's libcrypto). The counters of that same backup "
        "are in the JSON (`perf.counters`)." % (
            " ".join(shlex.quote(rel(x, doc)) for x in p["cmd"][:9]) + " … backup --offline", p["samples"], p["freq"],
            p["cpu_seconds"], " for %.2f GB read = %.2f CPU-s/GB" % (gb, p["cpu_seconds"] / gb) if gb else ""))
    add("")
    add("| group | share | CPU s/GB |")
    add("|---|---|---|")
    for name, pct in p["buckets"]:
        add("| %s | %.1f %% | %s |" % (name, pct, "%.3f" % (pct / 100 * p["cpu_seconds"] / gb) if gb else "—"))
    add("")
    c = p.get("counters")
    if isinstance(c, dict) and c.get("stages"):
        add("The same backup's own counters (CPU-s/GB): %s; in all %.3f CPU-s/GB inside the operation." % (
            ", ".join("%s %.3f" % (st["stage"], st["per_gb"]) for st in c["stages"]), c.get("per_gb", 0)))
        add("")
    add("<details><summary>top symbols</summary>")
    add("")
    add("| self % | object | symbol |")
    add("|---|---|---|")
    for t in p["top"]:
        add("| %.2f | %s | `%s` |" % (t["percent"], t["dso"], t["symbol"].replace("|", "\\|")[:100]))
    add("")
    add("</details>")
    add("")


def write(doc, md_path, png_path):
    os.makedirs(os.path.dirname(md_path), exist_ok=True)
    chart(doc, png_path)
    r = doc["results"]
    ds = doc["dataset"]
    lim = doc["limits"]
    L = []
    add = L.append
    add("# cassvault benchmark — %s%s" % (doc["date"], " (quick)" if doc["quick"] else ""))
    add("")
    add("Produced by `bench/run%s` in %.0f s. %d repetitions per scenario, tools in alternating order "
        "(A B C D / D C B A), %s. Medians with [min–max]; ratios are taken per pair of runs from the same "
        "repetition. MB/s = 10^6 bytes/s; RSS in MiB." % (
            (" " + doc["flags"]) if doc.get("flags") else (" --quick" if doc["quick"] else ""), doc["elapsed_seconds"],
            doc["reps"],
            "**cold cache**: `sync; echo 3 > /proc/sys/vm/drop_caches` before every timed step, for every tool"
            if doc["cold"] else "**warm cache**: no cache drop (only `sync`) before timed steps"))
    add("")
    add("![throughput per tool and scenario](%s)" % os.path.basename(png_path))
    add("")
    add("## Data set")
    add("")
    comp = {}
    for t in ds["layout"]:
        key = ("uncompressed" if t["compression"] == "none" else "LZ4") + (", BTI (da)" if t["format"] == "bti"
                                                                            else ", BIG (oa)")
        c = comp.setdefault(key, [0, 0, 0])
        c[0] += 1
        c[1] += t["bytes"]
        c[2] += t["sstables"]
    add("%.2f GB in %d files: %d SSTables of %d tables, written by Cassandra %s's `CQLSSTableWriter` "
        "(bench/gen-data, seed-deterministic, cached as `%s`; generation took %.0f s). Checked by "
        "`cassvault backup --offline` (Digest.crc32 and chunk CRCs) when generated." % (
            ds["bytes"] / 1e9, ds["files"], ds["sstables"], ds["tables"], doc["versions"].get(
                "cassandra-all (SSTable writer)"), ds["key"], ds["generation_seconds"]))
    add("")
    add("| kind | tables | SSTables | bytes |")
    add("|---|---|---|---|")
    for k, (n, b, s) in sorted(comp.items()):
        add("| %s | %d | %d | %.1f MB |" % (k, n, s, b / 1e6))
    add("")
    add("Scenario 3 replaces all SSTables of %s (%.1f MB, %.0f%% of the bytes) with compacted ones: new rows, "
        "fewer and larger files, new generations. Scenario 4 runs Cassandra's `SSTableRepairedAtSetter "
        "--really-set --is-repaired` on every SSTable but each fifth. Scenario 6 restores `%s` (%.1f MB)." % (
            ", ".join(ds["compaction_tables"][:3]) + (" and %d small tables" % (len(ds["compaction_tables"]) - 3)
                                                       if len(ds["compaction_tables"]) > 3 else ""),
            ds["compaction_bytes"] / 1e6, 100.0 * ds["compaction_bytes"] / ds["bytes"], ds["restore_table"],
            ds["restore_table_bytes"] / 1e6))
    for n in doc["notes"]:
        add(n)
    add("")
    add("## Bars (issue 5)")
    add("")
    add("| bar | target | measured | verdict |")
    add("|---|---|---|---|")
    L.extend(bar_lines(doc))
    add("")
    add("## Bars (issue 10, vault format v2)")
    add("")
    add("| bar | target | measured | verdict |")
    add("|---|---|---|---|")
    L.extend(v2_bar_lines(doc))
    add("")
    add("The floor: `cp -r --reflink=never` of the same data to the filesystem the vaults are on, then `sync`, "
        "as one timed process after the same cache drop (the *floor* rows below); a fraction of 100 % means as "
        "fast as the floor.")
    add("")
    add("## Results")
    add("")
    add("MB/s is the data set's size (the snapshot each backup covers, or the bytes restored) over wall time, so "
        "for scenarios 2–4 it is an *effective* rate. Speed-up = peer's wall ÷ cassvault's wall in the same "
        "repetition (> 1: cassvault is faster); for `cp` it is the fraction of the floor reached.")
    add("")
    add("| scenario | tool | wall s | MB/s | CPU s | CPU s/GB | peak RSS | stored MB | cassvault speed-up (per pair) |")
    add("|---|---|---|---|---|---|---|---|---|")
    for s in MAIN_SCENARIOS + ["medusa_full", "medusa_nochange", "medusa_compaction", "medusa_repair",
                               "medusa_restore", "medusa_restore_table"]:
        if s not in r or not r[s]:
            continue
        for t in tools_in(r, s):
            st = stats(r[s][t])
            stored = ""
            if s == "full" and t in doc["stored"]:
                stored = fmt_mb(med(doc["stored"][t].get("after full", [])))
            elif s == "repair" and t in doc["stored"]:
                stored = fmt_mb(med(doc["stored"][t].get("after repair", [])))
            elif s.startswith("medusa_") and doc.get("medusa") and t in doc["medusa"].get("stored", {}).get(s, {}):
                stored = fmt_mb(med(doc["medusa"]["stored"][s][t]))
            ours = "cassvault-online" if s.startswith("medusa_") else "cassvault"
            ratio = ""
            if t != ours:
                pr = pair_ratios(r, s, t, ours)
                ratio = "%.2f× (%s)" % (med(pr), ", ".join("%.2f" % x for x in pr)) if pr else "—"
            add("| %s | %s | %s [%s–%s] | %s | %s | %s | %.0f MiB | %s | %s |" % (
                SCENARIO_TITLES.get(s, s.replace("medusa_", "live node: ")), t, fmt_s(st["wall"]), fmt_s(st["wmin"]),
                fmt_s(st["wmax"]), fmt_mbps(st["mbps"]), fmt_s(st["cpu"]),
                "%.2f" % st["cpu_per_gb"] if st["cpu_per_gb"] else "—", st["rss_mib"], stored, ratio))
    if "list" in r and r["list"]:
        st = stats(r["list"]["cassvault"])
        li = doc["list_info"]
        add("| 7. list %d backups | cassvault | %s [%s–%s] | — | %s | — | %.0f MiB | %s | — |" % (
            li["backups"], fmt_s(st["wall"]), fmt_s(st["wmin"]), fmt_s(st["wmax"]), fmt_s(st["cpu"]),
            st["rss_mib"], fmt_mb(li["vault_bytes"])))
    add("")
    dist = disturbance(doc)
    if dist:
        add(dist)
        add("")
    if "list_info" in doc and doc["list_info"]:
        li = doc["list_info"]
        add("Scenario 7: %d offline backups of `%s` (%d files) were made into one vault (key file) in %.1f s, "
            "%.1f ms per backup, before `cassvault list` was timed." % (
                li["backups"], li["table"], li["files"], li["create_seconds"], 1000 * li["create_seconds"] / li["backups"]))
        add("")
    add("### What cassvault read (its `--json` report)")
    add("")
    add("| scenario | files read | MB read | cache hits | new files | new MB | stored MB |")
    add("|---|---|---|---|---|---|---|")
    for s in ["full", "nochange", "compaction", "repair"]:
        runs = r.get(s, {}).get("cassvault", [])
        if not runs:
            continue

        def m(k):
            return med([x.get(k) for x in runs])
        add("| %s | %s | %s | %s | %s | %s | %s |" % (
            SCENARIO_TITLES[s], fmt_int(m("files_read")), fmt_mb(m("bytes_read")), fmt_int(m("cache_hits")),
            fmt_int(m("new_files")), fmt_mb(m("new_bytes")), fmt_mb(m("stored_bytes"))))
    add("")
    profile_section(doc, add)
    add("## Machine limits, measured in the same run")
    add("")
    full = r.get("full", {}).get("cassvault")
    rest = r.get("restore", {}).get("cassvault")
    fb = stats(full)["mbps"] * 1e6 if full else None
    rb = stats(rest)["mbps"] * 1e6 if rest else None
    add("| primitive | speed | cassvault full backup as a fraction | cassvault full restore as a fraction |")
    add("|---|---|---|---|")
    for name, key in (("sequential read, cold page cache, 1 MiB reads, 1 thread", "cold_read"),
                      ("SHA-256, `openssl speed -evp sha256`, 8 MiB, 1 core", "sha256"),
                      ("AES-256-GCM, `openssl speed -evp aes-256-gcm`, 8 MiB, 1 core", "aes_256_gcm")):
        v = lim[key]
        add("| %s | %.0f MB/s | %s | %s |" % (name, v / 1e6, "%.0f%%" % (100 * fb / v) if fb else "—",
                                            "%.0f%%" % (100 * rb / v) if rb else "—"))
    add("")
    add("Cold read runs: %s MB/s (the best is used). Machine: %s, %d cores, %.1f GiB RAM." % (
        ", ".join("%.0f" % (x / 1e6) for x in lim["cold_read_runs"]), doc["machine"]["cpu"], doc["machine"]["cores"],
        doc["machine"]["mem_gib"]))
    add("")
    if doc.get("cloud"):
        cloud_section(doc, add)
    if doc.get("medusa"):
        add("## Medusa (live node)")
        add("")
        for line in doc["medusa"].get("notes", []):
            add(line)
        add("")
    add("## Versions")
    add("")
    for k, v in doc["versions"].items():
        add("- %s: `%s`" % (k, v))
    add("")
    add("## Exact commands")
    add("")
    add("`$WORK` is the repetition's scratch dir, `$DATA` the cached data set. Environment: "
        "`CASSVAULT_PASSPHRASE`, `RESTIC_PASSWORD`, `BORG_PASSPHRASE` set; `RESTIC_CACHE_DIR` and `BORG_BASE_DIR` "
        "inside `$WORK`; each command runs as `/usr/bin/time -v -o FILE <command>`.%s" % (
            " Cloud: `AZURE_STORAGE_KEY` (Azurite's well-known key) for cassvault-azure, `AWS_ACCESS_KEY_ID`/"
            "`AWS_SECRET_ACCESS_KEY` (the gateway's root account) for cassvault-s3, `SSL_CERT_FILE` and "
            "`REQUESTS_CA_BUNDLE` = the test CA for Medusa; the generated configs are in the Cloud section."
            if doc.get("cloud") else ""))
    add("")
    add("```")
    for key in sorted(doc["commands"], key=lambda k: (order_key(k.split("|")[0]), k)):
        s, t = key.split("|")
        c = doc["commands"][key]
        cmd = " ".join(shlex.quote(rel(x, doc)) for x in c["cmd"])
        add("# %s — %s" % (SCENARIO_TITLES.get(s, s.replace("medusa_", "live node: ")), t))
        add(("(cd %s && %s)" % (shlex.quote(rel(c["cwd"], doc)), cmd)) if c.get("cwd") else cmd)
    add("```")
    add("")
    add("Per-repetition figures are in `%s`." % os.path.basename(md_path[:-3] + ".json"))
    with open(md_path, "w") as f:
        f.write("\n".join(L) + "\n")


def disturbance(doc):
    """One line on what other processes took during the timed steps (local scenarios: busy CPU less the tool's;
    the live-node and cloud steps also run Cassandra or a server, reported in their own sections)."""
    worst = []
    for s, tools in doc["results"].items():
        if s.startswith("cloud_") or s.startswith("medusa_"):
            continue
        for t, runs in tools.items():
            for x in runs:
                if x.get("busy_cpu") is not None:
                    worst.append((x["busy_cpu"] - x["cpu"], x["wall"], s, t, x["rep"]))
    if not worst:
        return None
    total = sum(max(w[0], 0) for w in worst)
    o, wall, s, t, rep = max(worst)
    return ("Other processes' CPU during the %d local timed steps (/proc/stat busy time less the tool's own): %.2f s "
            "in all; the most in one step %.2f s (%s, %s, repetition %d, wall %s s)." % (
                len(worst), total, max(o, 0.0), SCENARIO_TITLES.get(s, s), t, rep + 1, fmt_s(wall)))


def fmt_int(x):
    return "—" if x is None else "%d" % x


def order_key(s):
    keys = MAIN_SCENARIOS + ["list"] + CLOUD_SCENARIOS
    return keys.index(s) if s in keys else len(keys)


def chart(doc, png_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = doc["results"]
    scen = [s for s in MAIN_SCENARIOS if r.get(s)]
    scen += [s for s in ["medusa_full", "medusa_nochange", "medusa_restore", "cloud_full", "cloud_restore"] if r.get(s)]
    tools = [t for t in TOOL_ORDER if any(t in r.get(s, {}) for s in scen)]
    fig, ax = plt.subplots(figsize=(12, 6), dpi=110)
    width = 0.8 / max(1, len(tools))
    for i, t in enumerate(tools):
        xs, ys, lo, hi = [], [], [], []
        for j, s in enumerate(scen):
            if t not in r.get(s, {}):
                continue
            st = stats(r[s][t])
            if not st["mbps"]:
                continue
            xs.append(j + (i - (len(tools) - 1) / 2) * width)
            ys.append(st["mbps"])
            lo.append(st["mbps"] - st["mbps_min"])
            hi.append(st["mbps_max"] - st["mbps"])
        if not xs:
            continue
        bars = ax.bar(xs, ys, width, label=t, color=COLORS.get(t), yerr=[lo, hi], capsize=2, error_kw=dict(lw=0.8))
        for b, y, h in zip(bars, ys, hi):
            # Above the error bar's top, so the label never sits on the whisker.
            ax.annotate(fmt_mbps(y), (b.get_x() + b.get_width() / 2, y + h), xytext=(0, 3), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7, rotation=90)
    ax.set_yscale("log")
    ax.set_xticks(range(len(scen)))
    ax.set_xticklabels([SCENARIO_TITLES.get(s, s.replace("medusa_", "live: ")).replace(". ", ".\n", 1)
                        .replace(": ", ":\n", 1) for s in scen], fontsize=8)
    ax.set_ylabel("MB/s (data set or restored bytes ÷ wall; log scale)")
    ax.set_title("cassvault vs peers on %.2f GB of real SSTables (%d files), %s cache, median of %d (bars: min–max)"
                 % (doc["dataset"]["bytes"] / 1e9, doc["dataset"]["files"], "cold" if doc["cold"] else "warm",
                    doc["reps"]), fontsize=10)
    ax.grid(axis="y", which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=len(tools), loc="upper left")
    ax.margins(y=0.15)
    fig.tight_layout()
    fig.savefig(png_path)
    plt.close(fig)


# --- Cloud (issue 6) -----------------------------------------------------------------------------------------

CLOUD_OURS = ["cassvault-azure", "cassvault-s3"]
CLOUD_PEER = "medusa-azure"
CLOUD_RSS_LIMIT_MIB = 128
REQ_SLOPE = 1.1


def mbps_ratios(results, scenario, ours, peer):
    """ours MB/s ÷ peer MB/s per repetition both ran (each with its own byte count: Medusa's backup covers
    every keyspace of the live node, so throughput, not wall, is what compares)."""
    a = {r["rep"]: r.get("mbps") for r in results.get(scenario, {}).get(ours, [])}
    b = {r["rep"]: r.get("mbps") for r in results.get(scenario, {}).get(peer, [])}
    return [a[k] / b[k] for k in sorted(a) if k in b and a[k] and b[k]]


def server_ceilings(results, scenario, ours, peer):
    """Per pair: the ratio cassvault would reach if its step took only the server's CPU time for the same
    bytes (bytes ÷ server CPU, over Medusa's MB/s): the most this server on these cores allows."""
    a = {x["rep"]: x for x in results.get(scenario, {}).get(ours, [])}
    b = {x["rep"]: x.get("mbps") for x in results.get(scenario, {}).get(peer, [])}
    out = []
    for k in sorted(a):
        sc = a[k].get("server_cpu")
        if k in b and b[k] and sc and a[k].get("bytes"):
            out.append(a[k]["bytes"] / sc / 1e6 / b[k])
    return out


def cloud_requests(r, tool):
    """(scenario, new_files, requests, retries) of every backup of tool, all repetitions."""
    out = []
    for s in ["cloud_full", "cloud_nochange", "cloud_compaction"]:
        for x in r.get(s, {}).get(tool, []):
            if x.get("requests") is not None:
                out.append((s, x.get("new_files"), x.get("requests"), x.get("retries")))
    return out


def cloud_bar_lines(doc):
    from .cloud import fit
    r = doc["results"]
    out = []
    for ours in CLOUD_OURS:
        for scen, what in (("cloud_full", "backup"), ("cloud_restore", "restore vs `medusa download`")):
            ratios = mbps_ratios(r, scen, ours, CLOUD_PEER)
            if not ratios:
                continue
            m = med(ratios)
            ok = m >= 10
            cross = "" if ours.endswith("azure") else " (S3 server vs Medusa on Azurite: different servers)"
            ceil = server_ceilings(r, scen, ours, CLOUD_PEER)
            ceil_txt = ("; ceiling if cassvault itself cost nothing (its bytes ÷ the server's CPU in that step): %.1f× (pairs: %s)" % (
                med(ceil), ", ".join("%.1f" % x for x in ceil))) if ceil else ""
            out.append("| %s %s ≥ 10× Medusa's MB/s%s | ≥ 10× | %.2f× (pairs: %s)%s | %s |" % (
                ours, what, cross, m, ", ".join("%.2f" % x for x in ratios), ceil_txt,
                "holds" if ok else "**missed**: needs %.1f× more speed" % (10 / m)))
    rss = [(x["rss_kb"] / 1024, s, t) for s in CLOUD_SCENARIOS for t in CLOUD_OURS for x in r.get(s, {}).get(t, [])]
    if rss:
        m, s, t = max(rss)
        out.append("| peak RSS, every cassvault cloud run | ≤ %d MiB | %.0f MiB (%s, %s) | %s |" % (
            CLOUD_RSS_LIMIT_MIB, m, t, SCENARIO_TITLES[s],
            "holds" if m <= CLOUD_RSS_LIMIT_MIB else "**missed** by %.0f MiB" % (m - CLOUD_RSS_LIMIT_MIB)))
    for ours in CLOUD_OURS:
        pts = cloud_requests(r, ours)
        if not pts:
            continue
        const = max([q for s, n, q, _ in pts if not n] or [0])
        # The worst backup with new components (the nothing-changed ones are the constant itself).
        worst = max([q - REQ_SLOPE * (n or 0) - const for s, n, q, _ in pts if n] or [0])
        f = fit([(n, q) for _s, n, q, _ in pts])
        ok = worst <= 0
        out.append("| %s requests per backup ≤ %.1f × new components + constant | ≤ %.1f × new + %d (constant = "
                   "the nothing-changed backup's requests) | worst backup with new components: requests − %.1f × new − %d = %+.0f; fit over "
                   "%d backups: %.3f per new component + %.0f | %s |" % (
                       ours, REQ_SLOPE, REQ_SLOPE, const, REQ_SLOPE, const, worst, len(pts),
                       f["slope"] if f else float("nan"), f["intercept"] if f else float("nan"),
                       "holds" if ok else "**missed** by %.0f requests" % worst))
    return out


def cloud_section(doc, add):
    from .cloud import fit
    r = doc["results"]
    c = doc["cloud"]
    add("## Cloud (issue 6)")
    add("")
    add("cassvault backs up the same working copy of the data set as the local scenarios (`backup --offline`, "
        "fresh vault and cache per repetition, %s) into Azurite and into Versity S3 Gateway; Medusa backs up %s. "
        "Each repetition alternates the order (medusa-azure, cassvault-azure, cassvault-s3 / the reverse). "
        "*Server CPU* is the CPU the emulator spent during that step (/proc of the server process), not in the "
        "tool's CPU column." % ("cold cache" if doc["cold"] else "warm cache",
                                 "the live node with the same SSTables" if c.get("with_medusa") else
                                 "nothing (--cloud-no-medusa)"))
    add("")
    for n in c.get("notes", []):
        add(n)
        add("")
    add("### Bars (issue 6)")
    add("")
    add("| bar | target | measured | verdict |")
    add("|---|---|---|---|")
    for line in cloud_bar_lines(doc):
        add(line)
    add("")
    add("### Results")
    add("")
    add("*Others' CPU*: what the rest of the machine used during the step (/proc/stat busy time less the tool's and "
        "the server's CPU); for Medusa it includes the Cassandra node's work (its snapshot). Near 0 elsewhere means "
        "nothing else competed for the cores.")
    add("")
    add("| scenario | tool | wall s | MB/s | CPU s | server CPU s | others' CPU s | peak RSS | requests | retries | "
        "new files | requests per new file (restore: per file restored) | ratio to Medusa (MB/s, per pair) |")
    add("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for s in CLOUD_SCENARIOS:
        for t in tools_in(r, s):
            runs = r[s][t]
            st = stats(runs)
            # MB/s per run with its own bytes (Medusa's download writes what it wrote), median of those.
            mb = med([x.get("mbps") for x in runs])
            mbs = [x.get("mbps") for x in runs if x.get("mbps")]
            req = med([x.get("requests") for x in runs])
            ret = med([x.get("retries") for x in runs])
            nf = med([x.get("new_files") for x in runs])
            per = med([x.get("files_restored") for x in runs]) if s == "cloud_restore" else nf
            scpu = med([x.get("server_cpu") for x in runs])
            other = med([x["busy_cpu"] - x["cpu"] - (x.get("server_cpu") or 0) for x in runs
                         if x.get("busy_cpu") is not None])
            ratio = ""
            if t != CLOUD_PEER:
                pr = mbps_ratios(r, s, t, CLOUD_PEER)
                ratio = "%.2f× (%s)" % (med(pr), ", ".join("%.2f" % x for x in pr)) if pr else "—"
            add("| %s | %s | %s [%s–%s] | %s [%s–%s] | %s | %s | %s | %.0f MiB | %s | %s | %s | %s | %s |" % (
                SCENARIO_TITLES[s], t, fmt_s(st["wall"]), fmt_s(st["wmin"]), fmt_s(st["wmax"]), fmt_mbps(mb),
                fmt_mbps(min(mbs)) if mbs else "—", fmt_mbps(max(mbs)) if mbs else "—", fmt_s(st["cpu"]),
                fmt_s(scpu), fmt_s(max(other, 0.0)) if other is not None else "—", st["rss_mib"], fmt_int(req), fmt_int(ret), fmt_int(nf),
                "%.3f" % (req / per) if req is not None and per else "—", ratio))
    add("")
    add("### Requests per backup")
    add("")
    add("From `cassvault backup --json` (`requests`: every HTTP attempt of the process, `retries` among them). "
        "The bar's shape, requests ≤ %.1f × new components + a constant, is checked on every backup with the "
        "constant taken from the nothing-changed backup (0 new components); the least-squares line over all "
        "backups is given beside it." % REQ_SLOPE)
    add("")
    add("| backend | scenario | new files (median) | requests (median) | requests per new file | "
        "requests − %.1f × new files |" % REQ_SLOPE)
    add("|---|---|---|---|---|---|")
    for t in CLOUD_OURS:
        for s in ["cloud_full", "cloud_nochange", "cloud_compaction"]:
            runs = r.get(s, {}).get(t, [])
            if not runs:
                continue
            nf = med([x.get("new_files") for x in runs])
            q = med([x.get("requests") for x in runs])
            if q is None:
                continue
            add("| %s | %s | %s | %s | %s | %+.0f |" % (t, SCENARIO_TITLES[s], fmt_int(nf), fmt_int(q),
                                                       "%.3f" % (q / nf) if nf else "—", q - REQ_SLOPE * (nf or 0)))
        f = fit([(n, q) for _s, n, q, _ in cloud_requests(r, t)])
        if f:
            add("| %s | fit over %d backups | | | %.3f per new file | intercept %.1f |" % (
                t, f["n"], f["slope"], f["intercept"]))
        rs = r.get("cloud_restore", {}).get(t, [])
        q = med([x.get("requests") for x in rs])
        fr = med([x.get("files_restored") for x in rs])
        if q is not None and fr:
            add("| %s | full restore (files restored) | %s | %s | %.3f per file restored | |" % (
                t, fmt_int(fr), fmt_int(q), q / fr))
    add("")
    if c.get("configs"):
        add("### Generated configurations (first repetition)")
        add("")
        for name, cfg in c["configs"].items():
            add("`%s`:" % rel(cfg["path"], doc))
            add("")
            add("```")
            add(rel(cfg["text"], doc).rstrip())
            add("```")
            add("")
