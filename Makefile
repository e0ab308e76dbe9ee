# make build | test | lint | validate | bench | compare-nlpjs | image | chart | release
# Go and (for image) docker; helm is used by chart when it is installed.

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
IMAGE   ?= ghcr.io/whoowns/whoowns:$(VERSION)
GOFLAGS_BUILD = -trimpath -ldflags="-s -w"
PLATFORMS ?= linux/amd64 linux/arm64 darwin/arm64 windows/amd64

.PHONY: all build test test-race lint validate bench compare-nlpjs image chart deploy-test release clean

all: lint test build

## build: the whoowns binary in bin/
build:
	CGO_ENABLED=0 go build $(GOFLAGS_BUILD) -o bin/whoowns ./cmd/whoowns

## test: every test of the main module (REDIS_URL if set, else in-process Redis)
test:
	go test ./...

## test-race: what CI runs
test-race:
	go test -race ./...

## lint: formatting and vet for both modules (staticcheck too when installed)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...
	cd deploy && go vet ./...
	@if command -v staticcheck >/dev/null 2>&1; then staticcheck ./...; else echo "staticcheck not installed; skipped"; fi

## validate: the Slack and Teams golden files against @slack/types (tsc --strict) and adaptivecards (needs node and npm; see scripts/validate)
validate:
	cd scripts/validate && npm ci --no-audit --no-fund --silent
	node scripts/validate/validate.js
	CI=true go test -count=1 -run TestValidatorRejects ./internal/validate

## bench: the hot path's benchmarks into bench.txt (see scripts/bench)
bench:
	scripts/bench

## compare-nlpjs: whoowns against NLP.js trained on the same phrases, on every labelled set (needs node and npm; see docs/matcher.md)
EVAL_SETS ?= $(wildcard ../shared/eval/*.jsonl) $(wildcard internal/intent/testdata/heldout*.jsonl)
compare-nlpjs: build
	cd scripts/nlpjs && npm ci --no-audit --no-fund --silent
	node scripts/nlpjs/compare.js --whoowns bin/whoowns $(EVAL_SETS)

## image: the container image (distroless, non-root)
image:
	docker build -t $(IMAGE) .

## chart: render and check the Helm chart and the kustomization
chart: deploy-test
	@if command -v helm >/dev/null 2>&1; then \
		helm lint deploy/helm/whoowns && helm template whoowns deploy/helm/whoowns >/dev/null; \
	else echo "helm not installed; the chart was checked by the deploy tests only"; fi

## deploy-test: render the chart and the kustomization and decode every object strictly (own Go module)
deploy-test:
	cd deploy && go test ./...

## release: static binaries for each platform in dist/
release:
	@mkdir -p dist
	@for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "dist/whoowns-$(VERSION)-$$os-$$arch$$ext"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build $(GOFLAGS_BUILD) -o dist/whoowns-$(VERSION)-$$os-$$arch$$ext ./cmd/whoowns || exit 1; \
	done
	cd dist && sha256sum whoowns-$(VERSION)-* > SHA256SUMS

clean:
	rm -rf bin dist
