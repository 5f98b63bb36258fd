"""Developer machine: the embedded default plus DEBUG."""

from portal import env

from .base import *  # noqa: F401,F403

DEBUG = env.bool_("DJANGO_DEBUG", True)
# runserver serves static files only with DEBUG: with DJANGO_DEBUG=0 (to see the pages users get)
# WhiteNoise serves them from the source folders, as it does with DEBUG (nothing is collected here).
WHITENOISE_USE_FINDERS = True
