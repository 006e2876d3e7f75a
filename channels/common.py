"""What every input channel shares: settings, domain responses, reply shaping, the first-reply notice.

- Settings come from the environment; a channel whose variables are missing stays off (its webhook answers 503)
  and says so once in the log, so the server starts whatever is configured.
- Content lives in domain.yml: `domain_response` reads a response from the loaded model's domain (Rasa's own
  variation filter picks the channel's and the user's variation), and from domain.yml itself while no model is
  loaded or the model predates the response. A missing response is an error, never an empty message.
- JSON webhooks (REST, callback) share channels/webhook.py's `GuardedWebhook`.
- Custom JSON (the `{"escalation": true}` marker) is never sent to a provider: the 999 text is already there.
- On plain-text channels, buttons become numbered options and Markdown links are spelled out; a reply of a number
  is turned back into the button's payload from the last bot turn stored in the tracker (shared by replicas).
- The turn that gives a conversation its first reply (no bot message since the session started) ends with the
  channel's privacy notice (`PhoneOutput.notice`, a response name), tailored to the slots the turn left; the
  tracker store decides, so it survives restarts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Text, Union

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import edge
from components.normalise import clean, max_message_chars

logger = logging.getLogger(__name__)

DOMAIN_FILE = Path(__file__).resolve().parents[1] / "domain.yml"
MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\((\S+?)\)")
PHONE_REPLY_DEADLINE = 10  # seconds a provider's webhook call waits for the turn (Twilio gives up at 15)
RECENT_EVENTS = 200  # enough for the last turns; a long conversation is not read whole on every message
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def settings(channel: str, required: Sequence[str], optional: Dict[str, str]) -> Optional[Dict[str, str]]:
    """The channel's environment variables, or None (logged once) when a required one is unset."""
    missing = [name for name in required if not os.environ.get(name)]
    if missing:
        logger.info("The %s channel is off: set %s to turn it on.", channel, ", ".join(missing))
        return None
    values = {name: os.environ[name] for name in required}
    values.update({name: os.environ.get(name) or default for name, default in optional.items()})
    return values


def inert_blueprint(name: str) -> Blueprint:
    """Routes of a channel that is not configured: every webhook call gets 503."""
    blueprint = Blueprint(f"{name}_webhook_off", __name__)

    @blueprint.route("/webhook", methods=["GET", "POST"])
    async def webhook(_: Request) -> HTTPResponse:
        return response.json({"error": f"The {name} channel is not configured."}, status=503)

    return blueprint


@lru_cache(maxsize=1)
def source_domain() -> Domain:
    """domain.yml as written in the project, read once: the fallback while no model is loaded (empty if absent)."""
    if not DOMAIN_FILE.is_file():
        logger.warning("%s is missing: responses come from the loaded model only.", DOMAIN_FILE)
        return Domain.empty()
    return Domain.load(str(DOMAIN_FILE))


def loaded_domain(source: Union[Request, Sanic]) -> Optional[Domain]:
    """The domain of the model the server has loaded, or None (no agent yet, or no model)."""
    app = source.app if isinstance(source, Request) else source
    agent = getattr(app.ctx, "agent", None)
    return agent.domain if agent is not None and agent.is_ready() else None


def domain_message(
    source: Union[Request, Sanic, None], name: Text, channel: Optional[Text] = None, slots: Optional[Dict[Text, Any]] = None
) -> Dict[Text, Any]:
    """Response `name` as Rasa would utter it on `channel` to a user with these slot values (text, custom, buttons).

    Read from the loaded model's domain, else from domain.yml (no model loaded yet, or one trained before the
    response existed). Slots not given take their initial values. Raises KeyError rather than return no text.
    """
    loaded = loaded_domain(source) if source is not None else None
    for domain in (candidate() for candidate in (lambda: loaded, source_domain)):  # domain.yml read only if needed
        if domain is None or name not in domain.responses:
            continue
        filled = {slot.name: slot.initial_value for slot in domain.slots}
        filled.update(slots or {})
        generated = TemplatedNaturalLanguageGenerator(domain.responses).generate_from_slots(name, filled, channel or "")
        if ((generated or {}).get("text") or "").strip():
            return {key: value for key, value in generated.items() if value is not None}
    raise KeyError(f"No text for response {name!r} on channel {channel!r} in the model's domain or {DOMAIN_FILE.name}.")


def domain_response(
    source: Union[Request, Sanic, None], name: Text, channel: Optional[Text] = None, slots: Optional[Dict[Text, Any]] = None
) -> Text:
    """The text of response `name` (see domain_message)."""
    return domain_message(source, name, channel, slots)["text"]


async def answer(
    source: Union[Request, Sanic], message: UserMessage, on_new_message: OnNewMessage, deadline: float
) -> edge.Outcome:
    """Hands the message to Rasa behind the danger check at the edge, with the last-resort reply (channels/edge.py);
    returns the turn's outcome."""

    def reply_of(verdict: edge.Verdict) -> Dict[Text, Any]:
        return domain_message(source, verdict.response, channel=message.input_channel, slots=verdict.slots)

    return await edge.answer(source.app if isinstance(source, Request) else source, message, on_new_message, reply_of, deadline)


