"""Browser tests: the real app served by uvicorn on a free local port, driven by Playwright
through Debian's chromium (/usr/bin/chromium). Screenshots land in ``test-artifacts/``."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from lifenet.network.demo import DEMO_PASSWORD
from tests.conftest import World

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def live_server(world: World) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(world.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("LIFENET_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (and fonts-noto-cjk)")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


LOGIN_LABELS = {"zh": ("用户名", "密码", "登录"), "en": ("Username", "Password", "Log in")}


def chinese_context(browser: Any) -> Any:
    """A browser context of a user whose browser asks for Simplified Chinese."""
    return browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})


def log_in(page: Any, live_server: str, username: str, language: str = "zh") -> None:
    """Log in with the demo password through the log-in page, as a person would."""
    user, password, button = LOGIN_LABELS[language]
    page.goto(f"{live_server}/login")
    page.get_by_label(user).fill(username)
    page.get_by_label(password).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(f"{live_server}/")


def chinese_page(browser: Any, live_server: str, username: str) -> tuple[Any, Any]:
    """A new Chinese-speaking browser context and its page, logged in as ``username``."""
    context = chinese_context(browser)
    page = context.new_page()
    log_in(page, live_server, username)
    return context, page
