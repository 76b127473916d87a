"""The token cache: memory, a 0600 file and the OS keyring, each refusing what it must not trust."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import KeyringError, PasswordDeleteError
from support import lock_held_elsewhere

from looker_nb_auth import CacheError, CacheWarning, ConfigurationError, Secret
from looker_nb_auth.client.cache import (
    CachedLogin,
    CacheKey,
    MemoryCache,
    TokenCache,
    keyring_usable,
    open_cache,
)
from looker_nb_auth.client.file_cache import FileCache
from looker_nb_auth.client.keyring_cache import KeyringCache

REPO = Path(__file__).resolve().parents[2]
LOOKER = "https://acme.looker.example:19999"
APP = "nb-app"
ADA = CachedLogin("ada-refresh-token", "7", display_name="Ada", email="ada@example.com")
GRACE = CachedLogin("grace-refresh-token", "8", display_name="Grace", email="grace@example.com")


def key(user_id: str | None, base_url: str = LOOKER, client_guid: str = APP) -> CacheKey:
    return CacheKey(base_url, client_guid, user_id)


def save(cache: TokenCache, login: CachedLogin, **where: str) -> None:
    cache.save(key(login.user_id, **where), login)


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring backend standing in for the OS one."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class BrokenKeyring(MemoryKeyring):
    """A keyring that is present but refuses every operation (a locked Secret Service, say)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError("locked")


@pytest.fixture
def use_keyring() -> Iterator[None]:
    """Run the test with a given keyring backend active; the previous one comes back after."""
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(use_keyring: None) -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def no_keyring(use_keyring: None) -> None:
    keyring.set_keyring(fail.Keyring())


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0)
    yield
    os.umask(previous)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache-dir"
    monkeypatch.setenv("LOOKER_NB_AUTH_CACHE_DIR", str(directory))
    return directory


@pytest.fixture(params=["memory", "file", "keyring"])
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> TokenCache:
    if request.param == "memory":
        return MemoryCache()
    if request.param == "file":
        return FileCache(tmp_path / "tokens.json")
    request.getfixturevalue("memory_keyring")
    return KeyringCache()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "tokens.json"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def write_cache_file(path: Path, content: str, file_mode: int = 0o600) -> None:
    path.write_text(content)
    path.chmod(file_mode)


# --- the data types -------------------------------------------------------------------------


def test_repr_and_str_of_a_login_never_show_the_refresh_token() -> None:
    assert "ada-refresh-token" not in repr(ADA)
    assert "ada-refresh-token" not in str(ADA)
    assert "Ada" in repr(ADA)


def test_saving_a_login_under_another_users_key_is_refused(cache: TokenCache) -> None:
    with pytest.raises(ValueError, match="user_id"):
        cache.save(key("8"), ADA)


def test_save_stamps_the_time_when_left_at_zero(cache: TokenCache) -> None:
    save(cache, ADA)
    loaded = cache.load(key("7"))
    assert loaded is not None
    assert loaded.saved_at > 0


# --- every backend ---------------------------------------------------------------------------


def test_a_saved_login_loads_back(cache: TokenCache) -> None:
    login = CachedLogin("tok", "7", "Ada", "ada@example.com", saved_at=1234.5)
    save(cache, login)
    assert cache.load(key("7")) == login


def test_nothing_saved_loads_as_none(cache: TokenCache) -> None:
    assert cache.load(key("7")) is None
    assert cache.load(key(None)) is None


def test_load_without_a_user_gives_the_most_recently_saved_user(cache: TokenCache) -> None:
    save(cache, ADA)
    save(cache, GRACE)
    assert cache.load(key(None)) == cache.load(key("8"))
    save(cache, ADA)
    latest = cache.load(key(None))
    assert latest is not None
    assert latest.user_id == "7"


