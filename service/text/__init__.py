"""One home for language data and text arithmetic: word lists, numbers, normalisation, tokens."""
