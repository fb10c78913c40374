# The naive single-stage frontend, for comparison only (molecule/build): the
# same source, base and steps as roles/image's frontend, in one stage, the way
# a Dockerfile looks before it is split into stages: all of node_modules (the
# dev dependencies too), the source and the build output in the shipped image.
# Its steps are roles/image's deps and build stages word for word (keep them
# so), so BuildKit takes them from the cache of the build the scenario has
# just made: the comparison costs nothing but the image's metadata. (The build
# step also leaves its copy of the bundle in /out, a few MB, in this image.)
ARG NODE_BASE
FROM ${NODE_BASE}
WORKDIR /app
COPY src/client/package.json src/client/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    --mount=type=secret,id=build_ca \
    if [ -s /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi; \
    npm ci --no-audit --no-fund
COPY src/client/ ./
ARG NEXT_PUBLIC_API_URL
ENV NEXT_PUBLIC_API_URL=${NEXT_PUBLIC_API_URL} \
    NEXT_TELEMETRY_DISABLED=1 \
    NODE_ENV=production
RUN case "$NEXT_PUBLIC_API_URL" in \
        http://?*|https://?*) ;; \
        *) echo "NEXT_PUBLIC_API_URL must be the site's full public origin (https://...), got '$NEXT_PUBLIC_API_URL'" >&2; exit 1 ;; \
    esac \
    && npm run build \
    && rm -rf .next/cache \
    && mkdir -p /out public \
    && cp -r .next public package.json /out/ \
    && for f in next.config.*; do if [ -f "$f" ]; then cp "$f" /out/; fi; done
CMD ["npm", "start"]
