"""documents feature: router (thin) and service."""
