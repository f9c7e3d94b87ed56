# zhiyi — make targets. `make test` is the README's test command; `make run` serves the sample shop.
GO       ?= go
BIN      := bin/zhiyi
SHOP     := corpora/shop
MODEL    := models/shop
ADDR     ?= :8080
DATA     ?= ../shared/data/public
PKGS     := ./...

.PHONY: build test vet bench run fmt model eval clean bench-public

build:
	$(GO) build -o $(BIN) ./cmd/zhiyi

vet:
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }

test: vet
	$(GO) test -race -count=1 -timeout 25m $(PKGS) # train alone takes minutes under -race; go test's 10-minute default is too close on a busy machine

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

# The model is rebuilt when it is missing or older than anything in the corpus.
$(MODEL)/manifest.json: $(shell find $(SHOP) -type f ! -path '*/holdout/*' ! -path '*/src/*' 2>/dev/null) | build
	./$(BIN) train --data $(SHOP)/chats --labels $(SHOP)/gold/labels.jsonl --kb $(SHOP)/kb.yaml --dict $(SHOP)/dict --out $(MODEL)

model: build $(MODEL)/manifest.json

run: build model
	./$(BIN) serve --model $(MODEL) --addr $(ADDR) --rules $(SHOP)/rules.yaml

eval: model
	./$(BIN) eval --model $(MODEL) --data $(SHOP)/holdout/holdout_2026-11.jsonl --html $(MODEL)-holdout.html

# zhiyi's classifier against fastText on the public sets in DATA (docs/benchmarks.md). The script
# builds bin/zhiyi itself and installs Debian's fastText when none is on PATH (FASTTEXT=… names one);
# SETS, QUANTIZE, WORK and the rest pass through from the environment.
bench-public:
	DATA='$(DATA)' bash scripts/bench-public.sh

clean:
	rm -rf bin $(MODEL) $(MODEL)-holdout.html
