"""One rig node: its directories, its process, its ports."""

import errno
import os
import signal
import socket
import struct
import subprocess
import time

from .proc import thread_stats
from .common import CQL_PORT, JMX_HOST, STORAGE_PORT, jmx_port, node_address, rig_dir, tail, wait_until


class Node:
    def __init__(self, n, root=None):
        self.n = n
        self.root = root or rig_dir()
        self.dir = os.path.join(self.root, "node%d" % n)
        self.conf_dir = os.path.join(self.dir, "conf")
        self.yaml = os.path.join(self.conf_dir, "cassandra.yaml")
        self.data_dirs = [os.path.join(self.dir, "data1"), os.path.join(self.dir, "data2")]
        self.commitlog_dir = os.path.join(self.dir, "commitlog")
        self.saved_caches_dir = os.path.join(self.dir, "saved_caches")
        self.hints_dir = os.path.join(self.dir, "hints")
        self.cdc_raw_dir = os.path.join(self.dir, "cdc_raw")
        self.logs_dir = os.path.join(self.dir, "logs")
        self.tmp_dir = os.path.join(self.dir, "tmp")
        self.triggers_dir = os.path.join(self.conf_dir, "triggers")
        self.system_log = os.path.join(self.logs_dir, "system.log")
        self.stdout_log = os.path.join(self.logs_dir, "stdout.log")
        self.pidfile = os.path.join(self.dir, "pid")
        self.cassandra_pidfile = os.path.join(self.dir, "cassandra.pid")
        self.address = node_address(n)
        self.jmx_port = jmx_port(n)

    # --- process -----------------------------------------------------------------------------

    def pid(self):
        """The pid of this node's CassandraDaemon, or None.

        Found by its command line (our -Dcassandra.config URL), not only by the pid file: a pid file can
        be stale or gone, and a recycled pid must never be taken for a running node.
        """
        marker = ("-Dcassandra.config=file://" + self.yaml).encode() + b"\0"
        hint = _read_int(self.pidfile)
        if hint and marker in _cmdline(hint):
            return hint
        for pid in _all_pids():
            if marker in _cmdline(pid):
                return pid
        return None

    def running(self):
        return self.pid() is not None

    def start(self, command):
        """Launch detached (own session, output to logs/stdout.log) and record the pid."""
        os.makedirs(self.logs_dir, exist_ok=True)
        with open(self.stdout_log, "ab") as out:
            out.write(("\n==== rig: starting node %d at %s\n" % (self.n, time.strftime("%Y-%m-%dT%H:%M:%S"))).encode())
            out.flush()
            proc = subprocess.Popen(command, cwd=self.dir, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
        with open(self.pidfile, "w") as f:
            f.write("%d\n" % proc.pid)
        return proc

    def log_excerpt(self, lines=30):
        """The node's log path and its last lines, for failure messages. Before logback is up (bad JVM
        flags, a crash at class loading) only stdout.log has the story."""
        has_system_log = os.path.exists(self.system_log) and os.path.getsize(self.system_log) > 0
        path = self.system_log if has_system_log else self.stdout_log
        text = "log: %s\n--- last %d lines ---\n%s" % (path, lines, tail(path, lines))
        if path == self.system_log:
            extra = tail(self.stdout_log, 10)
            if "Error" in extra or "Exception" in extra:
                text += "\n--- %s (last 10 lines) ---\n%s" % (self.stdout_log, extra)
        return text

    # --- readiness ---------------------------------------------------------------------------

    def cql_ready(self, timeout=2.0):
        return cql_answers(self.address, CQL_PORT, timeout)

    def ports(self):
        """(host, port, what) of every port this node binds."""
        return [(self.address, CQL_PORT, "CQL native_transport_port"),
                (self.address, STORAGE_PORT, "storage_port"),
                (JMX_HOST, self.jmx_port, "JMX port")]


def stop_pids(pids, timeout=30.0):
    """SIGTERM every pid (Cassandra drains on it), wait up to timeout for all, then SIGKILL the rest.
    Returns the pids that needed SIGKILL."""
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    wait_until(lambda: not any(_alive(p) for p in pids), timeout, 0.2)
    killed = [p for p in pids if _alive(p)]
    for pid in killed:
        _signal(pid, signal.SIGKILL)
    wait_until(lambda: not any(_alive(p) for p in killed), 10, 0.1)
    return killed


def all_rig_daemons(root=None):
    """pid -> node dir of every CassandraDaemon whose config lives under the rig dir (any node number)."""
    prefix = ("-Dcassandra.config=file://" + os.path.join(root or rig_dir(), "")).encode()
    found = {}
    for pid in _all_pids():
        args = _cmdline(pid).split(b"\0")
        if b"org.apache.cassandra.service.CassandraDaemon" not in args:
            continue
        for arg in args:
            if arg.startswith(prefix):
                yaml = arg[len(b"-Dcassandra.config=file://"):].decode()
                found[pid] = os.path.dirname(os.path.dirname(yaml))
    return found


# --- CQL probe --------------------------------------------------------------------------------

def cql_answers(host, port, timeout=2.0):
    """True if a CQL server answers an OPTIONS request with SUPPORTED.

    A bare TCP connect is not enough evidence: this checks the native protocol actually responds.
    Frame: version 4 request, flags 0, stream 1, opcode OPTIONS (0x05), empty body.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(struct.pack(">BBhBi", 0x04, 0, 1, 0x05, 0))
            header = _recv_exact(s, 9)
    except OSError:
        return False
    return header is not None and header[0] & 0x80 and header[4] == 0x06


def _recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


# --- ports ------------------------------------------------------------------------------------

def port_in_use(host, port):
    """True if binding host:port for listening fails the way it would for Cassandra.

    SO_REUSEADDR as Cassandra's own listeners use it, so sockets lingering in TIME_WAIT after a
    previous run do not count as taken, while any listener (on this address or the wildcard) does.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            s.listen(1)
        except OSError as e:
            if e.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def port_owner(host, port):
    """'pid N (command line)' of the process listening on host:port (or on the wildcard address),
    when /proc tells; else None."""
    inodes = {"socket:[%s]" % inode for addr, p, inode in _listeners() if p == port and addr in (host, "0.0.0.0", "::")}
    if not inodes:
        return None
    for pid in _all_pids():
        fd_dir = "/proc/%d/fd" % pid
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(os.path.join(fd_dir, fd)) in inodes:
                    return "pid %d (%s)" % (pid, _describe_process(pid))
            except OSError:
                continue
    return None


def _describe_process(pid):
    """A short description of a process: for a Cassandra node its config file, since every JVM
    command line starts with the same pages of flags; otherwise the start of its command line."""
    args = [a.decode(errors="replace") for a in _cmdline(pid).split(b"\0") if a]
    configs = [a.split("=", 1)[1] for a in args if a.startswith("-Dcassandra.config=")]
    if configs:
        return "Cassandra node, config %s" % configs[0]
    cmd = " ".join(args)
    return cmd[:160] + ("..." if len(cmd) > 160 else "")


def _listeners():
    """(address, port, socket inode) of every listening TCP socket, from /proc/net/tcp and tcp6."""
    out = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                lines = f.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A":  # TCP_LISTEN
                continue
            addr_hex, port_hex = local.rsplit(":", 1)
            out.append((_proc_net_addr(addr_hex), int(port_hex, 16), inode))
    return out


def _proc_net_addr(hex_addr):
    """Address text of a /proc/net/tcp{,6} entry (32-bit words in host byte order, i.e. little-endian)."""
    raw = b"".join(struct.pack("<I", int(hex_addr[i:i + 8], 16)) for i in range(0, len(hex_addr), 8))
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw)
    if raw[:12] == b"\0" * 10 + b"\xff\xff":  # IPv4-mapped IPv6
        return socket.inet_ntop(socket.AF_INET, raw[12:])
    return socket.inet_ntop(socket.AF_INET6, raw)


# --- /proc helpers ----------------------------------------------------------------------------

def _all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read()
    except OSError:
        return b""


def _alive(pid):
    """True while any thread of the process still runs.

    The process's own state is not enough: the JVM's initial thread exits early, so /proc/PID/stat
    shows a zombie while the shutdown hooks (drain, flush) still run and the ports are still bound.
    A process that has fully exited but is not reaped yet has only zombie (or dead) threads left.
    """
    return any(fields and fields[0] not in ("Z", "X") for fields in thread_stats(pid).values())


def _signal(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _read_int(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None
