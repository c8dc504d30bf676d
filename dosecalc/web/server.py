"""Running the web page with uvicorn: bound to this computer unless told
otherwise, with no access log (a query string holds a patient's values)."""

from __future__ import annotations

import click

from ..errors import DosecalcError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def serve(
    host: str, port: int, regimen_dirs: tuple[str, ...], policy_dirs: tuple[str, ...]
) -> None:
    """Serve the page on ``host``:``port`` until interrupted."""
    try:
        import uvicorn

        from .app import create_app
    except ImportError as exc:
        raise DosecalcError(
            f"the web page needs the 'web' extra ({exc.name} is missing): pip install 'dosecalc[web]'"
        ) from None
    app = create_app(regimen_dirs, policy_dirs)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"dosecalc: serving http://{shown}:{port}/ (Ctrl+C to stop)", err=True)
    if host in LOCAL_HOSTS:
        click.echo(
            "dosecalc: reachable from this computer only (--host 0.0.0.0 to serve the network)",
            err=True,
        )
    else:
        click.echo(
            f"dosecalc: listening on {host}: anyone who can reach this address can use the page",
            err=True,
        )
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            access_log=False,
            log_level="warning",
            server_header=False,
            proxy_headers=False,
        )
    except OSError as exc:
        raise DosecalcError(f"cannot serve on {host}:{port} ({exc.strerror or exc})") from None
