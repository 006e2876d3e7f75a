"""Danger first, at the edge: every channel checks a message for danger before its turn, and answers itself when
the turn cannot.

- The check is the danger gate's own decision (components/danger.py): the loaded model parses the message (rules,
  danger classifier and gate; CPU only, no I/O) and the parse is handed to the turn, so the text is parsed once.
  With no model loaded, or a parse that fails, the rule detector decides alone.
- The turn then runs as usual. If nothing has been sent within LAST_RESORT_SECONDS (default 3), or the turn fails
  first (lock error, tracker store error, an exception in Rasa), the channel sends a last-resort reply itself: the
  999 guidance from domain.yml, tailored as the check implies (someone else, deaf, can't speak), when the check
  escalated; otherwise `utter_last_resort` ("I can't answer right now...", with 999 and 101). Never nothing.
- A late turn finishes in the background (what it says still reaches socket.io and phones); the caller returns
  after its reply deadline, or a moment after the 999 guidance has gone out (REST returns it without waiting for
  the custom action that follows).
- Last-resort replies are counted per channel, kind and reason; each is logged with the counts, never the text.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple, Union

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, Sanic

from components.communication import ENTITY as COMMUNICATION_ENTITY
from components.communication import SITUATIONAL_ENTITY
from components.danger import need_entity, tailoring
from components.danger_rules import DangerRules
from ops.settings import Settings
from plugins import log_privacy

logger = logging.getLogger(__name__)
NEED_ENTITIES = (COMMUNICATION_ENTITY, SITUATIONAL_ENTITY)  # the slots that tailor the 999 guidance

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
ReplyOf = Callable[["Verdict"], Dict[Text, Any]]  # the last-resort reply for a verdict (a domain response)
LAST_RESORT = "utter_last_resort"  # in domain.yml
ESCALATION = {"self": "utter_escalate_self", "other": "utter_escalate_other"}
COUNTS: Counter = Counter()  # (channel, "danger" | "plain", reason) -> last-resort replies sent by this process
LOOPBACK = {"127.0.0.1", "::1"}  # a proxy here (the balancer) passes the client's address in X-Forwarded-For


class Outcome(Enum):
    """What became of a turn when its caller returned: what a webhook's status says (channels/webhook.py)."""

    STORED = 200  # the turn finished: its message is stored
    RUNNING = 202  # it answered and still runs (the action after the 999 guidance): it stores the message unless it fails
    UNCONFIRMED = 503  # it failed, or said nothing in time (the last-resort reply went): the message may not be stored


@dataclass(frozen=True)
class Verdict:
    """What the check at the edge found: whether the message escalates, and the reply it would need."""

    escalate: bool
    subject: str = "self"
    slots: Dict[Text, Any] = field(default_factory=dict)

    @property
    def response(self) -> Text:
        """The domain response of the last-resort reply for this message."""
        return ESCALATION[self.subject] if self.escalate else LAST_RESORT


def server_of(blueprint: Blueprint, server: List[Sanic]) -> None:
    """Puts the app into `server` when the server starts: a handler Rasa calls with a message alone needs it."""

    @blueprint.listener("before_server_start")
    async def remember_app(app: Sanic, _: Any) -> None:
        server[:] = [app]


@lru_cache(maxsize=1)
def budget() -> float:
    """LAST_RESORT_SECONDS: how long a turn may go without a reply before the channel answers itself."""
    return Settings.load().last_resort_seconds


@lru_cache(maxsize=1)
def rules() -> DangerRules:
    """The rule detector, built once per process (used when no model can parse)."""
    return DangerRules()


def verdict_of_rules(text: Text) -> Verdict:
    """The rule detector's verdict alone, tailored as the gate would tailor it."""
    found = rules().detect(text)
    _, subject, need = tailoring(found, None)
    return Verdict(found.fired, subject, dict([need_entity(need)]) if need else {})


