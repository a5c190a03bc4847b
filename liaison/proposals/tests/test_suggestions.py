"""The suggestion workflow through its services (003 §20–27, §34): drafting and co-signing,
submission, registration or refusal, assignment and its deadline, key supervision, rating and
re-handling, closing and publication — each step in the right state by the right person, refused
otherwise, with its timeline entry, audit record and notifications."""

import datetime

import pytest

from liaison.core.exceptions import NotFound, ValidationFailed
from liaison.core.models import AuditLog
from liaison.deputies.services import mandate_change_status
from liaison.notifications.models import Notification
from liaison.opinions import services as opinion_services
from liaison.opinions.models import Event as OpinionEvent
from liaison.opinions.models import Opinion
from liaison.proposals import exceptions as errors
from liaison.proposals import services
from liaison.proposals.models import Assignment, Evaluation, Event, NumberSequence, Signer, Suggestion
from liaison.regions.services import session_create

from .conftest import TEXT, TITLE, today

S = Suggestion.Status
pytestmark = pytest.mark.django_db


def notified(user, kind: str) -> int:
    return Notification.objects.filter(user=user, kind=kind).count()


def audited(item, action: str = "") -> bool:
    rows = AuditLog.objects.filter(model=item._meta.label, object_id=str(item.pk))
    if action:
        rows = rows.filter(reason__startswith=action)
    return rows.exists()


# --- drafting ----------------------------------------------------------------------------------------


def test_a_deputy_drafts_a_suggestion_and_leads_it(pw):
    suggestion = services.suggestion_create_draft(actor=pw.users["li"], congress=pw.congress, title=TITLE, text=TEXT)
    assert suggestion.status == S.DRAFT
    assert suggestion.lead == pw.persons["li"]
    assert suggestion.term == pw.term and suggestion.timing == Suggestion.Timing.INTERIM
    assert suggestion.region_path == pw.congress.region.path
    (signer,) = suggestion.signers.all()
    assert signer.is_lead and signer.status == Signer.Status.CONFIRMED
    assert Event.objects.filter(suggestion=suggestion, action="create").exists()
    assert AuditLog.objects.filter(model="proposals.Suggestion", object_id=str(suggestion.pk), action="create").exists()


def test_only_a_deputy_serving_in_the_congress_drafts(pw):
    with pytest.raises(errors.NotADeputy):
        services.suggestion_create_draft(actor=pw.users["officer"], congress=pw.congress, title=TITLE, text=TEXT)
    with pytest.raises(errors.MandateNotServing):  # a deputy of another county's congress
        services.suggestion_create_draft(actor=pw.users["sun"], congress=pw.congress, title=TITLE, text=TEXT)
    with pytest.raises(errors.MandateNotServing):  # a deputy whose mandate ended
        services.suggestion_create_draft(actor=pw.users["zhou"], congress=pw.congress, title=TITLE, text=TEXT)


def test_a_draft_needs_a_title_and_a_real_text(pw):
    with pytest.raises(ValidationFailed) as exc:
        services.suggestion_create_draft(actor=pw.users["li"], congress=pw.congress, title="", text=TEXT)
    assert exc.value.field == "title"
    with pytest.raises(ValidationFailed) as exc:
        services.suggestion_create_draft(actor=pw.users["li"], congress=pw.congress, title=TITLE, text="太短")
    assert exc.value.field == "text"


def test_a_session_suggestion_names_a_session_of_the_term_that_has_not_closed(pw):
    with pytest.raises(ValidationFailed) as exc:
        pw.draft(timing="session")
    assert exc.value.field == "session"
    closed = session_create(
        actor=None,
        term=pw.term,
        number=2,
        start_date=today() - datetime.timedelta(days=30),
        end_date=today() - datetime.timedelta(days=27),
    )
    with pytest.raises(errors.WrongTiming):
        pw.draft(timing="session", session=closed)
    suggestion = pw.draft(timing="session", session=pw.session)
    assert suggestion.session == pw.session


