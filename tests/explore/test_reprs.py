"""How explores, search results and models look: readable plain text in a terminal, an HTML
table in a notebook grouped as Looker's field picker groups fields (view label, then group
label), themed with JupyterLab's variables, with every value escaped and no script."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from looker_nb_auth import LookerSession
from looker_nb_auth.explore.explore import Explore


class _Structure(HTMLParser):
    """The tags, the text of each ``<summary>`` and of the table cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.summaries: list[str] = []
        self.cells: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in.append(tag)
        if tag == "summary":
            self.summaries.append("")
        if tag == "td":
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if "summary" in self._in:
            self.summaries[-1] += data
        if "td" in self._in:
            self.cells[-1] += data


def _parse(html: str) -> _Structure:
    parsed = _Structure()
    parsed.feed(html)
    return parsed


def _field(name: str, **more: object) -> dict[str, object]:
    return {"name": name, "type": "string", "label_short": name.split(".")[1], **more}


HOSTILE = Explore(
    "m",
    {
        "name": "e",
        "label": "<b>Bold</b> & co",
        "description": "<script>alert(1)</script>",
        "fields": {
            "dimensions": [
                _field(
                    "v.x",
                    view_label="<img src=x onerror=alert(2)>",
                    description='"quoted" <i>',
                    field_group_label="<u>Group</u>",
                )
            ]
        },
    },
)


def test_the_text_repr_lists_fields_under_view_and_group_labels(
    logged_in: LookerSession,
) -> None:
    shown = repr(logged_in.explore("demo", "orders"))
    lines = shown.splitlines()
    assert lines[0] == (
        "<Explore demo::orders 'Orders': 6 dimensions, 3 measures, 1 filter-only field, "
        "1 parameter>"
    )
    assert lines.index("    Dimensions") < lines.index("      Created Date")
    assert lines.index("      Created Date") < lines.index("    Measures")
    assert lines.index("    Measures") < lines.index("    Filter-only fields")
    group = lines.index("      Created Date")
    assert lines[group + 1].split()[:2] == ["orders.created_date", "Created"]
    assert lines[group + 2].split()[:6] == [
        "orders.created_month",
        "Created",
        "Month",
        "dimension",
        "·",
        "date_month",
    ]
    assert "datetime64" in lines[group + 2]
    assert 'explore.search("...")' in lines[-1]
    assert "orders.sql_error" not in shown  # hidden
    assert "<" not in "".join(lines[1:])  # no markup in a terminal


def test_the_html_repr_groups_fields_as_looker_does(logged_in: LookerSession) -> None:
    parsed = _parse(logged_in.explore("demo", "orders")._repr_html_())
    assert [s.strip() for s in parsed.summaries] == ["Orders (11 fields)"]
    assert "details" in parsed.tags and "table" in parsed.tags
    cells = parsed.cells
    assert cells.index("Dimensions") < cells.index("Measures") < cells.index("Parameters")
    group = cells.index("Created Date")
    assert cells[group + 1 : group + 3] == ["Created Date", "orders.created_date"]
    assert "Revenue: the sum of the orders' sale prices." in cells
    assert "orders.sql_error" not in cells


def test_the_html_repr_runs_no_script_and_follows_the_theme(logged_in: LookerSession) -> None:
    html = logged_in.explore("demo", "orders")._repr_html_()
    assert "<script" not in html and "onclick" not in html and "<style" not in html
    assert "var(--jp-ui-font-color1, inherit)" in html
    assert "var(--jp-border-color2, #ccc)" in html
    assert 'explore.search("...")' in html


def test_every_value_in_the_html_is_escaped() -> None:
    html = HOSTILE._repr_html_()
    assert "<script>" not in html and "<img" not in html and "<u>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&quot;quoted&quot; &lt;i&gt;" in html
    assert set(_parse(html).tags) <= {
        "div",
        "b",
        "code",
        "span",
        "details",
        "summary",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }


def test_search_results_show_as_text_and_html(logged_in: LookerSession) -> None:
    found = logged_in.explore("demo", "orders").search("revenue")
    assert repr(found).splitlines()[0] == ("<fields of demo::orders matching 'revenue': 1 field>")
    assert "orders.total_sale_price" in repr(found)
    assert "orders.total_sale_price" in _parse(found._repr_html_()).cells


def test_a_field_repr_says_what_it_is(logged_in: LookerSession) -> None:
    shown = repr(logged_in.explore("demo", "orders")["orders.total_sale_price"])
    assert shown == (
        "<Field orders.total_sale_price 'Orders Total Sale Price' (measure, sum -> Int64 or "
        "float64): Revenue: the sum of the orders' sale prices.>"
    )


def test_models_show_their_explores(logged_in: LookerSession) -> None:
    models = logged_in.models()
    text = repr(models)
    assert re.search(r"^  demo \(.*\): orders", text, re.MULTILINE)
    parsed = _parse(models._repr_html_())
    assert any("demo" in s for s in parsed.summaries)
    assert "<script" not in models._repr_html_()
