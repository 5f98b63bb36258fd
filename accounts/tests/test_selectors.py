import pytest
from allauth.socialaccount.models import SocialAccount

from accounts.selectors import user_search, username_suggest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class TestUserSearch:
    def test_matches_username_or_name_prefix_ignoring_case(self, user, other_user):
        assert [u.username for u in user_search(query="HAM")] == ["hamlet"]
        assert [u.username for u in user_search(query="prince")] == ["hamlet"]
        assert [u.username for u in user_search(query="polon")] == ["ophelia"]  # a later word of the name

    def test_is_a_prefix_match_not_a_substring_match(self, user):
        assert list(user_search(query="mlet")) == []

    def test_excludes_inactive_and_username_less_users(self, user):
        UserFactory(username="hamster", is_active=False)
        UserFactory(username=None, name="Hamish NoName")
        assert [u.username for u in user_search(query="ham")] == ["hamlet"]

    def test_returns_at_most_ten_even_if_asked_for_more(self):
        UserFactory.create_batch(12, username=None)
        for i, u in enumerate(__import__("accounts.models", fromlist=["User"]).User.objects.all()):
            u.username = f"dev{i:02d}"
            u.save()
        assert len(user_search(query="dev")) == 10
        assert len(user_search(query="dev", limit=50)) == 10

    def test_empty_query_finds_nobody(self, user):
        assert list(user_search(query="  ")) == []


class TestUsernameSuggest:
    def test_suggests_the_github_login(self):
        user = UserFactory(username=None, email="octo@example.com")
        SocialAccount.objects.create(user=user, provider="github", uid="1", extra_data={"login": "OctoCat"})
        assert username_suggest(user=user) == "OctoCat"

    def test_suggests_the_google_name_reshaped(self):
        user = UserFactory(username=None, name="", email="jd@example.com")
        SocialAccount.objects.create(user=user, provider="google", uid="9", extra_data={"name": "José  Díaz", "email": "jd@example.com"})
        assert username_suggest(user=user) == "jose-diaz"

    @pytest.mark.parametrize("name, expected", [
        ("Łukasz Żółć", "lukasz-zolc"), ("Søren Kierkegaard", "soren-kierkegaard"), ("Þóra Straße", "thora-strasse"),
        ("Ærø Œuvre", "aero-oeuvre"), ("Đorđe Işık", "dorde-isik"),
    ])
    def test_letters_without_an_accent_to_drop_are_spelled_out(self, name, expected):
        """They were dropped whole: "Łukasz Żółć" was suggested "ukasz-zoc"."""
        user = UserFactory(username=None, name="", email="someone@example.com")
        SocialAccount.objects.create(user=user, provider="google", uid="9", extra_data={"name": name})
        assert username_suggest(user=user) == expected

    def test_falls_back_to_the_email_local_part(self):
        user = UserFactory(username=None, name="", email="x.y+tag@example.com")
        assert username_suggest(user=user) == "x.y-tag"

    def test_numbers_a_taken_suggestion(self):
        UserFactory(username="octocat")
        UserFactory(username="OctoCat-2")
        user = UserFactory(username=None)
        SocialAccount.objects.create(user=user, provider="github", uid="2", extra_data={"login": "Octocat"})
        assert username_suggest(user=user) == "Octocat-3"

    def test_a_too_short_login_falls_through_to_a_valid_source(self):
        user = UserFactory(username=None, name="", email="someone@example.com")
        SocialAccount.objects.create(user=user, provider="github", uid="3", extra_data={"login": "ab"})
        assert username_suggest(user=user) == "someone"

    def test_suggestion_is_never_longer_than_the_maximum(self):
        UserFactory(username="a" * 40)
        user = UserFactory(username=None, name="", email=("a" * 60) + "@example.com")
        suggestion = username_suggest(user=user)
        assert suggestion == "a" * 38 + "-2"
