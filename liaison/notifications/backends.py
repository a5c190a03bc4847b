"""Delivery backends for the SMS and e-mail channels, chosen by dotted path in the settings
`SMS_BACKEND` and `NOTIFY_EMAIL_BACKEND`. A backend has one method, `send(message)`; raising any
exception marks the attempt failed and the outbox retries later (liaison.notifications.services).

- `LogBackend` (the default for both): appends one line per message to `NOTIFY_OUTBOX_FILE`
  (var/outbox.log) and logs it, so a demo or a test machine works offline. In the demo, the SMS
  verification codes are read there.
- `DjangoMailBackend`: e-mail through `django.core.mail` (SMTP settings EMAIL_HOST, … or any
  EMAIL_BACKEND of Django).

An SMS gateway of a provider is one more class with `send`; give it a timeout well under
NOTIFY_SEND_LEASE_SECONDS so that a hung gateway is retried rather than sent twice."""

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import mask_address

logger = logging.getLogger("liaison.notifications")

_file_lock = threading.Lock()


@dataclass(frozen=True)
class Message:
    notification_id: int
    channel: str
    kind: str
    to: str
    subject: str
    body: str
    url: str = ""


class LogBackend:
    """One JSON line per message in NOTIFY_OUTBOX_FILE (the address masked: 138****1234), plus a log
    record without the text."""

    def send(self, message: Message) -> None:
        path = Path(settings.NOTIFY_OUTBOX_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {
                "at": timezone.localtime().isoformat(timespec="seconds"),
                "id": message.notification_id,
                "channel": message.channel,
                "kind": message.kind,
                "to": mask_address(message.channel, message.to),
                "subject": message.subject,
                "body": message.body,
            },
            ensure_ascii=False,
        )
        with _file_lock, path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
        logger.info("outbox %s #%s %s written to %s", message.channel, message.notification_id, message.kind, path)


class DjangoMailBackend:
    """E-mail through Django's mail machinery (EMAIL_BACKEND, EMAIL_HOST, DEFAULT_FROM_EMAIL, …)."""

    def send(self, message: Message) -> None:
        from django.core.mail import send_mail

        body = f"{message.body}\n\n{settings.SITE_BASE_URL}{message.url}" if message.url else message.body
        send_mail(message.subject, body, settings.DEFAULT_FROM_EMAIL, [message.to], fail_silently=False)


BACKEND_SETTINGS = {"sms": "SMS_BACKEND", "email": "NOTIFY_EMAIL_BACKEND"}


def backend_path(channel: str) -> str:
    return getattr(settings, BACKEND_SETTINGS[channel])


def get_backend(channel: str):
    return import_string(backend_path(channel))()