def test_a_newer_save_of_the_same_user_replaces_the_token(cache: TokenCache) -> None:
    save(cache, ADA)
    save(cache, CachedLogin("rotated", "7"))
    loaded = cache.load(key("7"))
    assert loaded is not None
    assert loaded.refresh_token == Secret("rotated")


def test_logins_are_kept_apart_per_looker_and_per_app(cache: TokenCache) -> None:
    save(cache, ADA)
    assert cache.load(key("7", base_url="https://other.looker.example")) is None
    assert cache.load(key(None, client_guid="other-app")) is None


def test_deleting_one_user_keeps_the_others(cache: TokenCache) -> None:
    save(cache, ADA)
    save(cache, GRACE)
    cache.delete(key("7"))
    assert cache.load(key("7")) is None
    assert cache.load(key("8")) is not None


def test_deleting_the_latest_user_logs_nobody_in_silently(cache: TokenCache) -> None:
    save(cache, ADA)
    save(cache, GRACE)
    cache.delete(key("8"))
    assert cache.load(key(None)) is None
    assert cache.load(key("7")) is not None


def test_deleting_without_a_user_removes_every_user_of_that_app_only(cache: TokenCache) -> None:
    save(cache, ADA)
    save(cache, GRACE)
    save(cache, ADA, client_guid="other-app")
    cache.delete(key(None))
    assert cache.load(key("7")) is None
    assert cache.load(key("8")) is None
    assert cache.load(key(None)) is None
    assert cache.load(key("7", client_guid="other-app")) is not None


def test_deleting_what_is_not_there_is_harmless(cache: TokenCache) -> None:
    cache.delete(key("7"))
    cache.delete(key(None))
    assert cache.load(key(None)) is None


def test_every_cache_describes_itself_in_plain_words(cache: TokenCache) -> None:
    assert cache.description.split()[0] in {"memory", "file", "OS"}


def test_memory_cache_keeps_every_save_from_many_threads() -> None:
    cache = MemoryCache()
    run_threads(cache)
    assert all(cache.load(key(f"{t}-{i}")) for t in range(4) for i in range(25))


# --- the file: modes, layout, atomicity ------------------------------------------------------


