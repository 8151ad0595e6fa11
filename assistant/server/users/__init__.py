"""users feature: router (thin) over assistant.access.users."""
