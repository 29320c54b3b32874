"""A DELIBERATELY HOSTILE STAND-IN for an object store, for the security tests (test_security_store.py).

Nothing real can play this part: a real S3 or Azure server does not lie. This one serves a copy of a real
local vault (a directory written by `cassvault init` + `backup`) over the S3 protocol (path-style,
`http://127.0.0.1:PORT/BUCKET/KEY`) and over the Blob protocol (`http://127.0.0.1:PORT/ACCOUNT/CONTAINER/BLOB`),
and tells the lies the test switches on. It does NOT check SigV4 or Shared Key signatures: whoever the
client is, it answers (the attacker is the server, not the client).

    srv = HostileStore(vault_dir)               # started; srv.endpoint = "http://127.0.0.1:PORT"
    srv.lies = {"empty_pack"}                    # see LIES
    srv.count("list")                            # how many listing requests arrived
    srv.stop()

It also records every request line and header it receives (srv.seen), so a test can check that no secret
(a SAS `sig=`) arrived.
"""

import os
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

LIES = {
    "empty_pack": "GET of a pack: 200 with an empty body (HEAD and the listing give the real size)",
    "short_pack": "GET of a pack: 200 with the first half of what was asked for",
    "endless_config": "GET config: 200, no Content-Length, 1.5 GiB streamed until the client hangs up",
    "endless_config_cl": "GET config: 200 announcing Content-Length 1.5 GiB, then streaming it",
    "huge_cl_config": "GET config: Content-Length 4294967295, 10 bytes, connection closed",
    "endless_listing": "every listing page: IsTruncated=true with the same NextContinuationToken/NextMarker",
}

HUGE = 3 << 29  # 1.5 GiB


class HostileStore:
    def __init__(self, root):
        self.root = root
        self.lies = set()
        self.lock = threading.Lock()
        self.counts = {}
        self.seen = []  # (request line, headers as text)
        store = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_HEAD(self):
                store._handle(self, head=True)

            def do_GET(self):
                store._handle(self, head=False)

            def do_PUT(self):  # a read-only store: the tests only read through it
                store._note(self, "put")
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                store._reply(self, 403, b"<Error><Code>AccessDenied</Code></Error>")

            do_POST = do_DELETE = do_PUT

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def count(self, kind):
        with self.lock:
            return self.counts.get(kind, 0)

    # --- plumbing -------------------------------------------------------------------------------------

    def _note(self, h, kind):
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self.seen.append((h.requestline, str(h.headers)))

    def _reply(self, h, status, body=b"", headers=(), head=False):
        h.send_response(status)
        for k, v in headers:
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if not head and body:
            h.wfile.write(body)

    def _objects(self, prefix):
        out = []
        for base, _, files in os.walk(self.root):
            for f in files:
                rel = os.path.relpath(os.path.join(base, f), self.root)
                if rel.startswith(prefix) and not f.startswith(".tmp-"):
                    out.append((rel, os.path.getsize(os.path.join(base, f))))
        return sorted(out)

    def _handle(self, h, head):
        url = urllib.parse.urlsplit(h.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        parts = url.path.lstrip("/").split("/")
        azure = len(parts) >= 2 and parts[0] == "devstoreaccount1"
        # S3: /BUCKET/KEY...; Azure: /ACCOUNT/CONTAINER/BLOB...
        key = urllib.parse.unquote("/".join(parts[2:] if azure else parts[1:]))
        if not key:
            if query.get("list-type") == "2" or query.get("comp") == "list":
                self._note(h, "list")
                return self._list(h, query, azure)
            self._note(h, "container")
            return self._reply(h, 200, head=head)  # the bucket/container exists
        self._note(h, "head" if head else "get")
        path = os.path.join(self.root, key)
        if not os.path.isfile(path):
            code = b"BlobNotFound" if azure else b"NoSuchKey"
            return self._reply(h, 404, b"<Error><Code>" + code + b"</Code></Error>",
                               [("x-ms-error-code", code.decode())] if azure else [], head)
        with open(path, "rb") as f:
            data = f.read()
        if head:
            h.send_response(200)
            h.send_header("Content-Length", str(len(data)))
            h.send_header("ETag", '"x"')
            h.end_headers()
            return
        lo, hi = 0, len(data) - 1
        rng = h.headers.get("Range") or h.headers.get("x-ms-range")
        if rng and rng.startswith("bytes="):
            a, _, b = rng[6:].partition("-")
            lo, hi = int(a), (int(b) if b else len(data) - 1)
        body = data[lo:hi + 1]
        if key.startswith("packs/") and "empty_pack" in self.lies:
            return self._reply(h, 200, b"")
        if key.startswith("packs/") and "short_pack" in self.lies:
            return self._reply(h, 200, body[:len(body) // 2])
        if key == "config" and ("endless_config" in self.lies or "endless_config_cl" in self.lies):
            h.send_response(200)
            if "endless_config_cl" in self.lies:
                h.send_header("Content-Length", str(HUGE))
            else:
                h.send_header("Connection", "close")
            h.end_headers()
            chunk = b"{" * (1 << 20)
            try:
                for _ in range(HUGE // len(chunk)):
                    h.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            h.close_connection = True
            return
        if key == "config" and "huge_cl_config" in self.lies:
            h.send_response(200)
            h.send_header("Content-Length", "4294967295")
            h.end_headers()
            h.wfile.write(b"{" * 10)
            h.wfile.flush()
            h.close_connection = True
            return
        status = 206 if rng else 200
        headers = [("Content-Range", "bytes %d-%d/%d" % (lo, hi, len(data)))] if rng else []
        self._reply(h, status, body, headers)

    def _list(self, h, query, azure):
        prefix = query.get("prefix", "")
        endless = "endless_listing" in self.lies
        objs = self._objects(prefix)
        if azure:
            items = "".join("<Blob><Name>%s</Name><Properties><Content-Length>%d</Content-Length></Properties></Blob>"
                            % (escape(k), n) for k, n in objs)
            marker = "<NextMarker>again</NextMarker>" if endless else "<NextMarker />"
            xml = ('<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs>%s</Blobs>%s'
                   '</EnumerationResults>' % (items, marker))
        else:
            items = "".join("<Contents><Key>%s</Key><Size>%d</Size></Contents>" % (escape(k), n) for k, n in objs)
            paging = ("<IsTruncated>true</IsTruncated><NextContinuationToken>again</NextContinuationToken>"
                      if endless else "<IsTruncated>false</IsTruncated>")
            xml = ('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult>%s%s</ListBucketResult>'
                   % (items, paging))
        self._reply(h, 200, xml.encode(), [("Content-Type", "application/xml")])