def spell_out_links(text: str) -> str:
    """Markdown links as plain text: `[advice](https://x)` becomes `advice: https://x`."""
    return MARKDOWN_LINK.sub(lambda match: f"{match.group(1)}: {match.group(2)}", text)


def numbered_options(text: str, buttons: List[Dict[str, Any]]) -> str:
    """A message with its buttons as numbered options the user can answer with the number."""
    options = "\n".join(f"{number}. {button.get('title', '')}" for number, button in enumerate(buttons, 1))
    return f"{text}\n\nReply with a number:\n{options}"


def last_bot_buttons(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The buttons the bot offered in its last turn (after the user's latest message), if any."""
    for event in reversed(events):
        if event.get("event") == "user":
            return []
        if event.get("event") == "bot" and (event.get("data") or {}).get("buttons"):
            return event["data"]["buttons"]
    return []


def first_reply_due(events: List[Dict[str, Any]]) -> bool:
    """Whether the bot has not said anything yet in this conversation (since the session started)."""
    for event in reversed(events):
        if event.get("event") == "bot":
            return False
        if event.get("event") == "session_started":
            return True
    return True


def button_payload(text: str, buttons: List[Dict[str, Any]]) -> str:
    """The payload of the button whose number the user sent, else the text unchanged."""
    choice = text.strip().rstrip(".")
    if choice.isdigit() and 1 <= int(choice) <= len(buttons):
        return str(buttons[int(choice) - 1].get("payload") or text)
    return text


class PhoneOutput(OutputChannel):
    """Reply shaping for phone channels; mixed in before a provider's output channel."""

    notice: Text = ""  # the name of the channel's privacy notice in domain.yml
    numbered_buttons: bool = True

    def shape(self, message: Dict[str, Any]) -> Dict[str, Any]:
        """The message as this channel sends it: no custom JSON, links spelled out, buttons as numbered options."""
        message = {key: value for key, value in message.items() if key not in ("custom", "elements", "attachment")}
        if message.get("text") is not None:
            message["text"] = spell_out_links(message["text"])
            if self.numbered_buttons and (message.get("buttons") or message.get("quick_replies")):
                buttons = message.pop("buttons", None) or message.pop("quick_replies")
                message["text"] = numbered_options(message["text"], buttons)
        return message

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Sends the message shaped for this channel; nothing if nothing is left to send."""
        shaped = self.shape(message)
        if any(shaped.get(key) for key in ("text", "image", "buttons", "quick_replies")):
            await super().send_response(recipient_id, shaped)


async def stored_tracker(request: Request, sender_id: Text) -> Optional[DialogueStateTracker]:
    """The sender's conversation from the (shared) tracker store, or None if there is none yet. Waits at most a third
    the last-resort budget (else TimeoutError): a stuck database must not hold up the reply."""
    agent = getattr(request.app.ctx, "agent", None)
    if not agent or not agent.tracker_store:
        return None
    return await asyncio.wait_for(agent.tracker_store.retrieve(sender_id), timeout=edge.budget() / 3)


async def stored_events(request: Request, sender_id: Text) -> Optional[List[Dict[str, Any]]]:
    """The last RECENT_EVENTS events of the conversation, as dicts; None when the tracker store fails."""
    try:
        tracker = await stored_tracker(request, sender_id)
    except Exception as error:  # noqa: BLE001 - the message is still answered (channels/edge.py)
        logger.error("The tracker store failed before a turn: %s", type(error).__name__)
        return None
    if tracker is None:
        return []
    return [event.as_dict() for event in reversed(list(islice(reversed(tracker.events), RECENT_EVENTS)))]


async def handle_phone_message(request: Request, message: UserMessage, on_new_message: OnNewMessage) -> None:
    """Cleans the text, maps a numbered choice to its payload, hands the message to Rasa behind the danger check at
    the edge, then sends the privacy notice if this was the conversation's first reply (tailored to the turn's slots)."""
    events = await stored_events(request, message.sender_id)
    message.text = button_payload(clean(message.text or "", max_message_chars()), last_bot_buttons(events or []))
    if not message.text or await edge.limited(request.app, "phone", f"{message.input_channel}:{message.sender_id}", message.text):
        return  # a flood from one number is dropped (the provider still gets its 2xx); danger never is
    await answer(request, message, on_new_message, PHONE_REPLY_DEADLINE)
    output = message.output_channel
    if isinstance(output, PhoneOutput) and output.notice and events is not None and first_reply_due(events):
        try:
            tracker = await stored_tracker(request, message.sender_id)
            slots = tracker.current_slot_values() if tracker else {}
            text = domain_response(request, output.notice, channel=message.input_channel, slots=slots)
        except Exception as error:  # noqa: BLE001 - the reply went out; a webhook error would make the provider resend
            logger.error("No %s privacy notice: %s", message.input_channel, type(error).__name__)  # a missing one: KeyError
            return
        await output.send_response(message.sender_id, {"text": text})
