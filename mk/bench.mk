# make bench: our bot against stock Rasa's starter bot, back to back, same load (bench/run.py). Not part of make test.
.PHONY: bench bench-quick bench-scaling

bench: $(MODEL) ## Benchmark our bot against stock Rasa (latency, throughput, memory, training); bench/results/
	$(BIN)/python -m bench.run

bench-quick: $(MODEL) ## The benchmark without the speed-up experiments and the profiler
	$(BIN)/python -m bench.run --no-experiments --no-profile

bench-scaling: $(MODEL) ## One production replica under rising load: msg/s, memory, PostgreSQL connections (README, "Scaling")
	$(BIN)/python -m bench.scaling
