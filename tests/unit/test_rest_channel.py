"""Input checks of the REST channel, without a server (the e2e tests repeat them over HTTP)."""

import json

import pytest

from channels.webhook import InvalidRequestError, parse_body


def body(**payload: object) -> bytes:
    return json.dumps(payload).encode()


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00binary",
        b"[1, 2]",
        body(message="hi"),
        body(sender="", message="hi"),
        body(sender=True, message="hi"),
        body(sender="a" * 256, message="hi"),
        body(sender="a", message=""),
        body(sender="a", message="   \u200b "),
        body(sender="a", message=None),
        body(sender="a", message={"text": "hi"}),
    ],
)
def test_refuses_what_cannot_be_a_user_message(raw: bytes) -> None:
    with pytest.raises(InvalidRequestError):
        parse_body(raw, 2000)


def test_cleans_and_caps_a_valid_message() -> None:
    parsed = parse_body(body(sender=42, message="he\u2019s here " + "x" * 10_000, metadata={"a": 1}), 100)
    assert parsed["sender"] == "42"
    assert parsed["message"].startswith("he's here") and len(parsed["message"]) == 100
    assert parsed["metadata"] == {"a": 1}


def test_replaces_lone_surrogates() -> None:
    parsed = parse_body(b'{"sender": "a", "message": "hi \\ud800 there"}', 2000)
    assert parsed["message"].encode("utf-8")
