# Messaging channels (channels/): Telegram, Messenger, Twilio SMS and WhatsApp, callback. Settings: README, "Messaging channels".
.PHONY: channels-test channels-check

channels-test: $(MODEL) ## Messaging-channel tests: provider webhooks in, replies caught by a local stand-in API
	$(BIN)/pytest -q tests/channels

channels-check: install ## Show which messaging channels the current environment turns on
	@$(BIN)/python -c "import logging; logging.basicConfig(level=logging.INFO, format='%(message)s'); \
	from rasa.core.run import create_http_input_channels as c; \
	print('webhooks:', ', '.join(f'/webhooks/{x.name()}/webhook' for x in c(None, 'credentials.yml')))" 2>&1 | grep -E "channel is off|webhooks:"
