"""One request end to end: summarise or verify, assemble verified outputs, check, report."""
