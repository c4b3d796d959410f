"""Listening sockets from /proc/net/tcp{,6}, and who holds them."""

import os

from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import listening

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "listening")


def read(name):
    with open(os.path.join(FIXTURES, name)) as fh:
        return fh.read()


def test_listening_ipv4_sockets_only_listen_state():
    sockets = listening.parse_proc_net_tcp(read("tcp"))
    assert [(s["address"], s["port"]) for s in sockets] == [("127.0.0.1", 18093), ("0.0.0.0", 2024), ("0.0.0.0", 9093)]
    assert sockets[2] == {"address": "0.0.0.0", "port": 9093, "uid": 998, "inode": 4242}


def test_listening_ipv6_sockets():
    sockets = listening.parse_proc_net_tcp(read("tcp6"))
    assert [(s["address"], s["port"]) for s in sockets] == [("::", 9093), ("::1", 9093)]


def test_listeners_on_reads_both_files(tmp_path):
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "tcp").write_text(read("tcp"))
    (tmp_path / "net" / "tcp6").write_text(read("tcp6"))
    found = listening.listeners_on(9093, proc_root=str(tmp_path))
    assert sorted(s["inode"] for s in found) == [4242, 4243, 4244]
    assert listening.listeners_on(1, proc_root=str(tmp_path)) == []
    assert listening.listeners_on(9093, proc_root=str(tmp_path / "missing")) == []


def test_socket_owners_lists_every_process_holding_the_socket(tmp_path):
    for pid, inode in (("100", 4242), ("101", 4242), ("102", 7)):
        fd = tmp_path / pid / "fd"
        fd.mkdir(parents=True)
        os.symlink("socket:[%d]" % inode, str(fd / "3"))
        (tmp_path / pid / "cmdline").write_bytes(b"java\0-jar\0integrasjonspunkt.jar\0")
    (tmp_path / "103").mkdir()  # an unreadable process: no fd directory
    owners, complete = listening.socket_owners([4242], proc_root=str(tmp_path))
    assert [h["pid"] for h in owners[4242]] == [100, 101]
    assert owners[4242][0]["cmdline"] == "java -jar integrasjonspunkt.jar"
    assert complete is False
    assert listening.looks_like_integrasjonspunkt(owners[4242][0]["cmdline"])
    assert not listening.looks_like_integrasjonspunkt(None)


@given(st.text(max_size=400))
def test_garbage_never_raises(text):
    assert isinstance(listening.parse_proc_net_tcp(text), list)
