"""What the sync starts from, read and checked row by row: the programmes' moodle.toml (``delivery``), the
participant rosters (``roster``) and the training events' results (``results``)."""
