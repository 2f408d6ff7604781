"""Core types and services every other part uses: errors, settings, projection, schema, categories,
message catalogs, filters and the local store."""
