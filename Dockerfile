# syntax=docker/dockerfile:1
# Build: a static binary with the intent catalogue and sample teams embedded.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/whoowns ./cmd/whoowns

# Run: no shell, no package manager, not root.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/whoowns /whoowns
USER nonroot:nonroot
EXPOSE 8080
ENV WHOOWNS_ADDR=:8080 WHOOWNS_LOG_FORMAT=json
ENTRYPOINT ["/whoowns"]
CMD ["serve"]
