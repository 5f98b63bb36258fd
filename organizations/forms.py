"""HTML forms: parse and shape input only; every rule lives in services."""

from django import forms

from organizations import environments
from organizations.models import OC_ID_MAX_LENGTH, Environment
from organizations.roles import ALL_ROLES
from organizations.services import (
    ERR_ID_REQUIRED,
    ERR_ID_TOO_LONG,
    ERR_NAME_REQUIRED,
    ERR_NAME_TOO_LONG,
    ERR_REASON_REQUIRED,
)

# a blank or over-long field says what the services say (not Django's "This field is required.")
NAME_ERRORS = {"required": ERR_NAME_REQUIRED, "max_length": ERR_NAME_TOO_LONG}


def _region_choices(environment: str):
    return [(r.id, r.name) for r in environments.regions_for(environment)]


class OrganizationCreateForm(forms.Form):
    oc_id = forms.CharField(
        label="Id", max_length=OC_ID_MAX_LENGTH, error_messages={"required": ERR_ID_REQUIRED, "max_length": ERR_ID_TOO_LONG},
        help_text="Letters, digits, '-' and '_'. Used in API URLs and tokens; it cannot be changed later.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "my-marketplace"}),
    )
    name = forms.CharField(max_length=200, error_messages=NAME_ERRORS,
                           widget=forms.TextInput(attrs={"placeholder": "My Marketplace"}))
    region = forms.ChoiceField(choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices(Environment.SANDBOX)


class ProductionRequestForm(OrganizationCreateForm):
    reason = forms.CharField(
        max_length=4000, error_messages={"required": ERR_REASON_REQUIRED},
        widget=forms.Textarea(attrs={"rows": 4, "class": "prose"}),
        help_text="What will run on it, expected go-live date, contract or order reference.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices(Environment.PRODUCTION)


class RenameForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages=NAME_ERRORS)


class ContributorForm(forms.Form):
    username = forms.CharField(max_length=150, error_messages={"required": "Choose a user to invite."})
    is_admin = forms.BooleanField(required=False, label="Organization Admin")
    roles = forms.MultipleChoiceField(required=False, choices=[(r, r) for r in ALL_ROLES])
    impersonate_seller = forms.BooleanField(required=False, label="Impersonate seller users")
    impersonate_supplier = forms.BooleanField(required=False, label="Impersonate supplier users")
    impersonate_buyer = forms.BooleanField(required=False, label="Impersonate buyer users")


class TransferForm(forms.Form):
    new_owner = forms.CharField(max_length=150, error_messages={"required": "Choose the new owner."})
    code = forms.CharField(max_length=12, required=False)


class CodeForm(forms.Form):
    code = forms.CharField(max_length=12, required=False)


ERR_DECISION = "Choose Approve or Reject."


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")],
                                 error_messages={"required": ERR_DECISION, "invalid_choice": ERR_DECISION})
    message = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
