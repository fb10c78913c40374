# The naive single-stage backend, for comparison only (molecule/build): the
# same source, base and steps as roles/image's backend, in one stage, the way
# a Dockerfile looks before it is split into stages: the compilers, pip,
# apt's package lists and the whole server/ directory in the shipped image.
# Its first steps are roles/image's builder stage word for word (keep them
# so), so BuildKit takes them from the cache of the build the scenario has
# just made: the comparison costs the steps that differ, not a second build.
ARG PYTHON_BASE
FROM ${PYTHON_BASE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc g++ \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY src/server/requirements.txt /tmp/requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=secret,id=build_ca,required=false \
    if [ -s /run/secrets/build_ca ]; then export PIP_CERT=/run/secrets/build_ca; fi; \
    pip install -r /tmp/requirements.txt
# From here the single stage differs: ffmpeg on top of the compilers.
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg
WORKDIR /app
COPY src/server/ /app/
CMD ["uvicorn", "src.main:app", "--host", "0.0.0.0", "--port", "8000"]
