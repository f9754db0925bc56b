"""Sources into citable sentences: segments, page furniture, prompt injection, duplicates."""
