"""service/ingest."""
