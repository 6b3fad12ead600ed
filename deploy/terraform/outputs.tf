output "vtoc_url" {
  description = "Where the SPA answers (and /api, /api/docs)."
  value       = "http://${var.vtoc_host}${var.http_port == 80 ? "" : ":${var.http_port}"}"
}

output "n8n_url" {
  description = "The n8n editor."
  value       = "https://${var.n8n_host}"
}

output "server_containers" {
  description = "Names of the API server replicas."
  value       = docker_container.server[*].name
}

output "agent_containers" {
  description = "Names of the agent workers."
  value       = docker_container.agents[*].name
}

output "network" {
  description = "The Docker network every container joins."
  value       = docker_network.vtoc.name
}
