"""A stand-in for the Rasa server in browser tests: scripted replies, sent through the bot's real socket.io channel.

The widget must handle replies this branch's model can't produce yet (the `kind: "check"` escalation of issue 13)
and exact timings (several messages in one burst). The replies go through `channels.webchat.WebChatInput` and
Rasa's own `OutputChannel.send_response`, so they reach the browser exactly as a real turn's would: each text
as one `bot_uttered` event, then the response's custom payload as `{"custom": {...}}`.

Run: python -m tests.web.scripted_rasa PORT ORIGIN [ORIGIN ...]
"""

from __future__ import annotations

import copy
import sys
from typing import Any, Dict, List

from rasa.core.channels.channel import UserMessage
from sanic import Sanic, response
from sanic.request import Request
from sanic_cors import CORS

from channels.webchat import WebChatInput

SELF = {
    "text": "If you're in immediate danger, call 999 now. If you can't speak, cough or tap the handset, and on a "
    "mobile press 55 when asked to be put through to the police.",
    "custom": {"escalation": True, "kind": "self"},
}
CHECKIN = {"text": "This chat can't send help. Are you somewhere safe to keep chatting? If you can't reply, that's OK."}
# As utter_danger_check and utter_ask_danger_now of issue 13 (the danger classifier is unsure).
CHECK = {"text": "If you or someone else is in danger now, call 999.", "custom": {"escalation": True, "kind": "check"}}
ASK = {
    "text": "Are you in danger right now?",
    "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No, not right now", "payload": "/deny"}],
}
LINK = {
    "text": "There is more advice on our website: https://www.derbyshire.police.uk/advice/advice-and-information/"
    "daa/domestic-abuse/"
}

REPLIES: Dict[str, List[Dict[str, Any]]] = {
    "check": [CHECK, ASK],
    "knife": [SELF, CHECKIN],
    "burst": [{"text": "First of three."}, {"text": "Second of three."}, {"text": "Third of three."}],
    "link": [LINK],
}
UNKNOWN = [{"text": "Scripted bot: say check, knife, burst or link."}]


async def answer(message: UserMessage) -> None:
    """Sends the scripted replies to `message`, one response at a time, as Rasa's message processor does."""
    for reply in REPLIES.get((message.text or "").strip(), UNKNOWN):
        await message.output_channel.send_response(message.sender_id, copy.deepcopy(reply))


def app(origins: List[str]) -> Sanic:
    """The Sanic app: the web chat channel at /socket.io (as in Rasa), CORS for `origins`, and /health."""
    server = Sanic("scripted_rasa")
    CORS(server, resources={r"/*": {"origins": origins}}, automatic_options=True)
    channel = WebChatInput.from_credentials({"session_persistence": True})
    server.blueprint(channel.blueprint(answer), url_prefix="/webhooks/socketio")

    @server.get("/health")
    async def health(_: Request) -> response.HTTPResponse:
        return response.text("ok")

    return server


if __name__ == "__main__":
    app(sys.argv[2:]).run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False, motd=False)
