"""ASGI entry point: HTTP goes to Django, WebSockets to the chat consumer.

Uvicorn serves this module (see Procfile). Django is set up before anything imports models,
which is why the chat imports come after get_asgi_application().
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chat.auth import SameOriginValidator, TokenAuthMiddleware  # noqa: E402
from chat.routing import websocket_urlpatterns  # noqa: E402
from chat.upload_limit import UploadLimitMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        # An upload over the size limit is refused before its body is read.
        "http": UploadLimitMiddleware(django_asgi_app),
        # A browser's socket must come from the page's own origin: a cookie-authenticated
        # socket opened by any other page would otherwise act as the signed-in user.
        "websocket": SameOriginValidator(TokenAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
