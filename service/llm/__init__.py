"""service/llm."""
