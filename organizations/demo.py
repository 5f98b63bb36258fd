"""Demo rows for `manage.py demo_data`: a Sandbox organization owned by the demo user."""

from organizations import services
from organizations.models import Environment, Organization

DEMO_ORG_ID = "demo-marketplace"


def demo_data(*, stdout, demo_user) -> None:
    org = Organization.objects.filter(environment=Environment.SANDBOX, oc_id__iexact=DEMO_ORG_ID).first()
    if org is None:
        org = services.organization_create(actor=demo_user, oc_id=DEMO_ORG_ID, name="Demo Marketplace", region="usw")
        stdout.write(f"Created the Sandbox organization {org.oc_id} ({org.core_api_url}) owned by {demo_user.username}.")
    else:
        stdout.write(f"Sandbox organization {org.oc_id} already exists.")