# --- co-signing (003 §22) ----------------------------------------------------------------------------


def test_co_signers_are_asked_and_confirm(pw):
    suggestion = pw.draft()
    (invited,) = services.suggestion_invite(
        actor=pw.users["li"], suggestion_id=suggestion.pk, persons=[pw.persons["zhang"]]
    )
    assert invited.status == Signer.Status.INVITED
    assert notified(pw.users["zhang"], "proposal.cosign_request") == 1
    services.suggestion_confirm(actor=pw.users["zhang"], suggestion_id=suggestion.pk)
    assert Signer.objects.get(pk=invited.pk).status == Signer.Status.CONFIRMED
    assert notified(pw.users["li"], "proposal.cosign_confirmed") == 1
    assert Event.objects.filter(suggestion=suggestion, action="confirm").exists()


def test_a_co_signer_from_another_congress_is_refused_with_a_clear_error(pw):
    suggestion = pw.draft()
    with pytest.raises(errors.OtherCongress) as exc:
        services.suggestion_invite(actor=pw.users["li"], suggestion_id=suggestion.pk, persons=[pw.persons["sun"]])
    assert "孙代表" in str(exc.value.message)
    assert not Signer.objects.filter(suggestion=suggestion, person=pw.persons["sun"]).exists()


def test_a_co_signer_whose_mandate_ended_is_refused(pw):
    suggestion = pw.draft()
    with pytest.raises(errors.MandateNotServing) as exc:
        services.suggestion_invite(actor=pw.users["li"], suggestion_id=suggestion.pk, persons=[pw.persons["zhou"]])
    assert "周代表" in str(exc.value.message)


def test_only_the_lead_invites_and_only_the_invitee_confirms(pw):
    suggestion = pw.draft()
    services.suggestion_invite(actor=pw.users["li"], suggestion_id=suggestion.pk, persons=[pw.persons["zhang"]])
    with pytest.raises(errors.NotYourStep):  # an invitee cannot invite others
        services.suggestion_invite(actor=pw.users["zhang"], suggestion_id=suggestion.pk, persons=[pw.persons["wang"]])
    with pytest.raises(NotFound):  # a deputy not on the list does not see the draft
        services.suggestion_confirm(actor=pw.users["wang"], suggestion_id=suggestion.pk)
    with pytest.raises(errors.NotYourStep):  # the lead does not confirm for the invitee
        services.suggestion_confirm(actor=pw.users["li"], suggestion_id=suggestion.pk)


def test_submission_waits_for_every_co_signer_asked(pw):
    suggestion = pw.draft()
    services.suggestion_invite(
        actor=pw.users["li"], suggestion_id=suggestion.pk, persons=[pw.persons["zhang"], pw.persons["wang"]]
    )
    services.suggestion_confirm(actor=pw.users["zhang"], suggestion_id=suggestion.pk)
    with pytest.raises(errors.SignersMissing) as exc:
        services.suggestion_submit(actor=pw.users["li"], suggestion_id=suggestion.pk)
    assert "王代表" in str(exc.value.message)
    services.suggestion_decline(actor=pw.users["wang"], suggestion_id=suggestion.pk, comment="不同意方案")
    submitted = services.suggestion_submit(actor=pw.users["li"], suggestion_id=suggestion.pk)
    assert submitted.status == S.SUBMITTED and submitted.submitted_at
    assert notified(pw.users["officer"], "proposal.submitted") == 1
    assert notified(pw.users["zhang"], "proposal.submitted_signer") == 1
    assert notified(pw.users["wang"], "proposal.submitted_signer") == 0  # declined: not a signer


