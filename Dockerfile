# The API image; the `local-llm` build argument adds llama.cpp's server for the model service.
FROM python:3.11-slim
ARG EXTRAS=""
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY service ./service
COPY evals ./evals
COPY prompts ./prompts
# devtools/ holds the local-model launcher the compose model service runs; it is not part of the wheel.
COPY devtools ./devtools
COPY seeds ./seeds
RUN pip install --no-cache-dir -e ".${EXTRAS:+[$EXTRAS]}"
EXPOSE 8000
CMD ["python", "-m", "service", "serve", "--host", "0.0.0.0", "--port", "8000"]
