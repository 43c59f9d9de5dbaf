# abaco: one static binary on a distroless base.
#   docker build -t abaco .            (or: docker-compose up --build)
#   docker run -p 8000:8000 abaco      (embedded cache and queue, no Redis)
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# cmd/abaco/docker_test.go runs this same command, so a change here that
# breaks the build fails the tests.
RUN CGO_ENABLED=0 go build -ldflags "-s -w -X main.version=${VERSION}" -o /out/abaco ./cmd/abaco

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/abaco /abaco
ENV ABACO_ADDR=:8000
EXPOSE 8000
USER nonroot
ENTRYPOINT ["/abaco"]
CMD ["serve"]
