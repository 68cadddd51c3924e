"""The Python 3.14 the default bake is tested on, and the checks on what it is made from."""

import functools
import hashlib
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import find_python
from tools import debian_python


@pytest.fixture
def archive(tmp_path):
    """A loopback HTTP server standing in for Debian's archive, serving ``tmp_path/archive``."""
    root = tmp_path / "archive"
    (root / "pool").mkdir(parents=True)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_package_that_differs_from_its_pin_is_refused_and_not_kept(
    archive, tmp_path, monkeypatch
):
    root, url = archive
    (root / "pool" / "python.deb").write_bytes(b"not the pinned package")
    monkeypatch.setattr(debian_python, "MIRROR", url)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with pytest.raises(SystemExit, match=r"pool/python\.deb: SHA-256 .*re-pin"):
        debian_python.download("pool/python.deb", "0" * 64, downloads)
    assert not list(downloads.iterdir())


def test_a_package_that_matches_its_pin_is_kept(archive, tmp_path, monkeypatch):
    root, url = archive
    data = b"the pinned package"
    (root / "pool" / "python.deb").write_bytes(data)
    monkeypatch.setattr(debian_python, "MIRROR", url)
    kept = debian_python.download("pool/python.deb", hashlib.sha256(data).hexdigest(), tmp_path)
    assert kept.read_bytes() == data


def test_the_default_bakes_python_has_what_the_project_needs():
    # make test provides it (make python3.14): the machine's own or Debian's in build/.
    python = find_python("3.14")
    assert python is not None, "run make python3.14"
    script = (
        "import sys, ssl, sqlite3, venv; "
        "print('%d.%d' % sys.version_info[:2]); "
        "print(len(ssl.create_default_context().get_ca_certs()) > 0)"
    )
    result = subprocess.run([python, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["3.14", "True"]


def test_an_unpacked_python_is_used_only_once_complete_and_after_the_machines_own(tmp_path):
    folder = tmp_path / "python3.14"
    fake = folder / "usr" / "bin" / "python3.14"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\necho 3.14\n")
    fake.chmod(0o755)
    own = debian_python.find("3.14")
    # Without the marker written after the check, the unpacking stopped half-way.
    assert debian_python.find("3.14", folder) == own
    (folder / ".installed").touch()
    assert debian_python.find("3.14", folder) == (own or str(fake))
