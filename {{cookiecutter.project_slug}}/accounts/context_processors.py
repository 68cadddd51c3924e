from django.conf import settings


def signup(request):
    """Whether pages offer a sign-up link to anyone (CHAT_SIGNUP "open"), and whether members
    may invite people (CHAT_SIGNUP_INVITES_BY_MEMBERS)."""
    return {
        "signup_open": settings.CHAT_SIGNUP == "open",
        "may_invite": settings.CHAT_SIGNUP_INVITES_BY_MEMBERS,
    }
