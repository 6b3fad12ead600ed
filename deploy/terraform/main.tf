# The Compose stack of deploy/compose.yaml, as Terraform resources on one Docker host.
locals {
  repo_root    = abspath("${path.module}/../..")
  deploy_dir   = abspath("${path.module}/..")
  database_url = "postgresql://vtoc:${var.postgres_password}@postgres:5432/vtoc"
  vtoc_env = [
    "VTOC_DATABASE_URL=${local.database_url}",
    "VTOC_INGEST_HMAC_SECRET=${var.ingest_hmac_secret}",
  ]
  readyz_probe = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"]

  traefik_labels = {
    "traefik.enable"                                                                            = "true"
    "traefik.http.routers.dashboard.rule"                                                       = "PathPrefix(`/api`) || PathPrefix(`/dashboard`)"
    "traefik.http.routers.dashboard.entrypoints"                                                = "traefik"
    "traefik.http.routers.dashboard.service"                                                    = "api@internal"
    "traefik.http.routers.dashboard.middlewares"                                                = "dashboard-auth"
    "traefik.http.middlewares.dashboard-auth.basicauth.users"                                   = var.traefik_dashboard_users
    "traefik.http.middlewares.vtoc-security-headers.headers.frameDeny"                          = "true"
    "traefik.http.middlewares.vtoc-security-headers.headers.contentTypeNosniff"                 = "true"
    "traefik.http.middlewares.vtoc-security-headers.headers.browserXssFilter"                   = "true"
    "traefik.http.middlewares.vtoc-security-headers.headers.referrerPolicy"                     = "no-referrer"
    "traefik.http.middlewares.vtoc-security-headers.headers.contentSecurityPolicy"              = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    "traefik.http.middlewares.vtoc-security-headers.headers.permissionsPolicy"                  = "camera=(), microphone=(), geolocation=()"
    "traefik.http.middlewares.vtoc-security-headers.headers.customResponseHeaders.X-Powered-By" = ""
    "traefik.http.middlewares.vtoc-security-headers.headers.customResponseHeaders.Server"       = ""
    "traefik.http.middlewares.vtoc-compress.compress.excludedContentTypes"                      = "text/event-stream"
  }
  server_labels = {
    "traefik.enable"                                                   = "true"
    "traefik.http.routers.vtoc-api.rule"                               = "Host(`${var.vtoc_host}`) && PathPrefix(`/api`)"
    "traefik.http.routers.vtoc-api.entrypoints"                        = "web"
    "traefik.http.routers.vtoc-api.priority"                           = "20"
    "traefik.http.routers.vtoc-api.service"                            = "vtoc-api"
    "traefik.http.routers.vtoc-api.middlewares"                        = "vtoc-security-headers,vtoc-compress"
    "traefik.http.services.vtoc-api.loadbalancer.server.port"          = "8000"
    "traefik.http.services.vtoc-api.loadbalancer.healthcheck.path"     = "/readyz"
    "traefik.http.services.vtoc-api.loadbalancer.healthcheck.interval" = "10s"
  }
  web_labels = {
    "traefik.enable"                                          = "true"
    "traefik.http.routers.vtoc-web.rule"                      = "Host(`${var.vtoc_host}`) && PathPrefix(`/`)"
    "traefik.http.routers.vtoc-web.entrypoints"               = "web"
    "traefik.http.routers.vtoc-web.priority"                  = "10"
    "traefik.http.routers.vtoc-web.service"                   = "vtoc-web"
    "traefik.http.routers.vtoc-web.middlewares"               = "vtoc-security-headers,vtoc-compress"
    "traefik.http.services.vtoc-web.loadbalancer.server.port" = "8080"
  }
  n8n_labels = {
    "traefik.enable"                                     = "true"
    "traefik.http.routers.n8n.rule"                      = "Host(`${var.n8n_host}`)"
    "traefik.http.routers.n8n.entrypoints"               = "web"
    "traefik.http.routers.n8n.service"                   = "n8n"
    "traefik.http.services.n8n.loadbalancer.server.port" = "5678"
  }
}

resource "docker_network" "vtoc" {
  name = "vtoc"
}

