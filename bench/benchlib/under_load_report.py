"""bench/run --under-load's results: the Markdown report (bars with verdicts, a table per condition, every
window, every command, versions, the machine) and the chart (p99 and ops/s of every window, per condition)."""

from .common import write_file

TITLES = {
    "idle": "idle (no backup)",
    "cassvault_full": "cassvault full backup, fresh vault",
    "cassvault_nochange": "cassvault no-change backup",
    "restic": "restic (snapshot + backup), fresh repo",
    "medusa": "medusa backup --mode full, fresh storage",
    "cassvault_normal": "cassvault full, backup.priority normal",
    "cassvault_tmpfs": "cassvault full, vault on tmpfs",
    "cassvault_cpu05": "cassvault full, backup.max_cpu 0.5",
    "snapshot_only": "nodetool snapshot + delete, nothing read",
    "spin_idle": "two CPU spinners, SCHED_IDLE nice 19",
    "hash_idle": "two sha256sum of the SSTables, SCHED_IDLE nice 19",
}
SHORT = {"idle": "idle", "cassvault_full": "cassvault\nfull", "cassvault_nochange": "cassvault\nno change",
         "restic": "restic", "medusa": "medusa", "cassvault_normal": "cassvault full\npriority normal",
         "cassvault_tmpfs": "cassvault full\ntmpfs vault", "cassvault_cpu05": "cassvault full\nmax_cpu 0.5",
         "snapshot_only": "snapshot\nonly", "spin_idle": "spinners\nSCHED_IDLE", "hash_idle": "sha256sum\nSCHED_IDLE"}
COLORS = {"idle": "#7f7f7f", "cassvault_full": "#1f77b4", "cassvault_nochange": "#aec7e8", "restic": "#ff7f0e",
          "medusa": "#2ca02c", "cassvault_normal": "#9467bd",
          "cassvault_tmpfs": "#17becf", "cassvault_cpu05": "#bcbd22", "snapshot_only": "#d62728",
          "spin_idle": "#8c564b", "hash_idle": "#e377c2"}


def f(x, fmt="%.2f"):
    return "—" if x is None else fmt % x


def ratio_of(a, b):
    return a / b if a is not None and b else None


def verdict(ok):
    return "n/a" if ok is None else ("**met**" if ok else "**not met**")