def verdict_of_parse(parse: Dict[Text, Any]) -> Verdict:
    """The gate's verdict written on a parse, with the communication need the message states or implies."""
    danger = parse.get("danger") or {}
    needs = {e["entity"]: e.get("value") for e in parse.get("entities") or [] if e.get("entity") in NEED_ENTITIES}
    return Verdict(bool(danger.get("escalate")), danger.get("subject") or "self", needs)


async def check(app: Sanic, message: UserMessage) -> Verdict:
    """Checks the message for danger before its turn; the model's parse is kept on the message for the turn."""
    agent = getattr(app.ctx, "agent", None)
    if agent is not None and agent.is_ready() and message.parse_data is None:
        try:
            message.parse_data = await agent.processor.parse_message(message)
            return verdict_of_parse(message.parse_data)
        except Exception:  # noqa: BLE001 - any failure of the model leaves the rules to decide
            logger.exception("The model could not parse a message at the edge; the rules decide alone.")
    return verdict_of_rules(message.text or "")


class TokenBuckets:
    """One token bucket per client: `burst` messages at once, then `per_minute`; the oldest clients are forgotten."""

    def __init__(self, burst: int, per_minute: float, clients: int = 10_000) -> None:
        self.burst, self.rate, self.clients = float(burst), per_minute / 60, clients
        self.buckets: OrderedDict[Text, Tuple[float, float]] = OrderedDict()  # client -> (tokens, when)

    def allow(self, client: Text) -> bool:
        """Takes a token from the client's bucket; False when it is empty (the client is flooding)."""
        now = time.monotonic()
        tokens, when = self.buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - when) * self.rate)
        self.buckets[client] = (tokens - 1, now) if tokens >= 1 else (tokens, now)
        while len(self.buckets) > self.clients:
            self.buckets.popitem(last=False)
        return tokens >= 1


@lru_cache(maxsize=None)
def buckets(kind: Text) -> TokenBuckets:
    """The token buckets of the web ("web": per client address) or the phones ("phone": per sender)."""
    settings = Settings.load()
    if kind == "web":
        return TokenBuckets(settings.web_rate_burst, settings.web_rate_per_minute)
    return TokenBuckets(settings.phone_rate_burst, settings.phone_rate_per_minute)


async def limited(app: Sanic, kind: Text, client: Optional[Text], text: Text) -> bool:
    """Whether this message is over its client's rate and is not danger (danger always goes through). Clients on
    this machine (the tests, the benchmark, the force's own systems here) are not limited."""
    if not client or client in LOOPBACK or buckets(kind).allow(client):
        return False
    if (await check(app, UserMessage(text))).escalate:
        return False
    count_refusal(kind)
    return True


def count_refusal(kind: Text) -> None:
    """Counts a message refused for flooding, and logs the counts (never who sent it)."""
    COUNTS[(kind, "flood", "refused")] += 1
    if COUNTS[(kind, "flood", "refused")] in (1, 10, 100) or COUNTS[(kind, "flood", "refused")] % 1000 == 0:
        logger.warning("Messages refused for flooding on the %s: %d so far", kind, COUNTS[(kind, "flood", "refused")])


def client_address(peer: Optional[Text], forwarded_for: Optional[Text]) -> Optional[Text]:
    """The client's address: the peer's, or, behind a proxy on this machine (or an unknown peer), the last
    X-Forwarded-For entry, which that proxy added."""
    if forwarded_for and (peer is None or peer in LOOPBACK):
        return forwarded_for.split(",")[-1].strip() or peer
    return peer


def count(channel: Text, verdict: Verdict, reason: Text) -> None:
    """Counts a last-resort reply and logs the counts (never the text)."""
    COUNTS[(channel, "danger" if verdict.escalate else "plain", reason)] += 1
    summary = ", ".join(f"{c}/{k}/{r}={n}" for (c, k, r), n in sorted(COUNTS.items()))
    logger.warning("Last-resort reply sent (%s). Counts: %s", reason, summary)