def test_a_signer_whose_mandate_ended_after_signing_stops_the_submission(pw):
    suggestion = pw.draft(cosigners=("zhao",))
    mandate = pw.persons["zhao"].mandates.get()
    mandate_change_status(actor=None, mandate=mandate, status="terminated", date=today(), reason="终止代表资格")
    with pytest.raises(errors.MandateNotServing) as exc:
        services.suggestion_submit(actor=pw.users["li"], suggestion_id=suggestion.pk)
    assert "赵代表" in str(exc.value.message)
    signer = Signer.objects.get(suggestion=suggestion, person=pw.persons["zhao"])
    services.suggestion_remove_signer(actor=pw.users["li"], suggestion_id=suggestion.pk, signer_id=signer.pk)
    assert services.suggestion_submit(actor=pw.users["li"], suggestion_id=suggestion.pk).status == S.SUBMITTED


def test_changing_the_text_asks_the_co_signers_again(pw):
    suggestion = pw.draft(cosigners=("zhang",))
    services.suggestion_update(
        actor=pw.users["li"],
        suggestion_id=suggestion.pk,
        title=TITLE,
        text=TEXT + "同时加强非机动车道建设。",
        timing="interim",
    )
    assert Signer.objects.get(suggestion=suggestion, person=pw.persons["zhang"]).status == Signer.Status.INVITED
    assert notified(pw.users["zhang"], "proposal.cosign_request") == 2
    with pytest.raises(errors.SignersMissing):
        services.suggestion_submit(actor=pw.users["li"], suggestion_id=suggestion.pk)


def test_the_lead_discards_a_draft_and_the_audit_trail_keeps_it(pw):
    suggestion = pw.draft()
    with pytest.raises(errors.ItemChanged):
        services.suggestion_discard(actor=pw.users["li"], suggestion_id=suggestion.pk, version=suggestion.version + 5)
    services.suggestion_discard(actor=pw.users["li"], suggestion_id=suggestion.pk)
    assert not Suggestion.objects.filter(pk=suggestion.pk).exists()
    assert AuditLog.objects.filter(model="proposals.Suggestion", object_id=str(suggestion.pk), action="delete").exists()


def test_a_stale_version_is_told_before_the_state(pw):
    suggestion = pw.submitted()
    with pytest.raises(errors.ItemChanged):
        services.suggestion_register(actor=pw.users["officer"], suggestion_id=suggestion.pk, version=1)


# --- when it may go in (003 §23, §34) -----------------------------------------------------------------


def test_an_interim_suggestion_waits_while_the_congress_is_in_session(pw):
    suggestion = pw.draft()
    session_create(
        actor=None,
        term=pw.term,
        number=2,
        start_date=today() - datetime.timedelta(days=1),
        end_date=today() + datetime.timedelta(days=2),
    )
    with pytest.raises(errors.WrongTiming):
        services.suggestion_submit(actor=pw.users["li"], suggestion_id=suggestion.pk)


def test_a_session_suggestion_goes_in_from_the_notice_to_the_closing_day(pw, monkeypatch):
    suggestion = pw.draft(timing="session", session=pw.session)
    monkeypatch.setattr(services, "today", lambda: pw.session.notice_date - datetime.timedelta(days=1))
    with pytest.raises(errors.WrongTiming):
        services.suggestion_submit(actor=pw.users["li"], suggestion_id=suggestion.pk)
    monkeypatch.setattr(services, "today", lambda: pw.session.end_date + datetime.timedelta(days=1))
    with pytest.raises(errors.WrongTiming):
        services.suggestion_submit(actor=pw.users["li"], suggestion_id=suggestion.pk)
    monkeypatch.setattr(services, "today", lambda: pw.session.end_date)
    assert services.suggestion_submit(actor=pw.users["li"], suggestion_id=suggestion.pk).status == S.SUBMITTED


# --- opinions taken up --------------------------------------------------------------------------------


def _opinion_received_by(pw, person) -> Opinion:
    opinion, _secret = opinion_services.opinion_submit(
        actor=pw.users["officer"],
        channel="visit",
        region=pw.w.regions["county"],
        text="县城主干道每天早上堵车一个多小时，希望政府想想办法。",
        received_by=person,
        name="刘群众",
    )
    return opinion


