"""The demo enterprise: a realistic, deterministic inventory to explore govern with."""
