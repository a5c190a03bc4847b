"""End-to-end tests in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright).
They never skip: a missing browser is a failure, and `make test` installs it."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# Playwright's sync API runs an event loop in this thread; the Django ORM calls made by the test
# itself (setting up data) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}; run `make browser`")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def _context(browser, **kwargs):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **kwargs)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def page(browser):
    """A desktop-sized page."""
    context = _context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page (360×740, touch, the size most citizens use)."""
    context = _context(
        browser,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Mobile Safari/537.36",
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shot():
    """Save a screenshot under var/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def no_external_requests(page):
    """Fail on any request that leaves the machine (everything is vendored)."""
    outside = []

    def check(request):
        url = request.url
        if not (url.startswith("http://127.0.0.1") or url.startswith("http://localhost") or url.startswith("data:")):
            outside.append(url)

    page.on("request", check)
    yield outside
