"""The avatar's initial: the first character of a name as a reader sees it."""

import pytest

from accounts.templatetags.accounts_tags import initial


@pytest.mark.parametrize("name, expected", [
    ("ada", "A"),
    ("  émile", "É"),
    ("e\u0301mile", "É"),  # e + combining acute: one character on screen
    ("\u0301ada", "A"),  # a stray mark first is not shown on its own (a dotted circle)
    ("🇫🇷 Carole", "🇫🇷"),  # a flag is two regional indicators
    ("👍🏽 Thumbs", "👍🏽"),  # with its skin tone
    ("👩\u200d💻 Dev", "👩\u200d💻"),  # a ZWJ sequence
    ("❤️ love", "❤️"),  # with its variation selector
    ("", ""),
    (None, ""),
])  # fmt: skip
def test_initial(name, expected):
    assert initial(name) == expected


@pytest.mark.django_db
def test_the_header_avatar_shows_a_flag_whole(client):
    from accounts.models import User

    user = User.objects.create_user(username="carole", email="c@example.com", password="pw-Long-enough-1",
                                    name="🇫🇷 Carole")  # fmt: skip
    client.force_login(user)
    page = client.get("/dashboard/").content.decode()
    assert '<span class="avatar" aria-hidden="true">🇫🇷</span>' in page
