"""What the docs tell admins to write works as written (read from the docs themselves)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from jupyter_process import Kernel, jupyter_server
from readme import readme_section

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
