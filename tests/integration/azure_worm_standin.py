"""A STAND-IN for Azure Blob Storage with blob versioning and version-level immutability (WORM).

Azurite, the real emulator the other Azure tests use, implements neither: its Set/Delete Blob Immutability
Policy handlers are stubs answering 501, immutability headers on Put Blob are ignored, and blob versioning
is not in a release. So the lock tests run against this small server, which follows the Blob REST API as
Microsoft documents it, for the calls cassvault makes:

- Put Blob (BlockBlob; If-None-Match: * -> 409 BlobAlreadyExists; Content-MD5 checked -> 400 Md5Mismatch;
  x-ms-immutability-policy-until-date/-mode honoured), Get Blob (x-ms-range / Range -> 206), Get Blob
  Properties (HEAD: Content-Length, Last-Modified, x-ms-version-id, x-ms-is-current-version,
  x-ms-immutability-policy-until-date, x-ms-immutability-policy-mode), each also by ?versionid=;
- List Blobs (prefix, marker, maxresults, include=versions: <VersionId>, <IsCurrentVersion>,
  <Last-Modified>, <Content-Length>);
- Delete Blob: without versionid the current version becomes a previous one (versioning: the bytes stay);
  with versionid that version and its bytes go. A version under an unexpired policy: 409
  BlobImmutableDueToPolicy ("This operation is not permitted as the blob is immutable due to a policy.");
- Set Blob Immutability Policy (PUT ?comp=immutabilityPolicies[&versionid=]): until-date RFC 1123, in the
  future (else 400 InvalidHeaderValue); mode Unlocked (default) or Locked; an Unlocked policy may move either
  way, a Locked one only later and never back to Unlocked. Which code Azure answers to a shortened Locked
  policy is not documented: the stand-in answers 409 BlobImmutableDueToPolicy (cassvault treats every 409
  of that call as "refused"). Delete Blob Immutability Policy: Unlocked only (else 409 same code);
- Create Container (201 / 409 ContainerAlreadyExists); x-ms-version-id on every write.

Shared Key is checked exactly: the string to sign is rebuilt from the request (verb, the eleven standard
headers with Content-Length empty when 0, canonicalized x-ms-* headers, canonicalized resource with the
account, the path as sent and the decoded query sorted by name) and its HMAC-SHA256 under the account key
must equal the Authorization header's; else 403 AuthenticationFailed. x-ms-date must be within 15 minutes.

Every version's bytes live in a file under `root` (root/<container>/<blob>/<version id>), so that a test
can see the store really shrink. Plain HTTP on loopback; path-style URLs http://127.0.0.1:PORT/ACCOUNT/...

    srv = AzureWormStandIn.start()
    srv.endpoint              # for CASSVAULT_AZURE_ENDPOINT (account devstoreaccount1, Azurite's dev key)
    srv.stored_files()        # [(container, blob, version id, size)] on disk
    srv.requests              # [(method, path with query, status, x-ms-error-code)]
    srv.stop()
"""

import base64
import datetime
import email.utils
import hashlib
import hmac
import os
import shutil
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCOUNT = "devstoreaccount1"
# Azurite's published development key: not a secret (the same in every copy of Azurite).
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
STANDARD = ["content-encoding", "content-language", "content-length", "content-md5", "content-type", "date",
            "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range"]
IMMUTABLE = ("BlobImmutableDueToPolicy", "This operation is not permitted as the blob is immutable due to a policy.")


def string_to_sign(method, headers, account, raw_path, query):
    """Shared Key's string to sign (Azure Storage "Authorize with Shared Key", version 2015-02-21 and later).
    `headers`: lowercased name -> value; `raw_path`: the path as sent; `query`: decoded name -> [values]."""
    parts = [method]
    for name in STANDARD:
        v = headers.get(name, "")
        if name == "content-length" and v == "0":
            v = ""
        parts.append(v)
    s = "\n".join(parts) + "\n"
    for name in sorted(n for n in headers if n.startswith("x-ms-")):
        s += "%s:%s\n" % (name, " ".join(headers[name].split()))
    s += "/" + account + raw_path
    for name in sorted(query):
        s += "\n%s:%s" % (name.lower(), ",".join(sorted(query[name])))
    return s


