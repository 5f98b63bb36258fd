"""The portal username: 3-40 letters, digits, '-', '_' or '.', unique ignoring case, never an email."""

import re

from django.core.exceptions import ValidationError

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 40
USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]+$")

ERR_USERNAME_EMPTY = "Choose a username."
ERR_USERNAME_EMAIL = "A username cannot be an email address. Choose a name people can find you by."
ERR_USERNAME_TOO_SHORT = f"A username needs at least {USERNAME_MIN_LENGTH} characters."
ERR_USERNAME_TOO_LONG = f"A username can have at most {USERNAME_MAX_LENGTH} characters."
ERR_USERNAME_CHARACTERS = "A username may contain only letters, digits, '-', '_' and '.'."
ERR_USERNAME_RESERVED = "This username is reserved. Choose another one."
# Names people could take for the portal's own staff or pages ("support wrote to you..."), compared
# ignoring case. Checked when a username is chosen (accounts.services.username_clean), not by
# is_valid_portal_username: accounts that already have one keep it.
RESERVED_USERNAMES = frozenset({
    "admin", "administrator", "root", "staff", "support", "help", "helpdesk", "security", "abuse", "postmaster",
    "webmaster", "hostmaster", "noreply", "no-reply", "system", "portal", "ordercloud", "sitecore", "api",
    "null", "undefined", "anonymous", "everyone", "owner", "billing", "sales", "info", "team", "moderator",
})  # fmt: skip
RESERVED_USERNAMES_BARE = frozenset(re.sub(r"[-_.]", "", name) for name in RESERVED_USERNAMES)


def is_reserved_username(value: str | None) -> bool:
    """A reserved name, ignoring case and the separators '-', '_' and '.': "admin_", "Ad.min" and
    "no_reply" read as "admin" and "noreply" (they could be chosen)."""
    return re.sub(r"[-_.]", "", (value or "").strip().lower()) in RESERVED_USERNAMES_BARE


def validate_portal_username(value: str | None) -> None:
    value = (value or "").strip()
    if not value:
        raise ValidationError(ERR_USERNAME_EMPTY, code="empty")
    if "@" in value:
        raise ValidationError(ERR_USERNAME_EMAIL, code="email")
    if len(value) < USERNAME_MIN_LENGTH:
        raise ValidationError(ERR_USERNAME_TOO_SHORT, code="too_short")
    if len(value) > USERNAME_MAX_LENGTH:
        raise ValidationError(ERR_USERNAME_TOO_LONG, code="too_long")
    if not USERNAME_RE.match(value):
        raise ValidationError(ERR_USERNAME_CHARACTERS, code="characters")


def is_valid_portal_username(value: str | None) -> bool:
    try:
        validate_portal_username(value)
    except ValidationError:
        return False
    return True

ERR_USERNAME_TAKEN = "That username is taken. Choose another one."


ERR_NAME_CHARACTERS = (
    "A name cannot contain line breaks, tabs or invisible control characters (such as text-direction marks)."
)
# Unicode's bidirectional controls (embeddings, overrides, isolates and marks): in a name they turn
# the text around it, e.g. "Ann (admin)" can be made to read as another person's name and username.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def one_line_name(name: str) -> str:
    """`name` as one line of visible text, for names stored before validate_person_name (data
    migrations): each control character becomes a space, text-direction controls are dropped, runs
    of spaces fold into one. A name that has none comes back unchanged."""
    import re
    import unicodedata

    if not any(unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS for char in name):
        return name
    name = "".join(" " if unicodedata.category(char) == "Cc" else char for char in name if char not in BIDI_CONTROLS)
    return re.sub(r" {2,}", " ", name).strip()


def validate_person_name(value: str | None) -> None:
    """A person's name (Profile, the admin) is one line of visible text: it is shown to others
    beside their username and written into the subject line of the emails they cause (an invitation:
    "<name> invited you to ..."). A line break there split the subject and put the rest of the name
    into the email's text, and a carriage return stopped the email from being sent at all."""
    import unicodedata

    if any(unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS for char in value or ""):
        raise ValidationError(ERR_NAME_CHARACTERS, code="characters")