def run_threads(cache: TokenCache) -> None:
    def save_many(thread: int) -> None:
        for i in range(25):
            save(cache, CachedLogin(f"token-{thread}-{i}", f"{thread}-{i}"))

    threads = [threading.Thread(target=save_many, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_file_is_created_owner_read_write_only(tmp_path: Path, permissive_umask: None) -> None:
    path = tmp_path / "new" / "tokens.json"
    save(FileCache(path), ADA)
    assert mode(path) == 0o600
    assert mode(path.with_name("tokens.json.lock")) == 0o600


def test_directory_is_created_owner_only(tmp_path: Path, permissive_umask: None) -> None:
    path = tmp_path / "new" / "tokens.json"
    save(FileCache(path), ADA)
    assert mode(path.parent) == 0o700


def test_loading_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new" / "tokens.json"
    assert FileCache(path).load(key(None)) is None
    assert not path.parent.exists()


def test_file_holds_versioned_json_with_hashed_ids(path: Path) -> None:
    save(FileCache(path), ADA)
    data = json.loads(path.read_text())
    entry_id = hashlib.sha256(f"{LOOKER}\n{APP}\n7".encode()).hexdigest()
    app_id = hashlib.sha256(f"{LOOKER}\n{APP}".encode()).hexdigest()
    assert data["version"] == 1
    assert data["latest"] == {app_id: "7"}
    assert set(data["entries"]) == {entry_id}
    assert set(data["entries"][entry_id]) == {
        "refresh_token",
        "user_id",
        "display_name",
        "email",
        "saved_at",
    }


def test_a_new_kernel_reads_what_the_last_one_saved(path: Path) -> None:
    save(FileCache(path), ADA)
    assert FileCache(path).load(key(None)) == FileCache(path).load(key("7"))
    assert FileCache(path).load(key(None)) is not None


def test_a_save_replaces_the_file_and_leaves_no_temporary_file(path: Path) -> None:
    cache = FileCache(path)
    save(cache, ADA)
    before = os.stat(path).st_ino
    save(cache, GRACE)
    assert os.stat(path).st_ino != before
    assert sorted(p.name for p in path.parent.iterdir()) == ["tokens.json", "tokens.json.lock"]


def test_file_cache_keeps_every_save_from_many_threads(path: Path) -> None:
    cache = FileCache(path)
    run_threads(cache)
    assert all(cache.load(key(f"{t}-{i}")) for t in range(4) for i in range(25))


CHILD = """
import sys
from looker_nb_auth.client.cache import CacheKey, CachedLogin
from looker_nb_auth.client.file_cache import FileCache
cache, who = FileCache(sys.argv[1]), sys.argv[2]
print("ready", flush=True)
sys.stdin.readline()
for i in range(50):
    user = f"{who}-{i}"
    cache.save(CacheKey("https://looker.example", "app", user), CachedLogin("token", user))
"""


def test_two_processes_saving_at_once_lose_no_login(path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    children = [
        subprocess.Popen(
            [sys.executable, "-W", "error", "-c", CHILD, str(path), who],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for who in ("a", "b")
    ]
    for child in children:  # both have imported everything: start them together
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        child.communicate(timeout=120)
    assert [child.returncode for child in children] == [0, 0]
    cache = FileCache(path)
    users = [f"{who}-{i}" for who in ("a", "b") for i in range(50)]
    assert all(cache.load(CacheKey("https://looker.example", "app", u)) for u in users)


def test_default_file_is_in_the_directory_named_by_the_environment(cache_dir: Path) -> None:
    assert FileCache().path == cache_dir / "tokens.json"


def test_default_file_follows_xdg_then_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOOKER_NB_AUTH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert FileCache().path == tmp_path / "xdg" / "looker-nb-auth" / "tokens.json"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert FileCache().path == tmp_path / ".cache" / "looker-nb-auth" / "tokens.json"
    assert FileCache().description == "file ~/.cache/looker-nb-auth/tokens.json (0600)"


# --- the file: what it refuses ----------------------------------------------------------------


def test_group_readable_file_is_ignored_with_a_warning(path: Path) -> None:
    save(FileCache(path), ADA)
    path.chmod(0o640)
    with pytest.warns(CacheWarning, match=rf"readable .* other users; run chmod 600 {path}"):
        assert FileCache(path).load(key("7")) is None


def test_group_readable_file_is_never_written(path: Path) -> None:
    save(FileCache(path), ADA)
    path.chmod(0o640)
    before = path.read_bytes()
    with pytest.warns(CacheWarning, match="Not writing"):
        save(FileCache(path), GRACE)
    with pytest.warns(CacheWarning, match="Not writing"):
        FileCache(path).delete(key(None))
    assert path.read_bytes() == before
    assert mode(path) == 0o640


def test_file_owned_by_another_user_is_ignored_and_never_written(path: Path) -> None:
    save(FileCache(path), ADA)
    os.chown(path, 12345, 12345)
    before = path.read_bytes()
    with pytest.warns(CacheWarning, match="belongs to another user"):
        assert FileCache(path).load(key("7")) is None
    with pytest.warns(CacheWarning, match="belongs to another user"):
        save(FileCache(path), GRACE)
    assert path.read_bytes() == before
    assert os.lstat(path).st_uid == 12345


def test_symlinked_file_is_ignored_and_never_followed(tmp_path: Path, path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    save(FileCache(target), ADA)
    before = target.read_bytes()
    path.symlink_to(target)
    with pytest.warns(CacheWarning, match="symbolic link"):
        assert FileCache(path).load(key("7")) is None
    with pytest.warns(CacheWarning, match="symbolic link"):
        save(FileCache(path), GRACE)
    assert path.is_symlink()
    assert target.read_bytes() == before


def test_a_fifo_at_the_cache_path_is_refused_without_hanging(path: Path) -> None:
    os.mkfifo(path, 0o600)
    with pytest.warns(CacheWarning, match="not a regular file"):
        assert FileCache(path).load(key("7")) is None


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('{"version": 2, "entries": {}, "latest": {}}', "version 2, not 1"),
        ("[1, 2]", "expected layout"),
        ('{"version": 1, "entries": [], "latest": {}}', "expected layout"),
        ('{"version": 1, "entries": {"x": {"refresh_token": "s3cret"}}, "latest": {}}', "layout"),
        ('{"version": 1, "entries": {}, "latest": {"x": 7}}', "expected layout"),
        ("[" * 100_000, "not valid JSON"),  # deeper than the parser's recursion limit
        ('{"pad": "' + "x" * (1024 * 1024) + '"}', "larger than 1024 KiB"),
    ],
    ids=["syntax", "version", "list", "entries", "entry", "latest", "deep", "huge"],
)
def test_a_corrupt_file_is_ignored_with_a_warning(path: Path, content: str, reason: str) -> None:
    write_cache_file(path, content)
    with pytest.warns(CacheWarning, match="replaced on the next save") as caught:
        assert FileCache(path).load(key(None)) is None
    assert reason in str(caught[0].message)
    assert "s3cret" not in str(caught[0].message)


def test_a_deeply_nested_file_never_raises_from_any_operation(path: Path) -> None:
    write_cache_file(path, "[" * 100_000)
    cache = FileCache(path)
    with pytest.warns(CacheWarning):
        assert cache.load(key(None)) is None
    with pytest.warns(CacheWarning, match="Replacing the unreadable token cache"):
        cache.delete(key("7"))  # the file is ours: replaced with an empty one
    save(cache, ADA)
    loaded = cache.load(key("7"))
    assert loaded is not None and loaded.refresh_token == ADA.refresh_token


def test_a_lock_held_by_another_process_costs_a_warning_not_a_hang(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A frozen kernel (or a hung mount) holding tokens.json.lock must not hang the API call
    whose refresh is being saved."""
    import looker_nb_auth.client.cache as cache_module

    monkeypatch.setattr(cache_module, "LOCK_TIMEOUT", 0.5)
    with lock_held_elsewhere(path):
        with pytest.warns(CacheWarning, match=r"another process has held its lock .* 0.5 s"):
            save(FileCache(path), ADA)
        assert not path.exists()  # not written, and not hung
    save(FileCache(path), ADA)  # free again
    loaded = FileCache(path).load(key("7"))
    assert loaded is not None and loaded.refresh_token == ADA.refresh_token


def test_a_corrupt_file_is_replaced_on_the_next_save(path: Path) -> None:
    write_cache_file(path, '{"version": 2}')
    with pytest.warns(CacheWarning, match="Replacing the unreadable token cache"):
        save(FileCache(path), ADA)
    assert FileCache(path).load(key("7")) is not None
    assert mode(path) == 0o600


def test_an_unusable_directory_warns_instead_of_raising(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    cache = FileCache(tmp_path / "a-file" / "tokens.json")
    with pytest.warns(CacheWarning, match="Could not write the token cache"):
        save(cache, ADA)


def test_warnings_never_contain_a_token(path: Path) -> None:
    save(FileCache(path), ADA)
    path.chmod(0o644)
    with pytest.warns(CacheWarning) as on_load:
        FileCache(path).load(key("7"))
    with pytest.warns(CacheWarning) as on_save:
        save(FileCache(path), GRACE)
    messages = " ".join(str(w.message) for w in [*on_load, *on_save])
    assert "refresh-token" not in messages


# --- the keyring ------------------------------------------------------------------------------


def test_keyring_entries_name_neither_the_looker_nor_the_user(
    memory_keyring: MemoryKeyring,
) -> None:
    save(KeyringCache(), ADA)
    assert {service for service, _ in memory_keyring.store} == {"looker-nb-auth"}
    for _, username in memory_keyring.store:
        assert len(username) == 64
        assert set(username) <= set("0123456789abcdef")


def test_keyring_delete_of_every_user_leaves_no_entry(memory_keyring: MemoryKeyring) -> None:
    cache = KeyringCache()
    save(cache, ADA)
    save(cache, GRACE)
    cache.delete(key(None))
    assert memory_keyring.store == {}


def test_keyring_description_names_the_backend(memory_keyring: MemoryKeyring) -> None:
    assert KeyringCache().description == "OS keyring (test cache MemoryKeyring)"


def test_a_failing_keyring_warns_instead_of_raising(use_keyring: None) -> None:
    keyring.set_keyring(BrokenKeyring())
    cache = KeyringCache()
    with pytest.warns(CacheWarning, match="Saving to the OS keyring failed"):
        save(cache, ADA)
    with pytest.warns(CacheWarning, match="Reading from the OS keyring failed"):
        assert cache.load(key(None)) is None


def test_an_unreadable_keyring_entry_is_ignored_with_a_warning(
    memory_keyring: MemoryKeyring,
) -> None:
    cache = KeyringCache()
    save(cache, ADA)
    for name in memory_keyring.store:
        memory_keyring.store[name] = "[not, a login"
    with pytest.warns(CacheWarning, match="Reading from the OS keyring failed"):
        assert cache.load(key("7")) is None


def test_an_unreadable_keyring_index_does_not_stop_a_logout(memory_keyring: MemoryKeyring) -> None:
    cache = KeyringCache()
    save(cache, ADA)
    app_id = hashlib.sha256(f"{LOOKER}\n{APP}".encode()).hexdigest()
    memory_keyring.store[("looker-nb-auth", app_id)] = "{}"
    cache.delete(key("7"))
    assert memory_keyring.store == {}


def test_keyring_is_usable_with_a_real_backend(memory_keyring: MemoryKeyring) -> None:
    assert keyring_usable()


@pytest.mark.parametrize("backend", [fail.Keyring, null.Keyring])
def test_keyring_is_not_usable_with_the_fail_or_null_backend(
    use_keyring: None, backend: type[KeyringBackend]
) -> None:
    keyring.set_keyring(backend())
    assert not keyring_usable()


def test_keyring_is_not_usable_when_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)
    assert not keyring_usable()
    with pytest.raises(CacheError, match="pip install keyring"):
        KeyringCache()


# --- open_cache -------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [None, False])
def test_open_cache_defaults_to_memory(spec: bool | None) -> None:
    assert isinstance(open_cache(spec), MemoryCache)


def test_open_cache_persistent_prefers_the_keyring(memory_keyring: MemoryKeyring) -> None:
    assert isinstance(open_cache(True), KeyringCache)


def test_open_cache_persistent_falls_back_to_the_file(no_keyring: None, cache_dir: Path) -> None:
    cache = open_cache(True)
    assert isinstance(cache, FileCache)
    assert cache.path == cache_dir / "tokens.json"


def test_a_keyring_cache_without_a_keyring_is_an_error(no_keyring: None) -> None:
    with pytest.raises(CacheError, match="No usable OS keyring"):
        KeyringCache()


def test_a_file_cache_uses_the_default_path(cache_dir: Path) -> None:
    assert FileCache().path == cache_dir / "tokens.json"


def test_open_cache_passes_a_cache_object_through() -> None:
    for mine in (MemoryCache(), FileCache("tokens.json")):
        assert open_cache(mine) is mine


@pytest.mark.parametrize("spec", ["memory", "keyring", "tokens.json", Path("tokens"), 3, object()])
def test_open_cache_rejects_anything_else_saying_what_it_takes(spec: object) -> None:
    with pytest.raises(ConfigurationError, match=r"cache= takes True, False, None .*FileCache"):
        open_cache(spec)  # type: ignore[arg-type]
