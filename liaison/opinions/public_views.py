"""The citizen's pages (DESIGN §10): send an opinion (`/opinions/new/`, a station's
`/stations/<id>/opinions/new/` — the QR poster's target), follow it (`/track/`, `/track/<code>/`), rate
the answer, and read the published results (`/opinions/`). Phone-first; nothing here shows personal
data, and nothing typed is lost on an error (files excepted — browsers cannot keep them).

The receipt: opinion_submit gives back a secret that proves later who sent the opinion. It is kept in
an HttpOnly signed cookie whose path is the opinion's own tracking page, so each opinion has its own
and no other page ever receives it. The secret is derived from the form's idempotency key (a uuid4
made when the form was shown), so a double submit — the browser dropping the first answer — still
gets the cookie from the answer it does read."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language, pgettext, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liaison.core.crypto import mask_phone, normalize_phone
from liaison.core.errors import add_to_form
from liaison.core.exceptions import ApplicationError, NotFound
from liaison.core.requestlocal import client_ip
from liaison.regions.selectors import region_by_id, region_lineage
from liaison.stations.selectors import public_station_get

from . import selectors, services, throttle
from .forms_public import OpinionForm, RatingForm, TrackForm, region_chain
from .models import Opinion, PublicAttempt

PAGE_SIZE = 20
RECEIPT_SALT = "liaison.opinions.receipt"
RECEIPT_MAX_AGE = 60 * 60 * 24 * 800  # longer than contact data is kept (OPINION_CONTACT_RETENTION_DAYS)


# --- the receipt cookie -----------------------------------------------------------------------------


def _receipt_secret(idempotency_key: str) -> str:
    return salted_hmac(RECEIPT_SALT, idempotency_key, algorithm="sha256").hexdigest()[:43]


def _receipt_cookie(code: str) -> str:
    return f"receipt_{code}"


def _track_path(code: str) -> str:
    return reverse("opinions_public:track", args=[code])


def _set_receipt(response: HttpResponse, request, code: str, secret: str) -> None:
    response.set_signed_cookie(
        _receipt_cookie(code),
        secret,
        salt=RECEIPT_SALT,
        max_age=RECEIPT_MAX_AGE,
        path=_track_path(code),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def _receipt_from(request, code: str) -> str:
    return request.get_signed_cookie(_receipt_cookie(code), default="", salt=RECEIPT_SALT, max_age=RECEIPT_MAX_AGE)


# --- send an opinion --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def opinion_new(request):
    return _opinion_form(request, station=None)


@require_http_methods(["GET", "POST"])
def station_opinion_new(request, pk):
    try:
        station = public_station_get(pk=pk)
    except NotFound:
        return render(request, "opinions/public/station_unknown.html", status=404)
    return _opinion_form(request, station=station)


def _initial_region(request, root):
    """A region preset by the link that led here (?region= from the home page), within the root."""
    region = region_by_id(request.GET.get("region"))
    if region is None or (root is not None and not region.path.startswith(root.path)):
        return root
    return region


def _opinion_form(request, *, station):
    root = station.region if station is not None else None
    files_lost = False
    status = 200
    if request.method == "POST" and "send_code" in request.POST:
        # Without scripts the "send code" button submits the whole form: send, then show it again.
        form = _form_kept(request, root)
        _send_opinion_code(request, request.POST.get("phone", ""))
        files_lost = bool(request.FILES)
    elif request.method == "POST":
        form = OpinionForm(request.POST, request.FILES, root=root)
        status = 400
        if form.is_valid():
            response, status = _submit(request, form, station=station)
            if response is not None:
                return response
        files_lost = bool(request.FILES)
    else:
        initial = {"idempotency_key": uuid.uuid4().hex, "region": _initial_region(request, root)}
        form = OpinionForm(initial=initial, root=root)
    context = {
        "form": form,
        "station": station,
        "files_lost": files_lost,
        "reply_days": settings.OPINION_REPLY_WORKING_DAYS,
        "sms_required": form.sms_required,
    }
    return render(request, "opinions/public/new.html", context, status=status)


def _form_kept(request, root) -> OpinionForm:
    """An unbound form showing what was typed (no errors shown yet)."""
    keep = {name: request.POST.get(name, "") for name in OpinionForm.base_fields if name not in ("attachments",)}
    keep["region"] = region_chain(request.POST.getlist("region"), root=root)
    keep["category"] = request.POST.get("category") or None
    return OpinionForm(initial=keep, root=root)


def _submit(request, form: OpinionForm, *, station) -> tuple[HttpResponse | None, int]:
    """Send the opinion; the redirect to its receipt, or None and the status of the form shown again
    with the service's message (429 when the address is over its limit)."""
    data = form.cleaned_data
    ip = client_ip(request)
    phone = (data.get("phone") or "").strip()
    counted = not (phone and form.sms_required)
    key = data["idempotency_key"]
    try:
        opinion, secret = services.opinion_submit(
            actor=None,
            channel=Opinion.Channel.STATION_ONLINE if station is not None else Opinion.Channel.ONLINE,
            region=data["region"],
            station=station,
            text=data["text"],
            title=data["title"],
            category=data.get("category"),
            location=data["location"],
            name=data["name"],
            phone=phone,
            email=data["email"],
            notify_by=data["notify_by"],
            sms_code=data.get("sms_code") or "",
            attachments=data.get("attachments") or [],
            idempotency_key=key,
            receipt_secret=_receipt_secret(key),
            language=get_language(),
            counted_ip=ip if counted else None,
        )
    except ApplicationError as error:
        add_to_form(form, error)
        return None, 429 if error.status == 429 else 400
    response = HttpResponseRedirect(reverse("opinions_public:receipt", args=[opinion.tracking_code]))
    derived = _receipt_secret(key)
    if secret == derived or (not secret and services.submitter_proven(opinion, secret=derived)):
        _set_receipt(response, request, opinion.tracking_code, derived)
    return response, 302


