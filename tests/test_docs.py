"""What the docs tell admins to write works as written (read from the docs themselves)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from jupyter_process import Kernel, jupyter_server

REPO = Path(__file__).resolve().parents[1]
HUB_GUIDE = REPO / "docs" / "jupyterhub.md"


def _json_block_after(text: str, marker: str) -> dict[str, object]:
    start = text.index(marker)
    block = re.search(r"```json\n(.*?)```", text[start:], re.S)
    assert block is not None, f"no JSON block after {marker!r}"
    data = json.loads(block.group(1))
    assert isinstance(data, dict)
    return data


def test_the_documented_server_config_file_reaches_every_kernel(tmp_path: Path) -> None:
    config = _json_block_after(HUB_GUIDE.read_text(), "**Or traitlets config in the image**")
    with jupyter_server(tmp_path, {}, {"envdump": Kernel()}, config=config) as server:
        exported = server.run("envdump")
    defaults = json.loads(exported["LOOKER_NB_AUTH_DEFAULTS"])
    looker = config["LookerNbAuth"]
    assert isinstance(looker, dict)
    assert {key: defaults.get(key) for key in looker} == looker


# -- every sentence the docs quote is one the code says -------------------------------------------

PACKAGE = REPO / "looker_nb_auth"


def _literal_chunks() -> str:
    """Every string literal of the package (f-strings: their literal parts), and every module-
    level string constant as Python builds it (sentences composed of constants)."""
    import ast
    import importlib

    chunks: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                chunks.append(node.value)
        module = ".".join(("looker_nb_auth", *path.relative_to(PACKAGE).with_suffix("").parts))
        if path.name != "__main__.py":
            values = vars(importlib.import_module(module.removesuffix(".__init__"))).values()
            chunks += [value for value in values if isinstance(value, str)]
    return "\n".join(chunks)


def _quoted_pieces(markdown: str) -> list[str]:
    """The quoted sentences of the troubleshooting table, cut at every "…" (where the docs
    leave out a value), keeping the pieces long enough to mean something."""
    table = markdown[markdown.index("## Troubleshooting") :]
    pieces: list[str] = []
    for row in table.splitlines():
        if not row.startswith("| ") or row.startswith("| The user sees"):
            continue
        first_cell = row.split(" | ")[0]
        for quoted in re.findall(r'"([^"]+)"', first_cell):
            for piece in re.split(r"'?…'?", quoted):
                piece = piece.strip(" ,.;:()")
                if len(piece.split()) >= 3:
                    pieces.append(piece)
    return pieces


def _produced() -> str:
    """Sentences the code composes at run time, produced here as users meet them."""
    import httpx

    from looker_nb_auth import ConfigurationError, Settings
    from looker_nb_auth._answers import unreachable
    from looker_nb_auth._settings import resolve_settings
    from looker_nb_auth.oauth.token import token_error

    settings = Settings("https://looker.example", "guid", "https://jupyter.example/cb")
    try:
        resolve_settings(base_url=settings.base_url, redirect_uri=settings.redirect_uri, environ={})
    except ConfigurationError as exc:
        missing = str(exc)
    refused = token_error(
        httpx.Response(400, json={"error": "invalid_grant"}),
        grant="refresh_token",
        settings=settings,
    )
    connect = unreachable(settings, httpx.ConnectError("refused"))
    return "\n".join([missing, str(connect), f"Logged out: {refused}"])


def test_every_sentence_the_hub_guide_quotes_is_one_the_code_says() -> None:
    corpus = _literal_chunks() + "\n" + _produced()
    pieces = _quoted_pieces(HUB_GUIDE.read_text())
    assert len(pieces) > 10
    missing = [piece for piece in pieces if piece not in corpus]
    assert missing == []


# -- the README works on PyPI: absolute links that point at files of this repository -------------

PROJECT = "looker-nb-auth/looker-nb-auth"


def test_readme_links_and_images_are_absolute_and_name_files_that_exist() -> None:
    readme = (REPO / "README.md").read_text()
    targets = re.findall(r"\]\(([^)\s]+)\)", readme)
    relative = [t for t in targets if not re.match(r"https?://|#|mailto:", t)]
    assert not relative, f"relative links break on PyPI: {relative}"
    ours = re.compile(
        rf"https://(?:raw\.githubusercontent\.com/{PROJECT}/main|github\.com/{PROJECT}/blob/main)/(.+)"
    )
    files = [m.group(1) for t in targets if (m := ours.match(t))]
    assert files, "the README shows no image of its own"
    missing = [f for f in files if not (REPO / f).is_file()]
    assert not missing, missing


# -- every test the README cites exists -----------------------------------------------------------

TESTS = REPO / "tests"
_CITATION = re.compile(
    r"(?P<file>(?:tests/[\w/]*?)?test_\w+\.py)(?:::(?P<first>test_\w+))?"
    r"|(?<![\w:])::(?P<next>test_\w+)"
    r"|(?P<path>tests/[\w/]+?)/?(?=[`\s,;)])"
)


def _test_file(cited: str) -> Path | None:
    """The file a citation names: a path from the repository root, or a bare file name that is
    one file's name under tests/."""
    if cited.startswith("tests/"):
        return REPO / cited if (REPO / cited).is_file() else None
    found = sorted(TESTS.rglob(cited))
    return found[0] if len(found) == 1 else None


