# Website chat (web/): the demo page, its socket.io channel and its browser tests.
# The socket.io client is vendored in web/static/vendor/ (committed), so `make run` needs no npm on a fresh machine.

.PHONY: web-vendor web-test

web-vendor: node_modules/.installed ## Refresh the vendored socket.io client from node_modules (after a version bump)
	cp node_modules/socket.io-client/dist/socket.io.min.js web/static/vendor/socket.io.min.js

web-test: browser $(MODEL) ## Website tests: server over HTTP, the chat in Chromium (also throttled); screenshots, figures in tests/output/
	$(BIN)/pytest -q tests/web
