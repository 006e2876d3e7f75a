"""The embedded default's tracker store: Rasa's SQL store with a write-through copy of recent conversations.

Rasa's SQLTrackerStore reads every event of a conversation back from the database and replays it on each turn,
and counts the stored events again before each save: about a third of a turn's time (make bench). Here every new
event is still written to the database on save (nothing is lost on a restart), but a conversation this process
has already seen is served from memory. That is only correct while one Rasa process writes the database, as in
`make run`; the production configuration (several replicas) uses PostgreSQL without it.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import Any, Dict, Iterator, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import Session


class CachedSQLTrackerStore(SQLTrackerStore):
    """SQL tracker store that keeps the `max_conversations` most recent conversations in memory as well."""

    def __init__(self, domain: Optional[Domain] = None, max_conversations: int = 1000, **kwargs: Any) -> None:
        super().__init__(domain, **kwargs)
        self._max_conversations = int(max_conversations)
        self._trackers: OrderedDict[Text, DialogueStateTracker] = OrderedDict()
        self._stored: Dict[Text, int] = {}  # how many of each cached tracker's events are in the database

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The conversation from memory if this process has it, else from the database."""
        if sender_id in self._trackers:
            self._trackers.move_to_end(sender_id)
            return self._trackers[sender_id]
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._remember(tracker, stored=len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Writes the tracker's new events to the database, then keeps the tracker in memory."""
        await super().save(tracker)
        self._remember(tracker, stored=len(tracker.events))

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator:
        """The events not yet stored: counted in memory for a cached conversation, else in the database."""
        if tracker.sender_id in self._stored:
            return itertools.islice(tracker.events, self._stored[tracker.sender_id], None)
        return super()._additional_events(session, tracker)

    def _remember(self, tracker: DialogueStateTracker, stored: int) -> None:
        """Keeps `tracker` as the most recent conversation, forgetting the oldest beyond the limit."""
        self._trackers[tracker.sender_id] = tracker
        self._trackers.move_to_end(tracker.sender_id)
        self._stored[tracker.sender_id] = stored
        while len(self._trackers) > self._max_conversations:
            forgotten, _ = self._trackers.popitem(last=False)
            self._stored.pop(forgotten, None)
