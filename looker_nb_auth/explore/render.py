"""How explores, fields and models look: plain text for a terminal, HTML for a notebook.

The HTML is a table of fields grouped as Looker's field picker groups them: by view label, then
by group label (a dimension group's timeframes, a ``group_label``). Groups are ``<details>``
elements, which every front end opens and closes without JavaScript: JupyterLab runs no script
in an output it does not trust, and a table filtered by script would be a blank box there. So
searching is ``explore.search("...")``, which the table says. Colours come from JupyterLab's
theme variables (with fallbacks for VS Code and nbviewer), so a dark theme stays readable; in an
untrusted output JupyterLab's sanitizer drops the style values it cannot check (``var(...)``),
and the table inherits the theme's colours instead. Every value is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .._theme import BOX, CELL, CODE, DIM, LINE
from .fields import Field

if TYPE_CHECKING:
    from .explore import Explore
    from .models import Models

__all__ = ["explore_html", "explore_text", "fields_html", "fields_text", "models_html"]

_HEAD = ("Label", "Name", "Type", "dtype", "Description")
_KINDS = {"dimension": "dimension", "measure": "measure", "filter": "filter-only"}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


_ORDER = {"dimension": 0, "measure": 1, "filter": 2, "parameter": 3}
_HEADINGS = {
    "dimension": "Dimensions",
    "measure": "Measures",
    "filter": "Filter-only fields",
    "parameter": "Parameters",
}
#: One view's fields as the picker lists them: (kind heading, group label, fields).
Section = tuple[str, str, list[Field]]


def _grouped(fields: Iterable[Field]) -> dict[str, list[Section]]:
    """Fields by view label, then as Looker's field picker lists a view's: dimensions,
    measures, filter-only fields, parameters; in each, the fields in no group first, then each
    group label's (``""``: no group); the explore's order within."""
    found: dict[str, dict[tuple[int, bool, str], list[Field]]] = {}
    for field in fields:
        rank = _ORDER.get(field.category, 4)
        key = (rank, field.group_label != "", field.group_label)
        found.setdefault(field.view_label, {}).setdefault(key, []).append(field)
    return {
        view: [(_heading(members[0]), key[2], members) for key, members in sorted(groups.items())]
        for view, groups in found.items()
    }


def _heading(field: Field) -> str:
    return _HEADINGS.get(field.category, field.category.title())


def _counts(explore: Explore) -> str:
    """``"6 dimensions, 3 measures, 1 filter-only field"``."""
    return ", ".join(
        f"{len(fs)} {name if len(fs) != 1 else name.replace('fields', 'field').rstrip('s')}"
        for name, fs in explore.groups().items()
        if fs
    )


def _kind(field: Field) -> str:
    return f"{_KINDS.get(field.category, field.category)} · {field.lookml_type or '?'}"


# -- text ---------------------------------------------------------------------------------------


def fields_text(fields: Sequence[Field], indent: str = "  ") -> list[str]:
    """One line per field (name, short label, kind and LookML type, dtype, description), in
    aligned columns, under view label, kind and group label."""
    if not fields:
        return [f"{indent}(no fields)"]
    grouped = _grouped(fields)
    nested = any(group for sections in grouped.values() for _, group, _ in sections)
    widths = [
        min(max(len(f.name) for f in fields) + (2 if nested else 0), 44),
        min(max(len(f.label_short) for f in fields), 28),
        max(len(_kind(f)) for f in fields),
        max(len(f.dtype) for f in fields),
    ]
    lines: list[str] = []
    for view_label, sections in grouped.items():
        lines.append(f"{indent}{view_label}")
        heading = ""
        for kind, group, members in sections:
            if kind != heading:
                lines.append(f"{indent}  {kind}")
                heading = kind
            if group:
                lines.append(f"{indent}    {group}")
            for f in members:
                name = f"  {f.name}" if group else f.name
                cells = (name, f.label_short, _kind(f), f.dtype)
                line = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
                lines.append(f"{indent}    {line}  {_short(f.description)}".rstrip())
    return lines


def _short(text: str, most: int = 72) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def explore_text(explore: Explore) -> str:
    counts = _counts(explore)
    head = f"<Explore {explore.model}::{explore.name} {explore.label!r}: {counts}>"
    lines = [head]
    if explore.description:
        lines.append(f"  {explore.description}")
    lines += fields_text(explore.visible())
    lines.append('  explore.search("...") finds fields; explore["view.field"] gives one.')
    return "\n".join(lines)


# -- HTML ---------------------------------------------------------------------------------------


def _rows(sections: list[Section]) -> str:
    out: list[str] = []
    heading = ""
    for kind, group, members in sections:
        if kind != heading:
            out.append(
                f'<tr><td colspan="5" style="{CELL} font-weight: bold; padding-top: 6px;">'
                f"{_e(kind)}</td></tr>"
            )
            heading = kind
        if group:
            out.append(
                f'<tr><td colspan="5" style="{CELL} {DIM} font-style: italic;">'
                f"{_e(group)}</td></tr>"
            )
        for f in members:
            pad = "padding-left: 20px;" if group else ""
            out.append(
                f'<tr style="{LINE}"><td style="{CELL} {pad}">{_e(f.label_short)}</td>'
                f'<td style="{CELL} {CODE}">{_e(f.name)}</td>'
                f'<td style="{CELL} white-space: nowrap;">{_e(_kind(f))}</td>'
                f'<td style="{CELL} {CODE}">{_e(f.dtype)}</td>'
                f'<td style="{CELL} {DIM}">{_e(f.description)}</td></tr>'
            )
    return "".join(out)


def _table(sections: list[Section]) -> str:
    head = "".join(f'<th style="{CELL} {LINE}">{_e(h)}</th>' for h in _HEAD)
    return (
        '<table style="border-collapse: collapse; margin: 2px 0 6px 0;">'
        f"<thead><tr>{head}</tr></thead><tbody>{_rows(sections)}</tbody></table>"
    )


def fields_html(fields: Sequence[Field], title: str) -> str:
    """Fields as collapsible tables, one per view label."""
    sections = []
    for view_label, found in _grouped(fields).items():
        count = sum(len(members) for _, _, members in found)
        sections.append(
            f"<details open><summary><b>{_e(view_label)}</b> "
            f'<span style="{DIM}">({count} fields)</span></summary>'
            f"{_table(found)}</details>"
        )
    body = "".join(sections) or f'<p style="{DIM}">No fields.</p>'
    return f'<div style="{BOX}"><div>{title}</div>{body}</div>'


def explore_html(explore: Explore) -> str:
    counts = _counts(explore)
    title = (
        f"<b>{_e(explore.label)}</b> "
        f'<code style="{CODE}">{_e(explore.model)}::{_e(explore.name)}</code> '
        f'<span style="{DIM}">{_e(counts)}</span>'
    )
    if explore.description:
        title += f'<div style="{DIM}">{_e(explore.description)}</div>'
    title += (
        f'<div style="{DIM}">Find fields with <code style="{CODE}">explore.search("...")'
        f'</code>; one field: <code style="{CODE}">explore["view.field"]</code>.</div>'
    )
    return fields_html(explore.visible(), title)


def models_html(models: Models) -> str:
    """The models and their explores, one collapsible list per model."""
    sections = []
    for name, model in models.items():
        items = "".join(
            f'<li><code style="{CODE}">{_e(e.name)}</code> {_e(e.label)}'
            + (f' <span style="{DIM}">{_e(e.description)}</span>' if e.description else "")
            + "</li>"
            for e in model.listed
        )
        sections.append(
            f'<details open><summary><b>{_e(model.label)}</b> <code style="{CODE}">'
            f"{_e(name)}</code></summary><ul>{items}</ul></details>"
        )
    body = "".join(sections) or f'<p style="{DIM}">No models this user may query.</p>'
    hint = (
        f'<div style="{DIM}">Open one with <code style="{CODE}">'
        'session.explore("model", "explore")</code>.</div>'
    )
    return f'<div style="{BOX}"><b>LookML models</b>{hint}{body}</div>'
