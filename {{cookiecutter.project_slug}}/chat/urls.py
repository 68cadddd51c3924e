from django.urls import path

from . import profile_views, views, webapp, webhooks
from .push import views as push_views

app_name = "chat"

urlpatterns = [
    path("", views.index, name="index"),
    path("rooms/<int:room_id>/messages/<int:seq>/", views.message_link, name="message"),
    path("api/token/", views.token, name="token"),
    path("api/ticket/", views.ticket, name="ticket"),
    # The id as text: chat.webhooks reads it within a database id's range.
    path("hooks/<str:bot_id>", webhooks.webhook, name="webhook"),
    path("api/attachments/", views.attachment_upload, name="attachment_upload"),
    path("api/push/subscribe/", push_views.subscribe, name="push_subscribe"),
    path("api/push/unsubscribe/", push_views.unsubscribe, name="push_unsubscribe"),
    path("manifest.webmanifest", webapp.manifest, name="manifest"),
    path("icons/<str:name>.png", webapp.icon, name="icon"),
    path("sw.js", webapp.service_worker, name="service_worker"),
    path("attachments/<int:attachment_id>/", views.attachment_file, name="attachment"),
    path("api/profile/avatar/", profile_views.avatar_upload, name="avatar_upload"),
    path("api/account/delete/", profile_views.account_delete, name="account_delete"),
    path("api/profile/export/", profile_views.data_export, name="data_export"),
    path("avatars/<int:user_id>/<str:key>/", profile_views.avatar_file, name="avatar"),
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