def test_a_suggestion_takes_up_opinions_and_the_citizen_sees_it(pw, client):
    mine = _opinion_received_by(pw, pw.persons["li"])
    others = _opinion_received_by(pw, pw.persons["zhang"])
    with pytest.raises(ValidationFailed) as exc:
        pw.draft(opinion_ids=[mine.pk, others.pk])
    assert exc.value.field == "opinions"
    suggestion = pw.draft(opinion_ids=[mine.pk])
    assert list(suggestion.opinions.all()) == [mine]
    assert not OpinionEvent.objects.filter(opinion=mine, action="taken_up").exists()  # a draft promises nothing
    services.suggestion_submit(actor=pw.users["li"], suggestion_id=suggestion.pk)
    step = OpinionEvent.objects.get(opinion=mine, action="taken_up")
    assert step.public and step.data == {"suggestion": suggestion.pk}
    assert Opinion.objects.get(pk=mine.pk).status == mine.status  # its own handling goes on
    assert AuditLog.objects.filter(model="opinions.Opinion", object_id=str(mine.pk), reason="taken_up").exists()
    page = client.get(f"/track/{mine.tracking_code}/")
    assert page.status_code == 200
    assert "已转为代表建议" in page.content.decode()
    # the office's page of the opinion links to the suggestion, which opens for those who may see it
    client.force_login(pw.users["officer"])
    staff_page = client.get(f"/work/opinions/{mine.pk}/").content.decode()
    link = f'href="/work/proposals/suggestions/{suggestion.pk}/"'
    assert link in staff_page and "查看该建议" in staff_page
    assert client.get(f"/work/proposals/suggestions/{suggestion.pk}/").url == f"/work/proposals/{suggestion.pk}/"


def test_opinion_taken_up_is_not_found_for_a_missing_opinion(pw):
    with pytest.raises(NotFound):
        opinion_services.opinion_taken_up(actor=pw.users["li"], opinion_id=999999, suggestion_id=1)


# --- registration (003 §21) ---------------------------------------------------------------------------


def test_registration_numbers_run_per_session_and_interim_without_gaps(pw):
    first = pw.registered()
    second = pw.registered(lead="zhang")
    in_session = pw.registered(timing="session", session=pw.session)
    assert (first.number, second.number, in_session.number) == (1, 2, 1)
    assert first.sequence == second.sequence != in_session.sequence
    assert NumberSequence.objects.get(pk=first.sequence_id).last == 2
    assert Event.objects.get(suggestion=first, action="register").data == {"number": 1}
    assert notified(pw.users["li"], "suggestion.registered") == 2  # the lead of first and of in_session
    told = Notification.objects.filter(user=pw.users["li"], kind="suggestion.registered").earliest("id")
    assert told.body == f"您的建议“{TITLE}”已登记为第 1 号。"  # Chinese by default
    assert told.url == f"/work/proposals/suggestions/{first.pk}/"
    refused = pw.submitted()
    services.suggestion_refuse(
        actor=pw.users["officer"],
        suggestion_id=refused.pk,
        reason="personal",
        explanation="属于代表本人亲属的个人问题。",
    )
    assert pw.registered().number == 3  # a refused suggestion takes no number


def test_refusal_needs_a_reason_of_article_21_and_is_told_to_the_signers(pw):
    suggestion = pw.submitted(cosigners=("zhang",))
    with pytest.raises(ValidationFailed) as exc:
        services.suggestion_refuse(
            actor=pw.users["officer"], suggestion_id=suggestion.pk, reason="nope", explanation="x"
        )
    assert exc.value.field == "reason"
    with pytest.raises(ValidationFailed) as exc:
        services.suggestion_refuse(
            actor=pw.users["officer"], suggestion_id=suggestion.pk, reason="complaint", explanation=""
        )
    assert exc.value.field == "explanation"
    refused = services.suggestion_refuse(
        actor=pw.users["officer"],
        suggestion_id=suggestion.pk,
        reason="complaint",
        explanation="属于检举控告事项，请通过信访渠道反映。",
    )
    assert refused.status == S.NOT_REGISTERED and refused.refusal == "complaint"
    for name in ("li", "zhang"):
        row = Notification.objects.get(user=pw.users[name], kind="suggestion.refused")
        assert "信访渠道" in row.body
    assert audited(refused, "refuse")


