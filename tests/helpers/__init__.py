"""Shared test helpers, in one home: test modules import from here and never from each other.

images (synthetic fixtures), net (free ports), servers (edge nodes, a throwaway redis-server,
a plain HTTP GET), s3 (a boto3 client for moto), pg (a throwaway PostgreSQL schema), prom
(reading /metrics), api (signed Upload API calls), sdk (URLs from the official SDK) and
catalogs (catalog doubles). Fixtures stay in the conftest.py files; golden hashes in tests/golden.py.
"""
