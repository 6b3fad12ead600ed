"""deploy/terraform: parsed with python-hcl2 (no provider can be fetched here, so no `terraform
validate`); the same stack as compose, every variable declared, secrets marked sensitive."""

from __future__ import annotations

import re
import shutil
from functools import cache
from typing import Any

import hcl2
import pytest

from tests.deploy.conftest import DEPLOY, routers, run

TERRAFORM = DEPLOY / "terraform"


def unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of string literals: drop them, recursively."""
    if isinstance(value, str):
        return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    if isinstance(value, list):
        return [unquote(v) for v in value]
    if isinstance(value, dict):
        return {unquote(k): unquote(v) for k, v in value.items() if k != "__is_block__"}
    return value


@cache
def modules() -> dict[str, dict[str, Any]]:
    return {path.name: unquote(hcl2.loads(path.read_text())) for path in TERRAFORM.glob("*.tf")}


def blocks(kind: str) -> dict[str, Any]:
    """All `variable`, `output` or `locals` entries across the files, by name."""
    found: dict[str, Any] = {}
    for module in modules().values():
        for block in module.get(kind, []):
            found |= block
    return found


def resources(kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for module in modules().values():
        for block in module.get("resource", []):
            found |= block.get(kind, {})
    return found


def source() -> str:
    return "\n".join(path.read_text() for path in sorted(TERRAFORM.glob("*.tf")))


def test_every_referenced_variable_is_declared_and_every_declared_one_used() -> None:
    declared = set(blocks("variable"))
    referenced = set(re.findall(r"\bvar\.(\w+)", source()))
    assert referenced - declared == set(), "undeclared variables"
    assert declared - referenced == set(), "unused variables"


def test_secret_variables_are_sensitive_and_have_no_default() -> None:
    for name, spec in blocks("variable").items():
        if re.search(r"password|secret|token|key|users", name):
            assert spec.get("sensitive") is True, name
            assert spec.get("default", "") == "", f"{name} must not ship a value"


def test_every_container_is_a_compose_service(services: dict[str, Any]) -> None:
    containers = {name.replace("_", ".") for name in resources("docker_container")}
    assert containers == set(services)


def test_one_network_volumes_and_outputs() -> None:
    assert list(resources("docker_network")) == ["vtoc"]
    assert {"pgdata", "n8n_data"} <= set(resources("docker_volume"))
    assert {"vtoc_url", "server_containers", "agent_containers"} <= set(blocks("output"))
    for name, container in resources("docker_container").items():
        networks = container["networks_advanced"]
        assert [n["name"] for n in networks] == ["${docker_network.vtoc.name}"], name


def test_replicas_order_and_one_shot_migrate_match_compose(services: dict[str, Any]) -> None:
    containers = resources("docker_container")
    assert containers["server"]["count"] == "${var.server_replicas}"
    assert containers["agents"]["count"] == "${var.agent_workers}"
    assert (
        blocks("variable")["server_replicas"]["default"] == services["server"]["deploy"]["replicas"]
    )
    migrate = containers["migrate"]
    assert migrate["attach"] is True and migrate["must_run"] is False
    assert migrate["command"] == services["migrate"]["command"]
    assert containers["server"]["depends_on"] == ["${docker_container.migrate}"]
    assert containers["postgres"]["wait"] is True


def test_upstream_images_are_the_compose_images(services: dict[str, Any]) -> None:
    images = {}
    for resource in resources("docker_image").values():
        for_each = resource.get("for_each")
        if isinstance(for_each, dict):
            images |= for_each
    tf_images = set(images.values()) | set(re.findall(r'= "(wazuh/[^"]+)"', source()))
    compose_images = {s["image"] for s in services.values() if "${" not in s["image"]}
    assert tf_images == compose_images


def test_traefik_labels_match_compose(services: dict[str, Any]) -> None:
    local = blocks("locals")
    for service, labels in [
        ("server", "server_labels"),
        ("web", "web_labels"),
        ("n8n", "n8n_labels"),
        ("traefik", "traefik_labels"),
    ]:
        assert set(local[labels]) == set(services[service]["labels"]), service
        tf_routers = routers(local[labels])
        for name, router in routers(services[service]["labels"]).items():
            assert re.sub(r"\$\{[^}]*\}", "X", tf_routers[name]["rule"]) == re.sub(
                r"\$\{[^}]*\}", "X", router["rule"]
            )


@pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform binary on this host")
def test_files_are_terraform_fmt_clean() -> None:
    result = run("terraform", "fmt", "-check", "-diff", "-recursive", str(TERRAFORM))
    assert result.returncode == 0, result.stdout


def test_containers_run_the_compose_commands(services: dict[str, Any]) -> None:
    def shape(command: list[str]) -> list[str]:
        return [re.sub(r"\$\{[^}]*\}", "X", part) for part in command]

    containers = resources("docker_container")
    assert shape(containers["server"]["command"]) == shape(services["server"]["command"])
    agents = containers["agents"]
    assert agents["entrypoint"] == ["vtoc"] and agents["command"][:2] == ["agents", "run"]
    assert services["agents"]["entrypoint"][-1].endswith("exec vtoc agents run")
