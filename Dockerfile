# syntax=docker/dockerfile:1
# Build: make docker (or docker build -t flect .). Run:
#   docker run --rm -p 6379:6379 flect [server flags...]

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=none
ARG DATE=unknown
RUN CGO_ENABLED=0 go build -trimpath \
	-ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" \
	-o /out/flect ./cmd/flect

# A static binary needs no libc: distroless/static adds only CA certificates,
# time zone data and a non-root user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/flect /usr/local/bin/flect
EXPOSE 6379
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/flect", "server", "--bind", "0.0.0.0", "--protected-mode", "no"]
