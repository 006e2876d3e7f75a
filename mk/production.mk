# The production stack: PostgreSQL tracker store, Redis lock store, RabbitMQ event broker, several Rasa replicas
# behind nginx. Settings come from the environment (README, "Production configuration").
.PHONY: run-prod preflight prod-health

run-prod: $(MODEL) $(RUN_PREREQUISITES) ## Production stack: preflight, actions, RASA_REPLICAS Rasa replicas, nginx :5005, website
	$(BIN)/python -m ops.stack

preflight: install ## Check PostgreSQL, Redis and RabbitMQ are reachable (creates the database if missing)
	$(BIN)/python -m ops.preflight

prod-health: install ## Prove each replica of the running production stack writes to PostgreSQL
	$(BIN)/python -m ops.health

# nginx, in front of the Rasa replicas of `make run` and `make run-prod` (ops/proxy.py, deploy/nginx/).
/usr/sbin/nginx:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light

RUN_PREREQUISITES += /usr/sbin/nginx
TEST_PREREQUISITES += /usr/sbin/nginx

# The container image and Kubernetes manifests (Containerfile, deploy/k8s/): podman, its runtime and debootstrap from
# Debian (each a target of its own: a podman installed without runc or debootstrap cannot build the image).
CONTAINER_TOOLS := /usr/bin/podman /usr/sbin/runc /usr/sbin/debootstrap
$(CONTAINER_TOOLS):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap

.PHONY: image
image: $(MODEL) $(CONTAINER_TOOLS) ## Build the container image (localhost/youarenotalone:<input hash>; only when its inputs changed)
	$(BIN)/python -m ops.image

TEST_PREREQUISITES += $(CONTAINER_TOOLS)

# kubectl builds the Kubernetes overlays (its kustomize) for the manifests' tests; Debian's is kubernetes-client.
/usr/bin/kubectl:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client

TEST_PREREQUISITES += /usr/bin/kubectl
