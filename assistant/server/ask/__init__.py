"""ask feature: router (thin) and service."""
