"""A STAND-IN for Azure Key Vault's keys REST API, for tests only. It is not Azure Key Vault: no Key Vault
emulator can be had here, so this speaks the documented requests and answers (reference governance-keys.md
§2, azure.md §11) closely enough for cassvault's Key Vault client to be tested end to end, with real RSA
(RSA-OAEP-256 wrap/unwrap, PS256 sign/verify) from Python's `cryptography`.

    from azurite import TestPki
    from keyvault_standin import KeyVaultStandin
    pki = TestPki(dir, dns_names=[KeyVaultStandin.HOST])   # the test CA; the server cert names the vault host
    ts = TokenServer.start(pki.cert_file, pki.key_file)    # Entra ID / IMDS stand-in: tokens for the vault
    kv = KeyVaultStandin.start(pki.cert_file, pki.key_file, ts.tenant)
    kv.url                 # https://cvtest.vault.azure.net    -> vault.key_vault.url (reached through kv.env())
    kv.env()               # {"https_proxy": kv.proxy_url, "no_proxy": "127.0.0.1,localhost"} for cassvault
    kv.direct_url          # https://127.0.0.1:PORT: the same server by address (its challenge host will not match)
    kid = kv.create_key("cv-kek")                 # a new RSA 2048 key, or a new version of an existing one
    kid2 = kv.rotate("cv-kek")                    # a new version, as POST /keys/{name}/rotate does
    kv.disable_version(kid)                       # attributes.enabled = false: 403 for its use
    kv.grant("sp-" + ts.client_id, {"get", "wrapKey", "unwrapKey", "sign", "list"})  # per identity (oid/appid)
    kv.inject(429, retry_after=1, count=1)        # the next request answers 429 with Retry-After: 1
    kv.challenge_resource = "https://attacker.example"   # what the 401 challenge names (default vault.azure.net)
    kv.next_link_host = "attacker.example"        # nextLinks of version pages point there (a hostile vault)
    kv.answer_alphabet = "std"                    # binary answers in standard base64 with padding
    kv.refuse_tokens = 1                          # the next valid token is refused (401 + challenge): revoked
    kv.seen_values, kv.seen_tokens                # every value (wrapped, unwrapped, signed) and token it saw
    kv.secrets()                                  # both, in every encoding cassvault could print them in
    kv.api_versions        # the api-version of every request, in order
    kv.requests            # (method, path, api-version, identity, status) per request
    kv.stop()

The vault host: cassvault's client refuses a challenge whose resource host (vault.azure.net) is not the
request's host or a parent domain of it, so the stand-in is reached by a vault.azure.net name through a
small CONNECT proxy it runs (kv.proxy_url, given to cassvault as https_proxy; libcurl honours it as for any
egress proxy). The proxy only tunnels to this server; it never sees inside TLS.

What it does, as the service does:
- Every request needs `api-version` (400 BadParameter when missing or not one the service knows).
- A request without `Authorization: Bearer` gets 401 with
  `WWW-Authenticate: Bearer authorization="https://login.windows.net/{tenant}", resource="https://vault.azure.net"`
  and `{"error":{"code":"Unauthorized","message":"Request is missing a Bearer or PoP token."}}`. A token that
  is not the token server's (HMAC), has another audience or expired gets 401 with the same challenge.
- Permissions per identity (the token's oid, else appid), access-policy names: get, list, create, update,
  rotate, wrapKey, unwrapKey, sign, verify. Missing: 403 Forbidden/AccessDenied naming the permission.
- POST /keys/{name}/create {kty, key_size, key_ops} (a new version when the name exists), POST
  /keys/{name}/rotate, GET /keys/{name}[/{version}], PATCH /keys/{name}/{version} {attributes:{enabled}},
  GET /keys/{name}/versions?maxresults<=25 with nextLink (own api-version and $skiptoken, host with :443),
  GET|PUT /keys/{name}/rotationpolicy, POST /keys/{name}[/{version}]/wrapkey|unwrapkey|sign|verify.
- A disabled version: 403 Forbidden/KeyDisabled "Operation X is not allowed on a disabled key." for every
  operation but get/list.
- Binary values: base64url without padding in answers (`answer_alphabet = "std"` answers in the standard
  alphabet with padding, as some of the service's own examples do); either alphabet accepted in requests.
"""

import base64
import hashlib
import hmac
import json
import select
import socket
import ssl
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from token_server import SIGNING_KEY

API_VERSIONS = {"7.2", "7.3", "7.4", "7.5", "7.6-preview.2", "7.6", "2025-06-01-preview", "2025-07-01",
                "2026-01-01-preview", "2026-04-01"}