def write(doc, md_path, png_path):
    lines = []
    add = lines.append
    add("# cassvault under load (issue 16): %s" % doc["date"])
    add("")
    add("`%s` — %d conditions × %d windows of %d s, rotating order; %.0f s in all." % (
        doc["command"], len(doc["conditions"]), doc["rounds"], doc["window_seconds"], doc["elapsed_seconds"]))
    add("")
    cal = doc.get("calibration")
    add("**Load**: `%s` — %g ops/s (%s%s), 80 %% single-partition reads / 20 %% writes of ~1 KB on `cv_load.kv` "
        "(RF 1, %d rows, populated and flushed first), open loop, latency from each op's scheduled start, pinned to "
        "CPU %s. The node holds %.2f GB of live SSTables (bench data set %.2f GB + the load table)." % (
            " ".join(doc["load_cmd"]), doc["rate"], doc["rate_source"],
            "; closed-loop max %.0f ops/s with %d in flight" % (cal["ops_per_s"], cal["inflight"]) if cal else "",
            doc["populate"]["populated"], doc["load_cpu"], doc["node_bytes"] / 1e9, doc["dataset"]["bytes"] / 1e9))
    add("")
    add("## Bars (issue 16)")
    add("")
    add("| bar | value | target | verdict |")
    add("|---|---|---|---|")
    for b in doc["bars"]:
        add("| %s | %s %s | %s | %s |" % (b["bar"], f(b["value"]), b["unit"] if b["value"] is not None else "",
                                          b["target"], verdict(b["ok"])))
    add("")
    spin = doc["per_condition"].get("spin_idle")
    cv = doc["per_condition"].get("cassvault_full")
    if spin and spin.get("p99_ratio"):
        add("**The control** (`spin_idle`: two CPU spinners under SCHED_IDLE at nice 19, using only the CPU the "
            "node leaves idle): p99 %s× idle, ops/s %s× idle. That is the floor of what any use of the idle CPU "
            "costs the node's p99 on this machine, whatever the program%s." % (
                f(spin["p99_ratio"]), f(spin["throughput_ratio"], "%.3f"),
                "; cassvault's full backup: %s× idle, %s× the control" % (
                    f(cv["p99_ratio"]), f(ratio_of(cv["p99_ms"], spin["p99_ms"])))
                if cv and cv.get("p99_ratio") else ""))
        add("")
    n = doc["idle_noise"]
    add("**Idle-vs-idle noise** (%d idle windows): ops/s max/min %s, p99 max/min %s. A ratio against idle "
        "inside this spread is not a measured effect." % (n["windows"], f(n["ops_max_min"], "%.3f"),
                                                          f(n["p99_max_min"], "%.3f")))
    add("")
    add("## Per condition (medians over windows; tool runs: medians over every run)")
    add("")
    add("| condition | windows | ops/s | ×idle | p50 ms | p99 ms | p99 ×idle | p99.9 ms | errors | shed | runs | "
        "run wall s | run CPU-s | CPU-s/GB | nodetool CPU-s |")
    add("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for c in doc["conditions"]:
        p = doc["per_condition"][c]
        add("| %s | %d | %s | %s | %s | %s | %s | %s | %d | %d | %d | %s | %s | %s | %s |" % (
            TITLES.get(c, c), p["windows"], f(p["ops_per_s"], "%.0f"), f(p["throughput_ratio"], "%.3f"),
            f(p["p50_ms"]), f(p["p99_ms"]), f(p["p99_ratio"], "%.2f"), f(p["p999_ms"]), p["errors"], p["shed"],
            p["runs"], f(p["run_wall"], "%.1f"), f(p["run_cpu"], "%.1f"), f(p["run_cpu_per_gb"], "%.1f"),
            "n/a" if p["nodetool_cpu_seconds"] is None else f(p["nodetool_cpu_seconds"])))
    add("")
    add("cassvault full backup duration under load vs restic's: restic median wall ÷ cassvault median wall = %s." %
        f(doc["speedup_vs_restic"]))
    add("")
    add("## Every window")
    add("")
    add("| # | round | condition | ops/s | p50 ms | p99 ms | p99.9 ms | errors | shed | tool runs (wall s / CPU-s) |")
    add("|---|---|---|---|---|---|---|---|---|---|")
    for w in doc["windows"]:
        runs = ", ".join("%.1f/%.1f" % (r["wall"], r["cpu"]) for r in w["runs"]) or "—"
        add("| %d | %d | %s | %.0f | %s | %s | %s | %d | %d | %s |" % (
            w["index"], w["round"] + 1, w["condition"], w["ops_per_s"], f(w["p50_ms"]), f(w["p99_ms"]),
            f(w["p999_ms"]), w["errors"], w["shed"], runs))
    add("")
    add("## Method")
    add("")
    add("- One Cassandra %s node started by `scripts/rig` in its own rig dir with one data directory (the "
        "`--with-medusa` set-up), the bench data set's SSTables placed in its tables' directories, then the load "
        "table populated by `cql_load populate` and flushed." % doc["versions"].get("Cassandra (rig node)", ""))
    add("- The load runs for the whole bench; each window covers exactly %d whole wall-clock seconds of it "
        "(cql_load's per-second lines; percentiles from the merged 1 %% log-linear histogram). Errors are failed "
        "or timed-out requests (5 s timeout); shed ops were more than 10 s late when a slot freed (never sent)."
        % doc["window_seconds"])
    add("- ops/s cannot exceed the fixed rate: a backup shows in it only when the node falls behind (then also as "
        "shed ops); latency is the sensitive figure.")
    add("- A backup window runs its tool in a loop: a new run starts while the window is not over and is allowed "
        "to finish, so every second of the window has a backup running. Each run is timed as a whole process "
        "under `/usr/bin/time -v` (CPU = user + sys of the process and its children, nodetool JVMs included); "
        "CPU-s/GB is over the node's live SSTables (%.2f GB). Runs are deleted after their window." %
        (doc["node_bytes"] / 1e9))
    add("- Fresh vaults/repos are copies of one empty vault/repo initialised at set-up; the no-change vault got "
        "one full backup before the first window (%.1f s, %.1f CPU-s, under load but outside every window)." % (
            doc["nochange_base"]["wall"], doc["nochange_base"]["cpu"]))
    add("- Order: round r runs the conditions rotated by r (idle in every round); %d s settle gap between windows."
        % doc["gap_seconds"])
    add("- Medusa 0.31 runs its backup at `nice 19` and idle I/O priority by itself (medusa/backup_node.py); restic "
        "and cassvault run at whatever priority their defaults give.")
    add("- restic's run is one script: `nodetool snapshot -t T` (all keyspaces), `restic backup "
        "--files-from-verbatim` of the snapshot dirs (restic's defaults), `nodetool clearsnapshot -t T`.")
    add("")
    add("## Commands (first run of each condition)")
    add("")
    for c, cmd in sorted(doc["commands"].items()):
        add("- %s: `%s`" % (c, " ".join(cmd)))
    add("")
    add("## Versions and machine")
    add("")
    for k, v in doc["versions"].items():
        add("- %s: %s" % (k, v))
    m = doc["machine"]
    add("- machine: %s, %d cores, %.1f GiB RAM" % (m["cpu"], m["cores"], m["mem_gib"]))
    for note in doc.get("notes", []):
        add("- " + note)
    add("")
    add("![per-window p99 and ops/s](%s)" % png_path.rsplit("/", 1)[-1])
    add("")
    write_file(md_path, "\n".join(lines))
    chart(doc, png_path)


def chart(doc, png_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conds = doc["conditions"]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), dpi=110)
    for ax, key, label in ((axes[0], "p99_ms", "p99 latency (ms) per window"),
                           (axes[1], "ops_per_s", "ops/s per window")):
        for i, c in enumerate(conds):
            ws = [w for w in doc["windows"] if w["condition"] == c and w[key] is not None]
            xs = [i + (w["round"] - (doc["rounds"] - 1) / 2) * 0.08 for w in ws]
            ax.scatter(xs, [w[key] for w in ws], color=COLORS.get(c), s=28, zorder=3)
            med = doc["per_condition"][c].get(key)
            if med is not None:
                ax.hlines(med, i - 0.3, i + 0.3, color=COLORS.get(c), lw=2)
        idle = doc["per_condition"]["idle"].get(key)
        if idle:
            ax.axhline(idle, color="#7f7f7f", lw=0.8, ls="--")
        ax.set_xticks(range(len(conds)))
        ax.set_xticklabels([SHORT.get(c, c) for c in conds], fontsize=8)
        ax.set_title(label, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.set_ylim(bottom=0)
        ax.margins(y=0.1)
    fig.suptitle("Cassandra under a fixed CQL load (%g ops/s) while each tool backs up %.2f GB in a loop; "
                 "%d windows of %d s per condition (dots: windows, bars: medians)" % (
                     doc["rate"], doc["node_bytes"] / 1e9, doc["rounds"], doc["window_seconds"]), fontsize=9)
    fig.tight_layout()
    fig.savefig(png_path)
    plt.close(fig)
