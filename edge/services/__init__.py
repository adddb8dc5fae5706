"""Async orchestration, framework-free: plain values in, plain values out."""
