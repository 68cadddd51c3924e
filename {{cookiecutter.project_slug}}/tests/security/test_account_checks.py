"""`check --deploy` warns when accounts depend on email that nothing sends."""

import pytest

from testservers.live import base_env, manage


@pytest.mark.parametrize(
    ("overrides", "warned"),
    [
        ({}, True),
        ({"ACCOUNT_EMAIL_VERIFICATION": "optional"}, True),
        ({"EMAIL_HOST": "smtp.example.com"}, False),
        ({"MAILGUN_SMTP_SERVER": "smtp.mailgun.org"}, False),
        ({"ACCOUNT_EMAIL_VERIFICATION": "none"}, False),
    ],
)
def test_the_deploy_check_warns_when_no_email_can_be_sent(tmp_path, overrides, warned):
    result = manage(base_env(tmp_path, **overrides), "check", "--deploy", check=False)
    assert ("accounts.W001" in result.stdout + result.stderr) == warned
