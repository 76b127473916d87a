"""The names and defaults the README states are the code's: the ``c.LookerNbAuth`` options, the
errors tree, the settings table, the extras and the stand-in's knobs."""

from __future__ import annotations

import json
import re
from pathlib import Path

from readme import README, readme_section


def test_every_c_looker_nb_auth_option_named_is_a_trait_with_the_stated_default() -> None:
    from looker_nb_auth.server.extension import LookerNbAuth

    readme = README.read_text()
    named = set(re.findall(r"c\.LookerNbAuth\.(\w+)", readme))
    traits = LookerNbAuth.class_traits(config=True)
    assert named and named <= set(traits), named - set(traits)
    stated = re.findall(r"`c\.LookerNbAuth\.(\w+)` \((\d+)(?: s)?\)", readme)
    assert len(stated) >= 3
    assert {name: float(value) for name, value in stated} == {
        name: traits[name].default_value for name, _ in stated
    }


def _errors_table() -> list[list[str]]:
    rows = [row for row in readme_section("Errors").splitlines() if row.startswith("| `")]
    cells = [row.split(" | ")[0].removeprefix("| ") for row in rows]
    return [[*re.findall(r"`(\w+)`", cell), cell] for cell in cells]


def test_the_errors_table_draws_the_tree_as_the_code_has_it() -> None:
    """Each class the table lists is exported; "(a `P`)" is its parent, "X, and its `Y`" and
    "X: `Y`, `Z`" are X's children, and a class listed alone is a child of LookerAuthError."""
    import looker_nb_auth

    for *names, cell in _errors_table():
        classes = [getattr(looker_nb_auth, name) for name in names]
        assert all(name in looker_nb_auth.__all__ for name in names), cell
        parent = re.search(r"\(a `(\w+)`\)", cell)
        if parent:
            assert classes[0].__bases__ == (getattr(looker_nb_auth, parent[1]),), cell
            continue
        family = re.match(r"`\w+`(?:, and its |: )", cell)
        for name, cls in zip(names, classes, strict=True):
            if family and name != names[0]:
                assert cls.__bases__ == (classes[0],), cell
            else:
                assert cls.__bases__ == (looker_nb_auth.LookerAuthError,), cell


#: Exported classes the README's "Errors" section does not name yet. Each must still be missing
#: there (so this set only shrinks): add the README's row, then the name leaves this set.
ERRORS_THE_README_OWES: set[str] = set()


def test_every_exported_error_and_warning_is_in_the_readme_s_errors_section() -> None:
    import looker_nb_auth

    section = readme_section("Errors")
    exported = {
        name
        for name in looker_nb_auth.__all__
        if isinstance(cls := getattr(looker_nb_auth, name), type)
        and issubclass(cls, looker_nb_auth.LookerAuthError | Warning)
        and name != "LookerAuthError"
    }
    named = set(re.findall(r"`(\w+)`", section))
    assert exported - named - ERRORS_THE_README_OWES == set()
    assert ERRORS_THE_README_OWES & named == set(), "the README names it now: drop it from the set"


def test_the_settings_table_is_the_settings_dataclass(tmp_path: Path) -> None:
    """Each row: the keyword, its environment variable, its looker.ini key (read from a real
    looker.ini) and its default are the ones the resolver uses."""
    from dataclasses import MISSING, fields

    from looker_nb_auth import Settings
    from looker_nb_auth._settings import ENVIRONMENT, resolve_settings

    rows = [r for r in readme_section("Settings").splitlines() if r.startswith("| `")]
    table = {
        re.match(r"\| `(\w+)`", row)[1]: [c.strip(" |") for c in row.split(" | ")[1:]]  # type: ignore[index]
        for row in rows
    }
    assert set(table) == {f.name for f in fields(Settings) if f.name != "sources"}
    required = {"base_url": "https://l.example", "client_guid": "g", "redirect_uri": "https://j/cb"}
    defaults = resolve_settings(environ={}, config_file=None, **required)  # type: ignore[arg-type]
    for field in fields(Settings):
        if field.name == "sources":
            continue
        environment, ini_keys, default = table[field.name]
        assert environment == f"`{ENVIRONMENT[field.name]}`"
        for key in re.findall(r"`(\w+)`", ini_keys):
            ini = tmp_path / f"{key}.ini"
            value = {"verify_ssl": "false", "timeout": "7"}.get(field.name, "https://ini.example")
            ini.write_text(f"[Looker]\n{key} = {value}\n")
            given = {k: v for k, v in required.items() if k != field.name}
            resolved = resolve_settings(environ={}, config_file=ini, **given)  # type: ignore[arg-type]
            assert resolved.sources[field.name].startswith(str(ini)), (field.name, key)
        if default == "required":
            assert field.default is MISSING, field.name
        elif field.name != "looker_url":  # found at run time: test_session's /versions test
            assert getattr(defaults, field.name) == json.loads(default.strip("`")), field.name
            assert defaults.sources[field.name] == "default"


