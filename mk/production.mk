# The production stack: PostgreSQL tracker store, Redis lock store, RabbitMQ event broker, several Rasa replicas
# behind ops/balancer.py. Settings come from the environment (README, "Production configuration").
.PHONY: run-prod preflight prod-health

run-prod: $(MODEL) $(RUN_PREREQUISITES) ## Production stack: preflight, actions, RASA_REPLICAS Rasa replicas, balancer :5005, website
	$(BIN)/python -m ops.stack

preflight: install ## Check PostgreSQL, Redis and RabbitMQ are reachable (creates the database if missing)
	$(BIN)/python -m ops.preflight

prod-health: install ## Prove each replica of the running production stack writes to PostgreSQL
	$(BIN)/python -m ops.health
