"""service/text."""