def test_the_extras_the_readme_names_are_the_package_s() -> None:
    from importlib import metadata

    extras: dict[str, set[str]] = {}
    for requirement in metadata.requires("looker-nb-auth") or []:
        extra = re.search(r"extra == '(\w+)'", requirement)
        if extra:
            name = re.split(r"[<>=;\[ ]", requirement)[0]
            extras.setdefault(extra[1], set()).add(name.lower().replace("-", "_"))
    listed = re.search(r"The extras: (.*?)\.\n", readme_section("Install"), re.S)
    assert listed is not None
    assert set(re.findall(r"(?:^|,\s)`(\w+)`", listed[1])) == set(extras)
    readme = README.read_text()
    assert set(re.findall(r"looker-nb-auth\[(\w+)\]", readme)) <= set(extras)
    stated = re.findall(r"`(\w+)` \((\w+)(?: and (\w+))?[,)]", listed[1])  # `x` (a and b, ...)
    assert len(stated) >= 3
    for extra, *packages in stated:
        assert set(packages) - {""} <= extras[extra], extra


#: Words in the stand-in's section that are Looker's own names, not knobs of the stand-in.
LOOKERS_OWN_WORDS = {
    "redirect_uri",
    "redirect_uris",
    "cors_api",
    "invalid_scope",
    "json_bi",
    "json_detail",
}


def test_every_stand_in_knob_the_readme_names_is_a_config_field() -> None:
    from dataclasses import fields

    from looker_nb_auth.fake_looker import FakeLooker, FakeLookerConfig

    section = readme_section("The Looker stand-in")
    knobs = {f.name for f in fields(FakeLookerConfig)}
    named = set(re.findall(r"`(?:config\.)?([a-z]+(?:_[a-z]+)+)`", section)) - LOOKERS_OWN_WORDS
    assert len(named) >= 10
    assert named - knobs == set()
    for method in re.findall(r"`(\w+)\(", section):
        assert callable(getattr(FakeLooker, method, None)), method


def test_the_warnings_the_readme_names_are_user_warnings() -> None:
    import looker_nb_auth

    said = re.findall(r"`(\w+)` is a warning \(a `UserWarning`\)", README.read_text())
    assert "ResultTruncated" in said
    assert all(getattr(looker_nb_auth, name).__bases__ == (UserWarning,) for name in said)
    assert looker_nb_auth.CacheWarning.__bases__ == (UserWarning,)  # "costs a CacheWarning"


def test_the_numbers_the_readme_gives_are_the_code_s() -> None:
    """Defaults a user meets without passing them: login()'s 20 s before the likely causes, the
    cache lock's 5 s, the loopback listener's 10 s idle limit."""
    import inspect

    from looker_nb_auth import login
    from looker_nb_auth.client.cache import LOCK_TIMEOUT
    from looker_nb_auth.client.loopback_listener import _IDLE_TIMEOUT

    readme = " ".join(README.read_text().split())
    assert "`login(quiet_after=20)`" in readme
    assert inspect.signature(login).parameters["quiet_after"].default == 20
    lock = re.search(r"waits at most (\d+) s for another process's lock", readme)
    assert lock is not None and float(lock[1]) == LOCK_TIMEOUT
    idle = re.search(r"drops idle connections after (\d+) s", readme)
    assert idle is not None and float(idle[1]) == _IDLE_TIMEOUT
