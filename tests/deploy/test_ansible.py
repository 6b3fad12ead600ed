"""deploy/ansible: syntax and ansible-lint clean, and the part that needs no Docker engine run
for real against localhost: first in check mode, then twice to prove it is idempotent."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.deploy.conftest import DEPLOY, run, tool

ANSIBLE = DEPLOY / "ansible"
SECRETS = {
    "vault_vtoc_postgres_password": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "vault_vtoc_ingest_hmac_secret": "f9e8d7c6b5a4938271605f4e3d2c1b0a",
    "vault_vtoc_traefik_dashboard_users": "ops:$2y$05$abcdefghijklmnopqrstuv",
    "vault_vtoc_n8n_encryption_key": "1234567890abcdef1234567890abcdef",
}
#: Files the stack copies that other branches provide; stubbed in the copy the tests deploy.
PROVIDED_ELSEWHERE = [
    "n8n/workflows/example.json",
    "wazuh/custom-vtoc",
    "wazuh/ossec-integration.xml",
]


def ansible_env() -> dict[str, str]:
    return {
        **os.environ,
        "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_PIPELINING": "true",
        "ANSIBLE_GATHERING": "explicit",  # only the skipped Docker role reads facts
        "ANSIBLE_HOME": str(Path(os.environ.get("TMPDIR", "/tmp")) / "vtoc-ansible-home"),
    }


def test_playbook_syntax() -> None:
    result = run(
        tool("ansible-playbook"), "--syntax-check", "playbook.yml", cwd=ANSIBLE, env=ansible_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ansible_lint_production_profile_is_clean() -> None:
    result = run(
        tool("ansible-lint"), "--profile", "production", ".", cwd=ANSIBLE, env=ansible_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr


class Deploy:
    """`ansible-playbook` on localhost with the Docker role skipped and compose left out."""

    def __init__(self, root: Path) -> None:
        self.stack = root / "opt-vtoc"
        self.source = root / "deploy"
        shutil.copytree(DEPLOY, self.source, ignore=shutil.ignore_patterns("terraform"))
        for stub in PROVIDED_ELSEWHERE:
            path = self.source / stub
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("stub: provided by the Wazuh and n8n branch\n")
        self.inventory = root / "inventory.yml"
        host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
        self.inventory.write_text(yaml.safe_dump({"vtoc": {"hosts": {"localhost": host}}}))
        self.secrets = root / "vault.yml"
        self.secrets.write_text(yaml.safe_dump(SECRETS))
        self.settings = {
            "vtoc_root": str(self.stack),
            "vtoc_deploy_src": str(self.source),
            "vtoc_compose_up": False,
            "ansible_become": False,
            "vtoc_container_uid": os.getuid(),
        }

    def __call__(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return run(
            tool("ansible-playbook"),
            "playbook.yml",
            "-i", str(self.inventory),
            "--skip-tags", "docker",
            "-e", f"@{self.secrets}",
            "-e", json.dumps(self.settings),
            *extra,
            cwd=ANSIBLE,
            env=ansible_env(),
        )  # fmt: skip


def changed(result: subprocess.CompletedProcess[str]) -> int:
    assert result.returncode == 0, result.stdout + result.stderr
    return int(re.search(r"localhost\s*:.*changed=(\d+)", result.stdout).group(1))  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def deploy(tmp_path_factory: pytest.TempPathFactory) -> Deploy:
    return Deploy(tmp_path_factory.mktemp("ansible"))


def test_check_mode_reports_changes_and_writes_nothing(deploy: Deploy) -> None:
    assert changed(deploy("--check")) > 0
    assert not (deploy.stack / ".env").exists()


def test_lays_out_the_stack_with_a_private_env(deploy: Deploy) -> None:
    assert changed(deploy()) > 0
    env = deploy.stack / ".env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    text = env.read_text()
    assert f"POSTGRES_PASSWORD={SECRETS['vault_vtoc_postgres_password']}\n" in text
    assert "CHANGE_ME" not in text
    assert (deploy.stack / "compose.yaml").read_text() == (DEPLOY / "compose.yaml").read_text()
    assert (deploy.stack / "wazuh" / "cont-init.d" / "90-vtoc-integration").stat().st_mode & 0o111
    assert (deploy.stack / "n8n" / "workflows").is_dir()
    assert stat.S_IMODE((deploy.stack / "secrets").stat().st_mode) == 0o700


def test_second_run_changes_nothing(deploy: Deploy) -> None:
    assert changed(deploy()) == 0


def test_placeholder_secrets_stop_the_play_without_printing_them(deploy: Deploy) -> None:
    result = deploy("-e", "vault_vtoc_postgres_password=CHANGE_ME_postgres_password")
    assert result.returncode != 0
    assert "CHANGE_ME_postgres_password" not in result.stdout + result.stderr
    assert "censored" in result.stdout
