"""Derivatives: key -> CachedDerivative, in memory, on disk. No pyvips."""
