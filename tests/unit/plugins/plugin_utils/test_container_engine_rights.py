"""runtime.container_engine for a user outside the socket's group (issue 24): the fix names both ways, become for
that check or the group that owns the socket (by name when the probe could tell it)."""

from tests.unit.plugins.plugin_utils.test_resource_runtime_edges import SOCKET, engine


def denied(**facts):
    return engine(available=True, answers=False, permission_denied=True, name="docker", reason="EACCES", **facts)


def test_the_fix_names_the_sockets_group_and_become():
    res = denied(socket_group="eft-engine")
    assert res["status"] == "fail"
    assert res["fix"] == (
        "Run the play with become (the install role does; preflight needs it for this check only), or add the user"
        " to the group eft-engine, which owns the socket %s (the user's next login has it)." % SOCKET
    )


def test_a_socket_of_group_root_leaves_become_only():
    res = denied(socket_group="root")
    assert res["fix"].startswith("Run the play with become") and "group root" in res["fix"]
    assert "add the user" not in res["fix"]


def test_an_unknown_group_keeps_the_general_fix():
    res = denied()
    assert "become" in res["fix"] and "docker group" in res["fix"]
