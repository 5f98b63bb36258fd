"""One-time tokens of the console's create forms (new API client, new webhook): a form posted twice
(a double-clicked Save on a slow network, a browser or proxy retrying the POST) creates one object.

The form page carries a random token in a hidden field. The first POST with it claims the token in
the cache (`cache.add`, atomic, so two POSTs in flight at once cannot both claim it) and, once the
object is created, stores where it is and the success message said. A later POST of the same
form (its token and the same values) creates nothing: it is sent to that object with the same
message. The form changed and saved again (Back, another name, Save) is another claim: a second
object, as the user meant. A POST that arrives while
the first is still saving waits for it a few seconds. A POST that saved nothing (a form or API
error) releases the token, so the corrected form can be saved with it.

Bounded: per user, organization and form; the claim expires after PENDING_SECONDS (a request that
died), the result after DONE_SECONDS. Without a usable cache (portal.common.cache fails open) every
POST claims its token, as before this guard."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass

from django.core.cache import cache

FIELD = "once"
PENDING = "pending"
PENDING_SECONDS = 60
DONE_SECONDS = 60 * 60
WAIT_SECONDS = 8.0  # how long a second POST waits for the first one to finish saving
POLL_SECONDS = 0.1
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def once_token_new() -> str:
    return secrets.token_urlsafe(16)


@dataclass
class Once:
    """The claim of one POST on its form's token. `earlier`: the result of the POST that claimed it
    first ({"url", "message"}), or {} when that one is still saving; None when this POST claimed it."""

    key: str = ""
    claimed: bool = False
    earlier: dict | None = None
    done: bool = False

    def finish(self, *, url: str, message: str) -> None:
        """The object was created: later POSTs of this form go to `url` and say `message`."""
        if self.claimed:
            cache.set(self.key, {"url": url, "message": message}, DONE_SECONDS)
            self.done = True

    def release(self) -> None:
        """Nothing was created (no-op once finished): the same form may be posted again."""
        if self.claimed and not self.done:
            cache.delete(self.key)
            self.claimed = False


def _digest(data) -> str:
    """What was typed: the posted fields but the CSRF token (a hash: the key names no secret typed)."""
    fields = sorted((name, data.getlist(name)) for name in data if name != "csrfmiddlewaretoken")
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:32]


def once_claim(*, user, scope: str, data) -> Once:
    """Claim the token of the posted form `data` (a QueryDict) for this user and `scope` (which form
    of which organization), with what was typed: the same form posted again is the same claim, but
    the form changed and saved again (Back, another name, Save) is another object, as the user meant.
    A POST without a usable token is not guarded (a page rendered before this guard)."""
    token = data.get(FIELD) or ""
    if not _TOKEN.fullmatch(token):
        return Once()
    key = f"console-once:{user.pk}:{scope}:{token}:{_digest(data)}"
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        if cache.add(key, PENDING, PENDING_SECONDS):
            return Once(key=key, claimed=True)
        value = cache.get(key)
        if isinstance(value, dict):
            return Once(key=key, earlier=value)
        if value is not None and time.monotonic() >= deadline:
            return Once(key=key, earlier={})
        time.sleep(POLL_SECONDS)
