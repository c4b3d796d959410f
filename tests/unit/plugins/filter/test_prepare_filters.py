"""The prepare role's input filters: inbound source networks and chrony time sources."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.eformidling.integrasjonspunkt.plugins.action import preflight_report
from ansible_collections.eformidling.integrasjonspunkt.plugins.filter import chrony, controller_path, inbound


class TestInboundSourceProblems:
    def test_good_networks_and_addresses_have_no_problems(self):
        assert inbound.inbound_source_problems(["10.0.0.0/24", "192.0.2.10", "2001:db8::/32", "fd00::1"]) == []

    def test_empty_list_is_refused_with_the_way_to_say_anywhere(self):
        (problem,) = inbound.inbound_source_problems([])
        assert "integrasjonspunkt_inbound_sources is empty" in problem
        assert "prepare_firewall_allow_anywhere: true" in problem

    @pytest.mark.parametrize("bad", ["10.0.0.300/24", "10.0.0.0/33", "example.org", "10.0.0.0/24 x", "", " "])
    def test_unparsable_entries_are_named(self, bad):
        problems = inbound.inbound_source_problems(["10.1.0.0/16", bad])
        assert len(problems) == 1
        assert "integrasjonspunkt_inbound_sources" in problems[0]
        if bad.strip():
            assert repr(bad.strip()) in problems[0] or "host bits" in problems[0]

    def test_trailing_space_is_tolerated_but_host_bits_are_not(self):
        assert inbound.inbound_source_problems(["10.0.0.0/24 "]) == []
        (problem,) = inbound.inbound_source_problems(["10.0.0.5/24"])
        assert "host bits set; the network is 10.0.0.0/24" in problem

    @pytest.mark.parametrize("anywhere", ["0.0.0.0/0", "::/0"])
    def test_anywhere_needs_the_second_switch(self, anywhere):
        (problem,) = inbound.inbound_source_problems([anywhere])
        assert "opens the port to every address" in problem
        assert inbound.inbound_source_problems([anywhere], True) == []

    @pytest.mark.parametrize("bad", ["10.0.0.0/8", None, 42, {"a": 1}])
    def test_not_a_list_or_not_strings(self, bad):
        problems = inbound.inbound_source_problems(bad if bad == "10.0.0.0/8" else [bad])
        assert problems and all("integrasjonspunkt_inbound_sources" in p for p in problems)

    def test_variable_name_is_configurable(self):
        (problem,) = inbound.inbound_source_problems([], variable="my_sources")
        assert problem.startswith("my_sources is empty")


class TestInboundNetworks:
    def test_split_by_family_canonical_and_deduplicated(self):
        result = inbound.inbound_networks(["10.0.0.1", "10.0.0.0/24", "10.0.0.1/32", "2001:DB8::/32", "fd00::1"])
        assert result == {"ipv4": ["10.0.0.1/32", "10.0.0.0/24"], "ipv6": ["2001:db8::/32", "fd00::1/128"]}

    def test_bad_entry_raises(self):
        with pytest.raises(AnsibleFilterError, match=r"10\.0\.0\.5/24"):
            inbound.inbound_networks(["10.0.0.5/24"])


class TestChronySources:
    def test_strings_become_server_lines_with_iburst(self):
        assert chrony.chrony_source_lines(["ntp1.example.org", "192.0.2.1", "2001:db8::123"]) == [
            "server ntp1.example.org iburst",
            "server 192.0.2.1 iburst",
            "server 2001:db8::123 iburst",
        ]

    def test_dict_entries_pool_nts_and_options(self):
        lines = chrony.chrony_source_lines(
            [
                {"host": "pool.example.org", "type": "pool", "iburst": False},
                {"host": "nts.example.org", "nts": True, "options": ["minpoll 4", "maxpoll 6"]},
                {"host": "plain.example.org", "nts": False},
            ],
            True,
        )
        assert lines == [
            "pool pool.example.org nts",
            "server nts.example.org iburst nts minpoll 4 maxpoll 6",
            "server plain.example.org iburst",
        ]

    def test_usable_list_has_no_problems(self):
        assert (
            chrony.chrony_source_problems(["ntp.example.org", {"host": "127.0.0.1", "options": ["port 11123"]}]) == []
        )

    def test_empty_list_says_there_is_no_public_default(self):
        (problem,) = chrony.chrony_source_problems([])
        assert "prepare_ntp_servers is empty" in problem
        assert "no public default" in problem

    @pytest.mark.parametrize(
        "bad, words",
        [
            ("ntp.example.org\nallow all", "no usable host"),
            ("ntp.example.org allow", "no usable host"),
            ({"host": "ntp.example.org", "type": "peer"}, "type 'peer'"),
            ({"host": "ntp.example.org", "options": ["minpoll 4\nallow"]}, "options must be"),
            ({"host": "ntp.example.org", "options": "minpoll 4"}, "options must be"),
            ({"host": "ntp.example.org", "iburst": "yes"}, "iburst must be true or false"),
            ({"server": "ntp.example.org"}, "unknown keys ['server']"),
            (123, "neither a string nor a dict"),
        ],
    )
    def test_bad_entries_are_named_and_refused(self, bad, words):
        (problem,) = chrony.chrony_source_problems(["good.example.org", bad])
        assert problem.startswith("prepare_ntp_servers entry ")
        assert words in problem
        assert "allowed:" in problem
        with pytest.raises(AnsibleFilterError):
            chrony.chrony_source_lines([bad])

    def test_not_a_list(self):
        (problem,) = chrony.chrony_source_problems("ntp.example.org")
        assert "must be a list" in problem


class TestControllerPath:
    """One rule for every directory the collection writes on the controller (preflight reports, outbound request)."""

    def test_a_relative_path_is_joined_to_the_working_directory(self, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        assert controller_path.controller_path("prepare-reports") == str(tmp_path / "prepare-reports")
        assert controller_path.controller_path("/srv/x/../reports") == "/srv/reports"

    def test_home_is_expanded_and_an_empty_path_refused(self, monkeypatch):
        monkeypatch.setenv("HOME", "/home/operator")
        assert controller_path.controller_path("~/reports") == "/home/operator/reports"
        with pytest.raises(AnsibleFilterError, match="empty"):
            controller_path.controller_path(" ")

    def test_the_preflight_reports_use_the_same_rule(self, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        files = preflight_report.write_reports("reports", ["json"], {}, {}, [])
        assert files == [str(tmp_path / "reports" / "preflight.json")]
