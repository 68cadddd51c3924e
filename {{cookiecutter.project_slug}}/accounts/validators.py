"""Username rules beyond Django's: no look-alikes of other people's names.

Django's UnicodeUsernameValidator allows letters of every script, which is right for people
whose names are not Latin, and NFKC normalisation (AbstractUser.normalize_username) folds
compatibility forms such as full-width letters. Neither stops a name that mixes scripts to pass
for another one: a Cyrillic "а" in "аlice" renders exactly like the Latin "a". Names that mix
scripts with characters confusable across them are refused (Unicode TR 39 data, through
confusable_homoglyphs); a case-insensitive unique constraint (accounts.models) stops "Alice"
passing for "alice".
"""

from confusable_homoglyphs import confusables
from django.core.exceptions import ValidationError


def validate_not_confusable(value):
    if confusables.is_dangerous(value):
        raise ValidationError(
            "This username mixes alphabets in a way that can pass for another name; "
            "use letters of one alphabet.",
            code="confusable",
        )
