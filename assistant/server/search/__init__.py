"""search feature: router (thin) and service."""
