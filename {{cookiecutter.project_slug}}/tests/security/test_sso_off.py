"""Single sign-on costs nothing when no provider is configured: its apps are not even
installed, and the login page offers none."""

import pytest
from django.apps import apps
from django.test import Client


def test_without_providers_nothing_of_sso_is_loaded(settings):
    assert settings.CHAT_SSO_PROVIDERS == []
    assert not apps.is_installed("allauth.socialaccount")


@pytest.mark.django_db
def test_the_login_page_offers_no_provider():
    assert "/accounts/oidc/" not in Client().get("/accounts/login/").content.decode()
