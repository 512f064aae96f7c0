"""The command line's commands by area, each holding options and printing only: ``moodle`` (sandbox, doctor,
moodle-plugin), ``sync`` (plan, apply, sync), ``report`` (report, certificates); ``options`` holds what they
share. ``lmsbridge.cli`` gathers them (with build, validate and demo) into the ``lmsbridge`` command."""