resource "docker_volume" "pgdata" {
  name = "vtoc_pgdata"
}

resource "docker_volume" "n8n_data" {
  name = "vtoc_n8n_data"
}

resource "docker_volume" "wazuh" {
  for_each = var.enable_security ? toset(["wazuh_indexer_data", "wazuh_etc", "wazuh_logs", "wazuh_queue"]) : toset([])
  name     = "vtoc_${each.key}"
}

resource "docker_image" "vtoc" {
  name = "vtoc:${var.vtoc_version}"
  build {
    context    = local.repo_root
    dockerfile = "deploy/Dockerfile"
    target     = "runtime"
  }
  keep_locally = true
}

resource "docker_image" "vtoc_web" {
  name = "vtoc-web:${var.vtoc_version}"
  build {
    context    = local.repo_root
    dockerfile = "deploy/Dockerfile"
    target     = "web"
  }
  keep_locally = true
}

resource "docker_image" "upstream" {
  for_each = {
    traefik  = "traefik:v3.3.4"
    postgres = "postgres:17"
    n8n      = "docker.n8n.io/n8nio/n8n:2.41.1"
  }
  name         = each.value
  keep_locally = true
}

resource "docker_image" "wazuh" {
  for_each = var.enable_security ? {
    indexer   = "wazuh/wazuh-indexer:4.9.2"
    manager   = "wazuh/wazuh-manager:4.9.2"
    dashboard = "wazuh/wazuh-dashboard:4.9.2"
  } : {}
  name         = each.value
  keep_locally = true
}

resource "docker_container" "traefik" {
  name    = "vtoc-traefik"
  image   = docker_image.upstream["traefik"].image_id
  restart = "unless-stopped"
  command = [
    "--providers.docker=true",
    "--providers.docker.exposedbydefault=false",
    "--providers.docker.network=vtoc",
    "--entrypoints.web.address=:80",
    "--entrypoints.traefik.address=:8080",
    "--api.dashboard=true",
    "--ping=true",
    "--accesslog=true",
  ]
  ports {
    internal = 80
    external = var.http_port
  }
  ports {
    internal = 8080
    external = 8080
    ip       = "127.0.0.1"
  }
  volumes {
    host_path      = "/var/run/docker.sock"
    container_path = "/var/run/docker.sock"
    read_only      = true
  }
  dynamic "labels" {
    for_each = local.traefik_labels
    content {
      label = labels.key
      value = labels.value
    }
  }
  healthcheck {
    test     = ["CMD", "traefik", "healthcheck", "--ping"]
    interval = "15s"
    timeout  = "3s"
    retries  = 3
  }
  memory = 256
  networks_advanced {
    name = docker_network.vtoc.name
  }
}

resource "docker_container" "postgres" {
  name    = "vtoc-postgres"
  image   = docker_image.upstream["postgres"].image_id
  restart = "unless-stopped"
  command = [
    "postgres",
    "-c", "max_connections=200",
    "-c", "shared_buffers=512MB",
    "-c", "effective_cache_size=1536MB",
    "-c", "work_mem=8MB",
    "-c", "maintenance_work_mem=128MB",
    "-c", "wal_compression=on",
    "-c", "checkpoint_completion_target=0.9",
    "-c", "random_page_cost=1.1",
    "-c", "log_min_duration_statement=500ms",
  ]
  env = [
    "POSTGRES_USER=vtoc",
    "POSTGRES_DB=vtoc",
    "POSTGRES_PASSWORD=${var.postgres_password}",
  ]
  shm_size = 256
  volumes {
    volume_name    = docker_volume.pgdata.name
    container_path = "/var/lib/postgresql/data"
  }
  healthcheck {
    test         = ["CMD-SHELL", "pg_isready -U vtoc -d vtoc -h 127.0.0.1"]
    interval     = "5s"
    timeout      = "3s"
    retries      = 10
    start_period = "10s"
  }
  wait         = true
  wait_timeout = 120
  memory       = 2048
  networks_advanced {
    name    = docker_network.vtoc.name
    aliases = ["postgres"]
  }
}