def _send_opinion_code(request, phone: str) -> tuple[bool, str]:
    from liaison.notifications.verification import sms_code_send

    try:
        sms_code_send(phone=phone, ip=client_ip(request), purpose="opinion")
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return False, str(error.message)
    text = _("A code was sent to %(phone)s. It is valid for %(minutes)s minutes.") % {
        "phone": mask_phone(normalize_phone(phone)),
        "minutes": settings.SMS_CODE_TTL_MINUTES,
    }
    messages.success(request, text)
    return True, text


@require_POST
def opinion_code(request):
    """htmx: send the SMS code for the phone typed in the form; the form itself stays as it is."""
    if not settings.OPINION_SMS_VERIFICATION:
        raise Http404
    ok, text = _send_opinion_code(request, request.POST.get("phone", ""))
    list(messages.get_messages(request))  # shown here, not again on the next page
    return render(request, "opinions/public/_code_status.html", {"ok": ok, "text": text})


@require_GET
def region_picker(request):
    """htmx: the region menus again after a choice, and the category list of the chosen place."""
    root = region_by_id(request.GET.get("region_root"))
    region = region_chain(request.GET.getlist("region"), root=root)
    category = request.GET.get("category", "")
    if not (category.isdigit() and services.category_choices(region).filter(pk=category).exists()):
        category = None
    form = OpinionForm(initial={"region": region, "category": category}, root=root)
    return render(request, "opinions/public/_region_fields.html", {"form": form})


# --- follow an opinion ------------------------------------------------------------------------------

S = Opinion.Status
# The progress bar of the tracking page: where each state stands among five steps a citizen knows.
PROGRESS_STEPS = (
    pgettext_lazy("opinion step", "Received"),
    pgettext_lazy("opinion step", "Accepted"),
    pgettext_lazy("opinion step", "Being handled"),
    pgettext_lazy("opinion step", "Answered"),
    pgettext_lazy("opinion step", "Closed"),
)
PROGRESS_STAGE = {
    S.SUBMITTED: 0,
    S.ACCEPTED: 1,
    S.ESCALATED: 1,
    S.ASSIGNED: 2,
    S.CONVERTED: 2,
    S.REPLIED: 2,
    S.ANSWERED_ON_SPOT: 3,
    S.FED_BACK: 3,
    S.CLOSED: 4,
}


def progress(opinion: Opinion) -> list[dict] | None:
    """The five steps with done/current marks; None for a redirected or merged opinion (the page says
    what became of it instead)."""
    stage = PROGRESS_STAGE.get(opinion.status)
    if stage is None:
        return None
    return [{"label": label, "done": i < stage, "current": i == stage} for i, label in enumerate(PROGRESS_STEPS)]


def _names(data: dict, *keys: str) -> str:
    for key in keys:
        value = data.get(key)
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        if value:
            return str(value)
    return ""


