"""Webhooks: post-hooks after a successful write (through Celery, after commit) and pre-hooks
before it (synchronously; they may block the write).

A webhook matches a write when one of its WebhookRoutes has the write's route template and verb
(`{"Route": "v1/products/{productID}", "Verb": "PATCH"}`) and its ApiClientIDs include the client
of the token that made the write (OrderCloud's rule: webhooks are per API client).

The payload is the one OrderCloud sends (OrderCloud.SDK `WebhookPayload`, the "Using Webhooks"
guide): Route, RouteParams, QueryParams, Verb, Date, LogID, UserToken, Request {Body, Headers},
Response {Body, Headers} (empty for a pre-hook), ConfigData. The raw body is signed
`X-oc-hash: base64(HMAC-SHA256(body, HashKey))`, which @ordercloud/catalyst and
OrderCloud.Catalyst verify. UserToken is the caller's token; when the webhook has ElevatedRoles it
is the caller's token with those roles added (same user, client and expiry).

Post-hooks (BeforeProcessRequest false): delivery (coreapi.tasks.webhook_deliver) writes one
WebhookDelivery row per attempt and retries network errors, 408/429 and 5xx answers with
exponential backoff, WEBHOOK_MAX_ATTEMPTS in all.

Pre-hooks (BeforeProcessRequest true): called one by one (by ID) before the write, outside any
transaction, once each, logged like a delivery. The answer is `{"proceed": true|false, "body": any}`
(OrderCloud.Catalyst's PreWebhookResponse). `proceed: false` stops the write with 400
`blocked by web hook`, Data `{"WebhookName", "Body"}` (what Headstart's apps read). A pre-hook that
gives no valid answer (network error, timeout, non-2xx, no boolean `proceed`) stops it the same way,
with the reason in the Message: a validation hook that is down must not let unvalidated writes
through. OrderCloud does not document that case; this is the built-in API's choice.

Anyone with an organization sets these URLs, so in production (COREAPI_WEBHOOK_ALLOW_PRIVATE_URLS
False) a URL whose host resolves to a private, loopback or link-local address is refused, logged
and not retried (a failed lookup is retried), and the POST goes to the address that was checked
(portal.common.outbound). Answers are read up to WEBHOOK_MAX_ANSWER_BYTES.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from coreapi.errors import MSG_WEBHOOK_BLOCKED, MSG_WEBHOOK_FAILED, WebhookBlocked
from coreapi.models import Marketplace, Webhook, WebhookDelivery
from coreapi.tokens import TokenClaims, access_token_elevate
from portal.common import outbound
from portal.common.outbound import OutboundRefused, ResponseTooLarge

WEBHOOK_MAX_ATTEMPTS = 5
WEBHOOK_BACKOFF_BASE_SECONDS = 10
WEBHOOK_BACKOFF_MAX_SECONDS = 15 * 60
WEBHOOK_USER_AGENT = "Portal-CoreAPI-Webhooks/1.0"
# (connect, read) seconds; a slow receiver never holds a worker for long.
DEFAULT_WEBHOOK_TIMEOUT = (3.05, 10.0)
RETRYABLE_STATUS = frozenset({408, 429})
WEBHOOK_MAX_ANSWER_BYTES = 256 * 1024
ERR_URL_PRIVATE = "Refused: the webhook URL points at a private, loopback or link-local address ({address})."
ERR_URL_UNRESOLVED = "The host name of the webhook URL could not be resolved."


@dataclass(frozen=True)
class DeliveryResult:
    status_code: int | None
    latency_ms: int
    error: str
    refused: bool = False  # the SSRF guard refused the address: retrying would not help
    content: bytes = b""  # the answer's body (a pre-hook's verdict)

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        if self.refused:
            return False
        if self.status_code is None:  # timeout, refused connection, DNS...
            return True
        return self.status_code >= 500 or self.status_code in RETRYABLE_STATUS


def webhook_signature(*, body: bytes, hash_key: str) -> str:
    """`X-oc-hash`: base64 of HMAC-SHA256 of the raw request body, keyed with the HashKey."""
    return base64.b64encode(hmac.new(hash_key.encode(), body, hashlib.sha256).digest()).decode()


def webhook_retry_delay(*, attempt: int) -> int:
    """Seconds to wait after failed attempt `attempt` (1-based): 10, 20, 40, 80, ... capped."""
    return min(WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** (attempt - 1), WEBHOOK_BACKOFF_MAX_SECONDS)


def _route_key(route: str) -> str:
    return (route or "").strip().strip("/").lower()


def webhook_route_matches(*, webhook_routes: list, route: str, verb: str) -> bool:
    wanted_route, wanted_verb = _route_key(route), (verb or "").upper()
    for item in webhook_routes or []:
        if not isinstance(item, dict):
            continue
        if _route_key(str(item.get("Route") or "")) == wanted_route and str(item.get("Verb") or "").upper() == wanted_verb:
            return True
    return False


def webhooks_matching(
    *, marketplace: Marketplace | int, route: str, verb: str, client_id: str, before: bool = False
) -> list[Webhook]:
    """The post-hooks (or with `before`, the pre-hooks) of the marketplace that this write
    (route, verb, client) triggers, by ID."""
    if not client_id:
        return []
    marketplace_pk = marketplace.pk if isinstance(marketplace, Marketplace) else marketplace
    candidates = (
        Webhook.objects.filter(marketplace_id=marketplace_pk, before_process_request=before)
        .exclude(url="")
        .order_by("oc_id")
    )
    return [
        webhook
        for webhook in candidates
        if client_id in (webhook.api_client_ids or [])
        and webhook_route_matches(webhook_routes=webhook.webhook_routes, route=route, verb=verb)
    ]


def webhook_user_token(*, webhook: Webhook, user_token: str, claims: TokenClaims | None) -> str:
    """The caller's token, or with the webhook's ElevatedRoles added to it."""
    if webhook.elevated_roles and claims is not None:
        return access_token_elevate(claims=claims, roles=list(webhook.elevated_roles))
    return user_token


# Body fields a webhook is never sent (nor its delivery log keeps): a user's password (users' create,
# PUT and PATCH, Me.Patch) and an API client's secret. The receiver is whoever the marketplace's
# admins named, and the log is read by anyone with WebhookReader; neither needs them.
SECRET_BODY_FIELDS = frozenset({"password", "newpassword", "clientsecret"})


def without_secrets(body: Any) -> Any:
    """`body` (a request's or a response's) without SECRET_BODY_FIELDS, in any letter case."""
    if isinstance(body, dict):
        return {key: value for key, value in body.items() if str(key).lower() not in SECRET_BODY_FIELDS}
    return body


@dataclass(frozen=True)
class WebhookWrite:
    """One write, as every webhook it triggers is told about it (one LogID for all of them)."""

    marketplace: Marketplace | int
    route: str
    verb: str
    route_params: dict
    client_id: str
    request_body: Any = None
    query_params: dict | None = None
    token_claims: TokenClaims | None = None  # the caller's: needed for ElevatedRoles
    user_token: str = ""
    log_id: str = ""

    def __post_init__(self):
        if not self.log_id:
            object.__setattr__(self, "log_id", uuid.uuid4().hex)

    def payload(self, webhook: Webhook, *, response_body: Any = None) -> dict:
        """OrderCloud's webhook payload for `webhook`; Response.Body is None for a pre-hook. Passwords
        and client secrets in either body are left out (see SECRET_BODY_FIELDS)."""
        return {
            "Route": self.route.strip("/"),
            "RouteParams": dict(self.route_params or {}),
            "QueryParams": dict(self.query_params or {}),
            "Verb": self.verb.upper(),
            "Date": timezone.now().isoformat().replace("+00:00", "Z"),
            "LogID": self.log_id,
            "UserToken": webhook_user_token(webhook=webhook, user_token=self.user_token, claims=self.token_claims),
            "Request": {"Body": without_secrets(self.request_body), "Headers": ""},
            "Response": {"Body": without_secrets(response_body), "Headers": ""},
            "ConfigData": webhook.config_data,
        }


def payload_json(payload: dict) -> str:
    """The body as signed and sent."""
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"))


LOGGED_TOKEN = "(redacted)"


def payload_for_log(payload: dict) -> dict:
    """The payload as the delivery log keeps it: without the UserToken, a bearer token (possibly
    with ElevatedRoles) that anyone able to read the log could use."""
    if payload.get("UserToken"):
        return {**payload, "UserToken": LOGGED_TOKEN}
    return payload


def webhooks_fire(write: WebhookWrite, *, response_body: Any = None) -> int:
    """Queue a delivery of every post-hook the write triggers once the current transaction commits.

    Call it inside the write's transaction, after the write succeeded: a rolled-back write
    delivers nothing. Returns how many webhooks were queued (0 is the common, cheap case: one
    indexed query on the marketplace's webhooks).
    """
    webhooks = webhooks_matching(marketplace=write.marketplace, route=write.route, verb=write.verb,
                                 client_id=write.client_id)  # fmt: skip
    if not webhooks:
        return 0
    from coreapi.tasks import webhook_deliver  # tasks imports this module

    for webhook in webhooks:
        body = payload_json(write.payload(webhook, response_body=response_body))
        kwargs = {"webhook_pk": webhook.pk, "body": body, "route": write.route.strip("/"), "verb": write.verb.upper()}
        # robust: a broker outage must not turn a committed write into an error response.
        transaction.on_commit(lambda kwargs=kwargs: webhook_deliver.apply_async(kwargs=kwargs), robust=True)
    return len(webhooks)


def prehooks_call(write: WebhookWrite) -> int:
    """Ask every pre-hook the write triggers whether it may proceed, before it is made.

    Raises WebhookBlocked at the first one that says no or gives no valid answer. Call it
    outside a transaction (a slow receiver must not hold locks). Returns how many were asked.
    """
    webhooks = webhooks_matching(marketplace=write.marketplace, route=write.route, verb=write.verb,
                                 client_id=write.client_id, before=True)  # fmt: skip
    for webhook in webhooks:
        payload = write.payload(webhook)
        result = webhook_post(webhook=webhook, body=payload_json(payload))
        proceed, answer, problem = _prehook_verdict(result)
        WebhookDelivery.objects.create(
            marketplace_id=webhook.marketplace_id,
            webhook_oc_id=webhook.oc_id,
            url=webhook.url[:1000],
            route=write.route.strip("/")[:300],
            verb=write.verb.upper()[:10],
            payload=payload_for_log(payload),
            status_code=result.status_code,
            attempt=1,
            latency_ms=result.latency_ms,
            error=problem or ("" if proceed else "proceed: false"),
            pre_hook=True,
        )
        if problem:
            raise WebhookBlocked(MSG_WEBHOOK_FAILED.format(name=webhook.name, reason=problem),
                                 webhook_name=webhook.name)  # fmt: skip
        if not proceed:
            raise WebhookBlocked(MSG_WEBHOOK_BLOCKED.format(name=webhook.name), webhook_name=webhook.name, body=answer)
    return len(webhooks)


def status_text(status: int) -> str:
    """"HTTP 500 Internal Server Error"; "HTTP 599" for a status without a standard phrase."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _problem_for_caller(result: DeliveryResult) -> str:
    """Why a pre-hook gave no answer, as the caller whose write it stopped is told: the status and
    its standard phrase ("HTTP 500 Internal Server Error"), or the kind of network failure
    ("ConnectionError"). Never an exception's text, which may hold internal host names (the
    delivery log keeps it for the marketplace's admins), nor the receiver's body (not even logged)."""
    if result.status_code is not None:
        return status_text(result.status_code)
    if result.refused:
        return "its URL points at a private address"
    if result.error == ERR_URL_UNRESOLVED:
        return "the host name of its URL could not be resolved"
    kind = (result.error or "").split(":", 1)[0].strip()
    return kind if kind.isidentifier() else "no answer"


def _prehook_verdict(result: DeliveryResult) -> tuple[bool, Any, str]:
    """(proceed, body, problem) of a pre-hook's answer; `problem` is why it is no valid answer."""
    if not result.ok:
        return False, None, _problem_for_caller(result)
    try:
        answer = json.loads(result.content)
    except ValueError:
        return False, None, "the answer is not JSON"
    if isinstance(answer, dict):
        # OrderCloud.Catalyst sends `proceed`/`body`; .NET readers do not mind the case.
        keys = {str(k).lower(): v for k, v in answer.items()}
        if isinstance(keys.get("proceed"), bool):
            return keys["proceed"], keys.get("body"), ""
    return False, None, 'the answer has no boolean "proceed"'


def webhook_timeout() -> tuple[float, float]:
    return tuple(getattr(settings, "COREAPI_WEBHOOK_TIMEOUT", DEFAULT_WEBHOOK_TIMEOUT))


def webhook_post(*, webhook: Webhook, body: str) -> DeliveryResult:
    """One HTTP attempt; never raises for network trouble (it becomes `error`)."""
    raw = body.encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": WEBHOOK_USER_AGENT,
        "X-oc-hash": webhook_signature(body=raw, hash_key=webhook.hash_key or ""),
    }
    if webhook.custom_auth_header_name:
        headers[webhook.custom_auth_header_name] = webhook.custom_auth_header_value
    started = time.perf_counter()
    try:
        response = outbound.post_pinned(
            webhook.url, data=raw, headers=headers, timeout=webhook_timeout(),
            allow_private=settings.COREAPI_WEBHOOK_ALLOW_PRIVATE_URLS, max_bytes=WEBHOOK_MAX_ANSWER_BYTES,
        )
    except OutboundRefused as exc:
        latency = int((time.perf_counter() - started) * 1000)
        error = (ERR_URL_PRIVATE.format(address=exc.address) if exc.reason == "private" else ERR_URL_UNRESOLVED)
        # a private address is refused for good; a failed lookup may be DNS trouble: retried
        return DeliveryResult(status_code=None, latency_ms=latency, error=error, refused=exc.reason == "private")
    except ResponseTooLarge as exc:  # the receiver answered (its status counts); its body is dropped
        latency = int((time.perf_counter() - started) * 1000)
        status = exc.response.status_code
        return DeliveryResult(status_code=status, latency_ms=latency, error="" if 200 <= status < 300 else str(exc))
    except requests.RequestException as exc:
        latency = int((time.perf_counter() - started) * 1000)
        return DeliveryResult(status_code=None, latency_ms=latency, error=f"{type(exc).__name__}: {exc}"[:2000])
    latency = int((time.perf_counter() - started) * 1000)
    # a refusal is logged as its status and standard phrase, not the receiver's body: the log is read
    # by anyone with WebhookReader, and a body could be an internal page the URL happened to reach
    error = "" if 200 <= response.status_code < 300 else status_text(response.status_code)
    return DeliveryResult(status_code=response.status_code, latency_ms=latency, error=error, content=response.content)
