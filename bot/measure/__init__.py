"""Measurement commands: benchmarks, retrieval and abstention evaluation, and the generic pipeline raced against."""
