"""ASGI entry point: HTTP goes to Django, WebSockets to the chat consumer.

Uvicorn serves this module (see Procfile). Django is set up before anything imports models,
which is why the chat imports come after get_asgi_application().
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chat.auth import SameOriginValidator, TokenAuthMiddleware  # noqa: E402
from chat.routing import websocket_urlpatterns  # noqa: E402
from chat.upload_limit import UploadLimitMiddleware  # noqa: E402
from config.body_limit import BodyLimitMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        # A body over its path's size limit is refused before Django reads it; an upload's
        # with the answers its clients know.
        "http": UploadLimitMiddleware(BodyLimitMiddleware(django_asgi_app)),
        # A browser's socket must come from the page's own origin: a cookie-authenticated
        # socket opened by any other page would otherwise act as the signed-in user.
        "websocket": SameOriginValidator(TokenAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)

# What is loaded by now (Django, the apps, their modules: some 80,000 objects) lives as long
# as the process. Left to the garbage collector, every full collection walks all of it, a
# pause of 50 to 200 ms on a small dyno during which no socket of the process is served.
# Frozen, the collector only walks what the process makes afterwards.
gc.freeze()
