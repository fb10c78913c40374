# The naive single-stage backend, for comparison only (molecule/build): the
# same source and base, the way a first Dockerfile often looks: compilers,
# pip and its cache, and the whole server/ directory in the shipped image.
ARG PYTHON_BASE
FROM ${PYTHON_BASE}
RUN apt-get update && apt-get install -y gcc g++ ffmpeg
WORKDIR /app
COPY src/server/ /app/
RUN --mount=type=secret,id=build_ca \
    if [ -s /run/secrets/build_ca ]; then export PIP_CERT=/run/secrets/build_ca; fi; \
    python3 -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt
CMD ["/opt/venv/bin/uvicorn", "src.main:app", "--host", "0.0.0.0", "--port", "8000"]