# One-shot: Terraform waits for it to exit (attach) before it starts the servers.
resource "docker_container" "migrate" {
  name     = "vtoc-migrate"
  image    = docker_image.vtoc.image_id
  command  = ["server", "migrate"]
  env      = local.vtoc_env
  attach   = true
  logs     = true
  must_run = false
  networks_advanced {
    name = docker_network.vtoc.name
  }
  depends_on = [docker_container.postgres]
}

resource "docker_container" "server" {
  count   = var.server_replicas
  name    = "vtoc-server-${count.index + 1}"
  image   = docker_image.vtoc.image_id
  restart = "unless-stopped"
  command = ["server", "run", "--host", "0.0.0.0", "--port", "8000", "--workers", tostring(var.server_workers), "--no-migrate"]
  env     = local.vtoc_env
  dynamic "labels" {
    for_each = local.server_labels
    content {
      label = labels.key
      value = labels.value
    }
  }
  healthcheck {
    test         = local.readyz_probe
    interval     = "15s"
    timeout      = "3s"
    retries      = 3
    start_period = "20s"
  }
  wait   = true
  memory = 512
  networks_advanced {
    name    = docker_network.vtoc.name
    aliases = ["server"]
  }
  depends_on = [docker_container.migrate]
}

resource "docker_container" "agents" {
  count      = var.agent_workers
  name       = "vtoc-agents-${count.index + 1}"
  image      = docker_image.vtoc.image_id
  restart    = "unless-stopped"
  entrypoint = ["vtoc"]
  command    = ["agents", "run", "--worker-id", "agents-${count.index + 1}"]
  env = [
    "VTOC_API_URL=http://server:8000",
    "VTOC_TOKEN=${var.agents_token}",
  ]
  healthcheck {
    test     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://server:8000/readyz', timeout=2)"]
    interval = "30s"
    timeout  = "3s"
    retries  = 3
  }
  memory = 384
  networks_advanced {
    name = docker_network.vtoc.name
  }
  depends_on = [docker_container.server]
}

resource "docker_container" "web" {
  name    = "vtoc-web"
  image   = docker_image.vtoc_web.image_id
  restart = "unless-stopped"
  dynamic "labels" {
    for_each = local.web_labels
    content {
      label = labels.key
      value = labels.value
    }
  }
  healthcheck {
    test     = ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
    interval = "30s"
    timeout  = "3s"
    retries  = 3
  }
  memory = 64
  networks_advanced {
    name = docker_network.vtoc.name
  }
}

resource "docker_container" "n8n" {
  name       = "vtoc-n8n"
  image      = docker_image.upstream["n8n"].image_id
  restart    = "unless-stopped"
  entrypoint = ["/bin/sh", "-c"]
  command    = ["n8n import:workflow --separate --input=/workflows && exec n8n start"]
  env = [
    "N8N_HOST=${var.n8n_host}",
    "N8N_PROTOCOL=https",
    "WEBHOOK_URL=https://${var.n8n_host}/",
    "N8N_ENCRYPTION_KEY=${var.n8n_encryption_key}",
    "N8N_DIAGNOSTICS_ENABLED=false",
    "N8N_BLOCK_ENV_ACCESS_IN_NODE=false",
    "VTOC_API_URL=http://server:8000",
    "VTOC_TOKEN=${var.n8n_token}",
    "VTOC_SYNC_WEBHOOK_URL=${var.sync_webhook_url}",
  ]
  volumes {
    volume_name    = docker_volume.n8n_data.name
    container_path = "/home/node/.n8n"
  }
  volumes {
    host_path      = "${local.deploy_dir}/n8n/workflows"
    container_path = "/workflows"
    read_only      = true
  }
  dynamic "labels" {
    for_each = local.n8n_labels
    content {
      label = labels.key
      value = labels.value
    }
  }
  healthcheck {
    test         = ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:5678/healthz || exit 1"]
    interval     = "30s"
    timeout      = "5s"
    retries      = 3
    start_period = "60s"
  }
  memory = 1024
  networks_advanced {
    name    = docker_network.vtoc.name
    aliases = ["n8n"]
  }
}
