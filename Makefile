# yizhan: a service-station locator. `make help` lists the targets.

GO      ?= go
BIN     := bin/yizhan
ADDR    ?= 127.0.0.1:8080
PKGS    := ./...

.PHONY: help build run test test-integration bench fuzz lint tidy clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

build: ## build bin/yizhan
	$(GO) build -o $(BIN) ./cmd/yizhan

run: build ## serve the bundled data set and web map on http://localhost:8080
	./$(BIN) serve --addr $(ADDR)

test: ## run every test (PostGIS and browser tests skip unless configured; see README)
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -shuffle=on -timeout 20m $(PKGS)

test-integration: ## run the PostGIS tests against YIZHAN_TEST_DATABASE_URL (required)
	REQUIRE_POSTGIS=1 $(GO) test -race -count=1 -timeout 20m ./data/... ./api/... ./tests/...

bench: ## benchmarks at 1,000,000 records: index vs brute force vs PostGIS (PostGIS parts need YIZHAN_TEST_DATABASE_URL)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1s ./geo/
	$(GO) test -run '^$$' -bench 'NearestHandler|RenderNearest5' -benchmem ./api/
	$(GO) test -run '^$$' -bench 'CoverageGapsInnerMongolia|RouteStations2000km' -benchmem -benchtime 10x ./api/
	$(GO) test -run '^$$' -bench 'HTTPNearest1M' -benchmem -benchtime 1x -timeout 10m ./api/
	$(GO) test -run '^$$' -bench 'PostGIS1M|Import1M' -benchtime 1x ./data/
	$(GO) test -run '^$$' -bench 'DecodeStations|EncodeStations|OpenAt|ParseOpeningHours' -benchmem ./data/

fuzz: ## run each fuzz target for FUZZTIME (default 20s)
	@for pkg in ./geo ./data ./api; do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-20s} $$pkg || exit 1; \
		done; \
	done

lint: ## gofmt and go vet
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

clean: ## remove build output
	rm -rf bin
