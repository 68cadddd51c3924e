"""Confirming that the person at the keyboard is the account's owner, before an action that
cannot be undone (deleting the account).

One function, so that a stronger check (a second factor, a recent login) replaces it in one
place: every such action asks here.
"""


def identity_confirmed(request, user, *, password):
    """Whether ``password`` is ``user``'s: the owner, not someone at an unlocked screen."""
    return bool(password) and user.check_password(password)
