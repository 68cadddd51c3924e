"""The Procfile's commands, as Heroku would run them from this folder."""

import re

from testservers.live import PROJECT

STUNNEL = (PROJECT / "bin" / "start-stunnel").exists()


def procfile_commands():
    """Return {process type: command} from the Procfile, its one template conditional rendered.

    In the template folder the Procfile still holds the stunnel option's if/endif tags; they
    are rendered the way baking would, judged by whether bin/start-stunnel exists.
    """
    text = (PROJECT / "Procfile").read_text()
    text = re.sub(
        r"\{%-?\s*if \w+\.use_stunnel\s*-?%\}(.*?)\{%-?\s*endif\s*-?%\}",
        lambda match: match.group(1) if STUNNEL else "",
        text,
        flags=re.DOTALL,
    )
    assert "{%" not in text and "{{" not in text, f"unexpected template code:\n{text}"
    commands = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            process_type, _, command = line.partition(":")
            commands[process_type.strip()] = command.strip()
    return commands
