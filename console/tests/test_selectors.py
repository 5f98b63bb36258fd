"""console_access_get: the per-call access check (one hand-written query) follows the same rule as
organizations.services._membership, and returns the instances a queryset would."""

import datetime

import pytest
from django.utils import timezone

from console import selectors, services
from console.models import ConsoleToken
from organizations import services as org_services
from organizations.models import Contributor, Organization
from portal.common.errors import NotFoundError


def access(user, org, token_context=None, env=None, oc_id=None):
    return selectors.console_access_get(
        user=user, environment=env or org.environment, oc_id=oc_id or org.oc_id, token_context=token_context
    )


class TestConsoleAccessGet:
    def test_owner_gets_the_organization_with_full_access(self, team, owner):
        got = access(owner, team)
        assert got.organization == team and got.organization.name == "Acme"
        assert got.membership.is_owner and got.token is None
        # a real instance, as the ORM builds it: dates converted, saving updates the row
        assert isinstance(got.organization.created_at, datetime.datetime) and got.organization.created_at.tzinfo
        assert got.organization._state.adding is False
        got.organization.name = "Acme renamed"
        got.organization.save(update_fields=["name"])
        assert Organization.objects.get(pk=team.pk).name == "Acme renamed"

    def test_contributor_gets_their_permissions(self, team, member):
        got = access(member, team)
        assert not got.membership.is_owner and not got.membership.is_admin
        assert got.membership.roles == frozenset(["ProductReader", "MeAdmin", "Shopper"])
        assert got.membership.impersonate_buyer and not got.membership.impersonate_seller
        assert got.membership.contributor == Contributor.objects.get(organization=team, user=member)

    def test_environment_and_id_are_case_insensitive(self, team, owner):
        assert access(owner, team, env="SANDBOX", oc_id=" ACME-SBX ").organization == team

    @pytest.mark.parametrize("env, oc_id", [("nowhere", "acme-sbx"), ("sandbox", "missing"), ("production", "acme-sbx"), ("", "")])
    def test_unknown_organization_is_not_found(self, team, owner, env, oc_id):
        with pytest.raises(NotFoundError):
            selectors.console_access_get(user=owner, environment=env, oc_id=oc_id)

    def test_outsider_and_anonymous_get_not_found(self, team, outsider):
        from django.contrib.auth.models import AnonymousUser

        for user in (outsider, AnonymousUser()):
            with pytest.raises(NotFoundError):
                access(user, team, token_context=("", ""))

    def test_another_organizations_contributor_row_does_not_count(self, team, outsider, member):
        other = Organization.objects.get(oc_id="other-org")
        with pytest.raises(NotFoundError):
            access(member, other)

    def test_removed_contributor_loses_access_at_once(self, team, owner, member):
        access(member, team, token_context=("", ""))
        org_services.contributor_remove(actor=owner, organization=team, username=member.username)
        with pytest.raises(NotFoundError):
            access(member, team, token_context=("", ""))

    def test_deleted_organization_is_not_found_even_for_its_owner(self, team, owner):
        Organization.objects.filter(pk=team.pk).update(deleted_at=timezone.now())
        with pytest.raises(NotFoundError):
            access(owner, team)

    def test_reads_the_token_of_the_asked_context_only(self, team, member):
        assert access(member, team, token_context=("", "")).token is None
        token = services.console_token_get(user=member, organization=team)
        got = access(member, team, token_context=("", ""))
        assert got.token == token and got.token.access_token == token.access_token
        assert got.token.expires_at == ConsoleToken.objects.get(pk=token.pk).expires_at
        assert got.token.access_roles == token.access_roles  # JSON column decoded
        assert got.token.organization is got.organization and got.token.user is member
        assert access(member, team, token_context=("buyer-client", "shopper")).token is None

    def test_does_not_read_another_users_token(self, team, owner, member):
        services.console_token_get(user=owner, organization=team)
        assert access(member, team, token_context=("", "")).token is None
