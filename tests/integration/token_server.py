"""A STAND-IN for Microsoft Entra ID's token endpoint, Azure's Instance Metadata Service (IMDS) and the
App Service / Functions identity endpoint, for tests only. It is not Azure: it speaks the documented
requests and answers of those three services (reference/azure.md §9) closely enough for cassvault's
identity code to be tested end to end against Azurite, which (with `--oauth basic`) checks a bearer
token's issuer, audience and lifetime but not its signature.

    from token_server import TokenServer
    ts = TokenServer.start(tls_cert, tls_key)     # one HTTPS listener (Entra ID), one HTTP (IMDS, App Service)
    ts.authority          # https://127.0.0.1:PORT/   -> vault.azure.authority_host / AZURE_AUTHORITY_HOST
    ts.imds_host          # http://127.0.0.1:PORT     -> AZURE_POD_IDENTITY_AUTHORITY_HOST
    ts.app_service_url    # http://127.0.0.1:PORT/msi/token -> IDENTITY_ENDPOINT (with IDENTITY_HEADER)
    ts.inject("entra", 429, retry_after=1)   # the next Entra request answers 429 Retry-After: 1
    ts.lifetime = 4                          # tokens valid for 4 s (expires_in and the JWT's exp)
    ts.stop()

What it checks, as the real services do:
- Entra ID  POST /{tenant}/oauth2/v2.0/token, form-encoded: grant_type=client_credentials, the known
  client_id, scope=https://storage.azure.com/.default (or https://vault.azure.net/.default), and one proof: client_secret (must match), or
  client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer with client_assertion =
  an RS256 JWT signed by the registered certificate (x5t#S256 names it; aud = this token URL; iss = sub =
  client_id; nbf/exp in range; jti never seen before) or = the federated token (workload identity).
  Failures answer 400/401 with AAD's error body {error, error_description "AADSTSnnnn: ...",
  error_codes, timestamp, trace_id, correlation_id}. Success: {token_type, expires_in, ext_expires_in,
  access_token} (numbers).
- IMDS  GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://storage.azure.com/
  [&client_id=|&object_id=|&msi_res_id=]; without `Metadata: true` 400 invalid_request; an unknown
  user-assigned identity 400 "Identity not found". Success: every value a string (access_token,
  client_id, expires_in, expires_on, ext_expires_in, not_before, resource, token_type).
- App Service  GET /msi/token?api-version=2019-08-01&resource=...[&client_id=|&mi_res_id=|&principal_id=]
  with X-IDENTITY-HEADER = the configured secret; success {access_token, expires_on (string), resource,
  token_type, client_id}.

Tokens it mints are JWTs with iss https://sts.windows.net/{tenant}/, aud https://storage.azure.com (or
https://vault.azure.net for Key Vault's scope / resource, for keyvault_standin.py), iat,
nbf, exp, oid, tid, appid — signed with a stand-in HMAC key nobody checks. Every token issued is kept in
`issued` so that tests can prove none leaks into cassvault's output.
"""

import base64
import hashlib
import hmac
import json
import ssl
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

STORAGE_SCOPE = "https://storage.azure.com/.default"
STORAGE_RESOURCE = "https://storage.azure.com/"
# Azure Key Vault (keyvault_standin.py): tokens for this scope carry aud https://vault.azure.net.
KEYVAULT_SCOPE = "https://vault.azure.net/.default"
KEYVAULT_RESOURCES = ("https://vault.azure.net", "https://vault.azure.net/")
# What each scope or v1 resource yields as the token's audience.
AUDIENCES = {STORAGE_SCOPE: "https://storage.azure.com", STORAGE_RESOURCE: "https://storage.azure.com",
             KEYVAULT_SCOPE: "https://vault.azure.net", KEYVAULT_RESOURCES[0]: "https://vault.azure.net",
             KEYVAULT_RESOURCES[1]: "https://vault.azure.net"}
