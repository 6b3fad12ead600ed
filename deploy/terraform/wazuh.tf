# The compose `security` profile: Wazuh indexer, manager (with custom-vtoc) and dashboard.
# Certificates are generated into deploy/wazuh/certs first (see docs/deploy.md).
locals {
  wazuh_certs = "${local.deploy_dir}/wazuh/certs"
}

resource "docker_container" "wazuh_indexer" {
  count    = var.enable_security ? 1 : 0
  name     = "vtoc-wazuh-indexer"
  hostname = "wazuh.indexer"
  image    = docker_image.wazuh["indexer"].image_id
  restart  = "unless-stopped"
  env      = ["OPENSEARCH_JAVA_OPTS=-Xms1g -Xmx1g"]
  ulimit {
    name = "nofile"
    soft = 65536
    hard = 65536
  }
  volumes {
    volume_name    = docker_volume.wazuh["wazuh_indexer_data"].name
    container_path = "/var/lib/wazuh-indexer"
  }
  dynamic "volumes" {
    for_each = {
      "root-ca.pem"           = "root-ca.pem"
      "wazuh.indexer-key.pem" = "wazuh.indexer.key"
      "wazuh.indexer.pem"     = "wazuh.indexer.pem"
      "admin.pem"             = "admin.pem"
      "admin-key.pem"         = "admin-key.pem"
    }
    content {
      host_path      = "${local.wazuh_certs}/${volumes.key}"
      container_path = "/usr/share/wazuh-indexer/certs/${volumes.value}"
      read_only      = true
    }
  }
  healthcheck {
    test         = ["CMD-SHELL", "curl -sk -o /dev/null https://127.0.0.1:9200/ || exit 1"]
    interval     = "30s"
    timeout      = "5s"
    retries      = 5
    start_period = "120s"
  }
  memory = 2048
  networks_advanced {
    name    = docker_network.vtoc.name
    aliases = ["wazuh.indexer"]
  }
}

resource "docker_container" "wazuh_manager" {
  count    = var.enable_security ? 1 : 0
  name     = "vtoc-wazuh-manager"
  hostname = "wazuh.manager"
  image    = docker_image.wazuh["manager"].image_id
  restart  = "unless-stopped"
  env = [
    "INDEXER_URL=https://wazuh.indexer:9200",
    "INDEXER_USERNAME=admin",
    "INDEXER_PASSWORD=${var.wazuh_indexer_password}",
    "FILEBEAT_SSL_VERIFICATION_MODE=full",
    "SSL_CERTIFICATE_AUTHORITIES=/etc/ssl/root-ca.pem",
    "SSL_CERTIFICATE=/etc/ssl/filebeat.pem",
    "SSL_KEY=/etc/ssl/filebeat.key",
    "API_USERNAME=wazuh-wui",
    "API_PASSWORD=${var.wazuh_api_password}",
    "VTOC_HOOK_URL=${var.wazuh_hook_url}",
    "VTOC_INGEST_HMAC_SECRET=${var.ingest_hmac_secret}",
  ]
  ports {
    internal = 1514
    external = 1514
  }
  ports {
    internal = 1515
    external = 1515
  }
  dynamic "volumes" {
    for_each = {
      wazuh_etc   = "/var/ossec/etc"
      wazuh_logs  = "/var/ossec/logs"
      wazuh_queue = "/var/ossec/queue"
    }
    content {
      volume_name    = docker_volume.wazuh[volumes.key].name
      container_path = volumes.value
    }
  }
  dynamic "volumes" {
    for_each = {
      "wazuh/custom-vtoc"                     = "/vtoc/custom-vtoc"
      "wazuh/ossec-integration.xml"           = "/vtoc/ossec-integration.xml"
      "wazuh/cont-init.d/90-vtoc-integration" = "/etc/cont-init.d/90-vtoc-integration"
      "wazuh/certs/root-ca-manager.pem"       = "/etc/ssl/root-ca.pem"
      "wazuh/certs/wazuh.manager.pem"         = "/etc/ssl/filebeat.pem"
      "wazuh/certs/wazuh.manager-key.pem"     = "/etc/ssl/filebeat.key"
    }
    content {
      host_path      = "${local.deploy_dir}/${volumes.key}"
      container_path = volumes.value
      read_only      = true
    }
  }
  healthcheck {
    test         = ["CMD-SHELL", "/var/ossec/bin/wazuh-control status | grep -q 'wazuh-integratord is running'"]
    interval     = "30s"
    timeout      = "10s"
    retries      = 5
    start_period = "120s"
  }
  memory = 1024
  networks_advanced {
    name    = docker_network.vtoc.name
    aliases = ["wazuh.manager"]
  }
  depends_on = [docker_container.wazuh_indexer]
}

resource "docker_container" "wazuh_dashboard" {
  count    = var.enable_security ? 1 : 0
  name     = "vtoc-wazuh-dashboard"
  hostname = "wazuh.dashboard"
  image    = docker_image.wazuh["dashboard"].image_id
  restart  = "unless-stopped"
  env = [
    "INDEXER_USERNAME=admin",
    "INDEXER_PASSWORD=${var.wazuh_indexer_password}",
    "WAZUH_API_URL=https://wazuh.manager",
    "API_USERNAME=wazuh-wui",
    "API_PASSWORD=${var.wazuh_api_password}",
    "DASHBOARD_USERNAME=kibanaserver",
    "DASHBOARD_PASSWORD=${var.wazuh_dashboard_password}",
  ]
  dynamic "volumes" {
    for_each = {
      "wazuh.dashboard.pem"     = "wazuh-dashboard.pem"
      "wazuh.dashboard-key.pem" = "wazuh-dashboard-key.pem"
      "root-ca.pem"             = "root-ca.pem"
    }
    content {
      host_path      = "${local.wazuh_certs}/${volumes.key}"
      container_path = "/usr/share/wazuh-dashboard/certs/${volumes.value}"
      read_only      = true
    }
  }
  healthcheck {
    test         = ["CMD-SHELL", "curl -sk -o /dev/null https://127.0.0.1:5601/app/login || exit 1"]
    interval     = "30s"
    timeout      = "5s"
    retries      = 5
    start_period = "120s"
  }
  memory = 1024
  networks_advanced {
    name = docker_network.vtoc.name
  }
  depends_on = [docker_container.wazuh_manager]
}
