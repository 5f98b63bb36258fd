"""0002_clear_invalid_usernames: legacy usernames that are email addresses (or otherwise invalid) are cleared."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("accounts", "0001_initial")]
AFTER = [("accounts", "0002_clear_invalid_usernames")]


def test_clears_email_and_invalid_usernames_and_keeps_valid_ones():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    User = old_apps.get_model("accounts", "User")
    User.objects.create(username="legacy@example.com", email="legacy@example.com", password="!")
    User.objects.create(username="has space", email="space@example.com", password="!")
    User.objects.create(username="ok-name", email="ok@example.com", password="!")
    User.objects.create(username=None, email="none@example.com", password="!")

    executor = MigrationExecutor(connection)  # reload the graph after the data changed
    try:
        executor.migrate(AFTER)
        new_apps = executor.loader.project_state(AFTER).apps
        usernames = dict(new_apps.get_model("accounts", "User").objects.values_list("email", "username"))
    finally:  # leave the schema complete for the next tests, whatever migrations come later
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert usernames == {
        "legacy@example.com": None,
        "space@example.com": None,
        "ok@example.com": "ok-name",
        "none@example.com": None,
    }


def test_0003_stores_every_address_in_lower_case_and_merges_same_user_twins():
    before = [("accounts", "0002_clear_invalid_usernames"), ("account", "0009_emailaddress_unique_primary_email")]
    after = [("accounts", "0003_lowercase_emails")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    User = old_apps.get_model("accounts", "User")
    EmailAddress = old_apps.get_model("account", "EmailAddress")
    ops = User.objects.create(username="ops", email="Ops.Lead@Example.com", password="!")
    other = User.objects.create(username="other", email="other@example.com", password="!")
    EmailAddress.objects.create(user_id=ops.pk, email="Ops.Lead@Example.com", verified=True, primary=True)
    EmailAddress.objects.create(user_id=ops.pk, email="ops.lead@example.com", verified=False, primary=False)
    EmailAddress.objects.create(user_id=other.pk, email="Second@Example.com", verified=False, primary=False)

    executor = MigrationExecutor(connection)
    try:
        executor.migrate(after)
        new_apps = executor.loader.project_state(after).apps
        users = dict(new_apps.get_model("accounts", "User").objects.values_list("username", "email"))
        addresses = sorted(new_apps.get_model("account", "EmailAddress").objects.values_list(
            "user__username", "email", "verified", "primary"))  # fmt: skip
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert users == {"ops": "ops.lead@example.com", "other": "other@example.com"}
    assert addresses == [("ops", "ops.lead@example.com", True, True), ("other", "second@example.com", False, False)]


def test_0004_makes_every_name_one_line_of_visible_text():
    before = [("accounts", "0003_lowercase_emails")]
    after = [("accounts", "0004_one_line_names")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    User = executor.loader.project_state(before).apps.get_model("accounts", "User")
    names = {"cr": "Demo\rDev", "crlf": "Line one\r\nLine two", "tab": " Tab\tthere ", "bidi": "Ann \u202e)nimda(\u202c",
             "fine": "Zoë  Ølsen 👨\u200d👩\u200d👧", "empty": ""}
    for username, name in names.items():
        User.objects.create(username=username, email=f"{username}@example.com", name=name, password="!")

    executor = MigrationExecutor(connection)
    try:
        executor.migrate(after)
        cleaned = dict(executor.loader.project_state(after).apps.get_model("accounts", "User")
                       .objects.values_list("username", "name"))  # fmt: skip
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert cleaned == {"cr": "Demo Dev", "crlf": "Line one Line two", "tab": "Tab there", "bidi": "Ann )nimda(",
                       "fine": "Zoë  Ølsen 👨\u200d👩\u200d👧", "empty": ""}
