"""bench/eventday: a 报到 day on the fleet, calm and under faults (issue 35)."""
