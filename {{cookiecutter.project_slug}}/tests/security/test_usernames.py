"""Sign-up refuses names that pass for someone else's."""

import pytest
from allauth.account.forms import SignupForm

pytestmark = [pytest.mark.django_db]


def signup(username, email="new@example.com"):
    return SignupForm(
        data={
            "username": username,
            "email": email,
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        }
    )


def test_a_mixed_script_look_alike_is_refused(alice):
    form = signup("\u0430lice")  # Cyrillic a, then Latin "lice": renders as "alice"
    assert not form.is_valid()
    assert "alphabets" in str(form.errors["username"])


def test_a_name_differing_only_in_case_is_refused(alice):
    form = signup("Alice")
    assert not form.is_valid()
    assert "already" in str(form.errors["username"])


def test_names_in_one_script_are_welcome(rf):
    for index, name in enumerate(("\u0430\u043d\u043d\u0430", "zoë", "ålice_2")):
        form = signup(name, email=f"user{index}@example.com")
        assert form.is_valid(), (name, form.errors)


def test_full_width_letters_are_folded_to_the_name_they_show(alice):
    form = signup("\uff41\uff4c\uff49\uff43\uff45")  # "ａｌｉｃｅ"
    assert not form.is_valid()
    assert "already" in str(form.errors["username"])
