"""Filter values are checked for their field's type before a query runs, and a valid one is
never refused.

The valid examples are Looker's own: the filter expressions page
(https://cloud.google.com/looker/docs/filter-expressions) and the test tables of Looker's
filter-expression grammar, which the Explore UI parses with (looker-open-source/components,
``packages/filter-expressions/src/grammars/number_grammar_test_expressions.ts``,
``date_grammar_test_expressions.ts`` and ``date_grammar.spec.ts``). Refusing any of them fails
a test: a false refusal is worse than passing a wrong value to Looker.
"""

from __future__ import annotations

import pytest

from looker_nb_auth import LookerSession, QueryInvalid
from looker_nb_auth.dataframes.describe import Column
from looker_nb_auth.explore.filters import problem
from looker_nb_auth.fake_looker import FakeLooker
from looker_nb_auth.fake_looker._config import BAD_FILTERS, BadFilter

from .conftest import Requests

NUMBERS = [
    "5",
    "not 5",
    "NOT 5",
    "<> 5",
    "<>5",
    "!=5",
    "1, 3, 5, 7",
    "not 66, 99, 4",
    "5.5 to 10",
    "not 3 to 80.44",
    "1 to",
    "to 100",
    ">= 5.5 AND <=10",
    "<3 OR >80.44",
    ">10 AND <=20 OR 90",
    ">=50 AND <=100 OR >=500 AND <=1000",
    "NULL",
    "NOT NULL",
    "(1,100)",
    "(1,100]",
    "[1,100)",
    "[1,100]",
    "[1, 10]",
    "[0,9],[20,29]",
    "[0,10],20",
    "NOT 10,[1,5)",
    "(1,100],500,600,(800,900],[2000,)",
    "(1, inf)",
    "(500, inf)",
    "(1,)",
    "(-inf,100]",
    "(,100)",
    "[,10]",
    ">5",
    ">=5",
    "23, not 42, not 42",
    "23,NOT [30,40]",
    "23,NOT NULL",
    "-5.5",
    "1e3",
]
DATES = [
    "3 days",
    "3 days ago",
    "7 year ago",
    "3 months ago for 2 days",
    "before 3 days ago",
    "before 2018-01-01 12:00:00",
    "after 2018-10-05",
    "2018-05-18 12:00:00 to 2018-05-18 14:00:00",
    "2024-01-01 to 2024-02-01",
    "next week",
    "last week",
    "not null",
    "null",
    "NULL",
    "2018-05-18",
    "2018",
    "2018/01",
    "monday",
    "Monday",
    "before 2 months from now",
    "after 2 weeks from now",
    "after 1 month ago",
    "this year to second",
    "this year to day",
    "this day to second",
    "this fiscal quarter",
    "next fiscal year",
    "last fiscal quarter",
    "before this week",
    "after last quarter",
    "2018-01-01 12:00:00 for 3 days",
    "today",
    "yesterday",
    "tomorrow",
    "3 days from now",
    "3 days from now for 2 weeks",
    "2018/05/29",
    "2024/01/01",
    "2018/05/10 for 3 days",
    "after 2018/05/10",
    "before 2018/05/10",
    "before 2020-01-01",
    "2018/05",
    "2018/05 for 2 months",
    "2018/05/10 05:00 for 5 hours",
    "FY2018",
    "FY2018-Q1",
    "60 seconds ago for 1 second",
    "24 hours ago for 1 hour",
    "7 days ago for 7 days",
    "today for 7 days",
    "last 3 days",
    "last 7 days",
    "6 months from now for 3 months",
    "2018-07-01 for 1 quarter",
    "2018-Q4",
    "1 year ago, 1 month ago",
    "this year",
]
YESNO = ["Yes", "No", "yes", "NO", "Yes,No", "NULL"]
NUMBER = Column("orders.sale_price", kind="number")
DATE = Column("orders.created_date", kind="datetime", time_format="%Y-%m-%d")
BOOLEAN = Column("events.is_weekend", kind="boolean")
STRING = Column("orders.region", kind="string")


@pytest.mark.parametrize("value", NUMBERS)
def test_every_documented_number_filter_is_accepted(value: str) -> None:
    assert problem(value, NUMBER, "number", "dimension") is None