def public_step(event) -> str:
    """One public timeline entry in the citizen's words: the units and regions named in the event's
    data, never the staff member who acted."""
    data = event.data or {}
    action = event.action
    if action == "submit":
        return pgettext("opinion step", "Received")
    if action == "accept":
        return _("Accepted by the liaison office")
    if action == "answer_on_spot":
        return _("Answered on the spot")
    if action == "assign":
        units = _names(data, "unit_names")
        return _("Sent for handling to %(units)s") % {"units": units} if units else _("Sent for handling")
    if action == "unit_accept":
        unit = _names(data, "unit_name")
        return _("%(unit)s is handling it") % {"unit": unit} if unit else pgettext("opinion step", "Being handled")
    if action == "escalate":
        region = _names(data, "to_region_name")
        return _("Passed on to the people's congress of %(region)s") % {"region": region} if region else _("Passed on")
    if action == "redirect":
        target = data.get("target", "")
        label = Opinion.RedirectTarget(target).label if target in Opinion.RedirectTarget.values else ""
        return _("Referred to the %(target)s") % {"target": label} if label else _("Referred elsewhere")
    if action == "merge":
        return _("Handled together with an earlier opinion on the same matter")
    if action == "taken_up":  # a deputy raised it as a suggestion (liaison.proposals)
        return str(S.CONVERTED.label)
    if action == "reply":
        unit = _names(data, "unit_name")
        return _("%(unit)s replied") % {"unit": unit} if unit else _("The handling unit replied")
    if action == "decide_extension":
        deadline = data.get("deadline", "")
        return _("The handling unit was given more time, until %(date)s") % {"date": deadline}
    if action == "feed_back":
        return _("Answer given")
    if action in ("return_visit", "reopen", "rate"):
        value = data.get("satisfaction", "")
        label = Opinion.Satisfaction(value).label if value in Opinion.Satisfaction.values else ""
        if action == "rate":
            return _("You rated the answer: %(s)s") % {"s": label}
        text = _("Satisfaction: %(s)s") % {"s": label} if label else _("Return visit")
        return f"{text} · {_('reopened for further handling')}" if action == "reopen" else text
    if action == "close":
        return pgettext("opinion step", "Closed")
    if event.to_status in S.values:
        return str(S(event.to_status).label)
    return action


def public_steps(events) -> list[dict]:
    from liaison.proposals.disclosure import suggestion_links  # a published suggestion it was taken up in

    links = suggestion_links(events)
    return [{"at": e.at, "text": public_step(e), **links.get(e.pk, {})} for e in events]


def _tracking(request, code: str):
    """The tracking data of `code`, or the response to give instead: a redirect to the code as it is
    stored (typed in lower case, with dashes), 429 when the address tried too many unknown codes, the
    friendly 404 for an unknown one (counted)."""
    normalized = services.normalize_tracking_code(code)
    if normalized and normalized != code:
        return None, redirect("opinions_public:track", code=normalized)
    ip = client_ip(request)
    try:
        throttle.attempts_check(kind=PublicAttempt.Kind.TRACK_MISS, ip=ip)
    except ApplicationError as error:
        response = render(request, "opinions/public/track_form.html", {"form": TrackForm(), "error": error}, status=429)
        response["Retry-After"] = str(error.extra.get("retry_after", 3600))
        return None, response
    try:
        return selectors.track(code), None
    except NotFound:
        throttle.attempt_record(kind=PublicAttempt.Kind.TRACK_MISS, ip=ip)
        form = TrackForm(initial={"code": code})
        return None, render(request, "opinions/public/track_unknown.html", {"form": form, "code": code}, status=404)


@require_GET
def track_form(request):
    form = TrackForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        code = services.normalize_tracking_code(form.cleaned_data["code"])
        if len(code) >= 8:
            return redirect("opinions_public:track", code=code)
        form.add_error("code", _("A tracking code has 12 letters and digits."))
    return render(request, "opinions/public/track_form.html", {"form": form}, status=400 if form.is_bound else 200)


@require_GET
def track(request, code):
    tracking, response = _tracking(request, code)
    if response is not None:
        return response
    return _track_page(request, tracking, RatingForm() if tracking.can_rate else None)


def _scrub(text: str, opinion: Opinion, *, citizen_text: bool = False) -> str:
    """Text shown on the tracking page without the submitter's personal data: their name, phone and
    e-mail masked wherever they appear; in what the citizen wrote, also any phone number, ID number or
    e-mail address (the page is open to whoever holds the code)."""
    if not text:
        return ""
    if citizen_text:
        text = services.redact(text, names=[opinion.submitter_name])
    for value, masked in (
        (opinion.submitter_phone, mask_phone(opinion.submitter_phone)),
        (opinion.submitter_email, "***@***"),
    ):
        if value and len(value) >= 5:
            text = text.replace(value, masked)
    name = (opinion.submitter_name or "").strip()
    if len(name) >= 2:
        text = text.replace(name, name[0] + "*" * (len(name) - 1))
    return text


