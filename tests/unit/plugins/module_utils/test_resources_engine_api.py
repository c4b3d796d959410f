"""runtimes.container_engine asked through the socket the role uses (Docker or Podman), with injected failures."""

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import container_dns, engine_api, resources

PODMAN = {"Components": [{"Name": "Podman Engine"}], "Version": "4.3.1", "ApiVersion": "1.41"}


class Api:
    socket_path = staticmethod(engine_api.socket_path)
    engine_name = staticmethod(engine_api.engine_name)

    def __init__(self, answer):
        self.answer = answer

    def get_json(self, host, path, timeout=5.0):
        return self.answer


def no_cli(name):
    return None


def cli_run(argv):
    return 1, "", "Cannot connect to the Docker daemon"


def test_podman_api_socket_answers_without_any_cli():
    section = resources.collect_container_engine(
        cli_run, no_cli, True, "unix:///run/podman/podman.sock", Api({"status": 200, "data": PODMAN})
    )
    assert (section["name"], section["answers"], section["server_version"], section["via"]) == (
        "podman",
        True,
        "4.3.1",
        "api",
    )


def test_a_refused_socket_is_permission_denied_whatever_the_cli():
    api = Api({"reason": "/run/podman/podman.sock: Permission denied", "denied": True, "missing": False})
    section = resources.collect_container_engine(cli_run, lambda n: "/usr/bin/" + n, True, "unix:///s", api)
    assert (section["available"], section["answers"], section["permission_denied"]) == (True, False, True)


def test_no_socket_and_no_cli_is_missing():
    api = Api({"reason": "no engine answers on /s: No such file or directory", "denied": False, "missing": True})
    section = resources.collect_container_engine(cli_run, no_cli, True, "unix:///s", api)
    assert (section["available"], section["answers"], section["socket_missing"]) == (False, False, True)


def test_no_socket_but_a_cli_falls_back_to_the_cli_and_keeps_the_api_reason():
    api = Api({"reason": "no engine answers on /s", "denied": False, "missing": True})
    section = resources.collect_container_engine(cli_run, lambda n: "/usr/bin/podman" if n == "podman" else None,
                                                 True, "unix:///s", api)  # fmt: skip
    assert (section["name"], section["answers"], section["socket_missing"]) == ("podman", False, True)
    assert "no engine answers" in section["api_reason"]


def test_an_odd_answer_is_not_an_engine_that_answers():
    section = resources.collect_container_engine(cli_run, no_cli, True, "unix:///s", Api({"status": 500, "data": {}}))
    assert section["answers"] is False


def test_docker_mode_gathers_the_containers_resolvers_and_a_crash_is_a_reason(monkeypatch):
    def boom(engine):
        raise RuntimeError("injected")

    monkeypatch.setattr(container_dns, "collect", boom)
    section = resources.collect_runtimes(
        cli_run, no_cli, None, [], True, jvm_dirs=[], docker_host="unix:///s", api=Api({"status": 200, "data": PODMAN})
    )
    dns = section["container_engine"]["dns"]
    assert dns["available"] is False and "injected" in dns["reason"]
