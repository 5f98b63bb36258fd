"""The impersonation picker marks the context in use: its API client (in any search that lists it)
and its user carry aria-current and read 'in use now'; nothing is marked while calling as yourself.
Before, every client and user button looked and read alike, whatever the context."""

import re

from console.tests.helpers import url

CURRENT = re.compile(r'data-(?:client|username)="([^"]+)" aria-current="true"')


def test_the_picker_marks_the_api_client_and_user_in_use(team, member, as_user):
    c = as_user(member)  # may impersonate buyers
    clients = c.get(url(team, "context-clients")).content.decode()
    users = c.get(url(team, "context-users"), {"client_id": "buyer-client"}).content.decode()
    assert CURRENT.findall(clients) == [] and CURRENT.findall(users) == []  # as yourself: none in use
    assert "in use now" not in clients + users

    c.post(url(team, "context-set"), {"client_id": "buyer-client", "username": "shopper"})
    clients = c.get(url(team, "context-clients")).content.decode()
    assert CURRENT.findall(clients) == ["buyer-client"]
    assert clients.count("in use now") == 1
    searched = c.get(url(team, "context-clients"), {"q": "store"}).content.decode()  # a search listing it
    assert CURRENT.findall(searched) == ["buyer-client"]
    users = c.get(url(team, "context-users"), {"client_id": "buyer-client"}).content.decode()
    assert CURRENT.findall(users) == ["shopper"] and users.count("in use now") == 1

    c.post(url(team, "context-set"), {"mode": "self"})  # back to your own access: nothing marked
    assert CURRENT.findall(c.get(url(team, "context-clients")).content.decode()) == []
