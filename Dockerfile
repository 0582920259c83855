# One image per service: docker build --build-arg SERVICE=voice-server -t switchboard/voice-server .
FROM node:20-bookworm-slim AS base
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
RUN npm install --global pnpm@12.21.0
WORKDIR /app

FROM base AS deps
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json tsconfig.base.json ./
COPY packages ./packages
COPY services ./services
ARG SERVICE
RUN pnpm install --frozen-lockfile --filter "@switchboard/${SERVICE}..."

FROM base
ARG SERVICE
ENV NODE_ENV=production SERVICE=${SERVICE}
COPY --from=deps /app /app
USER node
EXPOSE 8080
CMD ["sh", "-c", "pnpm --filter @switchboard/${SERVICE} start"]
