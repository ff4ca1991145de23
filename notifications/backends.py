"""How a message leaves: e-mail through Django's e-mail backends, SMS through a small
pluggable backend (`settings.NOTIFY_SMS_BACKEND`, a class path).

Every way out raises `DeliveryError` when the message did not go; the error's text is
stored on the message (`last_error`), so it never carries a secret: no token, no
password, no gateway URL (an API key often rides in its query string).
"""

from __future__ import annotations

import json
import logging
import smtplib
import socket
import sys
import urllib.error
import urllib.request
from typing import Any, TextIO
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The message was not delivered. `permanent`: trying again cannot help (a refused
    recipient, a request the gateway rejects as malformed) — the message gives up at once."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


# --------------------------------------------------------------------------- e-mail


def send_email(*, to: str, subject: str, body: str, html: str, language: str) -> None:
    email = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Content-Language": language, "Auto-Submitted": "auto-generated"},
    )
    if html:
        email.attach_alternative(html, "text/html")
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"the mail server refused the recipient: {_smtp_reason(exc)}", permanent=True) from None
    except smtplib.SMTPResponseException as exc:
        # 5xx: the server will not take it (retrying the same message cannot help); 4xx: try later.
        raise DeliveryError(
            f"mail server error {exc.smtp_code}: {_text(exc.smtp_error)}", permanent=exc.smtp_code >= 500
        ) from None
    except (smtplib.SMTPException, OSError) as exc:  # connection refused, timeout, TLS failure…
        raise DeliveryError(f"mail server unreachable: {exc.__class__.__name__}: {exc}") from None


def _smtp_reason(exc: smtplib.SMTPRecipientsRefused) -> str:
    return "; ".join(f"{code} {_text(reason)}" for code, reason in exc.recipients.values())


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


# --------------------------------------------------------------------------- SMS


class SmsBackend:
    """Send one text to one mobile number; raise DeliveryError when it did not go."""

    def send(self, *, to: str, text: str) -> None:
        raise NotImplementedError


def get_sms_backend() -> SmsBackend:
    return import_string(settings.NOTIFY_SMS_BACKEND)()


class ConsoleSmsBackend(SmsBackend):
    """Development: the SMS is written to standard output (and the log), nothing is sent."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, *, to: str, text: str) -> None:
        logger.info("SMS to %s (console backend, not sent): %s", to, text)
        self.stream.write(f"----- SMS to {to} -----\n{text}\n")
        self.stream.flush()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A gateway that answers a POST with a redirect has not taken the message (urllib would
    follow it as a GET without the text and call that success)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class HttpGatewaySmsBackend(SmsBackend):
    """A generic HTTP SMS gateway: POST the number and the text as JSON or as a form to
    NOTIFY_SMS_URL, with an optional token header. Any 2xx answer is success.

    Settings: NOTIFY_SMS_URL, NOTIFY_SMS_FORMAT ("json" or "form"), NOTIFY_SMS_TO_FIELD,
    NOTIFY_SMS_TEXT_FIELD, NOTIFY_SMS_EXTRA (fixed fields, e.g. a sender id),
    NOTIFY_SMS_TOKEN, NOTIFY_SMS_TOKEN_HEADER, NOTIFY_SMS_TOKEN_SCHEME, NOTIFY_SMS_TIMEOUT.
    """

    def __init__(self, **overrides: Any) -> None:
        def option(name: str) -> Any:
            return overrides.get(name.lower(), getattr(settings, f"NOTIFY_SMS_{name}"))

        self.url: str = option("URL")
        self.format: str = option("FORMAT")
        self.to_field: str = option("TO_FIELD")
        self.text_field: str = option("TEXT_FIELD")
        self.extra: dict[str, str] = dict(option("EXTRA"))
        self.token: str = option("TOKEN") or ""
        self.token_header: str = option("TOKEN_HEADER")
        self.token_scheme: str = option("TOKEN_SCHEME")
        self.timeout: float = option("TIMEOUT")
        if not self.url:
            raise DeliveryError("no SMS gateway configured (NOTIFY_SMS_URL is empty)", permanent=True)
        # Straight to the gateway: no proxy from the environment (it would see the token).
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())

    def request(self, *, to: str, text: str) -> urllib.request.Request:
        fields = {**self.extra, self.to_field: to, self.text_field: text}
        if self.format == "form":
            data = urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded; charset=utf-8"
        else:
            data = json.dumps(fields, ensure_ascii=False).encode()
            content_type = "application/json; charset=utf-8"
        headers = {"Content-Type": content_type, "Accept": "application/json, */*", "User-Agent": "Siyana"}
        if self.token:
            headers[self.token_header] = f"{self.token_scheme} {self.token}" if self.token_scheme else self.token
        return urllib.request.Request(self.url, data=data, headers=headers, method="POST")

    def send(self, *, to: str, text: str) -> None:
        try:
            with self.opener.open(self.request(to=to, text=text), timeout=self.timeout) as response:
                status = response.status
                response.read(4096)
        except urllib.error.HTTPError as exc:
            excerpt = self._scrub(exc.read(200).decode(errors="replace")) if exc.fp else ""
            exc.close()
            # 4xx: the gateway rejects this request as it is (bad number, bad token) — except
            # "too many requests" and "timeout", which a later attempt may get through.
            permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
            detail = f"SMS gateway answered HTTP {exc.code} {exc.reason}"
            raise DeliveryError(f"{detail}: {excerpt}" if excerpt else detail, permanent=permanent) from None
        except TimeoutError:
            raise DeliveryError(f"SMS gateway did not answer within {self.timeout:g} s") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError | socket.timeout):
                raise DeliveryError(f"SMS gateway did not answer within {self.timeout:g} s") from None
            raise DeliveryError(f"SMS gateway unreachable: {self._scrub(str(reason))}") from None
        except OSError as exc:  # reset mid-answer, and the like
            raise DeliveryError(f"SMS gateway connection failed: {self._scrub(str(exc))}") from None
        if not 200 <= status < 300:  # 1xx/3xx that reached us: not accepted
            raise DeliveryError(f"SMS gateway answered HTTP {status}")

    def _scrub(self, text: str) -> str:
        text = " ".join(text.split())
        for secret in (self.token, self.url):
            if secret:
                text = text.replace(secret, "…")
        return text
