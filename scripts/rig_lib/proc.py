"""What the kernel says of a process's threads (/proc/<pid>/task/<tid>/stat), for the rig and the tests."""

import os


def thread_stats(pid):
    """tid -> the stat fields after the command name (field 3, the state, first; proc(5) numbers them from 1,
    so field n is at index n - 3) of every thread of pid that could be read; {} once pid is gone. The command
    name is skipped by its last ')': it may hold spaces and parentheses itself."""
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return {}
    out = {}
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                stat = f.read()
        except OSError:
            continue  # the thread ended between the listing and the read
        out[int(tid)] = stat[stat.rindex(")") + 2:].split()
    return out
