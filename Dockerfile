# The portal's one image: web (gunicorn), worker and beat (celery) and the migrate job run it
# with different commands (docker-compose.yml). Build: docker build -t portal .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production

WORKDIR /app

# Dependencies first: this layer is rebuilt only when pyproject.toml changes.
# (pyproject.toml lists no packages, so `pip install .` installs just the dependencies.)
COPY pyproject.toml README.md ./
RUN pip install . && rm -rf build ./*.egg-info

COPY . .

# Static files are part of the image: hashed names + compressed copies, served by WhiteNoise.
# The key, hosts and address below exist only for this build step; they are not in the image's environment.
RUN SECRET_KEY=collectstatic-at-build-time-only-0b7f3c9e2a5d4e6f8a1c3b5d7e9f0a2c4e6 \
    ALLOWED_HOSTS=build.invalid \
    PORTAL_BASE_URL=https://build.invalid \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput \
    && rm -f /tmp/build.sqlite3

# Run as an unprivileged user; it owns only the beat schedule directory.
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home --shell /usr/sbin/nologin portal \
    && mkdir -p /var/lib/celery/beat \
    && chown portal:portal /var/lib/celery/beat
USER portal

EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
