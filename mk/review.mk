# The trainers' review tool (review/): conversation logs with sign-in, redaction and export.
.PHONY: review trainer-add trainer-remove purge review-bench

review: $(VENV)/.installed ## Trainers' review tool on http://localhost:8081/ (REVIEW_PORT)
	$(BIN)/python -m review.cli serve

trainer-add: $(VENV)/.installed ## Add a review-tool trainer: make trainer-add USER=name (prompts for the password)
	@test "$(origin USER)" = "command line" || { echo "usage: make trainer-add USER=name (USER must be given)"; exit 2; }
	$(BIN)/python -m review.cli trainer-add "$(USER)"

trainer-remove: $(VENV)/.installed ## Remove a review-tool trainer and end their sessions: make trainer-remove USER=name
	@test "$(origin USER)" = "command line" || { echo "usage: make trainer-remove USER=name (USER must be given)"; exit 2; }
	$(BIN)/python -m review.cli trainer-remove "$(USER)"

purge: $(VENV)/.installed ## Delete conversations older than DAYS (default RETENTION_DAYS) from the tracker store
	$(BIN)/python -m review.cli purge $(DAYS)

review-bench: $(VENV)/.installed ## Time the review list with 10,000 generated conversations
	$(BIN)/python -m bench.review_list
