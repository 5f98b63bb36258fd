"""Environments (Sandbox, Staging, Production) and the core API base URL of each region.

Everything comes from settings.PORTAL_ENVIRONMENTS:
    {"Sandbox": {"slug": "sandbox", "regions": {"usw": "<base url>", ...}}, "Staging": ..., "Production": ...}
The embedded default points every environment and region at the built-in core API on this
server (f"{PORTAL_BASE_URL}/core/<slug>"); an operator may point any environment/region at another
OrderCloud-compatible base URL with PORTAL_CORE_API_URLS (see portal/settings/base.py).
"""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    azure_region: str


# portal-api-contract §7
REGIONS: dict[str, Region] = {
    r.id: r
    for r in [
        Region("usw", "US-West", "westus"),
        Region("est", "US-East", "eastus"),
        Region("aus", "Australia-East", "australiaeast"),
        Region("eur", "Europe-West", "westeurope"),
        Region("jpn", "Japan-East", "japaneast"),
    ]
}
REGION_CHOICES = [(r.id, r.name) for r in REGIONS.values()]
DEFAULT_REGION = "usw"


def environments() -> dict:
    return settings.PORTAL_ENVIRONMENTS


def environment_slug(environment: str) -> str:
    """"Sandbox" -> "sandbox" (the form the built-in core API uses)."""
    return environments()[environment]["slug"]


def core_api_url(environment: str, region: str) -> str:
    """The base URL (without /v1) of the core API serving `environment` in `region`; "" if none."""
    env = environments().get(environment) or {}
    return (env.get("regions") or {}).get(region, "").rstrip("/")


def builtin_prefix() -> str:
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}/core/"


def is_builtin(url: str) -> bool:
    """True when `url` is this server's own core API (we create marketplaces there directly)."""
    return bool(url) and (url.rstrip("/") + "/").startswith(builtin_prefix())


def regions_for(environment: str) -> list[Region]:
    """Regions in which `environment` has a core API configured, in contract order."""
    configured = (environments().get(environment) or {}).get("regions") or {}
    return [region for rid, region in REGIONS.items() if configured.get(rid)]


def region_name(region: str) -> str:
    r = REGIONS.get(region)
    return r.name if r else region
