"""Fault injection between cassvault and a storage server, for the retry tests.

Two real tools, in the order a request meets them:

    from faults import Toxiproxy, FaultProxy
    toxi = Toxiproxy.start()                        # the real toxiproxy server (Go), TCP level
    port = toxi.proxy("azurite", upstream_port)     # 127.0.0.1:port -> 127.0.0.1:upstream_port
    toxi.toxic("azurite", "reset_peer", {"timeout": 0}, toxicity=0.1)
    fp = FaultProxy.start(upstream_port, rate=0.15) # ours, HTTP level: 503/429/500 with Retry-After
    ... fp.stats() -> {"requests": n, "faults": k, ...}

FaultProxy is the tests' own small HTTP proxy (toxiproxy works on TCP bytes and cannot answer with an HTTP
status). It forwards every request byte for byte (headers, Host included, so signatures still verify) and,
for a seeded pseudo-random `rate` of requests, answers instead with one of:
  - 503 ServerBusy with `Retry-After: 1` before forwarding (the request never reached the server);
  - 429 TooManyRequests with `x-ms-retry-after-ms` before forwarding;
  - 500 InternalError AFTER forwarding: the server did the work, the client never hears of it. This is the
    case that makes a create-only PUT come back "already exists" on its retry — our own object.
"""

