from django.conf import settings


def site(request):
    return {"site_name": settings.SITE_NAME, "push_public_key": settings.VAPID_PUBLIC_KEY}
