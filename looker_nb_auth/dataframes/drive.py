"""Where a flow meets the network: the steps a flow asks for, and the two loops that do them.

A flow is a generator, as httpx's ``Auth.auth_flow`` is: it yields the next thing it needs done
and receives the answer, knowing nothing of sockets, threads or event loops:

- `Call`: an API request; the answer is the ``httpx.Response``, read (a streamed results call
  leaves a 200's body unread, for a `Receive`);
- `Pause`: wait before polling again;
- `Receive`: run ``consume`` (a parser, CPU-bound) on a results body as it arrives;
- `Within`: from now on, every step ends within that many seconds of this one (``timeout=``).

`drive` does them on ``session.client``, in the caller's thread; `adrive` on
``session.async_client``, on the event loop (``stream.py`` says where the parse runs). What goes
wrong while a step is done is thrown into the flow where it yielded, so one flow decides for
both loops: a connection failure as `LookerUnreachable`, a stop as one of `STOPS` (Ctrl-C in
``drive``, a cancelled task in ``adrive``), the deadline as `QueryTimeout`.

The deadline bounds every wait: no step starts once it has passed; a request's timeouts are cut
to what is left and it carries the deadline to the auth flow's 429 back-off (``_deadline.py``);
a pause ends at it; the body and its parse are checked against it between chunks (sync) or
cancelled at it (async). After a stop (the deadline, Ctrl-C, a cancel) what the flow still does
(stop the query at Looker) has `STOP_GRACE` seconds, so a stop keeps nobody waiting.

`blocking` and `awaitable` turn one flow-building method into the session's ``run_*`` and its
``arun_*`` twin, with the method's signature (ParamSpec) for type checkers and IDEs.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import io
import time
from collections.abc import Callable, Coroutine, Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar

import httpx

from .._answers import unreachable
from .._deadline import Deadline, DeadlinePassed, cut_off_at
from .._errors import QueryTimeout
from . import stream

if TYPE_CHECKING:
    from .._settings import Settings

__all__ = [
    "STOPS",
    "STOP_GRACE",
    "Call",
    "Flow",
    "Pause",
    "Receive",
    "Session",
    "Within",
    "adrive",
    "awaitable",
    "blocking",
    "drive",
]

T = TypeVar("T")
P = ParamSpec("P")

#: How a caller stops a flow: Ctrl-C (Kernel > Interrupt) in ``drive``, a cancelled task in
#: ``adrive``. Thrown into the flow where it waits; a flow that does not catch it lets it go on.
STOPS = (KeyboardInterrupt, asyncio.CancelledError)
#: Seconds a stopped flow has for what it still does (stop the query at Looker).
STOP_GRACE = 1.0


@dataclass(frozen=True)
class Call:
    """An API request (a path under ``{base_url}/api/4.0/``); the answer comes read, except a
    200 to a ``stream`` call, whose body is left for a `Receive`."""

    method: str
    path: str
    params: Mapping[str, str] | None = None
    json: Any = None
    stream: bool = False


@dataclass(frozen=True)
class Pause:
    """Wait ``seconds`` (between polls); a stop during the wait is thrown into the flow."""

    seconds: float


@dataclass(frozen=True)
class Receive(Generic[T]):
    """``consume`` the body of ``response`` (a streamed 200) as a file, as it arrives; the
    answer is what ``consume`` returns. ``on_bytes`` hears the bytes read so far."""

    response: httpx.Response
    consume: Callable[[io.BufferedReader], T]
    on_bytes: Callable[[int], None] | None = None


@dataclass(frozen=True)
class Within:
    """From here on, every step ends within ``seconds`` of now (the caller's ``timeout=``); at
    that deadline `QueryTimeout` is thrown into the flow where it waits."""

    seconds: float


Step = Call | Pause | Receive[Any] | Within
#: A flow that ends with a ``T``: it yields steps and is sent their answers.
Flow = Generator[Step, Any, T]


class Session(Protocol):
    """What the loops use of a `LookerSession`: its public surface."""

    @property
    def client(self) -> httpx.Client: ...

    @property
    def async_client(self) -> httpx.AsyncClient: ...

    @property
    def settings(self) -> Settings: ...


S = TypeVar("S", bound=Session)


def drive(flow: Flow[T], session: Session) -> T:
    """Run ``flow`` on ``session.client`` in this thread."""
    client = session.client
    limit = _Limit()
    with contextlib.ExitStack() as responses, contextlib.closing(flow):
        answer: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = flow.send(answer) if error is None else flow.throw(error)
            except StopIteration as done:
                result: T = done.value
                return result
            answer, error = None, None
            if isinstance(step, Within):
                limit.start(step.seconds)
                continue
            deadline = limit.deadline
            try:
                if deadline is not None:
                    deadline.check()
                if isinstance(step, Call):
                    answer = _call(client, step, responses, deadline)
                elif isinstance(step, Pause):
                    time.sleep(_pause(step, deadline))
                else:
                    chunks = step.response.iter_bytes()
                    with cut_off_at(deadline, step.response):
                        answer = stream.feed(chunks, step.consume, step.on_bytes, deadline)
            except DeadlinePassed:
                error = limit.expired()
            except httpx.TransportError as exc:
                error = limit.expired() if limit.ran_out() else unreachable(session.settings, exc)
            except KeyboardInterrupt as exc:
                limit.stopped()
                error = exc
            except Exception as exc:
                error = exc


def _request(
    client: httpx.Client | httpx.AsyncClient, call: Call, deadline: Deadline | None
) -> httpx.Request:
    """``call`` as a request of ``client``'s, its timeouts capped by ``deadline``, which it
    carries to the auth flow's waits (``_deadline.py``)."""
    timeout = client.timeout if deadline is None else deadline.cap(client.timeout)
    extensions = None if deadline is None else deadline.extensions()
    return client.build_request(
        call.method,
        call.path,
        params=call.params,
        json=call.json,
        timeout=timeout,
        extensions=extensions,
    )


def _call(
    client: httpx.Client,
    call: Call,
    responses: contextlib.ExitStack,
    deadline: Deadline | None,
) -> httpx.Response:
    request = _request(client, call, deadline)
    response = client.send(request, stream=call.stream)
    if not call.stream:
        return response
    if response.status_code != 200:
        response.read()  # and closed: a poll's 202, or an error to read
    else:
        responses.callback(response.close)
    return response


async def adrive(flow: Flow[T], session: Session) -> T:
    """Run ``flow`` on ``session.async_client``. A cancelled task stays cancelled: the flow
    hears the cancellation (and stops the query at Looker), then `asyncio.CancelledError` goes
    on, with the flow's `QueryCancelled` as its cause."""
    client = session.async_client
    limit = _Limit()
    cancelled: asyncio.CancelledError | None = None
    try:
        async with contextlib.AsyncExitStack() as responses:
            with contextlib.closing(flow):
                answer: Any = None
                error: BaseException | None = None
                while True:
                    try:
                        step = flow.send(answer) if error is None else flow.throw(error)
                    except StopIteration as done:
                        result: T = done.value
                        return result
                    answer, error = None, None
                    if isinstance(step, Within):
                        limit.start(step.seconds)
                        continue
                    deadline = limit.deadline
                    try:
                        if deadline is not None:
                            deadline.check()
                        if isinstance(step, Call):
                            calling = _acall(client, step, responses, deadline)
                            answer = await _bounded(calling, deadline)
                        elif isinstance(step, Pause):
                            await asyncio.sleep(_pause(step, deadline))
                        else:
                            chunks = step.response.aiter_bytes()
                            pushing = stream.push(chunks, step.consume, step.on_bytes)
                            answer = await _bounded(pushing, deadline)
                    except DeadlinePassed:
                        error = limit.expired()
                    except httpx.TransportError as exc:
                        ran_out = limit.ran_out()
                        error = limit.expired() if ran_out else unreachable(session.settings, exc)
                    except asyncio.CancelledError as exc:
                        limit.stopped()
                        error = cancelled = exc
                    except Exception as exc:
                        error = exc
    except BaseException as exc:
        if cancelled is not None and exc is not cancelled:
            raise cancelled from exc
        raise


async def _acall(
    client: httpx.AsyncClient,
    call: Call,
    responses: contextlib.AsyncExitStack,
    deadline: Deadline | None,
) -> httpx.Response:
    request = _request(client, call, deadline)
    response = await client.send(request, stream=call.stream)
    if not call.stream:
        return response
    if response.status_code != 200:
        await response.aread()
    else:
        responses.push_async_callback(response.aclose)
    return response


async def _bounded(step: Coroutine[Any, Any, T], deadline: Deadline | None) -> T:
    """``step``, cancelled at ``deadline`` (then `DeadlinePassed`)."""
    if deadline is None:
        return await step
    try:
        return await asyncio.wait_for(step, deadline.left())
    except asyncio.TimeoutError:
        if deadline.reached():
            raise DeadlinePassed from None
        raise


def _pause(pause: Pause, deadline: Deadline | None) -> float:
    """How long ``pause`` waits: no longer than ``deadline`` is away."""
    return pause.seconds if deadline is None else min(pause.seconds, deadline.left())


class _Limit:
    """The deadline a driven flow is under: none, the caller's (`Within`), or, once the flow
    was stopped, `STOP_GRACE` for what it still does."""

    def __init__(self) -> None:
        self.deadline: Deadline | None = None
        self._seconds: float | None = None
        self._stopping = False

    def start(self, seconds: float) -> None:
        self._seconds = seconds
        self.deadline = Deadline.after(seconds)

    def stopped(self) -> None:
        """The flow was stopped: what it still does must be done within `STOP_GRACE`."""
        if not self._stopping:
            self._stopping = True
            self.deadline = Deadline.after(STOP_GRACE)

    def ran_out(self) -> bool:
        """Whether a transport error just heard came of the deadline (a request's timeout cut
        short by it, or a connection `cut_off_at` cut): the deadline has passed."""
        return self.deadline is not None and self.deadline.reached()

    def expired(self) -> QueryTimeout:
        """The error the flow hears at its deadline; what it still does gets its grace."""
        if self._stopping or self._seconds is None:
            sentence = (
                f"Stopping the query took longer than {STOP_GRACE:g} s, so it was left to end "
                "on its own; nothing of its result was kept."
            )
        else:
            sentence = (
                f"The query ran longer than its timeout of {self._seconds:g} s, so it was "
                "stopped; nothing of its result was kept; run it again with a longer timeout "
                "(or timeout=None)."
            )
        self.stopped()
        return QueryTimeout(sentence)


def blocking(build: Callable[Concatenate[S, P], Flow[T]]) -> Callable[Concatenate[S, P], T]:
    """The session method ``run_x`` made of the flow-building method ``_run_x``: builds the
    flow and drives it (`drive`)."""

    @functools.wraps(build)
    def call(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return drive(build(self, *args, **kwargs), self)

    _present(call, build, build.__name__.lstrip("_"), build.__doc__)
    return call


def awaitable(
    build: Callable[Concatenate[S, P], Flow[T]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """The async twin ``arun_x`` of ``run_x``: the same flow, driven on the event loop."""

    @functools.wraps(build)
    async def call(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await adrive(build(self, *args, **kwargs), self)

    name = build.__name__.lstrip("_")
    _present(
        call,
        build,
        f"a{name}",
        f"`{name}` on the event loop, through ``session.async_client``; the parse runs in a "
        "worker thread fed as the result arrives, and cancelling the awaiting task stops the "
        "query at Looker.",
    )
    return call


def _present(
    call: Callable[..., Any], build: Callable[..., Any], name: str, doc: str | None
) -> None:
    """Name, document and sign ``call`` as the session method it is (``help()``, IDEs)."""
    shown: Any = call
    shown.__name__ = name
    shown.__qualname__ = f"{build.__qualname__.rpartition('.')[0]}.{name}".lstrip(".")
    shown.__doc__ = doc
    shown.__signature__ = inspect.signature(build).replace(
        return_annotation=inspect.Signature.empty
    )
