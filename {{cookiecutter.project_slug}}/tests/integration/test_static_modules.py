"""The chat page's ES modules as production serves them: hashed names, rewritten imports.

collectstatic runs with the production settings (config/settings.py, whose storage is
config/storage.py) into a temporary folder. From the entry module the test follows every
import, as a browser would, and checks that each names the hashed file of its target, and that
the file exists. The browser tests then load that same module graph under the site's
Content-Security-Policy.
"""

import json
import os
import posixpath
import re

import pytest

from config.storage import CompressedManifestModulesStorage
from testservers.live import PROJECT, base_env, manage

pytestmark = pytest.mark.timeout(120)

STATIC = PROJECT / "chat" / "static"
ENTRY = "chat/app.js"
TEMPLATE = PROJECT / "chat" / "templates" / "chat" / "index.html"
# The module specifier of each import or re-export: `... from "x"`, `import "x"`, `import("x")`.
SPECIFIER = re.compile(
    r"""^\s*(?:import|export)\b[^;"']*?\bfrom\s*["']([^"']+)["']"""
    r"""|^\s*import\s*["']([^"']+)["']"""
    r"""|\bimport\(\s*["']([^"']+)["']\s*\)""",
    re.M,
)
HASHED = re.compile(r"\.[0-9a-f]{12}\.js$")

SETTINGS = '''\
"""The production settings, with static files collected into the test's folder."""

from config.settings import *  # noqa: F403

STATIC_ROOT = {static_root!r}
'''


# Comments, which neither a browser nor Django's rewriting reads: JSDoc types name modules in
# them (`{import("./events.js").Room}`) that the page never loads.
COMMENT = re.compile(r"/\*.*?\*/|^\s*//[^\n]*", re.S | re.M)


def specifiers(code):
    return ["".join(groups) for groups in SPECIFIER.findall(COMMENT.sub("", code))]


def source_modules():
    """Every module the page loads: all but those that only declare types for editors."""
    return sorted(
        path.relative_to(STATIC).as_posix()
        for path in STATIC.rglob("*.js")
        if COMMENT.sub("", path.read_text()).strip() != "export {};"
    )


def module_graph():
    """Return {module: [modules it imports]} for the source files, paths relative to STATIC."""
    graph = {}
    for name in source_modules():
        targets = specifiers((STATIC / name).read_text())
        graph[name] = [
            posixpath.normpath(posixpath.join(posixpath.dirname(name), t)) for t in targets
        ]
    return graph


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """Run collectstatic with the production storage; return (static root, manifest paths)."""
    workdir = tmp_path_factory.mktemp("collectstatic")
    static_root = workdir / "static"
    (workdir / "static_settings.py").write_text(SETTINGS.format(static_root=str(static_root)))
    env = base_env(
        workdir,
        DJANGO_SETTINGS_MODULE="static_settings",
        PYTHONPATH=os.pathsep.join([str(workdir), str(PROJECT)]),
    )
    result = manage(env, "collectstatic", "--no-input", "--ignore", "admin", check=False)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    return static_root, manifest["paths"]


def test_every_import_of_the_page_names_an_existing_hashed_file(collected):
    static_root, paths = collected
    seen = set()
    todo = [ENTRY]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        hashed = paths[name]
        assert HASHED.search(hashed), hashed
        code = (static_root / hashed).read_text()
        for specifier in specifiers(code):
            assert specifier.startswith("."), f"{hashed}: {specifier!r} is not relative"
            target = posixpath.normpath(posixpath.join(posixpath.dirname(hashed), specifier))
            assert (static_root / target).is_file(), f"{hashed}: {specifier!r} does not exist"
            assert HASHED.search(specifier), f"{hashed}: {specifier!r} is not a hashed name"
            # The name the import uses is the manifest's, the one the template links.
            source = re.sub(r"\.[0-9a-f]{12}\.js$", ".js", target)
            assert paths[source] == target, f"{hashed}: {specifier!r} is not {paths[source]}"
            todo.append(source)
    # The graph from the entry reaches every module there is: none is left unchecked.
    assert seen == set(source_modules())


def test_the_import_chain_fits_in_the_storage_passes():
    """Django settles at least one level of imports per pass: the chain must stay shorter."""
    graph = module_graph()
    depth = {}

    def height(name, path=()):
        assert name not in path, f"import cycle: {' -> '.join((*path, name))}"
        if name not in depth:
            depth[name] = max((height(t, (*path, name)) + 1 for t in graph[name]), default=0)
        return depth[name]

    longest = max(height(name) for name in graph)
    assert longest < CompressedManifestModulesStorage.max_post_process_passes, longest


def test_the_page_preloads_every_module():
    preloaded = re.findall(
        r"""<link rel="modulepreload" href="\{% static '([^']+)' %\}">""", TEMPLATE.read_text()
    )
    assert sorted(preloaded) == source_modules()
