"""Shared fixtures: named actors, Chromium for Playwright, screenshots of e2e pages."""

import contextlib
import gc
import os
import threading
from pathlib import Path

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory

ARTIFACTS = Path(os.environ.get("PORTAL_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))


@pytest.fixture(autouse=True)
def _core_marketplace_cache():
    """Each test starts with an empty per-process cache of core marketplaces (coreapi.auth): a
    rolled-back test may hand the same marketplace primary key to the next one, whose token
    revocations are not the previous test's."""
    from coreapi.auth import marketplace_cache_clear

    marketplace_cache_clear()
    yield


@pytest.fixture(scope="session", autouse=True)
def _close_stray_database_connections(django_db_setup):
    """Close every database connection of this test process before the test databases are dropped.

    While Playwright's sync API is in use, its event loop counts as running in the main thread, and
    Django's `connections` (an asgiref Local, thread-critical) then hands out a second, context-local
    connection per alias. Those are closed only when garbage-collected; one still open at the end
    made PostgreSQL refuse to drop the test database ("being accessed by other users"), a warning
    on most runs. Depends on django_db_setup, so it is torn down just before the databases are."""
    yield
    from django.db import DatabaseError
    from django.db.backends.base.base import BaseDatabaseWrapper

    # type(), not isinstance(): isinstance reads `__class__`, which makes a lazy object left in
    # the heap (a test client response's resolver_match) evaluate itself, and that can raise.
    for wrapper in [o for o in gc.get_objects() if issubclass(type(o), BaseDatabaseWrapper)]:
        if wrapper.connection is not None and wrapper._thread_ident == threading.get_ident():
            with contextlib.suppress(DatabaseError):
                wrapper.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium; no DNS lookups leave the machine (stack-notes §2)."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 860}}


@pytest.fixture
def screenshot(page, request):
    """Call screenshot("name") in an e2e test to save test-artifacts/<test>-<name>.png to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name.replace('[', '-').rstrip(']')}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def password():
    return DEFAULT_PASSWORD


@pytest.fixture
def user(db):
    return UserFactory(username="hamlet", name="Prince Hamlet", email="hamlet@example.com")


@pytest.fixture
def other_user(db):
    return UserFactory(username="ophelia", name="Ophelia Polonius", email="ophelia@example.com")


@pytest.fixture(scope="session")
def fake_oauth_server():
    """The fake GitHub + Google OAuth server (tests/fakes/oauth_server.py), started once per process."""
    from django.conf import settings

    from tests.fakes import oauth_server

    return oauth_server.start(settings.FAKE_OAUTH_URL)


@pytest.fixture
def fake_oauth(fake_oauth_server):
    """The fake OAuth server with empty identity queues; queue who signs in next with
    fake_oauth.next_identity("github", uid=..., login=..., email=..., name=...)."""
    fake_oauth_server.reset()
    yield fake_oauth_server
    fake_oauth_server.reset()


# Named actors shared by the organizations and console tests (Zulip-style fixture users).
@pytest.fixture
def owner(db):
    return UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")


@pytest.fixture
def member(db):
    return UserFactory(username="mia", name="Mia Member", email="mia@example.com")


@pytest.fixture
def outsider(db):
    return UserFactory(username="oscar", name="Oscar Outsider", email="oscar@example.com")