def test_only_the_office_of_the_region_registers(pw):
    suggestion = pw.submitted()
    with pytest.raises(errors.NotYourStep):
        services.suggestion_register(actor=pw.users["li"], suggestion_id=suggestion.pk)
    with pytest.raises(NotFound):
        services.suggestion_register(actor=pw.users["other_officer"], suggestion_id=suggestion.pk)
    with pytest.raises(errors.NotYourStep):  # leadership sees it but does not register
        services.suggestion_register(actor=pw.users["leader"], suggestion_id=suggestion.pk)
    registered = services.suggestion_register(actor=pw.users["pref_officer"], suggestion_id=suggestion.pk)
    assert registered.number == 1
    with pytest.raises(errors.TransitionNotAllowed):
        services.suggestion_register(actor=pw.users["officer"], suggestion_id=suggestion.pk)


# --- assignment (003 §23–24) --------------------------------------------------------------------------


def test_assignment_to_a_lead_unit_and_co_units_with_a_three_month_deadline(pw):
    suggestion, rows = pw.assigned()
    lead, co = rows
    assert (lead.role, lead.unit, co.role, co.unit) == ("lead", pw.units["county_edu"], "co", pw.units["county_gov"])
    from liaison.core import deadlines

    assert suggestion.status == S.ASSIGNED
    assert suggestion.assigned_on == today()
    assert suggestion.deadline == deadlines.add_months(today(), 3) == lead.deadline == co.deadline
    assert suggestion.deadline_cap == deadlines.add_months(today(), 6)
    assert suggestion.assigning_organ == pw.organ
    assert notified(pw.users["edu_unit"], "proposal.assigned") == 1
    assert notified(pw.users["gov_unit"], "proposal.assigned") == 1
    assert notified(pw.users["li"], "proposal.assigned_signer") == 1
    assert Event.objects.get(suggestion=suggestion, action="assign").data["unit_names"] == [
        "甲一县教育局",
        "甲一县人民政府",
    ]


def test_assigned_30_november_is_due_at_the_end_of_february(pw, monkeypatch):
    suggestion = pw.registered()
    monkeypatch.setattr(services, "today", lambda: datetime.date(2027, 11, 30))
    services.suggestion_assign(
        actor=pw.users["officer"], suggestion_id=suggestion.pk, organ=pw.organ, lead_unit=pw.units["county_edu"]
    )
    suggestion = Suggestion.objects.get(pk=suggestion.pk)
    assert suggestion.deadline == datetime.date(2028, 2, 29)  # leap year, a Tuesday
    assert suggestion.deadline_cap == datetime.date(2028, 5, 30)


def test_assigned_30_november_2025_is_due_28_february_2026_a_working_saturday(pw, monkeypatch):
    suggestion = pw.registered()
    monkeypatch.setattr(services, "today", lambda: datetime.date(2025, 11, 30))
    services.suggestion_assign(
        actor=pw.users["officer"], suggestion_id=suggestion.pk, organ=pw.organ, lead_unit=pw.units["county_edu"]
    )
    assert Suggestion.objects.get(pk=suggestion.pk).deadline == datetime.date(2026, 2, 28)  # 调休 working day