class Watch:
    """What a turn has sent so far: anything, and the 999 guidance."""

    def __init__(self) -> None:
        self.replied = asyncio.Event()
        self.escalated = asyncio.Event()


WATCH: ContextVar[Optional[Watch]] = ContextVar("edge_watch", default=None)  # the turn's own, inherited by its task


def watch(output: OutputChannel) -> None:
    """Makes the output channel report each message it sends to the sending turn's Watch. Installed once per
    channel object: some channels (Telegram) share one between every conversation, so the turn is found from the
    task's context, not from the object."""
    if getattr(output, "watched_by_edge", False):
        return
    send = output.send_response

    async def send_response(recipient_id: Text, reply: Dict[Text, Any]) -> None:
        escalation = bool((reply.get("custom") or {}).get("escalation"))  # read first: Rasa pops `custom`
        await send(recipient_id, reply)
        turn = WATCH.get()
        if turn is not None:
            turn.replied.set()
            if escalation:
                turn.escalated.set()

    output.send_response = send_response  # type: ignore[method-assign]
    output.watched_by_edge = True  # type: ignore[attr-defined]


async def first(*waitables: Union[asyncio.Future, asyncio.Event], timeout: float) -> None:
    """Waits until the first future is done or event is set, or the timeout passes."""
    tasks = [asyncio.ensure_future(w.wait()) if isinstance(w, asyncio.Event) else w for w in waitables]
    _, pending = await asyncio.wait(tasks, timeout=max(timeout, 0), return_when=asyncio.FIRST_COMPLETED)
    for task, waitable in zip(tasks, waitables, strict=True):
        if task is not waitable and task in pending:
            task.cancel()


def settle(turn: asyncio.Future) -> None:
    """Logs the turn's failure, if any, by its type only (never its text), now or when it finishes."""

    def finished(done: asyncio.Future) -> None:
        if not done.cancelled() and done.exception() is not None:
            logger.error("A turn failed: %s", type(done.exception()).__name__)

    turn.add_done_callback(finished)


async def answer(
    app: Sanic,
    message: UserMessage,
    on_new_message: OnNewMessage,
    reply_of: ReplyOf,
    deadline: float,
    after_escalation: float = 0.5,
) -> Outcome:
    """Runs the turn behind the check at the edge, and sends the last-resort reply (`reply_of(verdict)`) when
    nothing was sent within LAST_RESORT_SECONDS or the turn failed first. Returns once the turn is done, or once a
    last-resort reply went out, or `after_escalation` seconds after the 999 guidance went out, and never later
    than `deadline` seconds; a turn still running then finishes in the background. Never raises for the turn:
    returns its outcome, which a webhook's status reports."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    log_privacy.remember(message.text, message.sender_id)
    verdict = await check(app, message)
    watch(message.output_channel)
    watched = Watch()
    context = WATCH.set(watched)
    turn = asyncio.ensure_future(on_new_message(message))  # the task keeps this context: its sends report here
    WATCH.reset(context)
    await first(turn, watched.replied, timeout=budget() - (loop.time() - started))
    outcome = Outcome.RUNNING
    if not watched.replied.is_set():
        reason = "budget" if not turn.done() else "error" if turn.cancelled() or turn.exception() else "empty"
        count(message.input_channel or "?", verdict, reason)
        outcome = Outcome.UNCONFIRMED  # unless the turn turns out done and well below
        try:
            await message.output_channel.send_response(message.sender_id, reply_of(verdict))
        except Exception as error:  # noqa: BLE001 - the provider refused: nothing more a webhook error would change
            logger.error("The last-resort reply could not be sent: %s", type(error).__name__)
    else:
        await first(turn, watched.escalated, timeout=deadline - (loop.time() - started))
        if watched.escalated.is_set() and not turn.done():
            await first(turn, timeout=min(after_escalation, deadline - (loop.time() - started)))
    settle(turn)
    if turn.done():
        return Outcome.UNCONFIRMED if turn.cancelled() or turn.exception() is not None else Outcome.STORED
    return outcome
