"""console.js leaves secrets out of the page copy htmx keeps for Back (in localStorage) by the same
name rule as the history's masking (console.operations.is_secret_name): the two must not drift."""

import re
from pathlib import Path

from console import operations

CONSOLE_JS = Path(operations.__file__).parent / "static" / "console" / "console.js"


def js_regex(name: str) -> tuple[str, str]:
    match = re.search(rf"var {name} = /(.+)/(\w*);", CONSOLE_JS.read_text())
    assert match, f"{name} not found in console.js"
    return match.group(1), match.group(2)


def test_console_js_names_secrets_as_the_history_does():
    assert js_regex("SECRET_NAME") == (operations.SECRET_NAME_RE.pattern, "i")
    assert js_regex("NOT_SECRET_NAME") == (operations.NOT_SECRET_NAME_RE.pattern, "i")
    assert operations.SECRET_NAME_RE.flags & re.IGNORECASE and operations.NOT_SECRET_NAME_RE.flags & re.IGNORECASE


def test_console_js_shows_a_secret_kept_in_a_draft_as_the_history_does():
    # a draft kept across signing in again shows a secret in its JSON body as ********, which Send refuses
    match = re.search(r'var REDACTED = "([^"]+)";', CONSOLE_JS.read_text())
    assert match and match.group(1) == operations.REDACTED
