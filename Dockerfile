# Multi-stage build of the portal. docker-compose.yml runs it with PostgreSQL.
# The build context keeps .git (see .dockerignore) so that Go stamps the commit into the
# binary: `portal version` names it. VERSION, when given (--build-arg VERSION=v1.2.3), is
# printed before it.
FROM golang:1.26-bookworm AS build
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=true -ldflags "-s -w -X main.version=${VERSION}" -o /out/portal ./cmd/portal

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/portal /portal
USER nonroot
EXPOSE 8080 9090
ENTRYPOINT ["/portal"]
CMD ["serve"]
