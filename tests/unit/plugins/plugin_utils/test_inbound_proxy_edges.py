# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""inbound.port's naming of the holders, and which proxy answer decides the fix (mutation round 3's survivors)."""

from ansible_collections.eformidling.integrasjonspunkt.plugins.plugin_utils import checks, connectivity_checks
from tests.unit.plugins.plugin_utils.test_checks import _port, by_id, ctx


def test_every_foreign_holder_is_named_with_its_pid_and_why():
    port = _port(ours=False, why="not in the unit")
    port["holders"].append({"pid": 77, "cmdline": "nginx", "ours": False, "why": "another program"})
    port["listeners"][0]["pids"] = [4242, 77]
    res = by_id(checks.run_checks(ctx(port=port)))["inbound.port"]
    held = "java -jar integrasjonspunkt.jar (pid 4242: not in the unit), nginx (pid 77: another program)"
    assert (res["status"], res["measured"], res["required"]) == ("fail", "in use by %s" % held, "free")
    assert res["message"] == "port 9093 is already taken on 0.0.0.0 by %s" % held


def test_an_origin_answer_is_not_taken_for_the_proxy_s():
    generic = connectivity_checks.FIXES["proxy_error"] + " The proxy answered: {error}."
    origin_403 = {"proxy": {}, "http": {"status_code": 403, "from_proxy": False}}
    assert connectivity_checks.proxy_cause(origin_403) == (None, generic)
    proxy_403 = {"proxy": {}, "http": {"status_code": 403, "from_proxy": True}}
    assert connectivity_checks.proxy_cause(proxy_403) == (None, connectivity_checks.FIXES["proxy_error"])
    assert generic.endswith(". The proxy answered: {error}.")
