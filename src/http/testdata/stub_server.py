#!/usr/bin/python3
"""A TEST STAND-IN, not a real service: the smallest HTTP/1.1 server that lets http_client_test see
what the client sent and make the transport fail in chosen ways. Started by the test itself on a free
loopback port, which it prints as its first line of stdout.

    stub_server.py [--tls CERT KEY]

Paths:  /echo            reply 200 with the request body; X-Method, X-Content-Length, X-Transfer-Encoding,
                         X-Echo-Test (the request's X-Test) say what arrived
        /status/N        reply N
        /stall           announce 100 bytes, send 10, then go silent for 5 s
        /cut             announce 100 bytes, send 10, then close the connection
        /hangup          close the connection without replying
        /big?n=N&status=S&cl=C
                         reply S (default 200) with N bytes of 'b', streamed in 64 KiB writes; C=1 announces
                         Content-Length N, C=0 sends none and closes the connection after the body
        /liar            announce Content-Length 4294967295, send 10 bytes, close
"""

import http.server
import socketserver
import ssl
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the clouds speak

    def log_message(self, *args):
        pass

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _handle(self):
        body = self._body()
        path = self.path.split("?")[0]
        if path == "/echo":
            self.send_response(200)
            self.send_header("X-Method", self.command)
            self.send_header("X-Content-Length", self.headers.get("Content-Length", ""))
            self.send_header("X-Transfer-Encoding", self.headers.get("Transfer-Encoding", ""))
            self.send_header("X-Echo-Test", self.headers.get("X-Test", ""))
            self.send_header("X-Expect", self.headers.get("Expect", ""))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            text = b"status %d" % code
            self.send_response(code)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(text)
        elif path in ("/stall", "/cut"):
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.wfile.flush()
            if path == "/stall":
                time.sleep(5)
            self.close_connection = True
        elif path == "/big":
            q = dict(kv.split("=", 1) for kv in self.path.split("?", 1)[1].split("&")) if "?" in self.path else {}
            n, code, announce = int(q.get("n", "0")), int(q.get("status", "200")), q.get("cl", "1") == "1"
            self.send_response(code)
            if announce:
                self.send_header("Content-Length", str(n))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"b" * 65536
            try:
                for off in range(0, n, len(chunk)):
                    self.wfile.write(chunk[:min(len(chunk), n - off)])
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif path == "/liar":
            self.send_response(200)
            self.send_header("Content-Length", "4294967295")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.wfile.flush()
            self.close_connection = True
        elif path == "/hangup":
            self.close_connection = True
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _handle


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    if len(sys.argv) == 4 and sys.argv[1] == "--tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
