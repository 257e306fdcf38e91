-- Hub staff's everyday page, "ready devices at my hub", and lists by hub and status in general:
-- without it PostgreSQL walks every device of the hub to find the few in that status.
CREATE INDEX devices_hub_status_idx ON devices (hub_id, status, id);
