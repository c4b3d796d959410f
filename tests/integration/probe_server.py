"""A tiny HTTP(S) server for connectivity tests: `probe_server.py [--only PATH,...] BIND PORT [CERT KEY]`.

Answers every HEAD/GET with 200 and a Date header; with --only, just those paths, and 404 for the others.
TLS (when CERT and KEY are given) is negotiated in the
connection's own thread, so a client that never finishes a handshake cannot block the others.
Prints READY once listening. Started by tests, inside their network namespace, never on a public address.
"""

import http.server
import socketserver
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    only = None  # the paths that exist; None: every path

    def _reply(self, body):
        self.send_response(200 if self.only is None or self.path in self.only else 404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        return body

    def do_HEAD(self):
        self._reply(b"ok\n")

    def do_GET(self):
        self.wfile.write(self._reply(b"ok\n"))

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    address_family = 2
    context = None

    def finish_request(self, request, client_address):
        if self.context is not None:
            try:
                request.settimeout(10)
                request = self.context.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError):
                return
        super().finish_request(request, client_address)


def main():
    args = sys.argv[1:]
    if args[:1] == ["--only"]:
        Handler.only = set(args[1].split(","))
        args = args[2:]
    sys.argv[1:] = args
    bind, port = sys.argv[1], int(sys.argv[2])
    if ":" in bind:
        Server.address_family = 10
    server = Server((bind, port), Handler)
    if len(sys.argv) > 4:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        server.context = ctx
    print("READY", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
