"""What the phone channels (Telegram, Messenger, SMS, WhatsApp) share: settings, reply shaping, the first-reply notice.

- Settings come from the environment; a channel whose variables are missing stays off (its webhook answers 503)
  and says so once in the log, so the server starts whatever is configured.
- Custom JSON (the `{"escalation": true}` marker) is never sent to a provider: the 999 text is already there.
- On plain-text channels, buttons become numbered options and Markdown links are spelled out; a reply of a number
  is turned back into the button's payload from the last bot turn stored in the tracker (shared by replicas).
- The first reply of a conversation (no bot message since the session started) is followed by a notice that the
  chat stays on the user's phone and how to delete it; the tracker store decides, so it survives restarts.
"""

from __future__ import annotations

import logging
import os
import re
from itertools import islice
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Set, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from components.normalise import clean, max_message_chars

logger = logging.getLogger(__name__)

MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\((\S+?)\)")
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

    notice: Text = ""
    numbered_buttons: bool = True

    @property
    def notice_due(self) -> Set[Text]:
        """Senders whose next reply is the first of their conversation."""
        if not hasattr(self, "_notice_due"):
            self._notice_due: Set[Text] = set()
        return self._notice_due

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
        """Sends the shaped message, then the privacy notice if this is the conversation's first reply."""
        shaped = self.shape(message)
        if any(shaped.get(key) for key in ("text", "image", "buttons", "quick_replies")):
            await super().send_response(recipient_id, shaped)
        if recipient_id in self.notice_due and self.notice:
            self.notice_due.discard(recipient_id)
            await super().send_response(recipient_id, {"text": self.notice})


async def recent_events(request: Request, sender_id: Text) -> List[Dict[str, Any]]:
    """The last RECENT_EVENTS events of the sender's conversation, from the (shared) tracker store."""
    agent = getattr(request.app.ctx, "agent", None)
    tracker = await agent.tracker_store.retrieve(sender_id) if agent and agent.tracker_store else None
    return [event.as_dict() for event in reversed(list(islice(reversed(tracker.events), RECENT_EVENTS)))] if tracker else []


async def handle_phone_message(request: Request, message: UserMessage, on_new_message: OnNewMessage) -> None:
    """Cleans the text, maps a numbered choice to its payload, marks a first reply, and hands the message to Rasa."""
    events = await recent_events(request, message.sender_id)
    message.text = button_payload(clean(message.text or "", max_message_chars()), last_bot_buttons(events))
    output = message.output_channel
    if isinstance(output, PhoneOutput) and first_reply_due(events):
        output.notice_due.add(message.sender_id)
    if message.text:
        await on_new_message(message)
