DROP INDEX devices_hub_status_idx;
