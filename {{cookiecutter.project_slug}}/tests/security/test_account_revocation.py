"""The account pages end open sockets as the admin and "log out everywhere" do.

Changing the password, resetting it from an emailed link and changing the email address
through allauth's pages close every open socket of the user with 4010 (the browser that made
the change stays logged in); logging out closes that browser's page socket.
"""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from asgiref.sync import sync_to_async
from django.core import mail
from django.test import Client

from tests.clients import connect_communicator

pytestmark = [pytest.mark.django_db(transaction=True)]

REVOKED = 4010
NEW_PASSWORD = "a-new-pass-phrase-for-tests"


async def closed_with(client, timeout=5):
    from tests.clients import ConnectionClosedError

    with pytest.raises(ConnectionClosedError) as closed:
        await client.until(lambda envelope: False, timeout)
    return closed.value.code


@pytest.fixture
def mailing(settings):
    settings.EMAIL_CONFIGURED = True
    return settings


def with_address(user, email, verified=True):
    user.email = email
    user.save(update_fields=["email"])
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


def logged_in(user):
    browser = Client()
    browser.force_login(user)
    return browser


async def page_socket(browser):
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()
    return await connect_communicator(headers=[(b"cookie", cookie)])


async def test_changing_the_password_on_the_page_closes_every_socket(connect, alice, bob):
    browser = await sync_to_async(logged_in)(alice)
    sockets = [await connect(alice), await page_socket(browser)]
    bystander = await connect(bob)
    response = await sync_to_async(browser.post)(
        "/accounts/password/change/",
        {"oldpassword": "pw-for-tests", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    for socket in sockets:
        assert await closed_with(socket) == REVOKED
    # The browser that changed it stays logged in: its page reconnects.
    again = await page_socket(browser)
    await again.ok("session.heartbeat")
    await again.close()
    await bystander.ok("session.heartbeat")


async def test_resetting_the_password_from_the_email_closes_every_socket(connect, mailing, alice):
    await sync_to_async(with_address)(alice, "alice@example.com")
    socket = await connect(alice)
    stranger = Client()
    response = await sync_to_async(stranger.post)(
        "/accounts/password/reset/", {"email": "alice@example.com"}
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", message.body)
    assert link, message.body
    # The link redirects to a page without the key in its URL, which takes the new password.
    form_page = await sync_to_async(stranger.get)(link.group(1), follow=True)
    path = form_page.redirect_chain[-1][0]
    response = await sync_to_async(stranger.post)(
        path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert await closed_with(socket) == REVOKED


async def test_changing_the_email_address_closes_the_other_logins(connect, mailing, alice):
    await sync_to_async(with_address)(alice, "alice@example.com")
    browser, other_browser = await sync_to_async(logged_in)(alice), Client()
    await sync_to_async(other_browser.force_login)(alice)
    token_socket, other_page = await connect(alice), await page_socket(other_browser)
    response = await sync_to_async(browser.post)(
        "/accounts/email/", {"action_add": "", "email": "alice@new.example"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    await token_socket.ok("session.heartbeat")  # nothing changes until the new one is confirmed
    new = await sync_to_async(EmailAddress.objects.get)(email="alice@new.example")
    key = EmailConfirmationHMAC(new).key
    response = await sync_to_async(browser.post)(f"/accounts/confirm-email/{key}/")
    assert response.status_code == 302
    assert await closed_with(token_socket) == REVOKED
    assert await closed_with(other_page) == REVOKED
    assert (await sync_to_async(other_browser.get)("/")).status_code == 302  # logged out
    assert (await sync_to_async(browser.get)("/")).status_code == 200  # still logged in
    addresses = await sync_to_async(list)(
        EmailAddress.objects.filter(user=alice).values_list("email", flat=True)
    )
    assert addresses == ["alice@new.example"]


async def test_logging_out_on_the_logout_page_closes_that_browsers_page(connect, alice):
    browser, other_browser = await sync_to_async(logged_in)(alice), Client()
    await sync_to_async(other_browser.force_login)(alice)
    page, other_page = await page_socket(browser), await page_socket(other_browser)
    assert (await sync_to_async(browser.get)("/accounts/logout/")).status_code == 200
    response = await sync_to_async(browser.post)("/accounts/logout/")
    assert response.status_code == 302
    assert await closed_with(page) == REVOKED
    await other_page.ok("session.heartbeat")
    await other_page.close()
