"""The production stack: preflight checks, load balancer and launcher (`make run-prod`)."""