def _track_page(request, tracking, rating_form, *, status: int = 200):
    opinion = tracking.opinion
    proven = tracking.can_rate and services.submitter_proven(
        opinion, secret=_receipt_from(request, opinion.tracking_code)
    )
    source = tracking.merged_into or opinion
    context = {
        "t": tracking,
        "opinion": opinion,
        "title": _scrub(opinion.title, opinion, citizen_text=True),
        "answer": _scrub(tracking.answer, source),
        "answered_at": source.answered_at,
        "steps": public_steps(tracking.events),
        "progress": progress(opinion),
        "rating_form": rating_form,
        "proven": proven,
        "can_sms": bool(opinion.phone_index) and not opinion.contact_purged_at,
        "target": tracking.merged_into,
    }
    return render(request, "opinions/public/track.html", context, status=status)


@require_GET
def receipt(request, code):
    """The page after sending: the tracking code, big. Only for the browser that sent it (the receipt
    cookie); anyone else goes to the tracking page, which counts unknown codes."""
    secret = _receipt_from(request, code)
    opinion = Opinion.objects.filter(tracking_code=code).select_related("station").first() if secret else None
    if opinion is None or not services.submitter_proven(opinion, secret=secret):
        return redirect("opinions_public:track", code=services.normalize_tracking_code(code) or "0")
    context = {
        "opinion": opinion,
        "track_url": request.build_absolute_uri(_track_path(opinion.tracking_code)),
        "reply_days": settings.OPINION_REPLY_WORKING_DAYS,
    }
    return render(request, "opinions/public/receipt.html", context)


@require_POST
def rate(request, code):
    tracking, response = _tracking(request, code)
    if response is not None:
        return response
    form = RatingForm(request.POST)
    if not tracking.can_rate:
        messages.info(request, _("This opinion cannot be rated now."))
        return redirect("opinions_public:track", code=code)
    if form.is_valid():
        try:
            services.opinion_rate(
                tracking_code=code,
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
                secret=_receipt_from(request, code),
                phone=form.cleaned_data["phone"],
                sms_code=form.cleaned_data["sms_code"],
            )
        except ApplicationError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Thank you: your rating was recorded."))
            return redirect("opinions_public:track", code=code)
    return _track_page(request, tracking, form, status=400)


@require_POST
def rating_code(request, code):
    """htmx: send an SMS code for rating to the phone number on the opinion (the same answer whether
    the number matches or not)."""
    tracking, response = _tracking(request, services.normalize_tracking_code(code))
    if response is not None:
        return response
    try:
        services.rating_code_send(
            tracking_code=tracking.opinion.tracking_code, phone=request.POST.get("phone", ""), ip=client_ip(request)
        )
    except ApplicationError as error:
        ok, text = False, str(error.message)
    else:
        ok = True
        text = _(
            "If this is the number given with the opinion, a code was sent to it. It is valid for %(minutes)s minutes."
        ) % {"minutes": settings.SMS_CODE_TTL_MINUTES}
    return render(request, "opinions/public/_code_status.html", {"ok": ok, "text": text})


# --- published results -----------------------------------------------------------------------------


@require_GET
def published_list(request):
    region = region_by_id(request.GET.get("region"))
    categories = list(services.category_choices(region).only("pk", "name"))
    category = next((c for c in categories if str(c.pk) == request.GET.get("category", "")), None)
    query = (request.GET.get("q") or "").strip()[:50]
    rows = selectors.published_list(
        region_path=region.path if region else "", category_id=category.pk if category else None, q=query
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = {
        k: v
        for k, v in (
            ("region", region.pk if region else ""),
            ("category", category.pk if category else ""),
            ("q", query),
        )
        if v
    }
    context = {
        "page": page,
        "region": region,
        "breadcrumbs": region_lineage(region),
        "children": _region_children(region),
        "categories": categories,
        "category": category,
        "query": query,
        "params": params,
    }
    return render(request, "opinions/public/published_list.html", context)


def _region_children(region):
    from liaison.portal.selectors import region_children

    return region_children(region)


@require_GET
def published_detail(request, pk):
    try:
        opinion = selectors.published_get(pk)
    except NotFound:
        raise Http404 from None
    return render(request, "opinions/public/published_detail.html", {"opinion": opinion})
