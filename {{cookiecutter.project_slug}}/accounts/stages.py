"""The login stages of django-allauth that the project changes."""

from allauth.account import stages
from allauth.account.models import EmailAddress


class EmailVerificationStage(stages.EmailVerificationStage):
    """allauth's stage, for accounts that have an address on record.

    Sign-up asks for an address, so only accounts made another way have none: by an admin,
    by createsuperuser, or before the project asked for addresses. Mandatory verification
    would lock those out with nothing to verify; they log in with their password as before
    and can add an address, which is then confirmed like anyone's.
    """

    def handle(self):
        user = self.login.user  # None while a sign-up with a taken address is played out
        if user is not None and not EmailAddress.objects.filter(user_id=user.pk).exists():
            return None, True
        return super().handle()