def test_assignment_needs_an_assigning_organ_and_units_of_the_congress(pw):
    suggestion = pw.registered()
    officer = pw.users["officer"]
    with pytest.raises(errors.WrongOrgan):  # a special committee follows, it does not assign
        services.suggestion_assign(
            actor=officer, suggestion_id=suggestion.pk, organ=pw.committee, lead_unit=pw.units["county_edu"]
        )
    with pytest.raises(errors.WrongOrgan):  # another congress's standing committee
        services.suggestion_assign(
            actor=officer, suggestion_id=suggestion.pk, organ=pw.organs["other"], lead_unit=pw.units["county_edu"]
        )
    with pytest.raises(errors.WrongUnit):  # a unit of another county
        services.suggestion_assign(
            actor=officer, suggestion_id=suggestion.pk, organ=pw.organ, lead_unit=pw.units["other_edu"]
        )
    with pytest.raises(errors.WrongUnit):
        services.suggestion_assign(
            actor=officer,
            suggestion_id=suggestion.pk,
            organ=pw.organ,
            lead_unit=pw.units["county_edu"],
            co_units=[pw.units["county_edu"]],
        )
    with pytest.raises(ValidationFailed):
        services.suggestion_assign(
            actor=officer,
            suggestion_id=suggestion.pk,
            organ=pw.organ,
            lead_unit=pw.units["county_edu"],
            assigned_on=today() + datetime.timedelta(days=1),
        )
    assert not Assignment.objects.filter(suggestion=suggestion).exists()
    rows = services.suggestion_assign(
        actor=officer, suggestion_id=suggestion.pk, organ=pw.organs["working"], lead_unit=pw.units["county_edu"]
    )
    assert len(rows) == 1


# --- key supervision (003 §27) --------------------------------------------------------------------------


def test_key_supervision_is_chosen_by_the_leadership_and_followed_by_a_special_committee(pw):
    suggestion, _rows = pw.assigned()
    with pytest.raises(errors.NotYourStep):
        services.suggestion_key_supervision(actor=pw.users["officer"], suggestion_id=suggestion.pk, organ=pw.committee)
    with pytest.raises(errors.WrongOrgan):
        services.suggestion_key_supervision(actor=pw.users["leader"], suggestion_id=suggestion.pk, organ=pw.organ)
    chosen = services.suggestion_key_supervision(
        actor=pw.users["leader"], suggestion_id=suggestion.pk, organ=pw.committee, comment="群众反映集中"
    )
    assert chosen.key_supervision and chosen.supervising_organ == pw.committee
    assert notified(pw.users["edu_unit"], "suggestion.key_supervision") == 1
    assert audited(chosen, "key_supervision")
    off = services.suggestion_key_supervision(actor=pw.users["leader"], suggestion_id=suggestion.pk, on=False)
    assert not off.key_supervision and off.supervising_organ is None


# --- rating and re-handling ---------------------------------------------------------------------------


def test_every_signer_rates_once_and_satisfaction_closes_the_round(pw):
    suggestion = pw.replied(cosigners=("zhang",))
    services.suggestion_rate(actor=pw.users["li"], suggestion_id=suggestion.pk, satisfaction="satisfied")
    with pytest.raises(errors.AlreadyRated):
        services.suggestion_rate(actor=pw.users["li"], suggestion_id=suggestion.pk, satisfaction="dissatisfied")
    assert Suggestion.objects.get(pk=suggestion.pk).status == S.REPLIED  # zhang has not rated yet
    services.suggestion_rate(actor=pw.users["zhang"], suggestion_id=suggestion.pk, satisfaction="basically")
    rated = Suggestion.objects.get(pk=suggestion.pk)
    assert rated.status == S.EVALUATED and rated.round == 1
    assert Event.objects.filter(suggestion=suggestion, action="evaluated").exists()


