from django.urls import path

from . import views

app_name = "chat"

urlpatterns = [
    path("", views.index, name="index"),
    path("api/token/", views.token, name="token"),
    path("api/ticket/", views.ticket, name="ticket"),
]
