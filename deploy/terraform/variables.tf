variable "docker_host" {
  description = "Docker daemon to manage, e.g. unix:///var/run/docker.sock or ssh://admin@host."
  type        = string
  default     = "unix:///var/run/docker.sock"
}

variable "vtoc_version" {
  description = "Tag of the vtoc and vtoc-web images built from deploy/Dockerfile."
  type        = string
  default     = "0.1.0"
}

variable "vtoc_host" {
  description = "Public host name: Traefik routes /api to the server and / to the SPA for it."
  type        = string
}

variable "n8n_host" {
  description = "Public host name of n8n (its own Traefik host rule)."
  type        = string
}

variable "http_port" {
  description = "Host port of Traefik's web entry point."
  type        = number
  default     = 80
}

variable "server_replicas" {
  description = "API server containers behind Traefik (stateless; PostgreSQL coordinates them)."
  type        = number
  default     = 2
  validation {
    condition     = var.server_replicas >= 1
    error_message = "At least one server replica is needed."
  }
}

variable "server_workers" {
  description = "Uvicorn worker processes per server container."
  type        = number
  default     = 2
}

variable "agent_workers" {
  description = "Agent worker containers (leases make any number safe)."
  type        = number
  default     = 2
}

variable "enable_security" {
  description = "Also run the Wazuh manager, indexer and dashboard (compose profile `security`)."
  type        = bool
  default     = false
}

variable "enable_ssh" {
  description = "Also run vtoc ssh serve (compose profile `ssh`)."
  type        = bool
  default     = false
}

variable "ssh_port" {
  description = "Host port of the SSH server (with enable_ssh)."
  type        = number
  default     = 2222
}

variable "ssh_idle_seconds" {
  description = "Seconds without input before an SSH session is closed (0: never)."
  type        = number
  default     = 1800
}

variable "ssh_token" {
  description = "Admin token of the SSH server (vtoc server token create --name ssh --role admin); empty without enable_ssh."
  type        = string
  sensitive   = true
  default     = ""
}

variable "postgres_password" {
  description = "Password of the vtoc PostgreSQL role."
  type        = string
  sensitive   = true
}

variable "ingest_hmac_secret" {
  description = "Shared secret of HMAC-signed ingest (Wazuh custom-vtoc, n8n)."
  type        = string
  sensitive   = true
}

variable "agents_token" {
  description = "Operator token of the agents (vtoc server token create --name agents --role operator)."
  type        = string
  sensitive   = true
}

variable "n8n_token" {
  description = "Operator token n8n's workflows call vTOC with (vtoc server token create --name n8n --role operator)."
  type        = string
  sensitive   = true
}

variable "sync_webhook_url" {
  description = "Where n8n's data-sync workflow forwards vTOC events (empty: off)."
  type        = string
  default     = ""
}

variable "wazuh_hook_url" {
  description = "Where the Wazuh manager's custom-vtoc sends alerts: the n8n webhook or vTOC's ingest."
  type        = string
  default     = "http://n8n:5678/webhook/wazuh-alert"
}

variable "traefik_dashboard_users" {
  description = "htpasswd line(s) guarding the Traefik dashboard (htpasswd -nB user)."
  type        = string
  sensitive   = true
}

variable "n8n_encryption_key" {
  description = "Key n8n encrypts stored credentials with; never change it once set."
  type        = string
  sensitive   = true
}

variable "wazuh_indexer_password" {
  description = "Password of the Wazuh indexer admin user."
  type        = string
  sensitive   = true
  default     = ""
}

variable "wazuh_api_password" {
  description = "Password of the Wazuh API user wazuh-wui."
  type        = string
  sensitive   = true
  default     = ""
}

variable "wazuh_dashboard_password" {
  description = "Password of the Wazuh dashboard user kibanaserver."
  type        = string
  sensitive   = true
  default     = ""
}
