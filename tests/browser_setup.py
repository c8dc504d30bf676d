"""Make sure a headless Chromium (and poppler's pdftotext) is there for the
printable-calendar test (tests/test_calendar_browser.py).

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

#: Debian package -> the command it provides.
PACKAGES = {"chromium": "chromium", "poppler-utils": "pdftotext"}


def missing_packages() -> list[str]:
    return [package for package, command in PACKAGES.items() if shutil.which(command) is None]


def main() -> int:
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
