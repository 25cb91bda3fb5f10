"""The local Zou tooling run as root: the cluster folder under /var/tmp has an unpredictable name, is
private from creation and is never followed through a symlink; secrets are written with their mode set
at creation (issue 20, item 8)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.localzou import server as srv
from desktop.localzou.server import LocalZou, ServerState, is_private_dir, write_private

as_root = pytest.mark.skipif(not (hasattr(os, "geteuid") and os.geteuid() == 0), reason="needs root")


@pytest.fixture
def umask_zero() -> Iterator[None]:
    """With umask 0 a file written then chmod-ed would be world-readable in between: prove there is no such
    window by checking the mode the file had from its creation."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_a_secret_file_is_private_from_creation_and_never_written_through_a_link(
        tmp_path: Path, umask_zero: None) -> None:
    secret = tmp_path / "pw"
    write_private(secret, "s3cret\n")
    assert _mode(secret) == 0o600 and secret.read_text() == "s3cret\n"
    # Something already there (a planted symlink to a file the attacker wants overwritten) is refused.
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    planted = tmp_path / "planted"
    planted.symlink_to(victim)
    with pytest.raises(FileExistsError):
        write_private(planted, "s3cret\n")
    assert victim.read_text() == "untouched"


def test_the_state_file_with_the_passwords_is_private(tmp_path: Path, umask_zero: None) -> None:
    state = ServerState.load_or_create(tmp_path / "state.json")
    assert _mode(tmp_path / "state.json") == 0o600
    state.initialised = True
    state.save(tmp_path / "state.json")
    assert _mode(tmp_path / "state.json") == 0o600 and ServerState.load_or_create(tmp_path / "state.json").initialised


def _server_with_state(root: Path) -> LocalZou:
    local = LocalZou(root=root, log=False)
    root.mkdir(parents=True, exist_ok=True)
    local.state = ServerState.load_or_create(root / "state.json")
    return local


@as_root
def test_the_cluster_folder_name_is_unpredictable_and_private(tmp_path: Path) -> None:
    made: list[Path] = []
    try:
        for _ in range(2):
            local = _server_with_state(tmp_path / "same-root")
            assert local.state is not None
            local.state.pg_base = None
            base = local._ensure_pg_base()
            made.append(base)
            assert base.parent == Path("/var/tmp") and base.name.startswith("slate-pg-")
            uid = srv._owner_ids("postgres")[0]
            assert os.lstat(base).st_uid == uid and _mode(base) == 0o700 and is_private_dir(base, uid)
            assert local._pg_base() == base and local.state.pg_base == str(base)  # recorded for the next start
        # Same root folder, two different names: nothing an attacker can compute in advance.
        assert made[0] != made[1]
    finally:
        for path in made:
            path.rmdir()


@as_root
@pytest.mark.parametrize("trap", ["symlink", "world-writable", "other-owner"])
def test_a_recorded_cluster_folder_that_is_not_private_is_abandoned_not_followed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trap: str) -> None:
    parent = tmp_path / "vartmp"
    parent.mkdir()
    parent.chmod(0o1777)  # like /var/tmp
    monkeypatch.setattr(srv, "ROOT_PG_PARENT", parent)
    victim = tmp_path / "victim"
    victim.mkdir(mode=0o700)
    recorded = parent / "slate-pg-recorded"
    if trap == "symlink":
        recorded.symlink_to(victim)
    else:
        recorded.mkdir()
        if trap == "world-writable":
            recorded.chmod(0o777)
        else:
            os.chown(recorded, 65534, 65534)  # nobody
            recorded.chmod(0o700)
    local = _server_with_state(tmp_path / "root")
    assert local.state is not None
    local.state.pg_base, local.state.initialised = str(recorded), True
    base = local._ensure_pg_base()
    assert base != recorded and base.parent == parent and is_private_dir(base, srv._owner_ids("postgres")[0])
    assert not local.state.initialised  # a new, empty cluster folder: Zou is initialised again
    # The victim behind the link kept its owner and mode; nothing was created in it.
    assert os.lstat(victim).st_uid == 0 and _mode(victim) == 0o700 and list(victim.iterdir()) == []
    assert ServerState.load_or_create(tmp_path / "root" / "state.json").pg_base == str(base)


@as_root
def test_an_earlier_versions_cluster_is_kept_only_when_still_private(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parent = tmp_path / "vartmp"
    parent.mkdir()
    monkeypatch.setattr(srv, "ROOT_PG_PARENT", parent)
    local = _server_with_state(tmp_path / "root")
    assert local.state is not None
    uid, gid = srv._owner_ids("postgres")
    legacy = local._legacy_pg_base(uid)
    assert legacy is None  # nothing there
    import hashlib

    assert local.root is not None
    path = parent / "slate-pg" / hashlib.sha1(str(local.root.resolve()).encode()).hexdigest()[:16]
    (path / "pgdata").mkdir(parents=True)
    (path / "pgdata" / "PG_VERSION").write_text("15\n")
    os.chown(path, uid, gid)
    path.chmod(0o700)
    (parent / "slate-pg").chmod(0o755)
    assert local._legacy_pg_base(uid) == path
    assert local._ensure_pg_base() == path and local.state.pg_base == str(path)
    # The same folder under a parent anyone may write (someone could have swapped it): not trusted.
    (parent / "slate-pg").chmod(0o777)
    assert local._legacy_pg_base(uid) is None


@as_root
def test_the_running_test_server_uses_a_private_unpredictable_cluster_folder(zou_server: LocalZou) -> None:
    base = zou_server._pg_base()
    uid = srv._owner_ids("postgres")[0]
    assert base.parent == Path("/var/tmp") and is_private_dir(base, uid)
    assert not (base / "pw").exists()  # the initdb password file is gone
    assert _mode(zou_server.pg_data) == 0o700
