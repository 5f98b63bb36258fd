"""Root conftest: the shared fixtures of tests/fixtures.py (named users, Debian Chromium for
Playwright, screenshots, the fake OAuth server) are available to every app's tests."""

pytest_plugins = ["tests.fixtures"]
