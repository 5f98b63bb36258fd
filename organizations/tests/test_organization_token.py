import pytest

from organizations import services


def test_owner_token_is_full_access_and_member_token_carries_exactly_their_roles(team, owner, member):
    owner_token = services.organization_token(actor=owner, organization=team)
    assert owner_token["granted_roles"] == ["FullAccess"]
    member_token = services.organization_token(actor=member, organization=team)
    assert member_token["granted_roles"] == ["ProductReader"]
    assert member_token["access_token"].count(".") == 2


def test_outsider_and_invitee_get_no_token(team, outsider, invited):
    from portal.common.errors import NotFoundError

    for actor in (outsider, invited):
        with pytest.raises(NotFoundError):
            services.organization_token(actor=actor, organization=team)
