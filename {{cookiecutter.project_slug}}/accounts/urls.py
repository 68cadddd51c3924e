from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("logout/everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("signup/", views.signup, name="signup"),
]
