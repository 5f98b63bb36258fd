"""bench/core_api: the core API's bearer-authenticated reads against a bare view and a
django-oauth-toolkit view, in one run, in-process.

    bench/run core_api                     # PostgreSQL throw-away cluster, defaults below
    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.core_api --rounds 20 --batch 50

Scenarios (each a GET through the full Django middleware stack and WSGI handler):
  me            /core/sandbox/v1/me                      vs  /core/_bench/{bare,dot}/me
  products-1k   /core/sandbox/v1/products?pageSize=20    vs  /core/_bench/{bare,dot}/1k/products?pageSize=20
  products-100k the same on a marketplace with 100,000 products
"bare" runs the core's own handler code with a pre-decoded caller (no authentication: the
limit); "dot" runs it behind django-oauth-toolkit's @protected_resource (the peer).

Variants are interleaved in rounds (round-robin batches) so machine noise hits them alike; every
request is timed with perf_counter; p50/p95 are over all timed requests after a warm-up.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

SIZES = {"1k": 1_000, "100k": 100_000}
TARGET_AUTH_OVERHEAD = 1.10
TARGET_SCALE = 1.5


# --- setup ------------------------------------------------------------------------------------


def seed(sizes: dict[str, int]) -> dict:
    """Marketplaces with N products each, a core token per marketplace, a DOT token."""
    from django.contrib.auth import get_user_model
    from oauth2_provider.models import AccessToken, Application

    from bench import views
    from coreapi.auth import Caller
    from coreapi.models import Marketplace, Product
    from coreapi.testing import core_world
    from coreapi.tokens import access_token_decode

    out: dict = {"core_tokens": {}}
    for label, count in sizes.items():
        mkt_id = f"bench-{label}"
        existing = Marketplace.objects.filter(environment="sandbox", marketplace_id=mkt_id).first()
        if existing is not None and Product.objects.filter(marketplace=existing).count() == count:
            from coreapi.testing import CoreWorld

            world = CoreWorld(marketplace=existing, client_id=f"bench-client-{label}", admin_username=f"bench-admin-{label}")
        else:
            if existing is not None:
                existing.delete()
            world = core_world(
                marketplace_id=mkt_id, client_id=f"bench-client-{label}", admin_username=f"bench-admin-{label}"
            )
            started = time.perf_counter()
            batch = []
            for i in range(count):
                batch.append(
                    Product(
                        marketplace=world.marketplace,
                        oc_id=f"P{i:07d}",
                        name=f"Product {i}",
                        description="A benchmark product.",
                        active=i % 3 != 0,
                        xp={"color": ("red", "green", "blue")[i % 3], "rank": i % 100},
                    )
                )
                if len(batch) == 5000:
                    Product.objects.bulk_create(batch)
                    batch = []
            if batch:
                Product.objects.bulk_create(batch)
            print(f"  seeded {count:,} products in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        if connection.vendor == "postgresql":
            # The steady state autovacuum leaves a table in (visibility map set, statistics fresh),
            # so the 100k figures are not those of a table bulk-loaded a second ago.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE coreapi_product")
        token = world.admin_token()
        out["core_tokens"][label] = token
        claims = access_token_decode(environment="sandbox", token=token)
        views.CALLERS[label] = Caller(claims=claims, marketplace_pk=world.marketplace.pk)
        if label == "1k":
            out["core_tokens"]["me"] = token
            views.CALLERS["me"] = views.CALLERS[label]

    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench-dot", defaults={"email": "bench-dot@example.com"})
    app, _ = Application.objects.get_or_create(
        name="bench",
        defaults={
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_CLIENT_CREDENTIALS,
            "user": user,
        },
    )
    AccessToken.objects.filter(application=app).delete()
    dot = AccessToken.objects.create(
        user=user, application=app, token="bench-dot-token-0123456789abcdef", scope="read",
        expires=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    out["dot_token"] = dot.token
    return out


# --- timing -----------------------------------------------------------------------------------


def make_environ(path: str, query: str, token: str | None) -> dict:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT": "application/json",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return environ


class Target:
    def __init__(self, app, name: str, path: str, query: str, token: str | None):
        self.app, self.name, self.path, self.query, self.token = app, name, path, query, token
        self.samples: list[float] = []
        self.round_medians: list[float] = []
        self.status: int | None = None
        self.body: bytes = b""

    def call(self) -> float:
        status_holder = []

        def start_response(status, headers, exc_info=None):
            status_holder.append(status)

        environ = make_environ(self.path, self.query, self.token)
        t0 = time.perf_counter()
        result = self.app(environ, start_response)
        body = b"".join(result)
        if hasattr(result, "close"):
            result.close()
        elapsed = time.perf_counter() - t0
        self.status = int(status_holder[0].split()[0])
        self.body = body
        return elapsed

    def check(self) -> None:
        self.call()
        if self.status != 200:
            raise SystemExit(f"{self.name}: HTTP {self.status} {self.body[:300]!r}")


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(groups: dict[str, list[Target]], *, rounds: int, batch: int, warmup: int) -> None:
    for targets in groups.values():
        for target in targets:
            target.check()
            for _ in range(warmup):
                target.call()
    for _ in range(rounds):
        for targets in groups.values():
            for target in targets:
                timings = [target.call() for _ in range(batch)]
                target.samples += timings
                target.round_medians.append(statistics.median(timings))


def micro_auth_cost(token: str, n: int = 5000) -> float:
    """Microseconds per call of what CoreBearer.authenticate does for a GET (JWT verify + the
    per-process marketplace check against the token's `mpk` claim)."""
    from coreapi.auth import CoreBearer

    class Req:
        method = "GET"

    bearer = CoreBearer("sandbox")
    bearer.authenticate(Req(), token)
    t0 = time.perf_counter()
    for _ in range(n):
        bearer.authenticate(Req(), token)
    return (time.perf_counter() - t0) / n * 1e6


def explain(caller) -> list[str]:
    """EXPLAIN ANALYZE of GET /v1/products?pageSize=20's page query and TotalCount lookup (the
    RowCount row, coreapi.rowcounts), and for comparison of the COUNT(*) it replaces."""
    from django.test import RequestFactory

    from coreapi import definitions
    from coreapi.querying import apply_filters, list_params_parse

    if connection.vendor != "postgresql":
        return ["(EXPLAIN ANALYZE needs PostgreSQL)"]
    request = RequestFactory().get("/", {"pageSize": "20"})
    qs = definitions.PRODUCTS.queryset(caller, {})
    qs = apply_filters(qs, definitions.PRODUCTS.list_spec, list_params_parse(request, definitions.PRODUCTS.list_spec))
    lines = ["[page]"] + ["    " + line for line in qs[:20].explain(analyze=True).splitlines()]
    count_sql, count_params = qs.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ANALYZE SELECT COUNT(*) FROM ({count_sql}) AS rows", count_params)
        lines += ["[COUNT(*), no longer run for unfiltered lists]"] + ["    " + row[0] for row in cursor.fetchall()]
    from coreapi.models import Product, RowCount

    lookup = RowCount.objects.filter(marketplace_pk=caller.marketplace_pk, table_name=Product._meta.db_table)
    lines += ["[TotalCount: RowCount lookup]"] + [
        "    " + line for line in lookup.values_list("row_count", flat=True).explain(analyze=True).splitlines()
    ]
    return lines


def profile(groups: dict[str, list[Target]], spec: str, n: int = 500) -> int:
    import cProfile
    import pstats

    scenario, variant = spec.split(":")
    target = next(t for t in groups[scenario] if t.name == variant)
    for _ in range(50):
        target.call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        target.call()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    return 0


# --- report -----------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--sizes", default="1k,100k", help="comma list of " + ",".join(SIZES))
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--explain", action="store_true", help="print the SQL plans of the product list")
    parser.add_argument("--profile", metavar="SCENARIO:VARIANT", help="cProfile one target (e.g. products-1k:core) and exit")
    args = parser.parse_args(argv)
    sizes = {label: SIZES[label] for label in args.sizes.split(",")}

    print(f"==> database: {connection.vendor} ({settings.DATABASES['default']['NAME']})", file=sys.stderr)
    call_command("migrate", verbosity=0, interactive=False)
    data = seed(sizes)
    app = WSGIHandler()
    q = "pageSize=20"
    groups: dict[str, list[Target]] = {
        "me": [
            Target(app, "core", "/core/sandbox/v1/me", "", data["core_tokens"]["me"]),
            Target(app, "bare", "/core/_bench/bare/me", "", None),
            Target(app, "dot", "/core/_bench/dot/me", "", data["dot_token"]),
        ]
    }
    for label in sizes:
        groups[f"products-{label}"] = [
            Target(app, "core", "/core/sandbox/v1/products", q, data["core_tokens"][label]),
            Target(app, "bare", f"/core/_bench/bare/{label}/products", q, None),
            Target(app, "dot", f"/core/_bench/dot/{label}/products", q, data["dot_token"]),
        ]
    for label in sizes:  # the three variants must return the same page
        bodies = {t.name: (t.check(), json.loads(t.body))[1] for t in groups[f"products-{label}"]}
        assert bodies["core"] == bodies["bare"] == bodies["dot"], f"products-{label}: variants differ"
        assert bodies["core"]["Meta"]["TotalCount"] == sizes[label], bodies["core"]["Meta"]

    if args.profile:
        return profile(groups, args.profile)

    started = time.perf_counter()
    measure(groups, rounds=args.rounds, batch=args.batch, warmup=args.warmup)
    wall = time.perf_counter() - started

    results: dict = {}
    print()
    print(f"{'scenario':<15} {'variant':<5} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    for scenario, targets in groups.items():
        results[scenario] = {}
        for t in targets:
            row = {
                "n": len(t.samples),
                "p50_ms": pct(t.samples, 0.50) * 1000,
                "p95_ms": pct(t.samples, 0.95) * 1000,
                "mean_ms": statistics.fmean(t.samples) * 1000,
            }
            results[scenario][t.name] = row
            print(f"{scenario:<15} {t.name:<5} {row['n']:>6} {row['p50_ms']:>8.3f} {row['p95_ms']:>8.3f} {row['mean_ms']:>8.3f}")

    print()
    verdicts = []
    for scenario, r in results.items():
        by_name = {t.name: t for t in groups[scenario]}
        overhead = r["core"]["p50_ms"] / r["bare"]["p50_ms"]
        vs_dot = r["core"]["p50_ms"] / r["dot"]["p50_ms"]
        # paired: median over rounds of the ratio of that round's medians (cancels load drift)
        paired_bare = statistics.median(
            c / b for c, b in zip(by_name["core"].round_medians, by_name["bare"].round_medians, strict=True)
        )
        paired_dot = statistics.median(
            c / d for c, d in zip(by_name["core"].round_medians, by_name["dot"].round_medians, strict=True)
        )
        ok1, ok2 = overhead <= TARGET_AUTH_OVERHEAD, vs_dot < 1.0
        verdicts += [ok1, ok2]
        r["ratios"] = {
            "core_vs_bare_p50": overhead,
            "core_vs_dot_p50": vs_dot,
            "core_vs_bare_paired": paired_bare,
            "core_vs_dot_paired": paired_dot,
        }
        print(
            f"{scenario:<15} core/bare p50 = {overhead:.3f} ({(overhead - 1) * 100:+.1f}%, target <= +10%: {'ok' if ok1 else 'MISSED'})"
            f"   core/dot p50 = {vs_dot:.3f} (target < 1: {'ok' if ok2 else 'MISSED'})"
            f"   paired: core/bare {paired_bare:.3f}, core/dot {paired_dot:.3f}"
        )
    if "products-1k" in results and "products-100k" in results:
        scale = results["products-100k"]["core"]["p50_ms"] / results["products-1k"]["core"]["p50_ms"]
        ok = scale <= TARGET_SCALE
        verdicts.append(ok)
        results["scale_100k_vs_1k_p50"] = scale
        print(f"products core p50 100k/1k = {scale:.3f} (target <= {TARGET_SCALE}: {'ok' if ok else 'MISSED'})")
    auth_us = micro_auth_cost(data["core_tokens"]["me"])
    results["auth_us_per_request"] = auth_us
    print(f"CoreBearer.authenticate alone: {auth_us:.1f} us per GET (remembered JWT verification + the token's mpk checked against the per-process marketplace entry)")
    print(f"\n{wall:.1f}s of timed requests; Python {platform.python_version()}, Django {django.get_version()}, {connection.vendor}")

    if args.explain:
        from bench import views

        for label in sizes:
            print(f"\n--- SQL of products-{label} ---")
            print("\n".join(explain(views.CALLERS[label])))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
