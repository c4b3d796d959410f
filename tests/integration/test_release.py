"""`make release VERSION=X.Y.Z` (tests/helpers/release.sh, docs/releasing.md), cut in a scratch copy of this
checkout, never in the checkout itself: what it writes, and what it refuses before changing anything.

The copy holds the files git knows about (as `make build` ships them), committed in a fresh repository, and
this checkout's .venv by symlink (git-ignored, so the copy is clean).
"""

import json
import os
import subprocess
import tarfile

import pytest
import yaml

from tests.integration import harness

REPO = harness.REPO


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def clone(tmp_path):
    """A committed copy of this checkout's files, with changelog fragments as they are now."""
    dest = tmp_path / "checkout"
    files = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    listing = "\n".join(f for f in files if f and os.path.lexists(os.path.join(REPO, f)))
    subprocess.run(["rsync", "-a", "--files-from=-", REPO + "/", str(dest) + "/"], input=listing, text=True, check=True)
    os.symlink(os.path.join(REPO, ".venv"), dest / ".venv")
    git(dest, "init", "-q", "-b", "main")
    git(dest, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", "-A")
    git(dest, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "scratch")
    return dest


def make_release(cwd, version):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "MAKE"))}
    env.update({"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid"})
    env.update({"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"})
    argv = ["make", "--no-print-directory", "release"] + (["VERSION=" + version] if version is not None else [])
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def galaxy_version(cwd):
    return yaml.safe_load((cwd / "galaxy.yml").read_text())["version"]


def changelog_text(cwd):
    path = cwd / "CHANGELOG.md"
    return path.read_text() if path.exists() else None


def fragments(cwd):
    return sorted(p for p in os.listdir(cwd / "changelogs" / "fragments") if p.endswith(".yml"))


def test_release_writes_version_changelog_and_tarball(clone):
    before = fragments(clone)
    assert before, "the checkout has no changelog fragment to release"
    released = list(yaml.safe_load((clone / "changelogs" / "changelog.yaml").read_text()).get("releases") or {})
    tags = git(clone, "tag", "--list").split()

    proc = make_release(clone, "9.9.9")

    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert yaml.safe_load((clone / "galaxy.yml").read_text())["version"] == "9.9.9"
    changes = yaml.safe_load((clone / "changelogs" / "changelog.yaml").read_text())
    assert list(changes["releases"]) == [*released, "9.9.9"], "earlier releases are kept, the new one added"
    assert sorted(changes["releases"]["9.9.9"]["fragments"]) == sorted([*before, "9.9.9.yml"])
    assert fragments(clone) == [], "the fragments were not consumed"
    changelog = (clone / "CHANGELOG.md").read_text()
    assert "v9.9.9" in changelog.replace("\\.", ".")
    assert "Minor Changes" in changelog
    assert "Release Summary" in changelog
    assert git(clone, "log", "-1", "--format=%s").strip() == "Release 9.9.9"
    assert sorted(git(clone, "tag", "--list").split()) == sorted([*tags, "9.9.9"])
    assert git(clone, "status", "--porcelain") == ""
    tarball = clone / "eformidling-integrasjonspunkt-9.9.9.tar.gz"
    with tarfile.open(tarball) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))
        names = tar.getnames()
    assert manifest["collection_info"]["version"] == "9.9.9"
    assert {"LICENSE", "CHANGELOG.md", "changelogs/changelog.yaml"} <= set(names)
    assert not [n for n in names if n.startswith("changelogs/fragments/") and n.endswith(".yml")]


@pytest.mark.parametrize("version", [None, "1.0", "v1.0.0", "01.0.0", "1.0.0-rc1", "0.0.9", "0.1.0 ", "1.0.0"])
def test_release_refuses_a_bad_version_before_changing_anything(clone, version):
    head = git(clone, "rev-parse", "HEAD")
    before = galaxy_version(clone)

    proc = make_release(clone, version)

    assert proc.returncode != 0, proc.stdout
    assert "make release:" in proc.stderr and "nothing was changed" in proc.stderr, proc.stderr
    assert git(clone, "rev-parse", "HEAD") == head
    assert git(clone, "status", "--porcelain") == ""
    assert galaxy_version(clone) == before


@pytest.mark.parametrize("change", ["untracked", "modified"])
def test_release_refuses_a_dirty_checkout(clone, change):
    before, changelog = galaxy_version(clone), changelog_text(clone)
    if change == "untracked":
        (clone / "notes.txt").write_text("scratch\n")
    else:
        (clone / "README.md").write_text((clone / "README.md").read_text() + "\nedited\n")

    proc = make_release(clone, "9.9.9")

    assert proc.returncode != 0
    assert "uncommitted or untracked changes" in proc.stderr, proc.stderr
    assert galaxy_version(clone) == before
    assert changelog_text(clone) == changelog


def test_release_refuses_fragments_that_do_not_lint(clone):
    before = galaxy_version(clone)
    (clone / "changelogs" / "fragments" / "broken.yml").write_text("no_such_section:\n  - a change\n")
    git(clone, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qam", "x", "--allow-empty")
    git(clone, "add", "-A")
    git(clone, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "a broken fragment")

    proc = make_release(clone, "9.9.9")

    assert proc.returncode != 0
    assert "antsibull-changelog lint failed" in proc.stderr, proc.stderr
    assert "no_such_section" in proc.stdout + proc.stderr
    assert galaxy_version(clone) == before
