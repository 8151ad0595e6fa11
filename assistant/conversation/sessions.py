"""In-memory conversation sessions: bounded turns, expiry, a cap on their number.

Unknown or expired session ids start a NEW session with a fresh id (the response says
so in a notice) rather than failing with 404: a practitioner whose tab sat open over
lunch should get an answer, not an error; the fresh id stops a client from choosing ids.
A session belongs to whoever started it (``owner``): another caller who sends its id is
told it was not found, exactly as for an id that never existed, and starts their own.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from assistant.conversation.session_frame import SessionFrame


@dataclass(frozen=True)
class Turn:
    """One answered question, as it was read (what follow-ups build on)."""

    question: str
    interpreted_question: str
    authorities: tuple[str, ...]
    answer_id: str
    refused: bool = False


@dataclass
class Session:
    id: str
    max_turns: int
    owner: str | None = None
    turns: deque = field(default_factory=deque)
    last_seen: float = field(default_factory=time.monotonic)
    frame: SessionFrame = field(default_factory=SessionFrame)  # what the conversation is about (and the child's facts)

    def __post_init__(self) -> None:
        self.turns = deque(self.turns, maxlen=self.max_turns)

    @property
    def last_turn(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    def add(self, turn: Turn) -> None:
        self.turns.append(turn)


class SessionStore:
    """Thread-safe store; least recently used sessions go first when it is full."""

    def __init__(self, max_turns: int, ttl_s: float, max_sessions: int, clock=time.monotonic):
        self.max_turns = max(1, max_turns)
        self.ttl_s = ttl_s
        self.max_sessions = max(1, max_sessions)
        self._clock = clock
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def _expired(self, s: Session, now: float) -> bool:
        return now - s.last_seen > self.ttl_s

    def get_or_create(self, session_id: str | None, owner: str | None = None) -> tuple[Session, str | None]:
        """The session for ``session_id`` if ``owner`` started it, or a new one with a notice saying why."""
        now = self._clock()
        with self._lock:
            notice = None
            if session_id:
                s = self._sessions.get(session_id)
                if s is not None and s.owner != owner:
                    s = None  # someone else's: not found, and left as it is
                elif s is not None and not self._expired(s, now):
                    s.last_seen = now
                    self._sessions.move_to_end(session_id)
                    return s, None
                if s is not None:
                    del self._sessions[session_id]
                    notice = "Your previous conversation had expired, so a new one was started."
                else:
                    notice = "That conversation was not found (it may have expired), so a new one was started."
            self._purge(now)
            while len(self._sessions) >= self.max_sessions:
                self._sessions.popitem(last=False)
            s = Session(id=secrets.token_urlsafe(12), max_turns=self.max_turns, owner=owner, last_seen=now)
            self._sessions[s.id] = s
            return s, notice

    def record(self, session: Session, turn: Turn) -> None:
        with self._lock:
            session.add(turn)
            session.last_seen = self._clock()

    def _purge(self, now: float) -> None:
        for sid in [sid for sid, s in self._sessions.items() if self._expired(s, now)]:
            del self._sessions[sid]

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)
