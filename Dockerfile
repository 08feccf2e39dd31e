# syntax=docker/dockerfile:1
# Smed as a container: a static binary on a distroless base, running as
# nonroot. Build: docker build -t smed . ; run with compose.yaml, or give it
# SMED_* variables (config.example.yaml lists them all).

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/smed ./cmd/smed

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/smed /usr/local/bin/smed
USER nonroot:nonroot
ENV SMED_HTTP_ADDR=:3000 SMED_LOG_FORMAT=json
EXPOSE 3000
# The image has no shell or curl: smed asks its own /healthz.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 CMD ["smed", "healthcheck"]
ENTRYPOINT ["smed"]
CMD ["run"]
