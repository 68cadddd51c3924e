"""A cookie-keeping HTTP client that fills in forms as a browser would, for live-server tests.

It follows redirects, sends the page's CSRF token with every form and says where it ended up.
"""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass
class Reply:
    status: int
    url: str  # where the redirects ended
    page: str

    @property
    def path(self):
        return urllib.parse.urlsplit(self.url).path


class WebClient:
    def __init__(self, base_url, headers=None):
        self.base_url = base_url
        self.headers = {"Referer": base_url + "/", **(headers or {})}
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path_or_url):
        return self._open(urllib.request.Request(self._url(path_or_url), headers=self.headers))

    def post_form(self, path_or_url, fields, form_page=None):
        """GET the form (or use ``form_page``), then POST ``fields`` with its CSRF token."""
        form_page = form_page or self.get(path_or_url)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.page)
        assert found, (form_page.status, form_page.page[:2000])
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": found.group(1)}).encode()
        request = urllib.request.Request(
            self._url(form_page.url), data=data, headers=self.headers, method="POST"
        )
        return self._open(request)

    def _url(self, path_or_url):
        return path_or_url if "://" in path_or_url else self.base_url + path_or_url

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=30) as response:
                return Reply(response.status, response.geturl(), response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.geturl(), error.read().decode())
