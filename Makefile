# make test   the README's test command (what CI runs)
# make soak   quantify 1 M, 10 M and 50 M streamed simulated pairs and check
#             that memory stays flat (about 10 minutes; not part of 'test')
# make fuzz   run every fuzz target of every package for FUZZTIME each
#             (default 3m); new crashers are kept in PKG/testdata/fuzz/.
#             FUZZPKGS limits the packages: make fuzz FUZZPKGS="./internal/input/fastq ./internal/estimate/genes"
GO       ?= go
FUZZTIME ?= 3m
FUZZPKGS ?= ./...

.PHONY: test soak fuzz

test:
	$(GO) vet ./... && $(GO) test ./...

soak:
	$(GO) test -tags soak -run '^TestSoak$$' -v -timeout 3h ./cmd/gallisto

fuzz:
	@set -e; for pkg in $$($(GO) list $(FUZZPKGS)); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$target ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done
