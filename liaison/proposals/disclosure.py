"""Reads of the public disclosure of suggestions (003 §84): what the portal shows at /suggestions/ and
what the citizen's tracking page links to. Only suggestions the office published (published_at) with
the deputies' agreement (disclosure_agreed) — withdrawing either takes them off at once.

What is public: the title and registration number, the congress, term and session, the names of the
deputies who signed, the text, the class and text of the reply of the last handling round, the units
that handled it and the commitments of a class B reply. Never the citizens behind it: the opinions it
was taken up from are not shown, and ID numbers, phone numbers, e-mail addresses and the names of the
citizens whose opinions it was taken up from are masked wherever they appear in the texts."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from liaison.core.exceptions import NotFound

from .models import Assignment, Commitment, Reply, Signer, Suggestion

PUBLIC_UNIT_STATES = (Assignment.Status.PENDING, Assignment.Status.ACCEPTED, Assignment.Status.REPLIED)


def published_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}published_at__isnull": False, f"{prefix}disclosure_agreed": True})


def _prefetches() -> list:
    from liaison.opinions.models import Opinion

    return [
        Prefetch(
            "signers",
            queryset=Signer.objects.filter(status=Signer.Status.CONFIRMED)
            .select_related("person")
            .only("id", "suggestion_id", "is_lead", "created_at", "person__id", "person__name"),
            to_attr="public_signers",
        ),
        Prefetch(
            "assignments",
            queryset=Assignment.objects.filter(status__in=PUBLIC_UNIT_STATES)
            .select_related("unit")
            .prefetch_related(
                Prefetch(
                    "replies",
                    queryset=Reply.objects.filter(kind=Reply.Kind.ANSWER).prefetch_related(
                        Prefetch("commitments", queryset=Commitment.objects.order_by("id"))
                    ),
                    to_attr="answers",
                )
            ),
            to_attr="public_assignments",
        ),
        Prefetch("opinions", queryset=Opinion.objects.only("id", "submitter_name"), to_attr="source_opinions"),
    ]


def published_list(*, q: str = "", congress_id: int | None = None) -> QuerySet[Suggestion]:
    """Published suggestions, the latest published first, with what a list row shows."""
    qs = Suggestion.objects.filter(published_q())
    if congress_id:
        qs = qs.filter(congress_id=congress_id)
    term = (q or "").strip()
    if term:
        match = Q(title__icontains=term) | Q(text__icontains=term)
        if term.isdigit():
            match |= Q(number=int(term))
        qs = qs.filter(match)
    return (
        qs.select_related("congress", "term", "session", "category")
        .prefetch_related(*_prefetches())
        .order_by("-published_at", "-id")
    )


def published_get(pk) -> Suggestion:
    """One published suggestion, or NotFound (unpublished, not agreed, or missing alike)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    suggestion = (
        Suggestion.objects.filter(published_q(), pk=pk)
        .select_related("congress", "term", "session", "category", "supervising_organ")
        .prefetch_related(*_prefetches())
        .first()
    )
    if suggestion is None:
        raise NotFound()
    return suggestion


# --- what a page shows -------------------------------------------------------------------------------


@dataclass
class PublicReply:
    answer_class: str
    answer_class_label: str
    text: str
    replied_at: object
    commitments: list = field(default_factory=list)


@dataclass
class PublicSuggestion:
    suggestion: Suggestion
    deputies: list[dict]
    units: list[dict]
    reply: PublicReply | None
    text: str
    sitting: str


def _redact(text: str, names: list[str]) -> str:
    from liaison.opinions.services import redact

    return redact(text, names=names)


def sitting(s: Suggestion) -> str:
    """The congress, term and session (or the interim) in words: 某县人民代表大会 第七届第三次会议."""
    if s.session_id:
        return _("%(congress)s, term %(term)s, session %(session)s") % {
            "congress": s.congress.name,
            "term": s.term.number,
            "session": s.session.number,
        }
    return _("%(congress)s, term %(term)s, between sessions") % {"congress": s.congress.name, "term": s.term.number}


def public_view(s: Suggestion) -> PublicSuggestion:
    """A suggestion loaded by published_list or published_get, as the portal shows it."""
    names = [o.submitter_name for o in getattr(s, "source_opinions", []) if o.submitter_name]
    rows = [a for a in s.public_assignments if a.round == s.round]
    rows.sort(key=lambda a: (a.role != Assignment.Role.LEAD, a.created_at, a.pk))
    answer = None
    for a in rows:
        if a.role == Assignment.Role.LEAD and a.answers:
            answer = a.answers[-1]
    reply = None
    if answer is not None:
        reply = PublicReply(
            answer_class=answer.answer_class,
            answer_class_label=str(answer.get_answer_class_display()),
            text=_redact(answer.text, names),
            replied_at=answer.created_at,
            commitments=[
                {"text": _redact(c.text, names), "due": c.due, "fulfilled": c.fulfilled_at is not None}
                for c in answer.commitments.all()
            ],
        )
    signers = sorted(s.public_signers, key=lambda x: (not x.is_lead, x.created_at, x.pk))
    return PublicSuggestion(
        suggestion=s,
        deputies=[{"id": x.person.pk, "name": x.person.name} for x in signers],
        units=[{"name": a.unit.name, "lead": a.role == Assignment.Role.LEAD} for a in rows],
        reply=reply,
        text=_redact(s.text, names),
        sitting=sitting(s),
    )


def suggestion_links(events) -> dict[int, dict]:
    """For the citizen's tracking page: the steps "taken up in a suggestion" whose suggestion is
    published, each with the link to it ({event id: {"url", "link"}})."""
    wanted = {}
    for e in events:
        if e.action == "taken_up":
            value = (e.data or {}).get("suggestion")
            if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
                wanted[e.pk] = int(value)
    if not wanted:
        return {}
    published = set(Suggestion.objects.filter(published_q(), pk__in=set(wanted.values())).values_list("pk", flat=True))
    return {
        event_id: {
            "url": reverse("proposals_public:detail", args=[pk]),
            "link": _("See the suggestion and its reply"),
        }
        for event_id, pk in wanted.items()
        if pk in published
    }
