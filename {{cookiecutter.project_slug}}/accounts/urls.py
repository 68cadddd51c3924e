"""The account pages: django-allauth's, under the project's names for the main three.

``login``, ``logout`` and ``signup`` stay the names the rest of the project (and
LOGIN_URL) uses; they are allauth's views at allauth's own paths.
"""

from allauth.account import views as allauth_views
from django.urls import include, path

from . import invitation_views, token_views, views

urlpatterns = [
    path("login/", allauth_views.login, name="login"),
    path("logout/", allauth_views.logout, name="logout"),
    path("signup/", allauth_views.signup, name="signup"),
    path("logout/everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("invite/<str:token>/", invitation_views.accept_invitation, name="accept_invitation"),
    path("invitations/", invitation_views.invitation_list, name="invitations"),
    path(
        "invitations/<int:pk>/revoke/",
        invitation_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("tokens/", token_views.token_list, name="access_tokens"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="access_token_revoke"),
    path("", include("allauth.urls")),
]
