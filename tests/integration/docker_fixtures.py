"""A private Docker engine (tests/helpers/docker_engine.sh) and a tiny image for it, for integration tests.

No registry can be reached here, so the image is `docker import`ed from a root of this machine's own binaries.
Needs root (the engine runs in a network namespace of its own).
"""

import contextlib
import os
import subprocess

from tests.integration import harness

DOCKER_ENGINE = os.path.join(harness.REPO, "tests", "helpers", "docker_engine.sh")
TOOLS_IMAGE = "eft/tools:1"  # /bin/sleep and /bin/cat with their libraries
TOOLS = ("/bin/sleep", "/bin/cat")


@contextlib.contextmanager
def running_engine(name, userland_proxy=True):
    """Engine NAME started, its DOCKER_HOST value yielded; destroyed afterwards (containers, data root, netns).

    userland_proxy=False: published ports are NAT rules in the engine's netns, no docker-proxy listens."""
    env = dict(os.environ, DOCKER_ENGINE_USERLAND_PROXY=str(userland_proxy).lower())
    started = subprocess.run([DOCKER_ENGINE, "start", name], capture_output=True, text=True, timeout=300,
                             check=False, env=env)  # fmt: skip
    assert started.returncode == 0, started.stderr
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([DOCKER_ENGINE, "destroy", name], capture_output=True, timeout=300, check=False)


def import_tools_image(docker_host, workdir):
    """TOOLS_IMAGE in the engine at docker_host, its root built under workdir."""
    root = os.path.join(workdir, "rootfs")
    paths = set(TOOLS)
    for binary in TOOLS:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
        paths.update(w for w in out.split() if w.startswith("/"))
    for path in sorted(paths):  # each at the path the binary and the loader look for it, dereferenced
        os.makedirs(os.path.dirname(root + path), exist_ok=True)
        subprocess.run(["cp", "-L", path, root + path], check=True)
    tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
    subprocess.run(["docker", "-H", docker_host, "import", "-", TOOLS_IMAGE], stdin=tar.stdout, check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    assert tar.wait(timeout=60) == 0, "tar of the image root failed"
    return TOOLS_IMAGE
