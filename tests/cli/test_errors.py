"""What goes wrong says so in one line, with the exit code scripts rely on; no traceback."""

from __future__ import annotations

import http.server
import subprocess
import threading
from collections.abc import Callable

import pytest

from tests.cli.conftest import Process, Run
from tests.processes import VTOC, free_port
from vtoc.schemas import Role


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def test_bad_enum_in_a_body_names_the_field(vtoc: Run) -> None:
    result = vtoc("ops", "create", "-f", "-", input='{"name": "x", "status": "bogus"}')
    assert result.exit_code == 2
    assert "status" in one_line_error(result.stderr)


def test_bad_enum_flag_is_a_usage_error(vtoc: Run) -> None:
    result = vtoc("ops", "create", "--name", "x", "--status", "bogus")
    assert result.exit_code == 2 and "--status" in result.output


def test_out_of_range_value_names_the_field(vtoc: Run) -> None:
    result = vtoc("intel", "create", "--title", "t", "-f", "-", input="confidence: 101\n")
    assert result.exit_code == 2 and "confidence" in one_line_error(result.stderr)


def test_unreadable_body_file_is_a_usage_error(vtoc: Run) -> None:
    result = vtoc("ops", "create", "-f", "/nonexistent/op.yaml")
    assert result.exit_code == 2 and "/nonexistent/op.yaml" in result.output
    result = vtoc("ops", "create", "-f", "-", input="[1, 2]")
    assert result.exit_code == 2 and "one object" in result.output


def test_no_token_exits_4(vtoc: Run) -> None:
    result = vtoc("ops", "list", env={"VTOC_TOKEN": None})
    assert result.exit_code == 4
    assert "VTOC_TOKEN" in one_line_error(result.stderr)
    assert vtoc("whoami", env={"VTOC_TOKEN": "vtoc_not-a-real-token"}).exit_code == 4


def test_server_down_names_the_url(vtoc: Run) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = vtoc("ops", "list", env={"VTOC_API_URL": url})
    assert result.exit_code == 1
    assert url in one_line_error(result.stderr)


def test_unknown_reference_exits_1(vtoc: Run) -> None:
    for args in (
        ["ops", "show", "OP-9999"],
        ["assets", "heartbeat", "nobody"],
        ["missions", "show", "4242"],
        ["agents", "trigger", "nobody"],
    ):
        result = vtoc(*args)
        assert result.exit_code == 1, args
        one_line_error(result.stderr)


def test_viewer_cannot_write(vtoc: Run, make_token: Callable[..., str]) -> None:
    result = vtoc("ops", "create", "--name", "x", env={"VTOC_TOKEN": make_token(Role.viewer)})
    assert result.exit_code == 1 and "role" in one_line_error(result.stderr)


def test_a_malformed_server_url_or_token_says_which(vtoc: Run) -> None:
    for url, said in [
        ("http://[::1", "api_url: not a URL: 'http://[::1'"),
        ("ftp://vtoc.example.org", "api_url: not an http(s) URL with a host"),
    ]:
        result = vtoc("ops", "list", env={"VTOC_API_URL": url})
        assert result.exit_code == 2 and said in one_line_error(result.stderr)
    result = vtoc("ops", "list", env={"VTOC_TOKEN": "vtoc_tök"})
    assert result.exit_code == 2
    assert "token: not a vTOC token" in one_line_error(result.stderr)


def test_a_server_url_pasted_with_the_api_path_still_works(
    vtoc: Run, base_env: dict[str, str | None]
) -> None:
    """The client adds /api/v1 itself; doubled, every command answered a bare "Not Found"."""
    url = f"{base_env['VTOC_API_URL']}/api/v1/"
    assert vtoc("ops", "list", env={"VTOC_API_URL": url}).exit_code == 0


def test_usage_errors_are_one_line_that_says_where_help_is() -> None:
    # What a script's log gets from the real command (Typer's own runner would draw its
    # five-line box): the mistake, and the help of the command it was about.
    for args, said, help_of in (
        (
            ["intel", "list", "--limit", "abc"],
            "'--limit': 'abc' is not a whole number",
            "intel list",
        ),
        (
            ["missions", "update", "1", "--status", "donee"],
            "'--status': 'donee' is not one of 'pending', 'in_progress'",
            "missions update",
        ),
        (["ack", "abc"], "'reports': 'abc' is not a whole number", "ack"),
        (["intel", "lsit"], "No such command 'lsit'. Did you mean 'list'?", "intel"),
        (["intel", "list", "--bogus"], "No such option: --bogus", "intel list"),
    ):
        done = subprocess.run([*VTOC, *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        line = one_line_error(done.stderr)
        assert said in line and line.endswith(f"vtoc {help_of} --help')"), line
        assert "Value error" not in line and "Input should" not in line, line
        assert done.stdout == ""


class PageHandler(http.server.BaseHTTPRequestHandler):
    """Not vTOC: a web server answering every path with an HTML page (a proxy's error page,
    a router's login, another service on the port)."""

    status = 200

    def do_GET(self) -> None:
        page = b"<!doctype html><html><head><title>Welcome to nginx!</title></head>" + b"x" * 900
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("status", [200, 404])
def test_an_html_page_where_the_api_should_be_is_one_line_saying_so(
    cli: Process, status: int
) -> None:
    handler = type("Page", (PageHandler,), {"status": status})
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as web:
        threading.Thread(target=web.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{web.server_address[1]}"
        done = cli("ops", "list", env={"VTOC_API_URL": url})
        web.shutdown()
    assert done.returncode == 1
    line = one_line_error(done.stderr)
    assert f"answered HTTP {status} with an HTML page ('Welcome to nginx!')" in line
    assert "not the vTOC API" in line and "<html" not in line


def test_input_the_server_refuses_is_a_usage_error_like_input_the_cli_refuses(
    cli: Process,
) -> None:
    by_server = cli("ops", "create", "-f", "-", input='{"name": "   "}')
    assert by_server.returncode == 2
    assert one_line_error(by_server.stderr) == (
        "error: invalid input: name: must not be empty or only spaces"
    )
    by_cli = cli("ops", "create", "--name", "x", "--status", "bogus")
    assert by_cli.returncode == 2
    done = cli("missions", "update", "1", "-f", "-", input="status: done\n")
    assert done.returncode == 2
    assert one_line_error(done.stderr) == (
        "error: invalid input: status: must be one of pending, in_progress, blocked, "
        "completed, failed or cancelled (not 'done')"
    )


def test_a_delete_nobody_confirmed_is_one_line_saying_nothing_changed(cli: Process) -> None:
    """A script pipes no answer to the question: one line that says why and what to pass."""
    created = cli("ops", "create", "--name", "Kept", "-o", "json")
    assert created.returncode == 0, created.stderr
    for answer in ("", "n\n"):
        refused = cli("ops", "delete", "Kept", input=answer)
        assert refused.returncode == 1
        assert "--yes" in one_line_error(refused.stderr)
    assert cli("ops", "show", "Kept").returncode == 0
