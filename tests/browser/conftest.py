"""Fixtures of the browser tests (the machinery is in lms_player.py, importable by the tests by that name)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lms_player import (HERE, SCORM_AGAIN, TIMEOUT, LmsServer, Package, Packages, Sco,
                        learner)


# ------------------------------------------------------------------------------------------------------------
# Fixtures
# ------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser(browser: Any) -> Any:
    """The run's Chromium (tests/conftest.py), once scorm-again, the LMS side of these tests, is there."""
    if not (SCORM_AGAIN / "scorm12.js").is_file():
        pytest.skip(f"needs scorm-again in {HERE / 'node_modules'}: run `npm ci` in tests/browser (tests/run does)")
    return browser


@pytest.fixture(scope="session")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Packages:
    return Packages(tmp_path_factory.mktemp("sco-packages"))


@pytest.fixture(scope="session")
def lms_server(packages: Packages) -> Iterator[LmsServer]:
    server = LmsServer(packages.root / "pkg")
    yield server
    server.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context()
    ctx.set_default_timeout(TIMEOUT * 1000)
    yield ctx
    ctx.close()


@pytest.fixture
def launch(context: Any, lms_server: LmsServer) -> Callable[..., Sco]:
    """launch(package, cmi=None, lms=True, **options) -> Sco: opens the package framed by the harness (alone with
    lms=False; in a popup window with popup=True; options go to the harness, see harness.html)."""

    def _launch(package: Package, cmi: dict[str, str] | None = None, lms: bool = True, **options: Any) -> Sco:
        page = context.new_page()
        if not lms:
            page.goto(lms_server.url + package.url_path)
            return Sco(page, None, lms_server)
        session = lms_server.session(package.version, package.url_path,
                                     cmi if cmi is not None else learner(package.version), options)
        url = f"{lms_server.url}/harness.html?session={session.id}"
        if options.get("popup"):
            with context.expect_page() as popup:
                page.goto(url)
            sco_page = popup.value
            sco_page.wait_for_load_state()
            return Sco(sco_page, session, lms_server, harness=page)
        page.goto(url)
        return Sco(page, session, lms_server)

    return _launch
