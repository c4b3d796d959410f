#!/usr/bin/env python
# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""STAND-IN SMTP server for the tests: accepts every message on a loopback address and stores it, nothing else.

    smtp_sink.py HOST PORT DIR     serve until SIGTERM; each message is DIR/msg-<n>.eml (envelope in a header),
                                   and DIR/msg-<n>.txt its subject and decoded text parts (base64 undone, so
                                   tests search what a reader sees)

Not a mail server: no relay, no TLS, no authentication; it speaks just enough SMTP (RFC 5321: EHLO/HELO, MAIL,
RCPT, DATA, RSET, NOOP, QUIT) for smtplib and community.general.mail with secure=never. Loopback only.
"""

import email
import email.policy
import ipaddress
import os
import socketserver
import sys


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self):
        self.reply("220 stand-in SMTP sink ready")
        sender, recipients = None, []
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            verb = raw.decode("utf-8", "replace").strip()
            upper = verb.upper()
            if upper.startswith(("EHLO", "HELO")):
                self.reply("250 stand-in")
            elif upper.startswith("MAIL FROM:"):
                sender, recipients = verb[10:].strip(), []
                self.reply("250 OK")
            elif upper.startswith("RCPT TO:"):
                recipients.append(verb[8:].strip())
                self.reply("250 OK")
            elif upper == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    line = self.rfile.readline(1 << 20)
                    if not line or line in (b".\r\n", b".\n"):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                self.server.store(sender, recipients, b"".join(lines))
                self.reply("250 OK stored")
            elif upper in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif upper == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class SinkServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address, directory):
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise SystemExit("smtp_sink: loopback addresses only, got %s" % address[0])
        super().__init__(address, _Handler)
        self.directory = directory
        self.count = 0

    def store(self, sender, recipients, data):
        self.count += 1
        path = os.path.join(self.directory, "msg-%d.eml" % self.count)
        head = "X-Sink-From: %s\r\nX-Sink-To: %s\r\n" % (sender, ", ".join(recipients))
        with open(path + ".tmp", "wb") as out:
            out.write(head.encode("utf-8") + data)
        os.replace(path + ".tmp", path)
        message = email.message_from_bytes(data, policy=email.policy.default)
        parts = [p.get_content() for p in message.walk() if p.get_content_type() == "text/plain"]
        text = "Subject: %s\n%s" % (message["subject"], "\n".join(parts))
        with open(path[: -len(".eml")] + ".txt", "w", encoding="utf-8") as out:
            out.write(text)


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    os.makedirs(argv[3], exist_ok=True)
    with SinkServer((argv[1], int(argv[2])), argv[3]) as server:
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
