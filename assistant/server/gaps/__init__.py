"""gaps feature: router (thin) and service."""
