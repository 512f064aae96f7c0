"""Commands about the Moodle side: the local sandbox, the doctor, the companion plugin's zip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from lmsbridge.commands.options import fail, moodle_options, moodle_settings
from lmsbridge.exit_codes import ExitCode


@click.command()
@click.option("--host", envvar="LMSBRIDGE_SANDBOX_HOST", default="127.0.0.1", show_default=True,
              help="Address to bind (env LMSBRIDGE_SANDBOX_HOST); loopback unless you mean to share it.")
@click.option("--port", envvar="LMSBRIDGE_SANDBOX_PORT", type=int, default=0,
              help="Port (env LMSBRIDGE_SANDBOX_PORT) [default: a free one].")
@click.option("--state", envvar="LMSBRIDGE_SANDBOX_STATE", type=click.Path(dir_okay=False),
              help="SQLite file that keeps the sandbox's Moodle across restarts (env LMSBRIDGE_SANDBOX_STATE) "
                   "[default: in memory].")
@click.option("--token", envvar="LMSBRIDGE_SANDBOX_TOKEN", metavar="TOKEN",
              help="Fix the sandbox's main token (env LMSBRIDGE_SANDBOX_TOKEN) [default: the stored one, else new].")
@click.option("--max-input-vars", envvar="LMSBRIDGE_SANDBOX_MAX_INPUT_VARS", type=int, default=5000,
              show_default=True, help="PHP max_input_vars to imitate (env LMSBRIDGE_SANDBOX_MAX_INPUT_VARS).")
@click.option("--debug", envvar="LMSBRIDGE_SANDBOX_DEBUG", is_flag=True,
              help="Send debuginfo in errors, like a site in developer debugging (env LMSBRIDGE_SANDBOX_DEBUG).")
@click.option("--latency-ms", envvar="LMSBRIDGE_SANDBOX_LATENCY_MS", type=float, default=0.0,
              help="Delay per call (env LMSBRIDGE_SANDBOX_LATENCY_MS); a real site costs about 25.")
@click.option("--per-row-ms", envvar="LMSBRIDGE_SANDBOX_PER_ROW_MS", type=float, default=0.0,
              help="Extra delay per item sent or returned (env LMSBRIDGE_SANDBOX_PER_ROW_MS).")
@click.option("--fail-rate", envvar="LMSBRIDGE_SANDBOX_FAIL_RATE", type=click.FloatRange(0, 1), default=0.0,
              help="Fraction of calls answered HTTP 5xx, not applied (env LMSBRIDGE_SANDBOX_FAIL_RATE).")
@click.option("--reset-rate", envvar="LMSBRIDGE_SANDBOX_RESET_RATE", type=click.FloatRange(0, 1), default=0.0,
              help="Fraction of calls whose connection is reset, not applied (env LMSBRIDGE_SANDBOX_RESET_RATE).")
@click.option("--timeout-rate", envvar="LMSBRIDGE_SANDBOX_TIMEOUT_RATE", type=click.FloatRange(0, 1), default=0.0,
              help="Fraction of calls that hang --timeout-s, then apply (env LMSBRIDGE_SANDBOX_TIMEOUT_RATE).")
@click.option("--timeout-s", envvar="LMSBRIDGE_SANDBOX_TIMEOUT_S", type=float, default=5.0, show_default=True,
              help="How long a timed-out call hangs (env LMSBRIDGE_SANDBOX_TIMEOUT_S).")
@click.option("--drop-rate", envvar="LMSBRIDGE_SANDBOX_DROP_RATE", type=click.FloatRange(0, 1), default=0.0,
              help="Fraction of calls applied whose response is then lost (env LMSBRIDGE_SANDBOX_DROP_RATE).")
@click.option("--seed", envvar="LMSBRIDGE_SANDBOX_SEED", type=int, default=0, show_default=True,
              help="Seed of the fault RNG, for repeatable runs (env LMSBRIDGE_SANDBOX_SEED).")
def sandbox(host: str, port: int, state: str | None, token: str | None, max_input_vars: int, debug: bool,
            latency_ms: float, per_row_ms: float, fail_rate: float, reset_rate: float, timeout_rate: float,
            timeout_s: float, drop_rate: float, seed: int) -> None:
    """Run a local Moodle-5.0-compatible web-service endpoint until Ctrl-C.

    Example: lmsbridge sandbox --port 8765 --state sandbox.sqlite
    """
    from lmsbridge.sandbox.cli import run_sandbox

    run_sandbox(host=host, port=port, state=state, token=token, max_input_vars=max_input_vars, debug=debug,
                faults=dict(latency_ms=latency_ms, per_row_ms=per_row_ms, fail_rate=fail_rate,
                            reset_rate=reset_rate, timeout_rate=timeout_rate, timeout_s=timeout_s,
                            drop_rate=drop_rate, seed=seed), echo=click.echo)



@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@moodle_options
def doctor(as_json: bool, **o: Any) -> None:
    """Check that Moodle is reachable and the token's service has what lmsbridge needs.

    Exit 0 when ready, 4 when Moodle is unreachable or a required function is missing.

    \b
    Example:
      LMSBRIDGE_MOODLE_TOKEN=... lmsbridge doctor --url https://moodle.example.org
    """
    from lmsbridge.doctor import format_report, run_doctor

    report = run_doctor(moodle_settings(o))
    click.echo(report.model_dump_json(indent=2) if as_json else format_report(report))
    raise SystemExit(report.exit_code)



@click.command("moodle-plugin")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("local_lmsbridge.zip"),
              show_default=True, help="Where to write the plugin's zip.")
def moodle_plugin(out: Path) -> None:
    """Write the companion Moodle plugin (local_lmsbridge) as the zip an administrator installs, and say how.

    The zip has one top folder, lmsbridge/, as Moodle's plugin installer expects; the same lmsbridge version
    always writes the same bytes.

    \b
    Example:
      lmsbridge moodle-plugin --out local_lmsbridge.zip
    """
    from lmsbridge.plugin_zip import PluginError, install_instructions, write_plugin_zip

    try:
        result = write_plugin_zip(out)
    except (PluginError, OSError) as e:
        fail(f"lmsbridge moodle-plugin: {e}", ExitCode.BAD_INPUT)
    click.echo(f"{result.path}  {result.size} bytes  sha1 {result.sha1}  local_lmsbridge {result.release} "
               f"(version {result.version}, {result.files} files)")
    click.echo(install_instructions(result.path))


