"""Policies: TOML files validated with pydantic (schema.py), found and loaded by load.py."""
