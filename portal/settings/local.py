"""Developer machine: the embedded default plus DEBUG."""

from portal import env

from .base import *  # noqa: F401,F403

DEBUG = env.bool_("DJANGO_DEBUG", True)