PERMISSIONS = {"get", "list", "create", "update", "rotate", "wrapKey", "unwrapKey", "sign", "verify"}
KEYVAULT_AUDIENCE = "https://vault.azure.net"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64any(text):
    text = text.replace("-", "+").replace("_", "/").rstrip("=")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _int_bytes(n):
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


class KeyVaultStandin:
    HOST = "cvtest.vault.azure.net"

    def __init__(self, tenant, host):
        self.lock = threading.Lock()
        self.tenant = tenant
        self.host = host
        self.challenge_resource = "https://vault.azure.net"
        self.answer_alphabet = "url"
        self.next_link_host = None  # a hostile vault: nextLinks naming another host
        self.refuse_tokens = 0      # the next N valid tokens are answered 401 (revoked) with the challenge
        self.keys = {}            # name -> [version dicts, oldest first]
        self.policies = {}        # name -> rotation policy JSON
        self.grants = {}          # identity (oid / appid) -> set of permissions
        self.faults = []          # (status, retry_after) for the next requests
        self.seen_values = []     # every binary value sent or answered (raw bytes)
        self.seen_tokens = []     # every bearer token received
        self.api_versions = []
        self.requests = []        # (method, path, api-version, identity, status)
        self.connects = []        # CONNECT targets the proxy was asked for
        self.servers = []

    # ---- control -------------------------------------------------------------------------------
    @classmethod
    def start(cls, tls_cert, tls_key, tenant, host=HOST):
        kv = cls(tenant, host)
        https = ThreadingHTTPServer(("127.0.0.1", 0), _handler(kv))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls_cert, tls_key)
        https.socket = ctx.wrap_socket(https.socket, server_side=True)
        proxy = ThreadingHTTPServer(("127.0.0.1", 0), _proxy_handler(kv))
        for srv in (https, proxy):
            srv.daemon_threads = True
            threading.Thread(target=srv.serve_forever, daemon=True).start()
        kv.servers = [https, proxy]
        return kv

    def stop(self):
        for srv in self.servers:
            srv.shutdown()
            srv.server_close()

    @property
    def port(self):
        return self.servers[0].server_address[1]

    @property
    def url(self):
        return "https://%s" % self.host

    @property
    def direct_url(self):
        return "https://127.0.0.1:%d" % self.port

    @property
    def proxy_url(self):
        return "http://127.0.0.1:%d" % self.servers[1].server_address[1]

    def env(self):
        return {"https_proxy": self.proxy_url, "HTTPS_PROXY": self.proxy_url, "no_proxy": "127.0.0.1,localhost",
                "NO_PROXY": "127.0.0.1,localhost"}

    def grant(self, identity, perms):
        unknown = set(perms) - PERMISSIONS
        assert not unknown, "unknown permissions %s" % unknown
        with self.lock:
            self.grants[identity] = set(perms)

    def inject(self, status, retry_after=None, count=1):
        """The next `count` requests (any) answer `status` (429: Throttled, 5xx: a service error)."""
        with self.lock:
            self.faults.extend([(status, retry_after)] * count)

    def kid(self, name, version):
        return "%s/keys/%s/%s" % (self.url, name, version)

    def create_key(self, name, key_size=2048, key_ops=None):
        """A new key (or a new version of `name`); returns its versioned kid."""
        with self.lock:
            return self._new_version(name, key_size, key_ops)["kid"]

    def rotate(self, name):
        with self.lock:
            last = self.keys[name][-1]
            return self._new_version(name, last["key"].key_size, last["key_ops"])["kid"]

    def disable_version(self, kid, enabled=False):
        name, version = kid.rstrip("/").split("/")[-2:]
        with self.lock:
            for v in self.keys[name]:
                if v["version"] == version:
                    v["enabled"] = enabled
                    v["updated"] = int(time.time())
                    return
        raise KeyError(kid)

    def versions(self, name):
        with self.lock:
            return [v["kid"] for v in self.keys.get(name, [])]

    def secrets(self):
        """Every token and value seen, in the encodings a program could print: for assertNotIn."""
        with self.lock:
            out = list(self.seen_tokens)
            for v in self.seen_values:
                if len(v) < 8:
                    continue
                out += [b64url(v), base64.b64encode(v).decode().rstrip("="), v.hex()]
            return out

    # ---- internals (called with self.lock held) ------------------------------------------------
    def _new_version(self, name, key_size, key_ops):
        now = int(time.time())
        version = uuid.uuid4().hex
        v = {"version": version, "kid": self.kid(name, version),
             "key": rsa.generate_private_key(public_exponent=65537, key_size=key_size),
             "key_ops": list(key_ops or ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]),
             "enabled": True, "created": now, "updated": now}
        self.keys.setdefault(name, []).append(v)
        return v

    def _bundle(self, v):
        pub = v["key"].public_key().public_numbers()
        return {"key": {"kid": v["kid"], "kty": "RSA", "key_ops": v["key_ops"], "n": b64url(_int_bytes(pub.n)),
                        "e": b64url(_int_bytes(pub.e))},
                "attributes": {"enabled": v["enabled"], "created": v["created"], "updated": v["updated"],
                               "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90},
                "tags": {}}

    def _answer_bytes(self, data):
        self.seen_values.append(data)
        if self.answer_alphabet == "std":
            return base64.b64encode(data).decode()
        return b64url(data)


def _error(status, code, message, inner=None):
    body = {"error": {"code": code, "message": message}}
    if inner:
        body["error"]["innererror"] = {"code": inner}
    return status, body


def _check_token(kv, token):
    """(identity, None) for a valid Key Vault token from the token server, else (None, why)."""
    try:
        head_b64, claims_b64, sig_b64 = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(claims_b64 + "=" * (-len(claims_b64) % 4)))
    except ValueError:
        return None, "AKV10000: Request is missing a Bearer or PoP token."
    expected = hmac.new(SIGNING_KEY, (head_b64 + "." + claims_b64).encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(b64url(expected), sig_b64):
        return None, "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/%s/." % kv.tenant
    if claims.get("aud") not in (KEYVAULT_AUDIENCE, KEYVAULT_AUDIENCE + "/"):
        return None, "AKV10022: Invalid audience. Expected https://vault.azure.net, found: %s." % claims.get("aud")
    if claims.get("exp", 0) < time.time():
        return None, "AKV10023: Token expired."
    return claims.get("oid") or claims.get("appid"), None


def _handler(kv):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, headers=()):
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-ms-keyvault-region", "eastus")
            self.send_header("x-ms-keyvault-service-version", "1.9.0.0")
            self.send_header("x-ms-request-id", str(uuid.uuid4()))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self.handle_any("GET")

        def do_POST(self):
            self.handle_any("POST")

        def do_PUT(self):
            self.handle_any("PUT")

        def do_PATCH(self):
            self.handle_any("PATCH")

        def handle_any(self, method):
            url = urllib.parse.urlsplit(self.path)
            q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            api = q.get("api-version")
            identity, status, headers = None, None, []
            with kv.lock:
                kv.api_versions.append(api)
                fault = kv.faults.pop(0) if kv.faults else None
            if fault:
                status, retry_after = fault
                if retry_after is not None:
                    headers.append(("Retry-After", str(retry_after)))
                if status == 429:
                    status, body = _error(429, "Throttled", "Request was not processed because too many requests "
                                          "were received. Reason: VaultRequestTypeLimitReached")
                else:
                    status, body = _error(status, "InternalServerError", "An unexpected error occurred.")
            elif not api:
                status, body = _error(400, "BadParameter", "The 'api-version' query parameter is missing.")
            elif api not in API_VERSIONS:
                status, body = _error(400, "BadParameter", "The specified version (%s) is not recognized. Consider "
                                      "using the latest supported version (7.6)." % api)
            else:
                auth = self.headers.get("Authorization", "")
                challenge = ('Bearer authorization="https://login.windows.net/%s", resource="%s"'
                             % (kv.tenant, kv.challenge_resource))
                if not auth.startswith("Bearer "):
                    headers.append(("WWW-Authenticate", challenge))
                    status, body = _error(401, "Unauthorized", "Request is missing a Bearer or PoP token.")
                else:
                    token = auth[len("Bearer "):]
                    with kv.lock:
                        kv.seen_tokens.append(token)
                    identity, why = _check_token(kv, token)
                    with kv.lock:
                        if not why and kv.refuse_tokens > 0:
                            kv.refuse_tokens -= 1
                            identity, why = None, "AKV10023: Token has been revoked."
                    if why:
                        headers.append(("WWW-Authenticate", challenge))
                        status, body = _error(401, "Unauthorized", why)
                    else:
                        try:
                            body = json.loads(raw) if raw else None
                        except ValueError:
                            body = "not json"
                        with kv.lock:
                            status, body = self.route(method, url.path, q, body, identity)
            with kv.lock:
                kv.requests.append((method, url.path, api, identity, status))
            self.reply(status, body, headers)

        # ---- operations (kv.lock held) ------------------------------------------------------
        def route(self, method, path, q, body, identity):
            parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
            if len(parts) < 2 or parts[0] != "keys":
                return _error(404, "NotFound", "The requested resource was not found.")
            name, rest = parts[1], parts[2:]
            if body == "not json":
                return _error(400, "BadParameter", "The request body is not valid JSON.")

            def allowed(perm):
                return perm in kv.grants.get(identity, set())

            def denied(perm):
                return _error(403, "Forbidden", "The user, group or application 'oid=%s;iss=https://sts.windows.net/"
                              "%s/' does not have keys %s permission on key vault '%s;location=eastus'. For help "
                              "resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287"
                              % (identity, kv.tenant, perm, kv.host.split(".")[0]), "AccessDenied")

            if method == "POST" and rest == ["create"]:
                if not allowed("create"):
                    return denied("create")
                body = body or {}
                if body.get("kty") not in ("RSA", "RSA-HSM"):
                    return _error(400, "BadParameter", "Property kty is required and must be RSA or RSA-HSM here.")
                size = body.get("key_size", 2048)
                if size not in (2048, 3072, 4096):
                    return _error(400, "BadParameter", "Invalid key size.")
                return 200, kv._bundle(kv._new_version(name, size, body.get("key_ops")))
            if name not in kv.keys:
                return _error(404, "KeyNotFound", "A key with (name/id) %s was not found in this key vault. If you "
                              "recently deleted this key you may be able to recover it using the correct recovery "
                              "command. For help resolving this issue, please see "
                              "https://go.microsoft.com/fwlink/?linkid=2125182" % name)
            versions = kv.keys[name]
            if rest == ["rotate"] and method == "POST":
                if not allowed("rotate"):
                    return denied("rotate")
                last = versions[-1]
                return 200, kv._bundle(kv._new_version(name, last["key"].key_size, last["key_ops"]))
            if rest == ["rotationpolicy"]:
                if method == "GET":
                    if not allowed("get"):
                        return denied("get")
                    return 200, kv.policies.get(name) or self.default_policy(name)
                if method == "PUT":
                    if not allowed("update"):
                        return denied("update")
                    return self.set_policy(name, body)
            if rest == ["versions"] and method == "GET":
                if not allowed("list"):
                    return denied("list")
                return self.list_versions(name, versions, q)
            version = None
            if rest and rest[0] not in ("wrapkey", "unwrapkey", "sign", "verify"):
                version, rest = rest[0], rest[1:]
            if version is None:
                v = versions[-1]
            else:
                v = next((x for x in versions if x["version"] == version), None)
                if v is None:
                    return _error(404, "KeyNotFound", "A key with (name/id) %s/%s was not found in this key vault."
                                  % (name, version))
            if not rest and method == "GET":
                if not allowed("get"):
                    return denied("get")
                return 200, kv._bundle(v)
            if not rest and method == "PATCH":
                if not allowed("update"):
                    return denied("update")
                attrs = (body or {}).get("attributes", {})
                if "enabled" in attrs:
                    v["enabled"] = bool(attrs["enabled"])
                    v["updated"] = int(time.time())
                return 200, kv._bundle(v)
            if len(rest) != 1 or method != "POST":
                return _error(405, "MethodNotAllowed", "The requested method is not allowed.")
            op = {"wrapkey": "wrapKey", "unwrapkey": "unwrapKey", "sign": "sign", "verify": "verify"}.get(rest[0])
            if op is None:
                return _error(404, "NotFound", "The requested resource was not found.")
            if not allowed(op):
                return denied(op)
            if not v["enabled"]:
                return _error(403, "Forbidden", "Operation %s is not allowed on a disabled key." % op, "KeyDisabled")
            if op not in v["key_ops"]:
                return _error(403, "Forbidden", "Operation %s is not permitted on this key." % op, "KeyOperationForbidden")
            body = body or {}
            try:
                value = b64any(body.get("value", ""))
            except ValueError:
                return _error(400, "BadParameter", "Property value is not valid base64url.")
            kv.seen_values.append(value)
            alg = body.get("alg")
            key = v["key"]
            if op in ("wrapKey", "unwrapKey"):
                if alg == "RSA-OAEP-256":
                    pad = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
                elif alg == "RSA-OAEP":
                    pad = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
                else:
                    return _error(400, "BadParameter", "Invalid algorithm: %s." % alg)
                if op == "wrapKey":
                    out = key.public_key().encrypt(value, pad)
                else:
                    try:
                        out = key.decrypt(value, pad)
                    except ValueError:
                        return _error(400, "BadParameter", "Error while decrypting: the data is not valid for the "
                                      "key and algorithm.")
                return 200, {"kid": v["kid"], "value": kv._answer_bytes(out)}
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
            if alg != "PS256" or len(value) != 32:
                return _error(400, "BadParameter", "Invalid algorithm or digest length: %s." % alg)
            if op == "sign":
                sig = key.sign(value, pss, utils.Prehashed(hashes.SHA256()))
                return 200, {"kid": v["kid"], "value": kv._answer_bytes(sig)}
            try:
                sig = b64any(body.get("digest", ""))
                # verify: value is the signature, digest the digest (as the service names them).
                key.public_key().verify(value, sig, pss, utils.Prehashed(hashes.SHA256()))
                return 200, {"value": True}
            except (InvalidSignature, ValueError):
                return 200, {"value": False}

        def list_versions(self, name, versions, q):
            try:
                size = int(q.get("maxresults", "25"))
            except ValueError:
                size = 0
            if not 1 <= size <= 25:
                return _error(400, "BadParameter", "maxresults must be between 1 and 25.")
            skip = 0
            if "$skiptoken" in q:
                try:
                    skip = json.loads(base64.b64decode(q["$skiptoken"]))["NextMarker"]
                except (ValueError, KeyError):
                    return _error(400, "BadParameter", "Invalid skip token.")
            page = versions[skip:skip + size]
            out = {"value": [{"kid": v["kid"], "attributes": kv._bundle(v)["attributes"]} for v in page],
                   "nextLink": None}
            if skip + size < len(versions):
                token = base64.b64encode(json.dumps({"NextMarker": skip + size}).encode()).decode()
                out["nextLink"] = ("https://%s:443/keys/%s/versions?api-version=%s&$skiptoken=%s&maxresults=%d"
                                   % (kv.next_link_host or kv.host, name, q["api-version"], urllib.parse.quote(token), size))
            return 200, out

        def default_policy(self, name):
            return {"id": "%s/keys/%s/rotationpolicy" % (kv.url, name),
                    "lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}],
                    "attributes": {}}

        def set_policy(self, name, body):
            if not isinstance(body, dict) or not isinstance(body.get("lifetimeActions", []), list):
                return _error(400, "BadParameter", "Invalid rotation policy.")

            def days(iso):
                if not isinstance(iso, str) or not iso.startswith("P"):
                    return None
                unit = {"D": 1, "M": 30, "Y": 365}.get(iso[-1:])
                try:
                    return int(iso[1:-1]) * unit if unit else None
                except ValueError:
                    return None

            expiry = body.get("attributes", {}).get("expiryTime")
            if expiry is not None and (days(expiry) or 0) < 28:
                return _error(400, "BadParameter", "Expiry time must be at least 28 days.")
            for action in body.get("lifetimeActions", []):
                trigger = action.get("trigger", {})
                kind = action.get("action", {}).get("type", "").lower()
                if kind not in ("rotate", "notify"):
                    return _error(400, "BadParameter", "Invalid lifetime action type.")
                if "timeAfterCreate" in trigger and (days(trigger["timeAfterCreate"]) or 0) < 7:
                    return _error(400, "BadParameter", "Rotation time must be at least 7 days from creation.")
                if "timeBeforeExpiry" in trigger and expiry is None:
                    return _error(400, "BadParameter", "timeBeforeExpiry needs an expiry time on the policy.")
            now = int(time.time())
            old = kv.policies.get(name, {}).get("attributes", {})
            policy = {"id": "%s/keys/%s/rotationpolicy" % (kv.url, name),
                      "lifetimeActions": body.get("lifetimeActions", []),
                      "attributes": dict(body.get("attributes", {}), created=old.get("created", now), updated=now)}
            kv.policies[name] = policy
            return 200, policy

    return Handler


def _proxy_handler(kv):
    class Proxy(BaseHTTPRequestHandler):
        """CONNECT host:443 for the vault's host only, tunnelled to the stand-in's port."""

        def log_message(self, *args):
            pass

        def do_CONNECT(self):
            host, _, port = self.path.rpartition(":")
            with kv.lock:
                kv.connects.append(self.path)
            if host != kv.host or port != "443":
                self.send_error(403, "this test proxy only reaches %s:443" % kv.host)
                return
            upstream = socket.create_connection(("127.0.0.1", kv.port))
            self.send_response(200, "Connection established")
            self.end_headers()
            self.close_connection = True
            conns = [self.connection, upstream]
            try:
                while True:
                    ready, _, _ = select.select(conns, [], [], 30)
                    if not ready:
                        return
                    for c in ready:
                        data = c.recv(65536)
                        if not data:
                            return
                        (upstream if c is self.connection else self.connection).sendall(data)
            finally:
                upstream.close()

    return Proxy
