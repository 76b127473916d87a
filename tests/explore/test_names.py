"""Field names as attributes: ``explore.fields.view.field``, with names that are not Python
identifiers (keywords, leading digits, other characters) made safe and never ambiguous."""

from __future__ import annotations

import pytest

from looker_nb_auth.explore.explore import Explore
from looker_nb_auth.explore.names import identifier


@pytest.mark.parametrize(
    ("name", "attribute"),
    [
        ("created_month", "created_month"),
        ("class", "class_"),
        ("match", "match"),  # a soft keyword is an identifier
        ("1st_order", "_1st_order"),
        ("total revenue ($)", "total_revenue____"),
        ("", "_"),
    ],
)
def test_a_name_becomes_an_identifier(name: str, attribute: str) -> None:
    assert identifier(name) == attribute
    assert attribute.isidentifier()


def _explore(*names: str) -> Explore:
    dimensions = [{"name": n, "type": "string"} for n in names]
    return Explore("m", {"name": "e", "fields": {"dimensions": dimensions}})


def test_unsafe_field_names_get_safe_distinct_attributes() -> None:
    explore = _explore("order.class", "order.1st", "order.a-b", "order.a_b", "2020.x")
    order = explore.fields.order
    assert order.class_.name == "order.class"
    assert order._1st.name == "order.1st"
    assert (order.a_b.name, order.a_b_2.name) == ("order.a-b", "order.a_b")
    assert explore.fields._2020.x.name == "2020.x"
    assert sorted(dir(order)) == ["_1st", "a_b", "a_b_2", "class_"]


def test_a_missing_attribute_is_python_s_own_attribute_error() -> None:
    """No ``__getattr__``: IPython completes only past objects that leave attribute access
    alone (its ``limited`` evaluation), and Python's error names what is missing."""
    explore = _explore("orders.region")
    with pytest.raises(AttributeError) as caught:
        explore.fields.orders.regoin  # noqa: B018
    assert caught.value.name == "regoin"
    assert "__getattr__" not in vars(type(explore.fields))


def test_iterating_a_namespace_gives_its_fields() -> None:
    explore = _explore("a.x", "b.y")
    assert [f.name for f in explore.fields] == ["a.x", "b.y"]
    assert [f.name for f in explore.fields.b] == ["b.y"]