import atexit
import http.client
import json
import os
import random
import select
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CACHE = os.environ.get("CASSVAULT_CACHE") or os.path.expanduser("~/.cache/cassvault")
TOXIPROXY = os.path.join(CACHE, "toxiproxy-2.12.0", "bin", "server")

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Toxiproxy:
    """The real toxiproxy server (installed by scripts/install-deps), driven over its HTTP API."""

    def __init__(self, proc, api_port, workdir):
        self.proc, self.api_port, self.workdir = proc, api_port, workdir

    @classmethod
    def start(cls):
        if not os.path.exists(TOXIPROXY):
            raise RuntimeError("toxiproxy is not installed at %s: run scripts/install-deps" % TOXIPROXY)
        api_port = free_port()
        workdir = tempfile.mkdtemp(prefix="cv-toxi-")
        log = open(os.path.join(workdir, "toxiproxy.log"), "w")
        proc = subprocess.Popen([TOXIPROXY, "-host", "127.0.0.1", "-port", str(api_port)], stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        tp = cls(proc, api_port, workdir)
        atexit.register(tp.stop)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                tp._call("GET", "/version")
                return tp
            except OSError:
                time.sleep(0.1)
        tp.stop()
        raise RuntimeError("toxiproxy did not answer on 127.0.0.1:%d" % api_port)

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.api_port, path), data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode()
            return json.loads(text) if text.strip().startswith(("{", "[")) else text

    def proxy(self, name, upstream_port):
        """A new listen port forwarding to 127.0.0.1:upstream_port; returns the listen port."""
        port = free_port()
        self._call("POST", "/proxies", {"name": name, "listen": "127.0.0.1:%d" % port,
                                        "upstream": "127.0.0.1:%d" % upstream_port, "enabled": True})
        return port

    def toxic(self, proxy, kind, attributes, toxicity=1.0, stream="downstream", name=None):
        self._call("POST", "/proxies/%s/toxics" % proxy, {
            "name": name or "%s_%s" % (kind, stream), "type": kind, "stream": stream, "toxicity": toxicity,
            "attributes": attributes})

    def set_enabled(self, proxy, enabled):
        """Disabling a proxy closes every connection through it (a reset mid-transfer) and refuses new ones."""
        self._call("POST", "/proxies/%s" % proxy, {"enabled": enabled})

    def remove(self, proxy, toxic_name):
        self._call("DELETE", "/proxies/%s/toxics/%s" % (proxy, toxic_name))

    def flap(self, proxy, period=0.8, stall_seconds=4.0):
        """Starts a thread that, every `period` seconds, hits every open connection with the next fault of
        a cycle, until the returned stop() is called (which returns how many of each it injected):
          - reset: the proxy disabled for 0.2 s — every connection closed mid-transfer, new ones refused;
          - stall: 20 s of latency for `stall_seconds` — bytes held back, not lost, so a client's stall
            watchdog (set it below `stall_seconds`) must notice and retry;
          - cut: each connection closed after 16 KiB more (for 0.5 s) — bodies end early.
        Toxicity per new connection alone would rarely hit: clients keep their connections alive. No
        fault here loses bytes in the middle of a stream that stays open (TCP does not do that)."""
        stop = threading.Event()
        events = {"reset": 0, "stall": 0, "cut": 0}

        def run():
            cycle = ["reset", "stall", "cut"]
            i = 0
            while not stop.wait(period):
                kind = cycle[i % len(cycle)]
                i += 1
                try:
                    if kind == "reset":
                        self.set_enabled(proxy, False)
                        time.sleep(0.2)
                        self.set_enabled(proxy, True)
                    elif kind == "stall":
                        self.toxic(proxy, "latency", {"latency": 20000}, name="flap_stall")
                        stop.wait(stall_seconds)
                        self.remove(proxy, "flap_stall")
                    else:
                        self.toxic(proxy, "limit_data", {"bytes": 16384}, name="flap_cut")
                        time.sleep(0.5)
                        self.remove(proxy, "flap_cut")
                    events[kind] += 1
                except OSError:
                    pass

        thread = threading.Thread(target=run, daemon=True)
        thread.start()

        def stopper():
            stop.set()
            thread.join()
            return dict(events)
        return stopper

    def clear(self, proxy):
        for t in self._call("GET", "/proxies/%s/toxics" % proxy):
            self._call("DELETE", "/proxies/%s/toxics/%s" % (proxy, t["name"]))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class FaultProxy:
    """Our HTTP-level fault injector (see the module docstring). Thread-safe counters."""

    def __init__(self, server, thread, upstream_port, rate, seed, force=None):
        self.server, self.thread = server, thread
        # force(method, path) -> a fault kind or None: a chosen fault for chosen requests, before the dice.
        self.force = force
        self.port = server.server_address[1]
        self.upstream_port, self.rate = upstream_port, rate
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.counts = {"requests": 0, "faults": 0, "503_before": 0, "429_before": 0, "500_after": 0}
        # (method, path, {lowercased header: value}, body or None past 64 KiB) of every request, in order
        self.seen = []

    @classmethod
    def start(cls, upstream_port, rate=0.15, seed=20261125, force=None):
        holder = {}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _relay(self):
                holder["proxy"]._handle(self)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        fp = cls(server, thread, upstream_port, rate, seed, force)
        holder["proxy"] = fp
        thread.start()
        atexit.register(fp.stop)
        return fp

    def _pick(self, method="", path=""):
        with self.lock:
            self.counts["requests"] += 1
            forced = self.force(method, path) if self.force else None
            if forced:
                self.counts["faults"] += 1
                self.counts[forced] += 1
                return forced
            if self.rng.random() >= self.rate:
                return None
            kind = self.rng.choice(["503_before", "429_before", "500_after"])
            self.counts["faults"] += 1
            self.counts[kind] += 1
            return kind

    def _answer(self, h, status, reason, headers, body=b""):
        h.send_response(status, reason)
        for k, v in headers:
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command != "HEAD" and body:
            h.wfile.write(body)

    def _handle(self, h):
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        with self.lock:
            self.seen.append((h.command, h.path, {k.lower(): v for k, v in h.headers.items()},
                              body if len(body) <= 65536 else None))
        fault = self._pick(h.command, h.path)
        if fault == "503_before":
            xml = b"<?xml version=\"1.0\"?><Error><Code>ServerBusy</Code><Message>injected</Message></Error>"
            return self._answer(h, 503, "Server Busy", [("Retry-After", "1"), ("Content-Type", "application/xml")], xml)
        if fault == "429_before":
            xml = b"<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>injected</Message></Error>"
            return self._answer(h, 429, "Too Many Requests", [("x-ms-retry-after-ms", "300"),
                                                              ("Content-Type", "application/xml")], xml)
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=120)
        try:
            headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_BY_HOP}
            conn.putrequest(h.command, h.path, skip_host=True, skip_accept_encoding=True)
            for k, v in headers.items():
                conn.putheader(k, v)
            conn.endheaders()
            # The body in slices, watching for an early answer between them, as curl does: a server may
            # answer before it has read the body (412 for a create-only PUT of a key that exists) and close.
            for off in range(0, len(body), 65536):
                if select.select([conn.sock], [], [], 0)[0]:
                    break
                try:
                    conn.sock.sendall(body[off:off + 65536])
                except (ConnectionResetError, BrokenPipeError):
                    break
            resp = conn.getresponse()
            data = resp.read()
            if fault == "500_after":
                xml = b"<?xml version=\"1.0\"?><Error><Code>InternalError</Code><Message>injected</Message></Error>"
                return self._answer(h, 500, "Internal Server Error", [("Content-Type", "application/xml")], xml)
            h.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                    h.send_header(k, v)
            if h.command == "HEAD":
                h.send_header("Content-Length", resp.getheader("Content-Length") or "0")
                h.end_headers()
            else:
                h.send_header("Content-Length", str(len(data)))
                h.end_headers()
                h.wfile.write(data)
        finally:
            conn.close()

    def stats(self):
        with self.lock:
            return dict(self.counts)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
