"""The tests' HTTPS stand-in servers: TLS negotiated in each connection's own thread, never in accept().

Wrapping a server's listening socket the plain way (``context.wrap_socket(server.socket, server_side=True)``) makes
accept() do the handshake: one client that connects and never sends its ClientHello blocks serve_forever, and
shutdown(), which waits for serve_forever, then never returns (a fresh-clone CI run hung for 12+ minutes there).
"""

import http.server
import socketserver
import ssl

ACCEPT_TIMEOUT = 1  # seconds: accept() gives up on a connection that vanished between select and accept
CONNECTION_TIMEOUT = 10  # seconds: a client that stalls in its handshake or its request frees its thread


class TLSServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """A threading HTTPS server with the certificate chain CERT/KEY (PEM files); serve_forever() and shutdown()."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, cert, key):
        super().__init__(address, handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.socket.settimeout(ACCEPT_TIMEOUT)

    def finish_request(self, request, client_address):
        try:
            request.settimeout(CONNECTION_TIMEOUT)
            request.do_handshake()
        except OSError:
            # A client that rejects our certificate, speaks no TLS or goes away: dropped quietly, as accept()
            # dropped it; the client reports its own error, and no traceback clutters the test's output.
            return
        super().finish_request(request, client_address)
