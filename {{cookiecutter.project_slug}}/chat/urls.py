from django.urls import path

from . import views, webapp
from .push import views as push_views

app_name = "chat"

urlpatterns = [
    path("", views.index, name="index"),
    path("rooms/<int:room_id>/messages/<int:seq>/", views.message_link, name="message"),
    path("api/token/", views.token, name="token"),
    path("api/ticket/", views.ticket, name="ticket"),
    path("api/attachments/", views.attachment_upload, name="attachment_upload"),
    path("api/push/subscribe/", push_views.subscribe, name="push_subscribe"),
    path("api/push/unsubscribe/", push_views.unsubscribe, name="push_unsubscribe"),
    path("manifest.webmanifest", webapp.manifest, name="manifest"),
    path("icons/<str:name>.png", webapp.icon, name="icon"),
    path("sw.js", webapp.service_worker, name="service_worker"),
    path("attachments/<int:attachment_id>/", views.attachment_file, name="attachment"),
    path(
        "digests/unsubscribe/<str:token>/",
        views.digest_unsubscribe,
        name="digest-unsubscribe",
    ),
    path(
        "attachments/<int:attachment_id>/thumbnail/",
        views.attachment_file,
        {"thumbnail": True},
        name="attachment_thumbnail",
    ),
]