SIGNING_KEY = b"token-server stand-in key"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenServer:
    def __init__(self):
        self.lock = threading.Lock()
        self.tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
        self.client_id = "6a6c6f6e-0000-4000-8000-00000000c11e"
        self.client_secret = None          # set by the test: the one secret Entra accepts
        self.certificate_pem = None        # the registered certificate (PEM) for client assertions
        self.federated_token = None        # the federated token file's expected content
        self.identity_header = None        # App Service's X-IDENTITY-HEADER value
        # User-assigned managed identities: client_id -> (object_id, resource_id).
        self.user_identities = {}
        self.lifetime = 3600               # expires_in of minted tokens, seconds
        self.jwt_lifetime = None           # when set, the JWT's own exp: a token that dies before its word
        self.faults = {"entra": [], "imds": [], "appservice": []}
        self.issued = []                   # every access token minted
        self.requests = []                 # (endpoint kind, what was asked) per request, for assertions
        self.seen_jti = set()
        self.servers = []

    # ---- control -------------------------------------------------------------------------------
    @classmethod
    def start(cls, tls_cert, tls_key):
        ts = cls()
        https = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ts))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls_cert, tls_key)
        https.socket = ctx.wrap_socket(https.socket, server_side=True)
        plain = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ts))
        for srv in (https, plain):
            srv.daemon_threads = True
            threading.Thread(target=srv.serve_forever, daemon=True).start()
        ts.servers = [https, plain]
        return ts

    def stop(self):
        for srv in self.servers:
            srv.shutdown()
            srv.server_close()

    @property
    def authority(self):
        return "https://127.0.0.1:%d/" % self.servers[0].server_address[1]

    @property
    def token_url(self):
        return "%s%s/oauth2/v2.0/token" % (self.authority, self.tenant)

    @property
    def imds_host(self):
        return "http://127.0.0.1:%d" % self.servers[1].server_address[1]

    @property
    def app_service_url(self):
        return self.imds_host + "/msi/token"

    def inject(self, kind, status, retry_after=None, count=1):
        """The next `count` requests to `kind` ("entra", "imds", "appservice") answer `status`."""
        with self.lock:
            self.faults[kind].extend([(status, retry_after)] * count)

    def reset(self):
        with self.lock:
            self.faults = {"entra": [], "imds": [], "appservice": []}
            self.requests.clear()
            self.lifetime, self.jwt_lifetime = 3600, None

    def count(self, kind, outcome=None):
        with self.lock:
            return sum(1 for k, o in self.requests if k == kind and (outcome is None or o == outcome))

    # ---- tokens --------------------------------------------------------------------------------
    def mint(self, oid, aud="https://storage.azure.com"):
        now = int(time.time())
        exp = now + (self.jwt_lifetime if self.jwt_lifetime is not None else self.lifetime)
        header = {"typ": "JWT", "alg": "HS256", "kid": "stand-in"}
        claims = {"aud": aud, "iss": "https://sts.windows.net/%s/" % self.tenant,
                  "iat": now, "nbf": now - 1, "exp": exp, "oid": oid, "tid": self.tenant,
                  "appid": self.client_id, "sub": oid, "ver": "1.0"}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        sig = hmac.new(SIGNING_KEY, signing_input.encode(), hashlib.sha256).digest()
        token = signing_input + "." + b64url(sig)
        with self.lock:
            self.issued.append(token)
        return token

    def check_assertion(self, assertion):
        """None if `assertion` is a valid client assertion for the registered certificate, else why not."""
        try:
            head_b64, claims_b64, sig_b64 = assertion.split(".")
            header = json.loads(b64url_decode(head_b64))
            claims = json.loads(b64url_decode(claims_b64))
        except ValueError:
            return "AADSTS50027: JWT token is invalid or malformed."
        if self.certificate_pem is None:
            return "AADSTS700027: Client assertion contains an invalid signature (no certificate registered)."
        cert = x509.load_pem_x509_certificate(self.certificate_pem)
        der = cert.public_bytes(serialization.Encoding.DER)
        if header.get("alg") != "RS256":
            return "AADSTS5002738: Invalid JWT token. '%s' is not a supported signature algorithm." % header.get("alg")
        if header.get("x5t#S256") != b64url(hashlib.sha256(der).digest()) or \
                header.get("x5t") != b64url(hashlib.sha1(der).digest()):
            return "AADSTS700027: The certificate with identifier used to sign the client assertion is not " \
                   "registered on application."
        try:
            cert.public_key().verify(b64url_decode(sig_b64), (head_b64 + "." + claims_b64).encode(),
                                     padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return "AADSTS700027: Client assertion contains an invalid signature."
        now = time.time()
        if claims.get("aud") != self.token_url:
            return "AADSTS700212: No matching federated identity record found for presented assertion audience."
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
            return "AADSTS700021: Client assertion application identifier doesn't match 'client_id' parameter."
        if not (claims.get("nbf", now + 999) <= now + 300 and claims.get("exp", 0) > now):
            return "AADSTS700024: Client assertion is not within its valid time range."
        if claims.get("exp", 0) - claims.get("nbf", 0) > 3600:
            return "AADSTS700025: Client assertion lifetime is too long."
        jti = claims.get("jti")
        with self.lock:
            if not jti or jti in self.seen_jti:
                return "AADSTS700021: Client assertion jti is missing or was used before."
            self.seen_jti.add(jti)
        return None


def _aad_error(status, error, description):
    code = int(description.split(":")[0][len("AADSTS"):]) if description.startswith("AADSTS") else 0
    return status, {"error": error, "error_description": description + "\r\nTrace ID: %s\r\nCorrelation ID: %s\r\n"
                    "Timestamp: %s" % (uuid.uuid4(), uuid.uuid4(), time.strftime("%Y-%m-%d %H:%M:%SZ")),
                    "error_codes": [code], "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ"),
                    "trace_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4())}


def _handler(ts):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet: tests print what matters
            pass

        def reply(self, status, body, retry_after=None):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            if retry_after is not None:
                self.send_header("Retry-After", str(retry_after))
            self.end_headers()
            self.wfile.write(data)

        def fault(self, kind):
            with ts.lock:
                if not ts.faults[kind]:
                    return False
                status, retry_after = ts.faults[kind].pop(0)
                ts.requests.append((kind, status))
            if status == 429:
                body = _aad_error(429, "temporarily_unavailable", "AADSTS50196: The server terminated an "
                                  "operation because it encountered a client request loop.")[1]
            else:
                body = _aad_error(status, "server_error", "AADSTS90033: A transient error has occurred.")[1]
            self.reply(status, body, retry_after)
            return True

        def record(self, kind, outcome):
            with ts.lock:
                ts.requests.append((kind, outcome))

        def do_POST(self):
            parts = urllib.parse.urlsplit(self.path).path.strip("/").split("/")
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            if len(parts) != 4 or parts[1:] != ["oauth2", "v2.0", "token"]:
                return self.reply(404, {"error": "not_found"})
            if self.fault("entra"):
                return
            status, body = self.entra(parts[0], {k: v[0] for k, v in form.items()},
                                      self.headers.get("Content-Type", ""))
            self.record("entra", status)
            self.reply(status, body)

        def entra(self, tenant, form, content_type):
            if not content_type.startswith("application/x-www-form-urlencoded"):
                return _aad_error(400, "invalid_request", "AADSTS900144: The request body must contain the "
                                  "following parameter: 'grant_type'.")
            if tenant != ts.tenant:
                return _aad_error(400, "invalid_tenant", "AADSTS90002: Tenant '%s' not found." % tenant)
            if form.get("grant_type") != "client_credentials":
                return _aad_error(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported "
                                  "grant type.")
            if form.get("client_id") != ts.client_id:
                return _aad_error(400, "unauthorized_client", "AADSTS700016: Application with identifier '%s' "
                                  "was not found in the directory." % form.get("client_id"))
            if form.get("scope") not in (STORAGE_SCOPE, KEYVAULT_SCOPE):
                return _aad_error(400, "invalid_scope", "AADSTS70011: The provided value for the input "
                                  "parameter 'scope' is not valid.")
            if "client_secret" in form:
                if ts.client_secret is None or not hmac.compare_digest(form["client_secret"], ts.client_secret):
                    return _aad_error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided. "
                                      "Ensure the secret being sent in the request is the client secret value, "
                                      "not the client secret ID, for a secret added to app '%s'." % ts.client_id)
            elif form.get("client_assertion_type") == JWT_BEARER and "client_assertion" in form:
                assertion = form["client_assertion"]
                if ts.federated_token is not None and assertion == ts.federated_token:
                    pass  # workload identity: the federated token itself is the assertion
                else:
                    why = ts.check_assertion(assertion)
                    if why:
                        return _aad_error(401, "invalid_client", why)
            else:
                return _aad_error(401, "invalid_client", "AADSTS7000218: The request body must contain the "
                                  "following parameter: 'client_assertion' or 'client_secret'.")
            return 200, {"token_type": "Bearer", "expires_in": ts.lifetime, "ext_expires_in": ts.lifetime,
                         "access_token": ts.mint("sp-" + ts.client_id, AUDIENCES[form["scope"]])}

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
            if url.path == "/metadata/identity/oauth2/token":
                kind, check = "imds", self.imds
            elif url.path == "/msi/token":
                kind, check = "appservice", self.app_service
            else:
                return self.reply(404, {"error": "not_found"})
            if self.fault(kind):
                return
            status, body = check(q)
            self.record(kind, status)
            self.reply(status, body)

        def pick_identity(self, q, res_key, obj_key):
            """(client_id, error) of the identity a managed-identity request selects."""
            given = [k for k in ("client_id", res_key, obj_key) if k in q]
            if len(given) > 1:
                return None, "Only one of client_id, %s, %s may be given" % (res_key, obj_key)
            if not given:
                return "system-assigned", None
            for cid, (oid, res) in ts.user_identities.items():
                if q.get("client_id") == cid or q.get(res_key) == res or q.get(obj_key) == oid:
                    return cid, None
            return None, "Identity not found"

        def imds(self, q):
            if self.headers.get("Metadata") != "true":
                return 400, {"error": "invalid_request", "error_description": "Required metadata header not specified"}
            if q.get("api-version") != "2018-02-01":
                return 400, {"error": "invalid_request", "error_description": "Invalid or missing api-version"}
            if q.get("resource") not in (STORAGE_RESOURCE,) + KEYVAULT_RESOURCES:
                return 400, {"error": "invalid_resource", "error_description": "AADSTS500011: The resource "
                             "principal named %s was not found in the tenant." % q.get("resource")}
            cid, err = self.pick_identity(q, "msi_res_id", "object_id")
            if err:
                return 400, {"error": "invalid_request", "error_description": err}
            now = int(time.time())
            return 200, {"access_token": ts.mint("mi-" + cid, AUDIENCES[q["resource"]]), "client_id": cid,
                         "expires_in": str(ts.lifetime), "expires_on": str(now + ts.lifetime),
                         "ext_expires_in": str(ts.lifetime), "not_before": str(now), "resource": q["resource"],
                         "token_type": "Bearer"}

        def app_service(self, q):
            if ts.identity_header is None or self.headers.get("X-IDENTITY-HEADER") != ts.identity_header:
                return 401, {"statusCode": 401, "message": "Unauthorized request: X-IDENTITY-HEADER missing or wrong"}
            if q.get("api-version") != "2019-08-01":
                return 400, {"statusCode": 400, "message": "Invalid api-version"}
            if q.get("resource") not in (STORAGE_RESOURCE,) + KEYVAULT_RESOURCES:
                return 400, {"statusCode": 400, "message": "Invalid resource"}
            cid, err = self.pick_identity(q, "mi_res_id", "principal_id")
            if err:
                return 400, {"statusCode": 400, "message": err}
            return 200, {"access_token": ts.mint("app-" + cid, AUDIENCES[q["resource"]]),
                         "expires_on": str(int(time.time()) + ts.lifetime), "resource": q["resource"], "token_type": "Bearer", "client_id": cid}

    return Handler
