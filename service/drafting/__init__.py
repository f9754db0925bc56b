"""service/drafting."""
