// The server's enums (vtoc/schemas/enums.py, events.py) as values, for pickers and for reading events.
// Kept by hand; tests/test_spa_enums.py fails when one differs from the schemas.

export const OPERATION_STATUSES = ["planned", "active", "paused", "completed", "cancelled"] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

export const MISSION_STATUSES = [
  "pending",
  "in_progress",
  "blocked",
  "completed",
  "failed",
  "cancelled",
] as const;
export type MissionStatus = (typeof MISSION_STATUSES)[number];

export const ASSET_STATUSES = ["available", "deployed", "maintenance", "offline", "unreachable"] as const;
export type AssetStatus = (typeof ASSET_STATUSES)[number];

export const ASSET_KINDS = [
  "personnel",
  "vehicle",
  "aircraft",
  "sensor",
  "server",
  "network",
  "other",
] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

export const PRIORITIES = ["low", "medium", "high", "critical"] as const;
export type Priority = (typeof PRIORITIES)[number];

export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ENTITIES = [
  "operation",
  "mission",
  "asset",
  "intel",
  "task",
  "agent",
  "correlation",
  "journal",
  "handover",
  "token",
  "ssh_key",
  "ssh",
] as const;
export type Entity = (typeof ENTITIES)[number];

export const EVENT_KINDS = [
  "operation.created",
  "operation.updated",
  "operation.deleted",
  "mission.created",
  "mission.updated",
  "mission.deleted",
  "asset.created",
  "asset.updated",
  "asset.deleted",
  "asset.heartbeat",
  "asset.moved",
  "intel.created",
  "intel.updated",
  "intel.deleted",
  "intel.acknowledged",
  "intel.ack_overdue",
  "task.created",
  "task.updated",
  "task.deleted",
  "task.claimed",
  "task.done",
  "task.failed",
  "task.retry",
  "agent.updated",
  "agent.triggered",
  "agent.run_started",
  "agent.run_finished",
  "correlation.merged",
  "correlation.updated",
  "journal.created",
  "handover.created",
  "handover.accepted",
  "token.created",
  "token.revoked",
  "ssh_key.enrolled",
  "ssh_key.revoked",
  "ssh.session_opened",
  "ssh.session_closed",
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
