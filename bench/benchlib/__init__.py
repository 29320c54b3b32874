"""Benchmark harness for cassvault (bench/gen-data, bench/run); see bench/README.md."""
