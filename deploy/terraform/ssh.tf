# The compose `ssh` profile: `vtoc ssh serve`, the TUI and CLI over SSH to enrolled keys
# (docs/ssh.md). Its admin token only looks keys up and mints each session's own token.
resource "docker_volume" "ssh_host_key" {
  count = var.enable_ssh ? 1 : 0
  name  = "vtoc_ssh_host_key"
}

resource "docker_container" "ssh" {
  count      = var.enable_ssh ? 1 : 0
  name       = "vtoc-ssh"
  image      = docker_image.vtoc.image_id
  restart    = "unless-stopped"
  entrypoint = ["vtoc"]
  command    = ["ssh", "serve", "--port", "2222", "--idle-timeout", tostring(var.ssh_idle_seconds)]
  env = [
    "VTOC_API_URL=http://server:8000",
    "VTOC_TOKEN=${var.ssh_token}",
  ]
  ports {
    internal = 2222
    external = var.ssh_port
  }
  volumes {
    # the host key, created on first start: clients' known_hosts stay valid across upgrades
    volume_name    = docker_volume.ssh_host_key[0].name
    container_path = "/home/vtoc/.local/share/vtoc"
  }
  healthcheck {
    test     = ["CMD", "python", "-c", "import socket; socket.create_connection(('127.0.0.1', 2222), timeout=2).close()"]
    interval = "30s"
    timeout  = "3s"
    retries  = 3
  }
  memory = 2048
  networks_advanced {
    name = docker_network.vtoc.name
  }
  depends_on = [docker_container.server]
}
