import ast
import inspect
from pathlib import Path

import looker_nb_auth
import looker_nb_auth.fake_looker

PACKAGE = Path(looker_nb_auth.__file__).parent


def test_all_equals_the_public_names() -> None:
    public = {
        name
        for name, value in vars(looker_nb_auth).items()
        if not name.startswith("_") and not inspect.ismodule(value)  # subpackages are not API
    }
    public.add("__version__")
    assert set(looker_nb_auth.__all__) == public


def test_every_exported_name_is_documented() -> None:
    for name in looker_nb_auth.__all__:
        if name != "__version__":
            assert getattr(looker_nb_auth, name).__doc__, name


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.add(base)
    return names


def test_client_side_imports_nothing_from_the_stand_in() -> None:
    for path in PACKAGE.glob("*.py"):
        if path.name in {"_cli.py", "_demo.py", "__main__.py"}:
            continue  # the command line and the demo are glue that start both
        assert not any("fake_looker" in name for name in _imports(path)), path.name


def test_stand_in_imports_nothing_from_the_client_side() -> None:
    for path in (PACKAGE / "fake_looker").glob("*.py"):
        for name in _imports(path):
            assert not name.startswith(".."), (path.name, name)
            assert not (name.startswith("looker_nb_auth") and "fake_looker" not in name), (
                path.name,
                name,
            )
