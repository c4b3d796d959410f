"""The tests' HTTPS stand-ins (tests/helpers/tls_standin.py, and the simulated Maskinporten built on it) negotiate
TLS in each connection's thread: a client that connects and never sends its ClientHello blocks neither the other
clients nor shutdown() (a CI run hung 12+ minutes when accept() did the handshake), and a client that rejects the
certificate is dropped without a traceback. The bounds below are liveness bounds, generous on purpose."""

import http.server
import socket
import ssl
import sys
import threading
import urllib.error
import urllib.request

import pytest

from tests.helpers.simulated_maskinporten import Simulation
from tests.helpers.tls_standin import TLSServer
from tests.integration.net_fixtures import CertAuthority

BOUND = 15  # seconds; a hang is forever, a pass is well under a second


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "6")
        self.end_headers()
        self.wfile.write(b"hello\n")

    def log_message(self, *args):
        pass


class RecordingServer(TLSServer):
    """TLSServer that records what its request threads report, and says when a connection is done with."""

    def __init__(self, *args):
        super().__init__(*args)
        self.errors = []
        self.done = threading.Semaphore(0)

    def handle_error(self, request, client_address):  # socketserver prints a traceback here by default
        self.errors.append(sys.exc_info()[1])

    def shutdown_request(self, request):  # called after finish_request (and handle_error), in that thread
        super().shutdown_request(request)
        self.done.release()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    ca = CertAuthority(str(tmp_path_factory.mktemp("pki")))
    cert, key = ca.issue("standin", ["localhost"], ips=["127.0.0.1"])
    return {"ca_file": ca.ca_file, "cert": cert, "key": key}


@pytest.fixture
def server(pki):
    srv = RecordingServer(("127.0.0.1", 0), Hello, pki["cert"], pki["key"])
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def get(port, ca_file):
    context = ssl.create_default_context(cafile=ca_file)
    with urllib.request.urlopen("https://127.0.0.1:%d/" % port, context=context, timeout=BOUND) as answer:
        return answer.status, answer.read()


def returns_within(call, bound=BOUND):
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(timeout=bound)
    return not thread.is_alive()


def silent_client(port):
    """A TCP connection that never sends its ClientHello."""
    return socket.create_connection(("127.0.0.1", port), timeout=BOUND)


def test_a_client_that_never_sends_its_client_hello_blocks_neither_others_nor_shutdown(server, pki):
    port = server.server_address[1]
    with silent_client(port):
        # Served after the silent connection was accepted (accept() takes them in order).
        assert get(port, pki["ca_file"]) == (200, b"hello\n")
        assert returns_within(server.shutdown), "shutdown() hung behind a connection without a handshake"


def test_a_client_that_rejects_the_certificate_is_dropped_without_a_traceback(server, pki):
    port = server.server_address[1]
    with pytest.raises(urllib.error.URLError) as refused:
        get(port, None)  # the system's CAs: our test CA is not among them
    assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)
    assert server.done.acquire(timeout=BOUND), "the rejected connection never reached its thread"
    assert server.errors == []
    assert get(port, pki["ca_file"]) == (200, b"hello\n")


def test_the_simulated_maskinporten_stops_with_a_client_that_never_sends_its_client_hello(pki):
    sim = Simulation({"bind": "127.0.0.1", "port": 0, "cert": pki["cert"], "key": pki["key"]}).start()
    try:
        with silent_client(sim.port):
            # Served after the silent connection was accepted (accept() takes them in order).
            context = ssl.create_default_context(cafile=pki["ca_file"])
            url = "https://127.0.0.1:%d/adressetjeneste/jwk" % sim.port
            with urllib.request.urlopen(url, context=context, timeout=BOUND) as answer:
                assert answer.status == 200
            assert returns_within(sim.stop), "Simulation.stop() hung behind a connection without a handshake"
    finally:
        sim.stop()
