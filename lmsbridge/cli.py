"""The command line: a thin click face over the library. Commands hold no logic of their own.

Every option can also come from the environment (LMSBRIDGE_*), or from a `.env` file in the current directory;
a flag on the command line wins.
"""

from __future__ import annotations

import click
from dotenv import load_dotenv


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lmsbridge")
def cli() -> None:
    """Build SCORM packages of the training modules and keep Moodle in line with the programme records."""


# Commands by area; each calls one library function. Options that are settings name their variable explicitly
# (envvar="LMSBRIDGE_..."), so that the same name works in the environment, in .env and in the README.

# --- build, validate (scorm/) ---

# --- sandbox (lmsbridge/sandbox/) ---

# --- doctor (lmsbridge/moodle/) ---

# --- demo: the README's main command ---


def main() -> None:
    # The environment wins over .env (override=False), and flags win over both (click).
    load_dotenv(".env", override=False)
    cli()
