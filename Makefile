# yizhan: a service-station locator. `make help` lists the targets.

GO      ?= go
BIN     := bin/yizhan
# ADDR (make run ADDR=host:port) overrides YIZHAN_ADDR, whose default is 127.0.0.1:8080.
ADDR    ?=
PKGS    := ./...

# skipped_notice prints one line for each group of tests that skipped for
# lack of a database or a browser (go test shows skips only with -v).
define skipped_notice
if [ -z "$$YIZHAN_TEST_DATABASE_URL" ]; then echo "SKIPPED: the PostGIS tests (data, api, tests): set YIZHAN_TEST_DATABASE_URL to run them (see the README, Two commands)"; fi; \
if ! [ -x /usr/bin/chromium ]; then echo "SKIPPED: the browser tests (web): install Debian's chromium to run them"; fi
endef

.PHONY: help build run test test-integration bench fuzz lint tidy clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

build: ## build bin/yizhan
	$(GO) build -o $(BIN) ./cmd/yizhan

run: build ## serve the bundled data set and web map on http://localhost:8080
	./$(BIN) serve $(if $(ADDR),--addr $(ADDR))

test: ## run every test (PostGIS and browser tests skip unless configured; see README)
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -shuffle=on -timeout 20m $(PKGS)
	@$(skipped_notice)

test-integration: ## run the PostGIS tests against YIZHAN_TEST_DATABASE_URL (required)
	REQUIRE_POSTGIS=1 $(GO) test -race -count=1 -timeout 20m ./data/... ./api/... ./roads/... ./tests/...

bench: ## benchmarks at 1,000,000 records: index vs brute force vs PostGIS (PostGIS parts need YIZHAN_TEST_DATABASE_URL)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1s ./geo/
	$(GO) test -run '^$$' -bench 'NearestHandler|RenderNearest5' -benchmem ./api/
	$(GO) test -run '^$$' -bench 'CoverageGapsInnerMongolia|RouteStations2000km|GapsByTimeHandler' -benchmem -benchtime 10x ./api/
	$(GO) test -run '^$$' -bench 'HTTPNearest1M' -benchmem -benchtime 1x -timeout 10m ./api/
	$(GO) test -run '^$$' -bench 'PostGIS1M' -benchtime 1x ./data/postgis/
	$(GO) test -run '^$$' -bench 'Import1M' -benchtime 1x ./data/source/
	$(GO) test -run '^$$' -bench 'DecodeStations|EncodeStations|FeatureEncoding' -benchmem ./data/
	$(GO) test -run '^$$' -bench 'OpenAt|ParseOpeningHours' -benchmem ./data/hours/
	$(GO) test -run '^$$' -bench 'Clustered1M' -benchmem ./data/catalog/
	$(GO) test -run '^$$' -bench 'CountHandlerClustered1M' -benchmem ./api/
	$(GO) test -run '^$$' -bench 'Andorra|PgRoutingAndorra' -benchmem ./roads/
	$(GO) test -run '^$$' -bench 'Grid2M$$' -benchmem -benchtime 10x -timeout 10m ./roads/
	$(GO) test -run '^$$' -bench 'Grid2MBuild' -benchmem -benchtime 1x -timeout 10m ./roads/
	$(GO) test -run '^$$' -bench 'CHBuild/(100|200|400)x' -benchmem -benchtime 1x ./roads/
	$(GO) test -run '^$$' -bench 'ByTime' -benchmem -benchtime 20x ./data/plan/
	$(GO) test -run '^$$' -bench 'WholeProcess' -benchtime 1x -timeout 30m ./internal/procbench/

fuzz: ## run every fuzz target for FUZZTIME each (default 20s; about 30 s a target with building)
	@for pkg in $$($(GO) list $(PKGS)); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-20s} -fuzzminimizetime $${FUZZMINIMIZETIME:-3s} $$pkg || exit 1; \
		done; \
	done

lint: ## gofmt and go vet
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

clean: ## remove build output
	rm -rf bin
