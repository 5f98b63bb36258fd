"""portal.common.sessions: Django's database sessions with a hand-written read."""

from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore as DjangoDbStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from portal.common.sessions import SessionStore


def test_reads_what_the_database_engine_wrote_and_the_other_way_round(db):
    theirs = DjangoDbStore()
    theirs["cart"] = [1, 2]
    theirs.create()
    assert SessionStore(theirs.session_key).load() == {"cart": [1, 2]}
    ours = SessionStore()
    ours["k"] = "v"
    ours.save()
    assert DjangoDbStore(ours.session_key).load() == {"k": "v"}
    assert SessionStore(ours.session_key)["k"] == "v"


def test_expired_unknown_and_empty_keys_load_nothing_and_get_a_new_key(db):
    store = SessionStore()
    store["k"] = "v"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    for key in (store.session_key, "x" * 32, "", None):
        other = SessionStore(key)
        assert other.load() == {}
        assert other.session_key is None  # a fresh key is issued on save, never the stale one


def test_tampered_data_loads_as_empty(db):
    store = SessionStore()
    store["k"] = "v"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(session_data="tampered:data")
    assert SessionStore(store.session_key).load() == {}
