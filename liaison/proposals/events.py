"""Domain events of the suggestion and motion workflows: small records of what happened, named in the
business's words. Services emit them inside their transaction; the handlers (notices.py) write to
the notification outbox in the same transaction, and the outbox delivers after commit — a rolled-back
change sends nothing.

`kind` is "suggestion" or "motion" where an event concerns either."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

_handlers: dict[type, list[Callable]] = defaultdict(list)


def handles(event_type: type):
    def register(func):
        _handlers[event_type].append(func)
        return func

    return register


def emit(event) -> None:
    for handler in _handlers[type(event)]:
        handler(event)


@dataclass(frozen=True)
class CosignRequested:
    signer_id: int


@dataclass(frozen=True)
class CosignAnswered:
    signer_id: int


@dataclass(frozen=True)
class ItemSubmitted:
    kind: str
    item_id: int


@dataclass(frozen=True)
class SuggestionRegistered:
    suggestion_id: int


@dataclass(frozen=True)
class SuggestionRefused:
    suggestion_id: int


@dataclass(frozen=True)
class ItemAssigned:
    kind: str
    item_id: int
    assignment_ids: tuple[int, ...]


@dataclass(frozen=True)
class AssignmentReturned:
    assignment_id: int


@dataclass(frozen=True)
class CoOpinionSent:
    reply_id: int


@dataclass(frozen=True)
class ExtensionRequested:
    extension_id: int


@dataclass(frozen=True)
class ExtensionDecided:
    extension_id: int


@dataclass(frozen=True)
class ItemReplied:
    reply_id: int


@dataclass(frozen=True)
class RehandlingStarted:
    suggestion_id: int
    assignment_ids: tuple[int, ...]


@dataclass(frozen=True)
class KeySupervisionChosen:
    suggestion_id: int


@dataclass(frozen=True)
class MotionDecided:
    """The presidium accepted the motion, had it handled as a suggestion, or consented to its
    withdrawal."""

    motion_id: int


@dataclass(frozen=True)
class AssignmentDueSoon:
    assignment_id: int
    days_left: int


@dataclass(frozen=True)
class AssignmentOverdue:
    assignment_id: int