def test_a_rating_by_a_deputy_who_did_not_sign_is_refused(pw):
    suggestion = pw.draft()
    services.suggestion_invite(actor=pw.users["li"], suggestion_id=suggestion.pk, persons=[pw.persons["wang"]])
    services.suggestion_decline(actor=pw.users["wang"], suggestion_id=suggestion.pk)
    services.suggestion_submit(actor=pw.users["li"], suggestion_id=suggestion.pk)
    services.suggestion_register(actor=pw.users["officer"], suggestion_id=suggestion.pk)
    services.suggestion_assign(
        actor=pw.users["officer"], suggestion_id=suggestion.pk, organ=pw.organ, lead_unit=pw.units["county_edu"]
    )
    pw.reply(Suggestion.objects.get(pk=suggestion.pk))
    with pytest.raises(errors.NotASigner) as exc:  # asked, declined: sees it, did not sign
        services.suggestion_rate(actor=pw.users["wang"], suggestion_id=suggestion.pk, satisfaction="dissatisfied")
    assert exc.value.status == 403
    with pytest.raises(NotFound):  # never on the list: does not even see it
        services.suggestion_rate(actor=pw.users["zhao"], suggestion_id=suggestion.pk, satisfaction="dissatisfied")
    with pytest.raises(errors.NotASigner):
        services.suggestion_rate(actor=pw.users["officer"], suggestion_id=suggestion.pk, satisfaction="satisfied")
    assert not Evaluation.objects.filter(suggestion=suggestion).exists()


def test_dissatisfaction_sends_it_back_once_then_the_ratings_stand(pw):
    from liaison.core import deadlines

    suggestion = pw.replied(cosigners=("zhang",))
    services.suggestion_rate(actor=pw.users["li"], suggestion_id=suggestion.pk, satisfaction="satisfied")
    services.suggestion_rate(actor=pw.users["zhang"], suggestion_id=suggestion.pk, satisfaction="dissatisfied")
    again = Suggestion.objects.get(pk=suggestion.pk)
    assert again.status == S.RE_HANDLING and again.round == 2
    assert again.deadline == deadlines.add_months(today(), 1)
    new = Assignment.objects.filter(suggestion=suggestion, round=2).order_by("-role")
    assert [(a.role, a.unit_id) for a in new] == [
        ("lead", pw.units["county_edu"].pk),
        ("co", pw.units["county_gov"].pk),
    ]
    assert notified(pw.users["edu_unit"], "suggestion.rehandling") == 1
    assert notified(pw.users["li"], "suggestion.rehandling_signer") == 1
    pw.reply(again)
    services.suggestion_rate(actor=pw.users["li"], suggestion_id=suggestion.pk, satisfaction="dissatisfied")
    services.suggestion_rate(actor=pw.users["zhang"], suggestion_id=suggestion.pk, satisfaction="dissatisfied")
    final = Suggestion.objects.get(pk=suggestion.pk)
    assert final.status == S.EVALUATED and final.round == 2  # SUGGESTION_REHANDLING_MAX = 1
    assert Event.objects.get(suggestion=suggestion, action="evaluated").data == {"round": 2, "dissatisfied": True}


def test_re_handling_twice_when_the_locality_allows_two(pw, settings):
    settings.SUGGESTION_REHANDLING_MAX = 2
    suggestion = pw.replied()
    for expected_round in (2, 3):
        services.suggestion_rate(actor=pw.users["li"], suggestion_id=suggestion.pk, satisfaction="dissatisfied")
        item = Suggestion.objects.get(pk=suggestion.pk)
        assert (item.status, item.round) == (S.RE_HANDLING, expected_round)
        pw.reply(item, answer_class="C")
    services.suggestion_rate(actor=pw.users["li"], suggestion_id=suggestion.pk, satisfaction="dissatisfied")
    final = Suggestion.objects.get(pk=suggestion.pk)
    assert (final.status, final.round) == (S.EVALUATED, 3)
    assert Event.objects.filter(suggestion=suggestion, action="re_handling").count() == 2
    assert Evaluation.objects.filter(suggestion=suggestion).count() == 3


