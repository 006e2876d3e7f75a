"""One Rasa server with every messaging channel on, and a local stand-in for the providers' APIs."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Dict, Iterator

import pytest

from ops.supervisor import free_port
from tests.bot import Bot, start_bot
from tests.channels.provider import Provider

# Sender ids unique to this run, so conversations never meet ones from earlier runs in a shared tracker store.
RUN = secrets.randbelow(10**6)
MODEL = Path(__file__).resolve().parents[2] / "models" / "current.tar.gz"
SECRETS = {
    "TELEGRAM_TOKEN": "123456:test-token",
    "TELEGRAM_SECRET_TOKEN": "telegram-secret",
    "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
    "FACEBOOK_VERIFY": "verify-me",
    "FACEBOOK_SECRET": "facebook-app-secret",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "page-token",
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "twilio-auth-token",
    "TWILIO_NUMBER": "+447700900000",
    "TWILIO_WHATSAPP_NUMBER": "whatsapp:+447700900001",
}


@pytest.fixture(scope="session")
def provider() -> Iterator[Provider]:
    """The stand-in for Telegram, the Graph API, Twilio and a callback receiver."""
    running = Provider(free_port()).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def channel_env(provider: Provider) -> Dict[str, str]:
    """The environment that turns every channel on, pointed at the stand-in."""
    return {
        **SECRETS,
        "TELEGRAM_API_URL": f"{provider.url}/telegram",
        "FACEBOOK_GRAPH_URL": f"{provider.url}/graph",
        "TWILIO_API_URL": f"{provider.url}/twilio",
        "CALLBACK_URL": f"{provider.url}/callback",
    }


@pytest.fixture(scope="session")
def channel_bot(tmp_path_factory: pytest.TempPathFactory, channel_env: Dict[str, str]) -> Iterator[Bot]:
    """Action server and Rasa with all channels configured."""
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does).")
    running = start_bot(tmp_path_factory.mktemp("channels"), ["actions", "rasa"], **channel_env)
    yield running
    running.stop()


def chat_id(number: int) -> int:
    """A Telegram chat id or Messenger user id unique to this run."""
    return (RUN + 1) * 1000 + number


def phone(number: int) -> str:
    """A UK mobile number unique to this run."""
    return f"+447{RUN:06d}{number:03d}"
