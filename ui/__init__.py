"""Streamlit glue shared by the pages: boot, cached data access, language. Pages stay thin."""
