"""Held-out evaluation of the answer topics and of immediate danger: the sets and their bars (`sets`), the topic
reports (`intents`), the danger reports (`danger`). `make eval` (scripts/evaluate.py) prints them; tests/e2e/test_quality.py
asserts the bars with the same code."""
