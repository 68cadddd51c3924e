"""The production storage for static files: hashed names, and ES-module imports that use them.

In production every static file is served under a name with its content's hash in it
(``chat/app/rooms.3f2a9c1b.js``), cached by browsers for a year, and templates link those
names through the ``static`` template tag. The chat page's JavaScript is native ES modules,
with no build step, that load each other by relative path: ``from "./rooms.js"``. Left as is,
such an import would load the unhashed file, a name whose content changes with every deploy
(a page could run a new module against a cached old one) and that
``WHITENOISE_KEEP_ONLY_HASHED_FILES`` would delete. Django's manifest storage rewrites the
imports of ``*.js`` files to the hashed names when ``support_js_module_import_aggregation`` is
on; this class turns it on for whitenoise's compressed manifest storage.

What Django rewrites (django/contrib/staticfiles/storage.py): ``import ... from "./x.js"``
(names, braces, ``* as name``), ``export ... from "./x.js"``, ``import "./x.js"`` and
``import("./x.js")`` with a literal path. The path must start with ``.`` or ``/``; a path
built at run time is not rewritten. A match starts at the word ``import`` or ``export`` and
runs to the next ``from "..."`` without crossing a ``;``, and one that starts in a comment or a
string is left alone whole: end every statement with ``;``, and keep "import" or "export"
followed by a space or a brace out of the comments above a module's imports.

A module's hash depends on the hashed names it imports, so Django repeats its pass over the
files until no name changes. It visits them in folder order, not import order: in the worst
case each pass settles one more level of the import graph, and the page's longest import chain
(app.js down to client/protocol.js) is longer than Django's default of 5 passes.
tests/integration/test_static_modules.py collects the files with this storage, checks every
import of the page's module graph, and fails if the chain outgrows max_post_process_passes.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CompressedManifestModulesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
    max_post_process_passes = 20
