# The service image. EXTRAS names the package extras to install, comma-separated:
# docker-compose.yml builds the API with "redis" and the model server with "local-llm".
# Compilers are installed only for local-llm (llama-cpp-python builds llama.cpp from source):
# the API image has none.
FROM python:3.11-slim
ARG EXTRAS=""
WORKDIR /app
RUN case ",${EXTRAS}," in \
      *,local-llm,*) apt-get update \
        && apt-get install -y --no-install-recommends build-essential cmake \
        && rm -rf /var/lib/apt/lists/* ;; \
    esac
COPY pyproject.toml README.md ./
COPY service ./service
COPY evals ./evals
COPY prompts ./prompts
# devtools/ holds the local-model launcher the compose model service runs; it is not part of the wheel.
COPY devtools ./devtools
COPY seeds ./seeds
# llama.cpp built for AVX2, not for the build machine: an image runs elsewhere, and a native
# build's AMX kernels crash where a container is not granted AMX state (see the README).
ENV CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
RUN pip install --no-cache-dir -e ".${EXTRAS:+[$EXTRAS]}"
EXPOSE 8000
CMD ["python", "-m", "service", "serve", "--host", "0.0.0.0", "--port", "8000"]
