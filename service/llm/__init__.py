"""The model interface, its OpenAI-SDK client, the reply cache and the request deadline."""
