"""{% ways_to_confirm user as ways %}: how the page asks ``user`` to confirm it is them
before deleting their account (accounts.reauth)."""

from django import template

from accounts import reauth

register = template.Library()


@register.simple_tag
def ways_to_confirm(user):
    return reauth.ways_to_confirm(user)