def _test_functions(path: Path) -> set[str]:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def readme_citations(markdown: str) -> list[tuple[str, str | None]]:
    """Every (file, test) the text cites, in order: `tests/x/test_y.py::test_z` (or a bare
    `test_y.py::test_z`), then `::test_w` for another test of the same file; a parametrised id's
    `[...]` is not part of the name. A file or folder cited alone comes with None."""
    cited: list[tuple[str, str | None]] = []
    current: str | None = None
    for match in _CITATION.finditer(markdown):
        if match["file"]:
            current = match["file"]
            cited.append((current, match["first"]))
        elif match["next"]:
            assert current is not None, f"::{match['next']} follows no test file"
            cited.append((current, match["next"]))
        else:
            cited.append((match["path"], None))
    return cited


def test_the_citation_reader_follows_the_readme_s_forms() -> None:
    text = (
        "(`tests/e2e/test_a.py::test_one`, `::test_two` (each `[lab]`), "
        "`test_b.py::test_three[notebook]`, `tests/server/test_c.py`, `tests/wheel`) `demo::events`"
    )
    assert readme_citations(text) == [
        ("tests/e2e/test_a.py", "test_one"),
        ("tests/e2e/test_a.py", "test_two"),
        ("test_b.py", "test_three"),
        ("tests/server/test_c.py", None),
        ("tests/wheel", None),
    ]


def _broken(citations: list[tuple[str, str | None]]) -> list[str]:
    broken: list[str] = []
    for cited, name in citations:
        if cited.endswith(".py"):
            path = _test_file(cited)
            if path is None:
                broken.append(f"{cited}: no such test file (or more than one by that name)")
            elif name is not None and name not in _test_functions(path):
                broken.append(f"{cited}::{name}: no such test in {path.relative_to(REPO)}")
        elif not (REPO / cited).exists():
            broken.append(f"{cited}: no such folder or file")
    return broken


def test_a_citation_of_a_test_that_does_not_exist_is_reported() -> None:
    text = "`tests/client/test_session.py::test_nothing_like_this`, `test_no_such_file.py::test_x`"
    assert _broken(readme_citations(text)) == [
        "tests/client/test_session.py::test_nothing_like_this: no such test in "
        "tests/client/test_session.py",
        "test_no_such_file.py: no such test file (or more than one by that name)",
    ]


def test_every_test_the_readme_cites_exists() -> None:
    citations = readme_citations((REPO / "README.md").read_text())
    assert len([name for _, name in citations if name]) > 30
    assert _broken(citations) == []


# -- the README's names and defaults are the code's -----------------------------------------------


def readme_section(title: str) -> str:
    """The README's section (``## Title`` or ``### Title``) whose heading starts with ``title``,
    up to the next heading of any level, code blocks included."""
    text = (REPO / "README.md").read_text()
    start = re.search(rf"^#{{2,3}} {re.escape(title)}", text, re.M)
    assert start is not None, f"the README has no section {title!r}"
    rest = text[start.end() :]
    end = re.search(
        r"^#{2,3} ", re.sub(r"```.*?```", lambda m: "x" * len(m[0]), rest, flags=re.S), re.M
    )
    return rest[: end.start() if end else len(rest)]


def test_every_c_looker_nb_auth_option_the_readme_names_is_a_trait_with_the_stated_default() -> (
    None
):
    from looker_nb_auth.server.extension import LookerNbAuth

    readme = (REPO / "README.md").read_text()
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
ERRORS_THE_README_OWES = {
    "AdminError",
    "AdminUsageError",
    "MissingCredentials",
    "CacheWarning",
    "ResultTooLarge",
}


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
    readme = (REPO / "README.md").read_text()
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


#: Sentences the README quotes that are someone else's: JupyterLab's, for a widget it cannot show.
NOT_OURS = {"Error displaying widget: model not found"}


def _readme_quotes(*titles: str) -> list[str]:
    """What the sections quote: "…" sentences and `ErrorName: sentence` spans, cut at every "…"
    and at every NAME-like placeholder, keeping the pieces long enough to mean something."""
    pieces: list[str] = []
    for title in titles:
        prose = re.sub(r"```.*?```", "", readme_section(title), flags=re.S)
        prose = re.sub(r"\s+", " ", prose)
        quoted = re.findall(r'"([^"`]+)"', prose) + re.findall(r"`[A-Z]\w+: ([^`]+)`", prose)
        for sentence in quoted:
            if sentence in NOT_OURS:
                continue
            for piece in re.split(r"'?…'?|\b[A-Z]{3,}\b", sentence):
                piece = piece.strip(" ,.;:()")
                if len(piece.split()) >= 3:
                    pieces.append(piece)
    return pieces


def test_every_sentence_the_readme_quotes_is_one_the_code_says() -> None:
    corpus = re.sub(r"\s+", " ", _literal_chunks() + "\n" + _produced())
    pieces = _readme_quotes(
        "In a notebook", "Where it works", "Voila", "Scripts and cron jobs", "The session in Python"
    )
    assert len(pieces) >= 8
    assert [piece for piece in pieces if piece not in corpus] == []
