"""health feature: router (thin) and service."""