def sign(key_b64, to_sign):
    return base64.b64encode(hmac.new(base64.b64decode(key_b64), to_sign.encode(), hashlib.sha256).digest()).decode()


def rfc1123(t):
    return email.utils.formatdate(t, usegmt=True)


class Version:
    def __init__(self, vid, path, size, modified):
        self.vid, self.path, self.size, self.modified = vid, path, size, modified
        self.until, self.mode = None, None  # immutability policy

    def locked(self, now):
        return self.until is not None and self.until > now


class AzureWormStandIn:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="cv-azure-worm-")
        self.lock = threading.RLock()
        self.containers = {}  # name -> {blob name -> {"versions": [Version], "current": vid or None}}
        self.requests = []
        self.last_vid = ""
        srv = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                srv._handle(self)

            do_GET = do_PUT = do_DELETE = do_HEAD = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @classmethod
    def start(cls):
        s = cls()
        s.thread.start()
        return s

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d/%s" % (self.server.server_address[1], ACCOUNT)

    def env(self):
        return {"AZURE_STORAGE_KEY": KEY, "CASSVAULT_AZURE_ENDPOINT": self.endpoint}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.root, ignore_errors=True)

    def stored_files(self):
        out = []
        for dirpath, _, files in os.walk(self.root):
            for f in files:
                rel = os.path.relpath(os.path.join(dirpath, f), self.root)
                out.append((rel, os.path.getsize(os.path.join(dirpath, f))))
        return out

    # --- the protocol -------------------------------------------------------------------------------
    def _new_vid(self):
        with self.lock:
            now = datetime.datetime.now(datetime.timezone.utc)
            vid = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%07dZ" % (now.microsecond * 10)
            while vid <= self.last_vid:  # strictly increasing, like the service's
                now += datetime.timedelta(microseconds=1)
                vid = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%07dZ" % (now.microsecond * 10)
            self.last_vid = vid
            return vid

    def _reply(self, h, status, body=b"", headers=(), code=None, message=None):
        if code:
            body = ('<?xml version="1.0" encoding="utf-8"?><Error><Code>%s</Code><Message>%s</Message></Error>'
                    % (code, message or code)).encode()
        h.send_response(status)
        h.send_header("x-ms-request-id", "standin-%d" % len(self.requests))
        h.send_header("x-ms-version", "2025-07-05")
        if code:
            h.send_header("x-ms-error-code", code)
            h.send_header("Content-Type", "application/xml")
        for k, v in headers:
            h.send_header(k, v)
        if h.command == "HEAD":
            length = dict((k.lower(), v) for k, v in headers).get("content-length")
            if length is None:
                h.send_header("Content-Length", str(len(body)))
            h.end_headers()
        else:
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
        with self.lock:
            self.requests.append((h.command, h.path, status, code))

    def _handle(self, h):
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        raw_path, _, raw_query = h.path.partition("?")
        query = urllib.parse.parse_qs(raw_query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in h.headers.items()}
        auth = headers.get("authorization", "")
        expected = "SharedKey %s:%s" % (ACCOUNT, sign(KEY, string_to_sign(h.command, headers, ACCOUNT, raw_path, query)))
        if not hmac.compare_digest(auth, expected):
            return self._reply(h, 403, code="AuthenticationFailed",
                               message="Server failed to authenticate the request.")
        try:
            sent = email.utils.parsedate_to_datetime(headers.get("x-ms-date", "")).timestamp()
        except (TypeError, ValueError):
            sent = 0
        if abs(sent - datetime.datetime.now(datetime.timezone.utc).timestamp()) > 900:
            return self._reply(h, 403, code="AuthenticationFailed", message="Request date out of range.")
        parts = urllib.parse.unquote(raw_path).split("/", 3)  # "", account, container, blob
        if len(parts) < 3 or parts[1] != ACCOUNT:
            return self._reply(h, 400, code="InvalidUri")
        container = parts[2]
        blob = parts[3] if len(parts) > 3 else ""
        q = {k: v[0] for k, v in query.items()}
        with self.lock:
            if not blob:
                return self._container(h, container, q)
            if container not in self.containers:
                return self._reply(h, 404, code="ContainerNotFound")
            return self._blob(h, container, blob, q, headers, body)

    def _container(self, h, container, q):
        if h.command == "PUT" and q.get("restype") == "container":
            if container in self.containers:
                return self._reply(h, 409, code="ContainerAlreadyExists")
            self.containers[container] = {}
            return self._reply(h, 201)
        if h.command == "GET" and q.get("comp") == "list":
            if container not in self.containers:
                return self._reply(h, 404, code="ContainerNotFound")
            return self._list(h, self.containers[container], q)
        return self._reply(h, 400, code="UnsupportedHttpVerb")

    def _list(self, h, blobs, q):
        prefix = q.get("prefix", "")
        versions = "versions" in q.get("include", "").split(",")
        entries = []
        for name in sorted(blobs):
            if not name.startswith(prefix):
                continue
            b = blobs[name]
            for v in sorted(b["versions"], key=lambda v: v.vid):
                current = v.vid == b["current"]
                if versions or current:
                    entries.append((name, v, current))
        start = int(q.get("marker") or 0)
        size = int(q.get("maxresults") or 5000)
        page, nxt = entries[start:start + size], (str(start + size) if start + size < len(entries) else "")
        x = ['<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="%s"><Prefix>%s</Prefix><Blobs>'
             % (self.endpoint, prefix)]
        for name, v, current in page:
            x.append("<Blob><Name>%s</Name><VersionId>%s</VersionId>%s<Properties><Last-Modified>%s</Last-Modified>"
                     "<Content-Length>%d</Content-Length><BlobType>BlockBlob</BlobType></Properties></Blob>"
                     % (name.replace("&", "&amp;").replace("<", "&lt;"), v.vid,
                        "<IsCurrentVersion>true</IsCurrentVersion>" if current else "", rfc1123(v.modified), v.size))
        x.append("</Blobs><NextMarker>%s</NextMarker></EnumerationResults>" % nxt)
        return self._reply(h, 200, "".join(x).encode(), [("Content-Type", "application/xml")])

    def _version(self, blob, q):
        """The version a request addresses: ?versionid=, else the current one (None if there is none)."""
        if blob is None:
            return None
        vid = q.get("versionid") or blob["current"]
        return next((v for v in blob["versions"] if v.vid == vid), None)

    def _policy_headers(self, v):
        if v.until is None:
            return []
        return [("x-ms-immutability-policy-until-date", rfc1123(v.until)),
                ("x-ms-immutability-policy-mode", v.mode.lower())]

    def _blob(self, h, container, name, q, headers, body):
        blobs = self.containers[container]
        blob = blobs.get(name)
        now = datetime.datetime.now(datetime.timezone.utc).timestamp()
        comp = q.get("comp")
        if h.command == "PUT" and comp == "immutabilityPolicies":
            v = self._version(blob, q)
            if v is None:
                return self._reply(h, 404, code="BlobNotFound")
            try:
                until = email.utils.parsedate_to_datetime(headers["x-ms-immutability-policy-until-date"]).timestamp()
            except (KeyError, TypeError, ValueError):
                return self._reply(h, 400, code="InvalidHeaderValue")
            mode = headers.get("x-ms-immutability-policy-mode", "Unlocked")
            if mode.lower() not in ("unlocked", "locked") or until <= now:
                return self._reply(h, 400, code="InvalidHeaderValue")
            if v.mode == "Locked" and v.locked(now) and (until < v.until or mode.lower() != "locked"):
                return self._reply(h, 409, code=IMMUTABLE[0], message=IMMUTABLE[1])
            v.until, v.mode = until, "Locked" if mode.lower() == "locked" else "Unlocked"
            return self._reply(h, 200, headers=self._policy_headers(v))
        if h.command == "DELETE" and comp == "immutabilityPolicies":
            v = self._version(blob, q)
            if v is None:
                return self._reply(h, 404, code="BlobNotFound")
            if v.mode == "Locked" and v.locked(now):
                return self._reply(h, 409, code=IMMUTABLE[0], message=IMMUTABLE[1])
            v.until = v.mode = None
            return self._reply(h, 200)
        if h.command == "PUT" and comp is None:
            if headers.get("x-ms-blob-type") != "BlockBlob":
                return self._reply(h, 400, code="InvalidHeaderValue")
            if headers.get("if-none-match") == "*" and blob is not None and blob["current"] is not None:
                return self._reply(h, 409, code="BlobAlreadyExists", message="The specified blob already exists.")
            md5 = headers.get("content-md5")
            if md5 is not None and md5 != base64.b64encode(hashlib.md5(body).digest()).decode():
                return self._reply(h, 400, code="Md5Mismatch")
            if blob is None:
                blob = blobs[name] = {"versions": [], "current": None}
            vid = self._new_vid()
            path = os.path.join(self.root, container, name, vid)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(body)
            v = Version(vid, path, len(body), int(now))
            if "x-ms-immutability-policy-until-date" in headers:
                v.until = email.utils.parsedate_to_datetime(headers["x-ms-immutability-policy-until-date"]).timestamp()
                v.mode = "Locked" if headers.get("x-ms-immutability-policy-mode", "").lower() == "locked" else "Unlocked"
            blob["versions"].append(v)
            blob["current"] = vid
            return self._reply(h, 201, headers=[("x-ms-version-id", vid), ("ETag", '"%s"' % vid),
                                                ("Last-Modified", rfc1123(v.modified))])
        if h.command in ("GET", "HEAD") and comp is None:
            v = self._version(blob, q)
            if v is None:
                return self._reply(h, 404, code="BlobNotFound", message="The specified blob does not exist.")
            hdrs = [("Last-Modified", rfc1123(v.modified)), ("x-ms-version-id", v.vid),
                    ("x-ms-blob-type", "BlockBlob"), ("ETag", '"%s"' % v.vid),
                    ("x-ms-is-current-version", "true" if v.vid == blob["current"] else "false")]
            hdrs += self._policy_headers(v)
            if h.command == "HEAD":
                return self._reply(h, 200, headers=hdrs + [("Content-Length", str(v.size))])
            with open(v.path, "rb") as f:
                data = f.read()
            rng = headers.get("x-ms-range") or headers.get("range")
            if rng:
                a, _, b = rng.replace("bytes=", "").partition("-")
                a, b = int(a), min(int(b), len(data) - 1)
                if a >= len(data):
                    return self._reply(h, 416, code="InvalidRange")
                return self._reply(h, 206, data[a:b + 1], hdrs)
            return self._reply(h, 200, data, hdrs)
        if h.command == "DELETE" and comp is None:
            v = self._version(blob, q)
            if v is None:
                return self._reply(h, 404, code="BlobNotFound", message="The specified blob does not exist.")
            if v.locked(now):
                return self._reply(h, 409, code=IMMUTABLE[0], message=IMMUTABLE[1])
            if "versionid" in q:  # that version and its bytes go
                blob["versions"].remove(v)
                os.unlink(v.path)
                if blob["current"] == v.vid:
                    blob["current"] = None
                if not blob["versions"]:
                    del blobs[name]
            else:  # versioning: the current version becomes a previous one, its bytes stay
                blob["current"] = None
            return self._reply(h, 202, headers=[("x-ms-delete-type-permanent", "false")])
        return self._reply(h, 400, code="UnsupportedQueryParameter")
