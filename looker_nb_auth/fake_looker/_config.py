"""What the stand-in knows at start: its users, its registered apps and its behaviour knobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

__all__ = [
    "ALL_USERS_GROUP",
    "BAD_FILTERS",
    "CSV_HEADERS",
    "CSV_ORDERS",
    "FAULT_TARGETS",
    "MALFORMED_SHAPES",
    "REDIRECT_URI_PRECEDENCES",
    "TABLE_CALCS_UNASKED",
    "TOKEN_ERROR_BODIES",
    "BadFilter",
    "CsvHeader",
    "CsvOrder",
    "DemoUser",
    "FakeLookerConfig",
    "FaultTarget",
    "MalformedShape",
    "OAuthApp",
    "RedirectUriPrecedence",
    "TableCalcsUnasked",
    "TokenErrorBody",
    "checked_target",
]

#: What a CSV result's header cells say of each column (`FakeLookerConfig.csv_header`).
CsvHeader = Literal["label", "label_short", "name", "overridden"]
CSV_HEADERS: tuple[CsvHeader, ...] = get_args(CsvHeader)
#: The order of a CSV result's columns (`FakeLookerConfig.csv_order`).
CsvOrder = Literal["query", "dimensions_first"]
CSV_ORDERS: tuple[CsvOrder, ...] = get_args(CsvOrder)

ALL_USERS_GROUP = "1"  # Looker's "All Users" group: every user is a member

#: Which API-host requests a fault may hit: ``"token"`` is ``POST /api/token`` alone, ``"api"``
#: every other API-host request (``/api/*``, ``/versions``), ``"all"`` both.
FaultTarget = Literal["all", "token", "api"]
FAULT_TARGETS: tuple[FaultTarget, ...] = get_args(FaultTarget)

#: What a malformed results body looks like (``FakeLookerConfig.malformed_results``):
#: ``"cut_row"`` ends inside a row (csv: an open quote; json: before the closing bracket),
#: ``"bad_utf8"`` holds bytes that are not UTF-8, ``"deep_json"`` is an array nested 100,000
#: deep (json formats; csv results are sent as usual), ``"wrong_shape"`` is a row with one cell
#: more than the header (csv) or rows as arrays instead of objects (json).
MalformedShape = Literal["cut_row", "bad_utf8", "deep_json", "wrong_shape"]
MALFORMED_SHAPES: tuple[MalformedShape, ...] = get_args(MalformedShape)

#: How an app write (``POST``/``PATCH /api/4.0/oauth_client_apps/{guid}``) combines the
#: deprecated ``redirect_uri`` with ``redirect_uris`` (the knob ``redirect_uri_precedence``):
#: ``"list"`` the list wins (a ``redirect_uri`` sent with it must be its first);
#: ``"deprecated"`` a ``redirect_uri`` sent with the list wins and replaces it;
#: ``"ignore_list"`` a Looker before 26.18: ``redirect_uris`` is ignored and never answered;
#: ``"one_uri"`` the answers carry ``redirect_uris`` but the app keeps only the first URI.
RedirectUriPrecedence = Literal["list", "deprecated", "ignore_list", "one_uri"]
REDIRECT_URI_PRECEDENCES: tuple[RedirectUriPrecedence, ...] = get_args(RedirectUriPrecedence)

#: The body of a refusal from ``POST /api/token`` (``FakeLookerConfig.token_error_body``):
#: ``"oauth"`` RFC 6749's ``{"error", "error_description"}``, ``"looker"`` Looker's API error
#: model ``{"message", "documentation_url"}`` with the same words.
#: When Looker tells a query it cannot build (an unknown field, a sort on a field it does not
#: select, ``limit: 0``) (``FakeLookerConfig.query_errors``): ``"run"`` accepts it at
#: ``POST /queries`` and ``POST /query_tasks`` and fails it when it runs (a run is a 400; a
#: task ends with status ``error`` and its results say why), as real instances do;
#: ``"create"`` refuses it at ``POST /queries`` with the spec's 422 ``ValidationError``.
QueryErrors = Literal["run", "create"]
#: A filter value that is no filter expression for its field's type, as
#: ``"not a date at all"`` on a month (``FakeLookerConfig.bad_filter``; Looker's answer is
#: unverified): ``"match_nothing"`` it keeps no row, ``"error"`` the query cannot be built
#: (as ``query_errors`` says: a 400 naming ``filters`` when it runs).
BadFilter = Literal["match_nothing", "error"]
BAD_FILTERS: tuple[BadFilter, ...] = get_args(BadFilter)
#: What a run's table calculations become when it does not set ``server_table_calcs``
#: (``FakeLookerConfig.table_calcs_unasked``): ``"absent"`` their columns are left out (the
#: API reference: the parameter says to "perform table calculations on query results"),
#: ``"computed"`` they are computed all the same, ``"empty"`` their columns come back null.
TableCalcsUnasked = Literal["absent", "computed", "empty"]
TABLE_CALCS_UNASKED: tuple[TableCalcsUnasked, ...] = get_args(TableCalcsUnasked)
TokenErrorBody = Literal["oauth", "looker"]
TOKEN_ERROR_BODIES: tuple[TokenErrorBody, ...] = get_args(TokenErrorBody)


def checked_target(target: str, name: str = "target") -> FaultTarget:
    """``target`` as a `FaultTarget`; a ValueError naming ``name`` when it is none."""
    for known in FAULT_TARGETS:
        if target == known:
            return known
    raise ValueError(f"{name} must be one of {', '.join(FAULT_TARGETS)}, not {target!r}")


@dataclass
class DemoUser:
    """A Looker user who can log in on the stand-in's login form.

    ``group_ids`` are the groups the user belongs to (``/api/4.0/user`` shows them). The demo
    users: Ada (admin) is in groups ``"1"`` and ``"2"``, Grace only in ``"1"`` (All Users), so an
    app with ``group_id="2"`` is Ada's only.
    """

    id: str
    email: str
    password: str
    first_name: str
    last_name: str
    is_admin: bool = False
    group_ids: list[str] = field(default_factory=lambda: [ALL_USERS_GROUP])

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def in_group(self, group_id: str) -> bool:
        """Membership, as Looker sees it: everyone is in All Users (group ``"1"``)."""
        return group_id == ALL_USERS_GROUP or group_id in self.group_ids


@dataclass
class OAuthApp:
    """A registered OAuth client app (Looker's ``OauthClientApp``).

    ``redirect_uris`` (Looker 26.18+) are the exact URIs ``/auth`` accepts; ``redirect_uri``
    (deprecated) is the first of them. Give one or both: ``redirect_uris`` defaults to
    ``[redirect_uri]``, an empty ``redirect_uri`` to ``redirect_uris[0]``. With ``group_id``
    set, only members of that group may authorize the app.
    """

    client_guid: str
    redirect_uri: str
    display_name: str
    description: str = ""
    enabled: bool = True
    group_id: str | None = None
    redirect_uris: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.redirect_uris:
            self.redirect_uris = [self.redirect_uri]
        elif not self.redirect_uri:
            self.redirect_uri = self.redirect_uris[0]
        elif self.redirect_uri != self.redirect_uris[0]:
            raise ValueError("redirect_uri must be the first of redirect_uris")

    def allows(self, user: DemoUser) -> bool:
        """Whether ``user`` may authorize this app (``group_id`` unset: everyone may)."""
        return not self.group_id or user.in_group(self.group_id)


def _demo_users() -> list[DemoUser]:
    return [
        DemoUser(
            "1",
            "ada@example.com",
            "looker-demo",
            "Ada",
            "Lovelace",
            is_admin=True,
            group_ids=[ALL_USERS_GROUP, "2"],
        ),
        DemoUser("2", "grace@example.com", "looker-demo", "Grace", "Hopper"),
    ]


@dataclass
class FakeLookerConfig:
    """Users, apps and knobs. Live: a running stand-in reads the knobs on every request."""

    users: list[DemoUser] = field(default_factory=_demo_users)
    apps: list[OAuthApp] = field(default_factory=list)
    admin_client_id: str = "demo-admin-client-id"
    admin_client_secret: str = "demo-admin-client-secret"
    access_token_ttl: int = 3600
    refresh_token_ttl: float = 30 * 24 * 3600.0
    code_ttl: float = 60.0
    rotate_refresh_tokens: bool = True
    omit_refresh_token: bool = False
    #: When set, every query run (looks, saved and inline queries) fails in-band as Looker
    #: reports a failed SQL statement: HTTP 200 and ``[{"looker_error": <this text>}]``.
    fail_queries_with: str | None = None
    latency: float = 0.0
    #: Seconds ``POST /api/token`` alone waits (real time, on top of ``latency``) before Looker
    #: handles it: a slow token endpoint. A refresh token it rotates is rotated at the end.
    token_latency: float = 0.0
    #: The random faults and the quota below hit only these requests (`FaultTarget`).
    fault_target: FaultTarget = "all"
    #: Share of requests answered 503, dropped before Looker reads them (no effect), or dropped
    #: after Looker has handled them (a code redeemed, a refresh token rotated, a logout done)
    #: but before the answer is sent. The draws follow ``seed``.
    error_rate: float = 0.0
    drop_rate: float = 0.0
    drop_after_rate: float = 0.0
    seed: int | None = None
    #: A quota: at most this many requests per ``rate_limit_window`` seconds (sliding, on the
    #: stand-in's clock); the rest get 429 with ``Retry-After``, before any other fault is drawn.
    #: Refused requests do not count. None: no quota.
    rate_limit: int | None = None
    rate_limit_window: float = 1.0
    #: ``Retry-After`` seconds on a 429 from `FakeLooker.fail_next` (a quota 429 says when its
    #: window frees instead). A string is sent as it is: what a proxy or an attacker might send
    #: (``"²"``, 400 digits), which a client must survive.
    retry_after: int | str = 1
    #: Rows of the generated explore ``demo::events`` (0: no such explore). Generated lazily
    #: and streamed, so a million rows cost seconds, not gigabytes.
    big_rows: int = 0
    #: How long an async query task (``POST /api/4.0/query_tasks``) runs on the stand-in's
    #: clock before it is ``complete``; 0: complete at once.
    query_task_seconds: float = 0.0
    #: Seconds a query task on ``demo::events`` runs on top of ``query_task_seconds``, as a
    #: big table takes the database longer (the tutorials show progress and cancelling on it).
    big_query_seconds: float = 0.0
    #: Keep the rendered answers of the last two distinct runs on ``demo::events`` and serve
    #: a repeat run from them, as Looker serves cached results (``from_cache``). False: every
    #: run renders its rows again.
    result_cache: bool = True
    #: Seconds between the pieces of every results body (query tasks, Looks, queries), sent
    #: `TRICKLE_BYTES` to a piece: a slow network or proxy that trickles, each piece soon
    #: enough that no read timeout fires. 0: as fast as the connection takes it.
    body_trickle: float = 0.0
    #: Bytes per second every results body is sent at, at most (pieces of `LINK_BYTES`, each
    #: sent when the rate allows): a link slower than loopback, where a client's parse can
    #: hide behind the transfer. 0: as fast as the connection takes it.
    link_rate: float = 0.0
    #: Every results body never ends: after its last row the stand-in keeps the answer open
    #: and sends a newline (blank in CSV, whitespace in JSON) every ``body_trickle`` seconds
    #: (every second when that is 0), until the client goes away or the stand-in stops.
    body_endless: bool = False
    #: Every results body (query tasks, Looks, queries, SQL Runner) is malformed in this
    #: `MalformedShape`, as a broken proxy or Looker might send it. None: well formed.
    malformed_results: MalformedShape | None = None
    #: Every query runs as if it had no row limit, whatever ``limit`` it asks for: a broken
    #: proxy or Looker that sends more rows than asked for.
    ignore_limit: bool = False
    #: ``events.amount`` is empty (null) in the first this many rows of ``demo::events``, and
    #: has its values after them: a column whose first block of a big result holds no value.
    null_prefix_rows: int = 0
    #: ``events.category`` of ``demo::events`` is text of three lines with a comma and a double
    #: quote in it, which Looker's CSV quotes (RFC 4180): a row that spans lines, whose
    #: breaks a parser's blocks may cut.
    multiline_text: bool = False
    #: When a query Looker cannot build is refused (`QueryErrors`): when it runs (``"run"``,
    #: as real instances do) or at ``POST /queries`` (``"create"``, a 422).
    query_errors: QueryErrors = "run"
    #: A filter value that is no expression for its field's type (`BadFilter`): it matches
    #: nothing (``"match_nothing"``) or the query cannot be built (``"error"``).
    bad_filter: BadFilter = "match_nothing"
    #: The most rows a ``limit`` of ``-1`` gets: Looker sends every row only to a user with
    #: ``download_without_limit`` and for a query that streams, and cuts the rest at a cap it
    #: does not report (5,000 in the browser; a configurable download maximum, 100,000 by
    #: default). None: every row (a user with the permission, a streaming query).
    unlimited_row_cap: int | None = None
    #: The most rows SQL Runner returns (Looker's row-limits page: 5,000). None: every row,
    #: as a Looker whose API does not apply the browser's cap would send them.
    sql_runner_row_cap: int | None = 5000
    #: json_detail answers carry Looker's Development Mode note in ``errors`` (an entry with
    #: only a ``message``, "Note: This query contains derived tables with conditional SQL for
    #: Development Mode. ..."), beside the rows, as real instances do in Development Mode.
    development_mode_note: bool = False
    #: How an app write combines ``redirect_uri`` and ``redirect_uris`` sent together
    #: (`RedirectUriPrecedence`); Looker does not say.
    redirect_uri_precedence: RedirectUriPrecedence = "list"
    #: The body of every refusal from ``POST /api/token`` (`TokenErrorBody`); Looker does not
    #: say which it sends.
    token_error_body: TokenErrorBody = "oauth"
    #: Every refusal from ``POST /api/token`` answers this HTTP status instead of its own (400,
    #: or 401 for Basic authentication). None: its own. 401, 403 and 404 are what Looker's API
    #: answers elsewhere for credentials it refuses (a refused API3 ``/login`` is a 404).
    token_error_status: int | None = None
    #: The text of a CSV result's header cells (`CsvHeader`); Looker does not say which it
    #: writes: ``"label"`` the field's ``label`` as the explore describes it ("Orders Region",
    #: view label then field label), ``"label_short"`` the field label alone ("Region"),
    #: ``"name"`` the field name, ``"overridden"`` a label no metadata gives ("Region (as
    #: shown)"), as a vis ``series_labels`` override or a custom label would.
    csv_header: CsvHeader = "label"
    #: The order of a CSV result's columns (`CsvOrder`); Looker does not say: ``"query"`` the
    #: query's ``fields`` order, ``"dimensions_first"`` dimensions, then measures, then table
    #: calculations (each in the query's order), as the Explore's data table shows them.
    csv_order: CsvOrder = "query"
    #: ``orders.category`` takes ``orders.region``'s labels (explore metadata and CSV header),
    #: as a field of a joined view whose ``view_label`` and label match another's does.
    duplicate_labels: bool = False
    #: A run without ``server_table_calcs=true``: its table calculations' columns are left
    #: out (``"absent"``), computed all the same (``"computed"``) or null (``"empty"``).
    table_calcs_unasked: TableCalcsUnasked = "absent"
    #: Every run is answered as if it did not set ``server_table_calcs`` (a Looker or a proxy
    #: that drops the parameter): ``table_calcs_unasked`` says what its table calculations are.
    server_table_calcs_ignored: bool = False

    def __post_init__(self) -> None:
        checked_target(self.fault_target, "fault_target")
        if self.malformed_results not in (None, *MALFORMED_SHAPES):
            shapes = ", ".join(MALFORMED_SHAPES)
            raise ValueError(f"malformed_results must be one of {shapes}, or None")
        if self.redirect_uri_precedence not in REDIRECT_URI_PRECEDENCES:
            raise ValueError(
                f"redirect_uri_precedence must be one of {', '.join(REDIRECT_URI_PRECEDENCES)}"
            )
        if self.token_error_body not in TOKEN_ERROR_BODIES:
            raise ValueError(f"token_error_body must be one of {', '.join(TOKEN_ERROR_BODIES)}")
        if self.csv_header not in CSV_HEADERS:
            raise ValueError(f"csv_header must be one of {', '.join(CSV_HEADERS)}")
        if self.table_calcs_unasked not in TABLE_CALCS_UNASKED:
            choices = ", ".join(TABLE_CALCS_UNASKED)
            raise ValueError(f"table_calcs_unasked must be one of {choices}")
        if self.bad_filter not in BAD_FILTERS:
            raise ValueError(f"bad_filter must be one of {', '.join(BAD_FILTERS)}")
        if self.csv_order not in CSV_ORDERS:
            raise ValueError(f"csv_order must be one of {', '.join(CSV_ORDERS)}")
        if self.token_error_status is not None and not 400 <= self.token_error_status < 500:
            raise ValueError("token_error_status must be a 4xx status, or None")

    @classmethod
    def for_tutorials(cls) -> FakeLookerConfig:
        """What the demo and the tutorial notebooks use: a 200,000-row ``demo::events`` whose
        query tasks take 2 s, so progress shows and a ``timeout`` can stop one."""
        return cls(big_rows=200_000, big_query_seconds=2.0)
