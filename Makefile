# make test   the README's test command (what CI runs, through .ci/run):
#             gofmt, go vet, the race detector on the concurrent packages
#             (-short), then the full suite; skipped tests are listed at
#             the end with their reasons
# make soak   quantify 1 M, 10 M and 50 M streamed simulated pairs and check
#             that memory stays flat (about 10 minutes; not part of 'test')
# make fuzz   run every fuzz target of every package for FUZZTIME each
#             (default 3m); new crashers are kept in PKG/testdata/fuzz/.
#             FUZZPKGS limits the packages:
#             make fuzz FUZZPKGS="./internal/input/fastq ./internal/estimate/genes"
GO       ?= go
FUZZTIME ?= 3m
FUZZPKGS ?= ./...
SHELL    := /bin/bash

# The packages that run goroutines: the quant and single-cell pipelines,
# the EM, the bootstraps, index building (graph, MPHF), the mapper, the
# output directory lock, the readers and the progress line's clock.
RACEPKGS ?= ./internal/quant ./internal/singlecell ./internal/estimate/em ./internal/estimate/bootstrap \
	./internal/graph/index ./internal/graph/debruijn ./internal/graph/mphf \
	./internal/align/pseudo ./internal/output/atomicfile ./internal/input/zio \
	./internal/input/lanes ./internal/output/progress

.PHONY: test fmt-check vet race unit soak fuzz

test: fmt-check vet race unit

fmt-check:
	@files=$$(gofmt -l .); if [ -n "$$files" ]; then \
		echo "gofmt: these files are not formatted (run gofmt -w on them):"; \
		echo "$$files"; exit 1; fi

vet:
	$(GO) vet ./...

race:
	$(GO) test -race -short $(RACEPKGS)

unit:
	set -o pipefail; $(GO) test -json ./... | $(GO) run ./scripts/testsum

soak:
	$(GO) test -tags soak -run '^TestSoak$$' -v -timeout 3h ./cmd/gallisto

fuzz:
	@set -e; for pkg in $$($(GO) list $(FUZZPKGS)); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$target ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done
