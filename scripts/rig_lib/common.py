"""Paths, errors and small helpers shared by every rig module."""

import os
import sys
import threading
import time

DEFAULT_VERSION = "5.0.8"
CLUSTER_NAME = "cassvault-rig"
DEFAULT_DC = "dc1"
# `up --auth password`: the superuser Cassandra creates on a cluster's first start (its well-known
# default; a throwaway loopback rig only).
SUPERUSER = ("cassandra", "cassandra")
MAX_NODES = 3

# Fixed per-node identity: node N listens on 127.0.0.N; JMX always binds 127.0.0.1, so its
# port must differ per node. Tokens split the Murmur3 ring in three equal parts.
TOKENS = ["-9223372036854775808", "-3074457345618258603", "3074457345618258602"]
STORAGE_PORT = 7000
CQL_PORT = 9042
JMX_HOST = "127.0.0.1"


class RigError(Exception):
    """A failure the operator can act on; the CLI prints the message and exits non-zero."""

    def __init__(self, message, exit_code=1):
        super().__init__(message)
        self.exit_code = exit_code


def cache_dir():
    return os.path.abspath(os.environ.get("CASSVAULT_CACHE") or os.path.expanduser("~/.cache/cassvault"))


def rig_dir():
    return os.path.abspath(os.environ.get("CASSVAULT_RIG_DIR") or os.path.join(cache_dir(), "rig"))


def node_address(n):
    return "127.0.0.%d" % n


def jmx_port(n):
    return 7099 + 100 * n


def auth_provider(state):
    """The driver's credentials for a rig started with `--auth password`, else None."""
    if not state or state.get("auth", "none") != "password":
        return None
    from cassandra.auth import PlainTextAuthProvider
    return PlainTextAuthProvider(username=SUPERUSER[0], password=SUPERUSER[1])


def node_rack(n, racks):
    """Node n's rack: one rack per node by default (rack1..rack3); `--racks R` spreads nodes over R racks."""
    return "rack%d" % ((n - 1) % racks + 1 if racks else n)


def node_token(n):
    return TOKENS[n - 1]


def log(msg):
    """Progress goes to stderr so stdout stays machine-readable (paths, env, dumps)."""
    print("[rig] " + msg, file=sys.stderr, flush=True)


def write_file(path, text, mode=None):
    """Write via a temp file and rename, so a crash never leaves half a config behind."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = "%s.tmp.%d.%d" % (path, os.getpid(), threading.get_ident())
    with open(tmp, "w") as f:
        f.write(text)
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, path)


def tail(path, lines=30):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 256 * 1024))
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    # Cassandra logs its whole configuration as one line of several KiB; cut long lines.
    return "\n".join(line if len(line) <= 400 else line[:400] + " [...]" for line in data.splitlines()[-lines:])


def wait_until(predicate, timeout, interval=0.5):
    """Poll predicate until it returns a truthy value or timeout passes; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)
