"""Small asyncio building blocks shared by origins, cache and services: single-flight, a TTL map, a task group."""
