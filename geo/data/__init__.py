"""Data in: source loaders, ingest with row accounting, stored datasets, walking networks, the demo bundle
and the local copies of web assets."""
