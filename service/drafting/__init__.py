"""What the model is asked and answers: prompts, budgets, wire format, the extractive model."""
