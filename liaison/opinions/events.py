"""Domain events of the opinion workflow: small records of what happened, named in the business's
words. Services emit them inside their transaction; handlers (notices.py) write to the notification
outbox in the same transaction, and the outbox delivers after commit — a rolled-back change sends
nothing."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

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
class OpinionSubmitted:
    opinion_id: int
    # the new opinion itself, when the emitter has it (the handlers then read nothing back)
    opinion: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class OpinionAssigned:
    opinion_id: int
    assignment_id: int


@dataclass(frozen=True)
class OpinionEscalated:
    opinion_id: int


@dataclass(frozen=True)
class AssignmentReturned:
    opinion_id: int
    assignment_id: int


@dataclass(frozen=True)
class OpinionReplied:
    opinion_id: int


@dataclass(frozen=True)
class OpinionAnswered:
    """The citizen has an answer: fed back by staff, or answered on the spot."""

    opinion_id: int


@dataclass(frozen=True)
class OpinionRated:
    """The citizen rated the answer online."""

    opinion_id: int


@dataclass(frozen=True)
class OpinionReopened:
    opinion_id: int


@dataclass(frozen=True)
class ExtensionRequested:
    opinion_id: int
    extension_id: int


@dataclass(frozen=True)
class ExtensionDecided:
    opinion_id: int
    extension_id: int


@dataclass(frozen=True)
class AssignmentDueSoon:
    assignment_id: int
    days_left: int


@dataclass(frozen=True)
class AssignmentOverdue:
    assignment_id: int
