"""organizations.presenters: how people, access and activity-log details read."""

import pytest

from organizations.models import AuditAction, AuditEntry
from organizations.presenters import access_change_summary, access_summary, audit_details_summary, user_label
from tests.factories import UserFactory

NONE = {"is_admin": False, "roles": [], "impersonate_seller": False, "impersonate_supplier": False,
        "impersonate_buyer": False}


class TestUserLabel:
    def test_a_name_is_followed_by_the_username(self, db):
        assert user_label(UserFactory(username="olivia2", name="Olivia Owner")) == "Olivia Owner (olivia2)"

    @pytest.mark.parametrize(("name", "shown"), [("", "alice"), ("alice", "alice"), ("Alice", "Alice")])
    def test_a_user_whose_only_name_is_the_username_reads_once(self, name, shown):
        assert user_label(UserFactory.build(username="alice", name=name)) == shown


class TestAccessSummary:
    def test_roles_and_impersonation_in_words(self):
        access = {**NONE, "roles": ["ProductReader", "BuyerReader"], "impersonate_buyer": True}
        assert access_summary(access) == "roles ProductReader, BuyerReader; may impersonate buyer users"

    def test_admin_without_roles(self):
        assert access_summary({**NONE, "is_admin": True}) == "Organization Admin; no data roles"

    def test_several_impersonation_flags_are_listed_readably(self):
        access = {**NONE, "impersonate_seller": True, "impersonate_buyer": True}
        assert access_summary(access).endswith("may impersonate seller users and buyer users")


class TestAccessChangeSummary:
    def test_lists_what_was_added_and_removed(self):
        before = {**NONE, "is_admin": True, "roles": ["ProductReader"]}
        after = {**NONE, "roles": ["ProductAdmin"], "impersonate_buyer": True}
        assert access_change_summary(before, after) == (
            "+ProductAdmin, −ProductReader, +Impersonate buyer users, Organization Admin: yes→no")

    def test_nothing_changed(self):
        assert access_change_summary(NONE, NONE) == "no change"


class TestAuditDetailsSummary:
    def entry(self, action, details):
        return AuditEntry(action=action, details=details)

    def test_a_permission_change_shows_the_difference_not_two_dicts(self):
        before, after = {**NONE, "roles": ["ProductReader"]}, {**NONE, "roles": ["ProductReader", "OrderAdmin"]}
        text = audit_details_summary(self.entry(AuditAction.PERMISSION_CHANGE, {"before": before, "after": after}))
        assert text == "+OrderAdmin"

    def test_an_invitation_shows_the_access_in_words(self):
        text = audit_details_summary(self.entry(AuditAction.INVITE, {**NONE, "roles": ["ProductReader"]}))
        assert text == "roles ProductReader"
        assert "False" not in text and "[" not in text

    def test_other_details_are_labelled(self):
        created = self.entry(AuditAction.ORG_CREATE, {"name": "Acme", "environment": "Sandbox", "region": "usw"})
        assert audit_details_summary(created) == "Name: Acme · Environment: Sandbox · Region: usw"
        deleted = self.entry(AuditAction.ORG_DELETE, {"purge_after": "2026-01-31T10:05:00+00:00"})
        assert audit_details_summary(deleted) == "Restorable until: 31 Jan 2026 10:05"
        approved = self.entry(AuditAction.PRODUCTION_APPROVE, {"request": 3, "requester": "olivia", "message": ""})
        assert audit_details_summary(approved) == "Request: 3 · Requested by: olivia"

    def test_a_staging_twin_names_its_production_organization_by_id_not_row_number(self):
        entry = AuditEntry(action=AuditAction.STAGING_CREATE, target="acme", details={"production": 3})
        assert audit_details_summary(entry) == "Production organization: acme"  # was "Production organization: 3"

    def test_the_production_log_s_entry_names_its_staging_twin_by_id(self):
        entry = AuditEntry(action=AuditAction.STAGING_CREATE, target="acme", details={"staging": 7})
        assert audit_details_summary(entry) == "Staging twin: acme"

    def test_details_read_in_the_same_order_whatever_order_the_database_returns(self):
        # PostgreSQL's jsonb hands keys back shortest first: {"name", "region", "environment"}
        stored = self.entry(AuditAction.ORG_CREATE, {"name": "Acme", "region": "usw", "environment": "Sandbox",
                                                     "zeta_note": "z", "alpha_note": "a"})
        assert audit_details_summary(stored) == (
            "Name: Acme · Environment: Sandbox · Region: usw · Alpha note: a · Zeta note: z")