def test_the_office_closes_after_the_ratings_or_with_a_reason_before(pw):
    suggestion = pw.replied()
    with pytest.raises(ValidationFailed):
        services.suggestion_close(actor=pw.users["officer"], suggestion_id=suggestion.pk)
    closed = services.suggestion_close(
        actor=pw.users["officer"], suggestion_id=suggestion.pk, comment="代表未在期限内评价"
    )
    assert closed.status == S.CLOSED
    assert audited(closed, "close")


# --- publication (003 §84) ----------------------------------------------------------------------------


def test_publication_only_when_the_deputies_agree(pw):
    suggestion = pw.replied()
    services.suggestion_rate(actor=pw.users["li"], suggestion_id=suggestion.pk, satisfaction="satisfied")
    with pytest.raises(errors.DisclosureNotAgreed):
        services.suggestion_publish(actor=pw.users["officer"], suggestion_id=suggestion.pk)
    with pytest.raises(errors.NotYourStep):
        services.suggestion_agree_disclosure(actor=pw.users["officer"], suggestion_id=suggestion.pk)
    services.suggestion_agree_disclosure(actor=pw.users["li"], suggestion_id=suggestion.pk)
    published = services.suggestion_publish(actor=pw.users["officer"], suggestion_id=suggestion.pk)
    assert published.published_at is not None
    with pytest.raises(errors.TransitionNotAllowed):
        services.suggestion_publish(actor=pw.users["officer"], suggestion_id=suggestion.pk)
    revoked = services.suggestion_agree_disclosure(actor=pw.users["li"], suggestion_id=suggestion.pk, agreed=False)
    assert revoked.published_at is None and not revoked.disclosure_agreed
    services.suggestion_agree_disclosure(actor=pw.users["li"], suggestion_id=suggestion.pk)
    services.suggestion_publish(actor=pw.users["officer"], suggestion_id=suggestion.pk)
    with pytest.raises(ValidationFailed):
        services.suggestion_unpublish(actor=pw.users["officer"], suggestion_id=suggestion.pk, reason="")
    hidden = services.suggestion_unpublish(
        actor=pw.users["officer"], suggestion_id=suggestion.pk, reason="含有个人信息"
    )
    assert hidden.published_at is None
    assert Event.objects.filter(suggestion=suggestion, action="unpublish", comment="含有个人信息").exists()


def test_ids_that_are_not_ids_are_clear_errors_not_crashes(pw):
    for congress in ("abc", 999999, None):
        with pytest.raises(ValidationFailed) as exc:
            services.suggestion_create_draft(actor=pw.users["li"], congress=congress, title=TITLE, text=TEXT)
        assert exc.value.field == "congress"
    with pytest.raises(ValidationFailed) as exc:
        pw.draft(timing="session", session="x")
    assert exc.value.field == "session"
    with pytest.raises(ValidationFailed) as exc:
        pw.draft(category="x")
    assert exc.value.field == "category"
    with pytest.raises(ValidationFailed) as exc:
        pw.draft(timing="whenever")
    assert exc.value.field == "timing"
    suggestion = pw.registered()
    with pytest.raises(errors.WrongOrgan):
        services.suggestion_assign(
            actor=pw.users["officer"], suggestion_id=suggestion.pk, organ="x", lead_unit=pw.units["county_edu"]
        )
    with pytest.raises(errors.WrongUnit):
        services.suggestion_assign(
            actor=pw.users["officer"], suggestion_id=suggestion.pk, organ=pw.organ, lead_unit="x"
        )
    with pytest.raises(errors.WrongUnit):
        services.suggestion_assign(
            actor=pw.users["officer"], suggestion_id=suggestion.pk, organ=pw.organ, lead_unit=None
        )
    with pytest.raises(NotFound):
        services.suggestion_register(actor=pw.users["officer"], suggestion_id="abc")
    with pytest.raises(ValidationFailed):
        services.suggestion_invite(actor=pw.users["li"], suggestion_id=pw.draft().pk, persons=["x"])
