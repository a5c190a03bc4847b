"""What the stations part tells whom through the notification outbox (imported by
StationsConfig.ready): the reminder of a duty slot to the deputies on it (接待日提醒)."""

from django.utils.translation import gettext_lazy as _

from liaison.notifications.kinds import register_kind

register_kind(
    "stations.duty_reminder",
    subject=_("Reception duty on {date} at {station}"),
    body=_(
        "[Deputy liaison platform] {name}, you are on reception duty at {station} ({address}) on {date} "
        "from {start} to {end}.{topic}"
    ),
    url="/stations/{station_id}/",
)
