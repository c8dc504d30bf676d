"""Make sure a headless Chromium (and poppler's pdftotext) is there for the
printable-calendar test (tests/output/test_calendar_browser.py) and the web page's
tests (tests/web/test_web_browser.py), and axe-core (from npm, into .venv/npm)
for the page's accessibility check.

``make test`` runs this before pytest. It installs Debian's ``chromium`` and
``poppler-utils`` packages when they are missing, but only when it can (we
are root and apt-get exists). It never fails the run: when it cannot
install, it prints one line and exits 0; the browser test then skips (or
fails under CI=true, where the browser is required).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: Debian package -> the command it provides.
PACKAGES = {"chromium": "chromium", "poppler-utils": "pdftotext"}


def missing_packages() -> list[str]:
    return [package for package, command in PACKAGES.items() if shutil.which(command) is None]


#: Where the accessibility engine is installed (inside the project's venv).
AXE_PREFIX = Path(__file__).resolve().parent.parent / ".venv" / "npm"
AXE_SCRIPT = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"


def install_axe() -> None:
    """axe-core 4 from npm, when npm is there; otherwise one line and the check skips."""
    if AXE_SCRIPT.is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        print("browser_setup: npm not found; the accessibility check will skip")
        return
    try:
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(AXE_PREFIX),
                "--no-save",
                "--no-audit",
                "--no-fund",
                "axe-core@4",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        print(
            f"browser_setup: could not install axe-core ({exc}); the accessibility check will skip"
        )


def main() -> int:
    install_axe()
    missing = missing_packages()
    if not missing:
        return 0
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None or geteuid() != 0 or shutil.which("apt-get") is None:
        print(
            f"browser_setup: {', '.join(missing)} not installed and cannot install here (needs root and apt-get); the browser test will skip"
        )
        return 0
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        subprocess.run(
            ["apt-get", "update", "-qq"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        print(
            f"browser_setup: could not install {', '.join(missing)} ({exc}); the browser test will skip"
        )
        return 0
    still = missing_packages()
    if still:
        print(
            f"browser_setup: {', '.join(still)} still missing after apt-get; the browser test will skip"
        )
    else:
        print(f"browser_setup: installed {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
