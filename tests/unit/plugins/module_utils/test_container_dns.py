"""The resolvers a container will get (Docker and Podman): parsers, the collector with injected failures."""

import pytest

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import container_dns


def test_parse_resolv_conf():
    text = "# comment\nsearch example.org\nnameserver 10.0.0.2\nnameserver fe80::1%eth0 # x\nnameserver\n"
    assert container_dns.parse_resolv_conf(text) == ["10.0.0.2", "fe80::1"]


def test_parse_daemon_json():
    assert container_dns.parse_daemon_json('{"dns": ["10.0.0.53"]}') == ["10.0.0.53"]
    assert container_dns.parse_daemon_json('{"dns": []}') is None
    assert container_dns.parse_daemon_json("{}") is None
    assert container_dns.parse_daemon_json("") is None
    with pytest.raises(ValueError):
        container_dns.parse_daemon_json("{not json")
    with pytest.raises(ValueError):
        container_dns.parse_daemon_json("[1]")


def test_parse_containers_conf():
    text = (
        '[network]\ndns_servers = ["1.1.1.1"]\n[containers]\n# dns_servers = ["9.9.9.9"]\n'
        "dns_servers = [ \"10.0.0.53\", '10.0.0.54' ]\n"
    )
    assert container_dns.parse_containers_conf(text) == ["10.0.0.53", "10.0.0.54"]
    assert container_dns.parse_containers_conf("[containers]\ndns_servers = []\n") is None
    assert container_dns.parse_containers_conf('[network]\ndns_servers = ["1.1.1.1"]\n') is None


def files(mapping):
    def read(path):
        if path not in mapping:
            raise FileNotFoundError(2, "No such file or directory")
        if isinstance(mapping[path], Exception):
            raise mapping[path]
        return mapping[path]

    return read


def test_loopback_only_host_gets_the_engines_public_substitute():
    result = container_dns.collect("docker", read=files({"/etc/resolv.conf": "nameserver 127.0.0.1\n"}))
    assert result["effective"] == ["8.8.8.8", "8.8.4.4"] and result["substituted"] is True
    assert result["host_nameservers"] == ["127.0.0.1"]


def test_the_hosts_non_loopback_resolvers_are_copied():
    result = container_dns.collect(
        "docker", read=files({"/etc/resolv.conf": "nameserver 127.0.0.1\nnameserver 10.1.1.1\n"})
    )
    assert (result["effective"], result["substituted"]) == (["10.1.1.1"], False)


def test_resolveds_stub_means_its_upstream_file(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "resolv.conf").write_text("nameserver 127.0.0.53\n")
    (tmp_path / "run" / "systemd" / "resolve").mkdir(parents=True)
    (tmp_path / "run" / "systemd" / "resolve" / "resolv.conf").write_text("nameserver 10.2.2.2\n")
    result = container_dns.collect("podman", root=str(tmp_path))
    assert result["effective"] == ["10.2.2.2"]
    assert result["host_source"].endswith("/run/systemd/resolve/resolv.conf")


def test_the_engines_own_dns_wins():
    read = files({"/etc/docker/daemon.json": '{"dns": ["10.3.3.3"]}', "/etc/resolv.conf": "nameserver 127.0.0.1\n"})
    result = container_dns.collect("docker", read=read)
    assert (result["effective"], result["engine_source"]) == (["10.3.3.3"], "/etc/docker/daemon.json")


def test_podmans_containers_conf(tmp_path):
    conf = tmp_path / "etc" / "containers"
    conf.mkdir(parents=True)
    (conf / "containers.conf").write_text('[containers]\ndns_servers = ["10.4.4.4"]\n')
    (tmp_path / "etc" / "resolv.conf").write_text("nameserver 127.0.0.1\n")
    result = container_dns.collect("podman", root=str(tmp_path))
    assert result["effective"] == ["10.4.4.4"]


@pytest.mark.parametrize(
    "broken",
    [
        {"/etc/resolv.conf": PermissionError(13, "Permission denied")},
        {"/etc/resolv.conf": "nameserver 127.0.0.53\n"},  # resolved's upstream file missing
        {"/etc/docker/daemon.json": "{garbage", "/etc/resolv.conf": "nameserver 10.0.0.1\n"},
        {
            "/etc/docker/daemon.json": PermissionError(13, "Permission denied"),
            "/etc/resolv.conf": "nameserver 10.0.0.1\n",
        },
        {},  # no resolv.conf at all
    ],
)
def test_unreadable_files_are_a_reason_never_an_answer(broken):
    result = container_dns.collect("docker", read=files(broken))
    assert result["reason"] and result["effective"] is None
