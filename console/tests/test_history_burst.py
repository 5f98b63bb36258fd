"""The history keeps one entry for a burst of live edits (typing in a list's search or filters
sends a request per edit), and a burst ends: at a pause longer than LIVE_EDIT_GAP_SECONDS between
two edits, and LIVE_BURST_SECONDS after its first request however quickly the edits go on (QA 81,
finding 3: searches ~22 s apart merged into one entry because the window slid with every edit).
Time is moved by the `sent_at` each request is recorded with, as console_request_send passes it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from console import services
from console.models import ConsoleRequest

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(hours=1)


def record(user, org, at: float, search: str, *, live: bool = True, operation_id: str = "Products.List"):
    """The request for `search` sent `at` seconds after T0 (a live edit unless live=False: Send)."""
    return services.console_history_record(
        user=user, organization=org, context=services.SELF, operation_id=operation_id, method="GET",
        path="/v1/products", query=[("search", search)], body="", state={"search": [search]}, response=None,
        prune=False, live=live, sent_at=T0 + timedelta(seconds=at),
    )


def typed(user, org, at: float, word: str, *, every: float = 0.3):
    """Typing `word` from `at` on, a key every `every` seconds: a live send per key."""
    for i in range(1, len(word) + 1):
        record(user, org, at + (i - 1) * every, word[:i])


def searches(user, org) -> list[str]:
    """The searches the history keeps, oldest first."""
    entries = ConsoleRequest.objects.filter(user=user, organization=org).order_by("created_at", "id")
    return [dict(entry.query).get("search", "") for entry in entries]


def test_typing_a_word_quickly_leaves_one_entry_its_last_request_at_its_time(team, member):
    typed(member, team, 0, "shirt")
    [entry] = ConsoleRequest.objects.filter(user=member)
    assert entry.query == [["search", "shirt"]] and entry.state == {"search": ["shirt"]} and entry.live
    # its "When" is when the request it keeps was sent; the burst remembers when it started
    assert entry.created_at == T0 + timedelta(seconds=1.2) and entry.burst_started_at == T0


def test_searches_about_22_seconds_apart_are_separate_entries(team, member):
    # QA 81 #3: "shirt", read the result, ~22 s later "hoodie", ~22 s later "beanie": one entry (beanie)
    typed(member, team, 0, "shirt")
    typed(member, team, 22, "hoodie")
    typed(member, team, 44, "beanie")
    assert searches(member, team) == ["shirt", "hoodie", "beanie"]


@pytest.mark.parametrize("pause", [services.LIVE_EDIT_GAP_SECONDS + 0.5, 10, services.LIVE_BURST_SECONDS - 1])
def test_an_edit_after_a_pause_longer_than_the_gap_starts_a_new_entry(team, member, pause):
    typed(member, team, 0, "shirt")
    last = 1.2
    typed(member, team, last + pause, "hoodie")
    assert searches(member, team) == ["shirt", "hoodie"]


def test_edits_each_within_the_gap_stay_one_entry(team, member):
    # hesitating while typing (a pause shorter than the gap) is still the same search
    for at, text in [(0, "h"), (0.4, "ho"), (0.4 + services.LIVE_EDIT_GAP_SECONDS, "hoo"), (5.8, "hood")]:
        record(member, team, at, text)
    assert searches(member, team) == ["hood"]


def test_a_long_run_of_quick_edits_stops_merging_after_the_burst_window_from_its_start(team, member):
    # an edit every 2 s for 70 s: the window is counted from the burst's first request, not from
    # the latest (replaced) entry, so the burst does not go on for as long as the user keeps typing
    window = services.LIVE_BURST_SECONDS
    for at in range(0, 71, 2):
        record(member, team, at, f"q{at}")
    entries = list(ConsoleRequest.objects.filter(user=member).order_by("created_at"))
    assert [e.query[0][1] for e in entries] == ["q30", "q62", "q70"]
    assert [e.burst_started_at for e in entries] == [T0, T0 + timedelta(seconds=32), T0 + timedelta(seconds=64)]
    for entry in entries:
        assert (entry.created_at - entry.burst_started_at).total_seconds() <= window


def test_a_send_is_never_replaced_and_never_replaces(team, member):
    record(member, team, 0, "shirt", live=False)  # the Send button
    record(member, team, 0.5, "shirts")  # a live edit right after: a new entry, the Send's is kept
    record(member, team, 1, "shirts!", live=False)  # a Send right after a live edit: a new entry
    record(member, team, 1.3, "shirts!!", live=False)  # and another Send (a re-run too: not live)
    record(member, team, 1.6, "shirt")
    assert searches(member, team) == ["shirt", "shirts", "shirts!", "shirts!!", "shirt"]
    assert [e.live for e in ConsoleRequest.objects.order_by("created_at")] == [False, True, False, False, True]


def test_another_operation_starts_a_new_entry(team, member):
    record(member, team, 0, "shirt")
    record(member, team, 0.5, "shirt", operation_id="Products.ListOther")
    record(member, team, 1, "shirts")
    assert ConsoleRequest.objects.filter(user=member).count() == 3


def test_an_edit_answered_after_a_newer_one_is_not_kept_and_the_burst_goes_on(team, member):
    typed(member, team, 0, "hood")
    record(member, team, 0.5, "ho")  # sent before the entry kept ("hood", at 0.9), answered after it
    record(member, team, 2, "hoodie")
    [entry] = ConsoleRequest.objects.filter(user=member)
    assert entry.query == [["search", "hoodie"]] and entry.burst_started_at == T0


def test_an_entry_kept_before_bursts_had_a_start_counts_from_its_own_time(team, member):
    record(member, team, 0, "shirt")
    ConsoleRequest.objects.update(burst_started_at=None)  # as the migration left older entries
    record(member, team, 2, "shirts")
    [entry] = ConsoleRequest.objects.filter(user=member)
    assert entry.query == [["search", "shirts"]] and entry.burst_started_at == T0


def _history_sql(queries) -> list[str]:
    return [q["sql"].split(" ")[0] for q in queries.captured_queries if "console_consolerequest" in q["sql"]]


def test_each_live_edit_reads_the_latest_entry_once_then_updates_or_inserts_one_row(team, member):
    # as before bursts were bounded: no query added on the send path (issue #6's benchmark)
    seen = []
    for at, search in [(0, "s"), (0.3, "sh"), (20, "hoodie"), *[(at, f"q{at}") for at in range(22, 60, 2)]]:
        with CaptureQueriesContext(connection) as queries:
            entry = record(member, team, at, search)
        sql = _history_sql(queries)
        pruned = entry.pk % services.HISTORY_PRUNE_EVERY == 0
        assert sql in (["SELECT", "UPDATE"], ["SELECT", "INSERT"] + (["DELETE"] if pruned else [])), (at, sql)
        seen.append(sql[1])
    assert seen.count("INSERT") == 3  # "s" (the first), "hoodie" (after a pause), q52 (30 s after hoodie)


def test_live_sends_through_the_console_keep_one_entry_with_the_same_history_queries(team, member):
    def live_send(search):
        return services.console_request_send(
            user=member, organization=team, method="GET", path="/v1/products", query=[("search", search)],
            operation_id="Products.List", state={"search": [search]}, live=True,
        )

    live_send("s")  # mints the token
    with CaptureQueriesContext(connection) as queries:
        call = live_send("sh")
    assert call.response.status == 200
    assert _history_sql(queries) == ["SELECT", "UPDATE"]
    [entry] = ConsoleRequest.objects.filter(user=member)
    assert entry.query == [["search", "sh"]] and entry.pk == call.history.pk
