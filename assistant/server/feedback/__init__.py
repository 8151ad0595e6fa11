"""feedback feature: router (thin) and service."""