@pytest.mark.parametrize("value", DATES)
def test_every_documented_date_filter_is_accepted(value: str) -> None:
    assert problem(value, DATE, "date_date", "dimension") is None


@pytest.mark.parametrize("value", DATES)
def test_a_date_filter_on_a_numeric_timeframe_is_accepted(value: str) -> None:
    """``date_year`` is typed as a number, but filtered as a date."""
    assert (
        problem(value, Column("orders.created_year", kind="number"), "date_year", "dimension")
        is None
    )


@pytest.mark.parametrize("value", YESNO)
def test_yes_and_no_are_accepted_for_a_yesno_field(value: str) -> None:
    assert problem(value, BOOLEAN, "yesno", "dimension") is None


@pytest.mark.parametrize(
    "value", ["FOO", "%FOO%", "-FOO,-BAR", "EMPTY", "-NULL", "_UF", "not a date at all", "^%"]
)
def test_a_string_field_takes_any_text(value: str) -> None:
    assert problem(value, STRING, "string", "dimension") is None


@pytest.mark.parametrize("value", ["", "  ", "{% parameter x %}", "{{ _user_attributes['r'] }}"])
def test_empty_and_templated_values_are_left_to_looker(value: str) -> None:
    assert problem(value, NUMBER, "number", "dimension") is None
    assert problem(value, DATE, "date_date", "dimension") is None


def test_a_parameter_takes_any_value() -> None:
    assert (
        problem("total_revenue", Column("orders.metric_selector"), "unquoted", "parameter") is None
    )


@pytest.mark.parametrize(
    ("column", "lookml_type", "value"),
    [
        (DATE, "date_date", "not a date at all"),
        (DATE, "date_date", "last seven days"),
        (NUMBER, "number", "abc"),
        (NUMBER, "number", "five"),
        (BOOLEAN, "yesno", "maybe"),
    ],
)
def test_a_value_no_documented_form_reads_is_refused(
    column: Column, lookml_type: str, value: str
) -> None:
    assert problem(value, column, lookml_type, "dimension") is not None


def test_a_value_that_is_not_text_or_a_number_is_refused() -> None:
    assert problem(["a"], STRING, "string", "dimension") is not None
    assert problem(5, NUMBER, "number", "dimension") is None


def test_an_unreadable_date_filter_is_refused_before_any_request(
    logged_in: LookerSession, seen: Requests
) -> None:
    """Looker runs such a filter and matches nothing, without a word (issue 21: a one-row
    frame with ``orders.count = 0``)."""
    explore = logged_in.explore("demo", "orders")
    before = list(seen.looker.requests)
    with pytest.raises(QueryInvalid, match=r"filter on 'orders\.created_month'.*not a date"):
        explore.query(
            fields=["orders.count"], filters={"orders.created_month": "not a date at all"}
        )
    assert seen.looker.requests == before


@pytest.mark.parametrize("answer", BAD_FILTERS)
def test_the_check_is_right_whatever_looker_answers_an_unreadable_filter(
    logged_in: LookerSession, looker: FakeLooker, answer: BadFilter
) -> None:
    """Looker's answer to such a filter is undocumented (``docs/fidelity.md``, the stand-in's
    ``bad_filter``): matching nothing or refusing, the check refuses first, and a valid filter
    runs."""
    looker.config.bad_filter = answer
    explore = logged_in.explore("demo", "orders")
    before = list(looker.requests)
    with pytest.raises(QueryInvalid):
        explore.query(fields=["orders.count"], filters={"orders.created_month": "soon"})
    assert looker.requests == before
    frame = explore.query(
        fields=["orders.count"], filters={"orders.created_month": "NOT NULL"}
    ).to_pandas(progress=False)
    assert len(frame) == 1


def test_a_yesno_filter_takes_yes_and_refuses_anything_else(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.big_rows = 50
    events = logged_in.explore("demo", "events")
    with pytest.raises(QueryInvalid, match=r"'events\.is_weekend' \(yesno\): 'maybe' is not Yes"):
        events.query(fields=["events.count"], filters={"events.is_weekend": "maybe"})
    weekend = events.query(fields=["events.count"], filters={"events.is_weekend": "Yes"})
    assert len(weekend.to_pandas(progress=False)) == 1
