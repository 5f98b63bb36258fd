"""The portal username rules, as the services apply them (accounts.services)."""

import pytest

from accounts.services import UsernameError, user_profile_update, user_username_set, username_clean
from accounts.validators import (
    ERR_USERNAME_CHARACTERS,
    ERR_USERNAME_EMAIL,
    ERR_USERNAME_EMPTY,
    ERR_USERNAME_RESERVED,
    ERR_USERNAME_TAKEN,
    ERR_USERNAME_TOO_LONG,
    ERR_USERNAME_TOO_SHORT,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class TestUsernameClean:
    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("", ERR_USERNAME_EMPTY),
            ("   ", ERR_USERNAME_EMPTY),
            (None, ERR_USERNAME_EMPTY),
            ("jane@example.com", ERR_USERNAME_EMAIL),
            ("ab", ERR_USERNAME_TOO_SHORT),
            ("a" * 41, ERR_USERNAME_TOO_LONG),
            ("jane doe", ERR_USERNAME_CHARACTERS),
            ("jäne", ERR_USERNAME_CHARACTERS),
            ("jane/doe", ERR_USERNAME_CHARACTERS),
        ],
    )
    def test_refuses_invalid_username_with_its_message(self, value, message):
        with pytest.raises(UsernameError) as exc:
            username_clean(username=value)
        assert exc.value.message == message

    def test_accepts_boundary_lengths_and_allowed_characters(self):
        assert username_clean(username="abc") == "abc"
        assert username_clean(username="a" * 40) == "a" * 40
        assert username_clean(username="  Jane.Doe_2-x  ") == "Jane.Doe_2-x"

    def test_refuses_a_username_taken_in_another_case(self, user):
        with pytest.raises(UsernameError) as exc:
            username_clean(username="HAMLET")
        assert exc.value.message == ERR_USERNAME_TAKEN

    def test_own_username_is_not_taken_for_oneself(self, user):
        assert username_clean(username="Hamlet", exclude=user) == "Hamlet"

    @pytest.mark.parametrize("name", ["support", "Admin", "ORDERCLOUD", "no-reply"])
    def test_refuses_a_reserved_name_in_any_case(self, name):
        with pytest.raises(UsernameError) as exc:
            username_clean(username=name)
        assert exc.value.message == ERR_USERNAME_RESERVED

    @pytest.mark.parametrize("name", ["admin_", "Ad.min", "-support", "no_reply", "s.t.a.f.f", "Order-Cloud"])
    def test_refuses_a_reserved_name_written_with_separators(self, name):
        """'admin_' or 'Ad.min' could be chosen and read as the portal's own admin."""
        with pytest.raises(UsernameError) as exc:
            username_clean(username=name)
        assert exc.value.message == ERR_USERNAME_RESERVED

    @pytest.mark.parametrize("name", ["admins", "admin-2", "team-lead", "info.sys", "supporter"])
    def test_names_that_only_contain_a_reserved_word_are_fine(self, name):
        assert username_clean(username=name) == name

    def test_a_reserved_github_login_with_separators_is_not_suggested(self):
        from allauth.socialaccount.models import SocialAccount

        from accounts.selectors import username_suggest

        user = UserFactory(username=None, email="x@example.com")
        SocialAccount.objects.create(user=user, provider="github", uid="77", extra_data={"login": "Ad.min"})
        assert username_suggest(user=user) == "Ad.min-2"

    def test_an_account_that_already_has_a_reserved_name_keeps_it(self):
        staff = UserFactory(username="admin")
        assert username_clean(username="admin", exclude=staff) == "admin"
        with pytest.raises(UsernameError):
            username_clean(username="support", exclude=staff)

    def test_sign_up_and_suggestions_avoid_reserved_names(self, client):
        from django.urls import reverse

        from accounts.selectors import username_suggest

        response = client.post(reverse("account_signup"), {
            "email": "s@example.com", "username": "Support", "password1": "a-Strong-pass-42", "password2": "a-Strong-pass-42",
        })  # fmt: skip
        assert ERR_USERNAME_RESERVED in " ".join(response.context["form"].errors["username"])
        assert username_suggest(user=UserFactory(username=None, name="", email="support@example.com")) == "support-2"


class TestUserUsernameSet:
    def test_sets_the_username_of_a_user_without_one(self):
        user = UserFactory(username=None)
        assert user_username_set(user=user, username="newbie").username == "newbie"
        user.refresh_from_db()
        assert user.username == "newbie" and user.has_valid_username

    def test_refuses_duplicate_in_another_case_and_keeps_the_old_value(self, user, other_user):
        with pytest.raises(UsernameError, match="taken"):
            user_username_set(user=other_user, username="HaMLeT")
        other_user.refresh_from_db()
        assert other_user.username == "ophelia"

    def test_refuses_an_email_address(self, user):
        with pytest.raises(UsernameError) as exc:
            user_username_set(user=user, username="hamlet@elsinore.dk")
        assert exc.value.message == ERR_USERNAME_EMAIL

    def test_changing_only_the_case_of_ones_own_username_is_allowed(self, user):
        assert user_username_set(user=user, username="Hamlet").username == "Hamlet"


class TestUserProfileUpdate:
    def test_updates_name_and_username(self, user):
        user = user_profile_update(user=user, name="  Hamlet of Denmark ", username="prince")
        user.refresh_from_db()
        assert (user.name, user.username) == ("Hamlet of Denmark", "prince")

    def test_a_bad_username_saves_nothing(self, user):
        with pytest.raises(UsernameError):
            user_profile_update(user=user, name="Changed", username="x")
        user.refresh_from_db()
        assert (user.name, user.username) == ("Prince Hamlet", "hamlet")
