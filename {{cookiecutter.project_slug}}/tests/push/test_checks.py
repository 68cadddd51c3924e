"""`manage.py check --deploy` warns about Web Push settings no production site means."""

from chat.checks import push_settings_check


def ids():
    return [warning.id for warning in push_settings_check(None)]


def test_one_key_alone_and_loopback_endpoints_in_production_are_warned_about(settings):
    settings.DEBUG = False
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = "public", ""
    settings.CHAT = {**settings.CHAT, "PUSH_ALLOW_LOOPBACK": True}
    assert ids() == ["chat.W002", "chat.W003"]
    settings.VAPID_PRIVATE_KEY = "private"
    settings.CHAT = {**settings.CHAT, "PUSH_ALLOW_LOOPBACK": False}
    assert ids() == []


def test_the_push_subject_falls_back_to_what_push_services_take(settings):
    from chat.push.sender import subject

    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = "public", "private"
    settings.VAPID_SUBJECT, settings.DEFAULT_FROM_EMAIL = "", "Team <chat@example.com>"
    settings.SITE_URL = "http://127.0.0.1:8000"  # DEBUG's: not an https URL
    assert subject() == "mailto:chat@example.com"
    settings.SITE_URL = "https://chat.example.com"
    assert subject() == "https://chat.example.com"
    settings.VAPID_SUBJECT = "ops at example"
    assert ids() == ["chat.W004"]
