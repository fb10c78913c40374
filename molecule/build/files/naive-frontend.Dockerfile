# The naive single-stage frontend, for comparison only (molecule/build): the
# same source and base, all of node_modules (dev dependencies too), npm's
# cache and the build cache in the shipped image.
ARG NODE_BASE
FROM ${NODE_BASE}
WORKDIR /app
COPY src/client/ /app/
ARG NEXT_PUBLIC_API_URL
RUN --mount=type=secret,id=build_ca \
    if [ -s /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi; \
    npm install && NEXT_PUBLIC_API_URL=$NEXT_PUBLIC_API_URL npm run build
CMD ["npm", "start"]
