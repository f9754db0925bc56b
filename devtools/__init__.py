"""Dev tooling kept out of the wheel: fake OpenAI-wire server, faults, local llama launcher."""
