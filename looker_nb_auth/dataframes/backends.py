"""The DataFrame libraries: which one a call asked for, and whether it is installed."""

from __future__ import annotations

from typing import Literal

from .._errors import BackendNotInstalled

__all__ = ["BACKENDS", "Backend", "has_pyarrow", "require_backend"]

Backend = Literal["pandas", "polars"]
BACKENDS: tuple[Backend, ...] = ("pandas", "polars")


def has_pyarrow() -> bool:
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return False
    return True


def require_backend(backend: str) -> None:
    """Check the DataFrame library is there before asking Looker for anything."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be 'pandas' or 'polars', not {backend!r}")
    try:
        if backend == "pandas":
            import pandas  # noqa: F401
        else:
            import polars  # noqa: F401
    except ImportError:
        raise BackendNotInstalled(
            f"DataFrames need {backend}, which is not installed; run pip install "
            f"'looker-nb-auth[{backend}]' and restart the kernel."
        ) from None
    if backend == "polars" and not has_pyarrow():
        raise BackendNotInstalled(
            "backend='polars' needs pyarrow, which is not installed; run pip install "
            "'looker-nb-auth[polars]' and restart the kernel."
        )
