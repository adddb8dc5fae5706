"""Search over a filled catalog: p50/p95 of selective queries and of a count with aggregations.

    .venv/bin/python benchmarks/search.py                    # 100,000 assets, SQLite (a temp file)
    .venv/bin/python benchmarks/search.py --count 1000000 --pg   # PostgreSQL, a throwaway schema
    .venv/bin/python benchmarks/search.py --repeat 50 --json out.jsonl

Each query is the whole `edge.catalog.search.search()` call the Search API makes (the page of 50
and the total count), through the catalog's own driver (aiosqlite's thread, asyncpg's pool).
The catalog is filled in bulk below the catalog API (sqlite3 executemany, asyncpg COPY), after
the real migrations created the schema and its indexes. It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import random
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edge.catalog.search import Bucket, RangeAggregation, SearchQuery, search  # noqa: E402
from edge.catalog.store import Catalog, open_catalog  # noqa: E402
from edge.grammar.search import parse_search  # noqa: E402

CLOUD = "bench"
FORMATS = ["jpg"] * 6 + ["png"] * 3 + ["webp"] * 2 + ["gif", "avif"]
COLOURS = ["red", "green", "blue", "teal", "black", "white", "amber", "violet", "grey", "pink"]
WORDS = ["summer", "winter", "sale", "new", "shoes", "hats", "kids", "outdoor", "studio", "promo"]
START = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "da", "fu", "gi", "ho", "ju", "be"]


def tag(n: int) -> str:
    """1,000 distinct word-like tags ("kalomi", "rutove", ...): their trigrams vary, as real tags' do."""
    return SYLLABLES[n % 16] + SYLLABLES[(n // 16) % 16] + SYLLABLES[(n // 256) % 16] + SYLLABLES[(n * 7) % 16]
PG_DSN = os.environ.get("EDGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def rows(count: int, seed: int = 7):
    """(asset row, tags, context) for `count` assets: 100 folders x 10 subfolders, 1,000 tags (2-3 each),
    sizes log-uniform 1 KB-20 MB, two years of upload times, 5% private."""
    rnd = random.Random(seed)
    for i in range(count):
        folder = f"f{rnd.randrange(100):03d}/s{rnd.randrange(10)}"
        public_id = f"{folder}/{rnd.choice(WORDS)}_{i:07d}"
        width, height = rnd.randrange(100, 6000), rnd.randrange(100, 6000)
        size = int(10 ** rnd.uniform(3, 7.3))
        created = (START + datetime.timedelta(seconds=rnd.randrange(2 * 365 * 86400))).strftime("%Y-%m-%dT%H:%M:%SZ")
        tags = [tag(rnd.randrange(1000)) for _ in range(2)] + ([f"{rnd.choice(WORDS)} {rnd.choice(WORDS)}"] if i % 3 == 0 else [])
        tags = list(dict.fromkeys(tags))
        context = {"color": rnd.choice(COLOURS)} if i % 2 == 0 else {}
        asset_type = "private" if i % 20 == 0 else "upload"
        asset = (CLOUD, asset_type, public_id, f"a{i:08d}", 1, "v1", rnd.choice(FORMATS), width, height, size, "etag",
                 created, json.dumps(tags), json.dumps(context), "{}", "", 0, 0)
        yield asset, [(CLOUD, asset_type, public_id, t) for t in tags], [
            (CLOUD, asset_type, public_id, k, v) for k, v in context.items()]


COLUMNS = ("cloud, type, public_id, asset_id, version, version_id, format, width, height, bytes, etag, created_at,"
           " tags, context, metadata, original_filename, placeholder, backup")


def fill_sqlite(path: Path, count: int) -> None:
    connection = sqlite3.connect(path)
    with connection:
        assets, tags, context = [], [], []
        for asset, t, c in rows(count):
            assets.append(asset)
            tags += t
            context += c
        connection.executemany(f"INSERT INTO assets ({COLUMNS}) VALUES ({','.join('?' * 18)})", assets)
        connection.executemany("INSERT INTO asset_tags (cloud, type, public_id, tag) VALUES (?,?,?,?)", tags)
        connection.executemany("INSERT INTO asset_context (cloud, type, public_id, key, value) VALUES (?,?,?,?,?)", context)
    connection.execute("ANALYZE")
    connection.close()


async def fill_postgres(url: str, count: int) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.split("?")[0], server_settings={"search_path": url.split("search_path=")[1]})
    try:
        batch, tags, context = [], [], []
        for n, (asset, t, c) in enumerate(rows(count), start=1):
            batch.append(asset)
            tags += t
            context += c
            if len(batch) == 50_000 or n == count:
                await connection.copy_records_to_table("assets", records=batch, columns=[c.strip() for c in COLUMNS.split(",")])
                await connection.copy_records_to_table("asset_tags", records=tags, columns=["cloud", "type", "public_id", "tag"])
                await connection.copy_records_to_table("asset_context", records=context,
                                                       columns=["cloud", "type", "public_id", "key", "value"])
                batch, tags, context = [], [], []
        await connection.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load: index-only scans
    finally:
        await connection.close()


def queries(repeat: int) -> dict[str, list[SearchQuery]]:
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    rnd = random.Random(11)
    ranges = (
        RangeAggregation("bytes", (Bucket("small", None, 100_000), Bucket("medium", 100_000, 5_000_000),
                                   Bucket("large", 5_000_000, None))),
        RangeAggregation("image_pixels", (Bucket("small", None, 1_000_000), Bucket("large", 1_000_000, None))),
    )

    def q(expression: str, **options) -> SearchQuery:
        return SearchQuery(CLOUD, parse_search(expression), now, **options)

    def sizes() -> str:
        low = rnd.randrange(1_000_000, 9_000_000)
        return f"bytes:[{low} TO {low + 20_000}]"

    return {
        "tag (tags=)": [q(f"tags={tag(rnd.randrange(1000))}") for _ in range(repeat)],
        "tag (tags:, tokenised)": [q(f"tags:{tag(rnd.randrange(1000))}") for _ in range(repeat)],
        "folder prefix (folder:x/*)": [q(f"folder:f{rnd.randrange(100):03d}/*") for _ in range(repeat)],
        "folder (folder=x/y)": [q(f"folder=f{rnd.randrange(100):03d}/s{rnd.randrange(10)}") for _ in range(repeat)],
        "size range (bytes:[a TO b])": [q(sizes()) for _ in range(repeat)],
        "context (context.color=)": [q(f"context.color={rnd.choice(COLOURS)} AND tags={tag(rnd.randrange(1000))}")
                                     for _ in range(repeat)],
        "bare term (public_id, tags, context)": [q(tag(rnd.randrange(1000))) for _ in range(repeat)],
        "count + aggregations (all)": [
            q("", max_results=50, facets=("format", "resource_type", "type"), ranges=ranges) for _ in range(repeat)],
        "count + aggregations (type:upload AND format:jpg)": [
            q("type:upload AND format:jpg", facets=("format", "resource_type", "type"), ranges=ranges)
            for _ in range(repeat)],
    }


async def measure(catalog: Catalog, repeat: int) -> list[dict]:
    results = []
    for name, batch in queries(repeat).items():
        await search(catalog.db, batch[0])  # warm the plan and the page cache
        times, hits = [], []
        for query in batch:
            started = time.perf_counter()
            page = await search(catalog.db, query)
            times.append((time.perf_counter() - started) * 1000)
            hits.append(page.total_count)
        times.sort()
        results.append({
            "query": name, "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 2), "max_ms": round(times[-1], 2),
            "median_hits": int(statistics.median(hits)),
        })
        r = results[-1]
        print(f"  {name:<50} p50 {r['p50_ms']:8.2f} ms  p95 {r['p95_ms']:8.2f} ms  (median {r['median_hits']} hits)",
              flush=True)
    return results


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        return next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name")), "")
    except OSError:
        return platform.processor()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (EDGE_TEST_POSTGRES) instead of SQLite")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--json", help="append one JSON line per query")
    args = parser.parse_args()
    engine = "postgresql" if args.pg else "sqlite"
    print(f"search benchmark: {args.count:,} assets on {engine}; CPU {cpu_model()} ({os.cpu_count()} cores)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        schema = None
        if args.pg:
            import asyncpg

            schema = "edge_bench_" + secrets.token_hex(4)
            admin = await asyncpg.connect(PG_DSN)
            await admin.execute(f"CREATE SCHEMA {schema}")
            await admin.close()
            url = f"{PG_DSN}?search_path={schema}"
        else:
            url = f"sqlite:///{tmp}/bench.db"
        try:
            catalog = await open_catalog(url)  # the real migrations: tables and search indexes
            started = time.perf_counter()
            if args.pg:
                await fill_postgres(url, args.count)
            else:
                await catalog.close()
                fill_sqlite(Path(tmp) / "bench.db", args.count)
                catalog = await open_catalog(url)
            print(f"  filled in {time.perf_counter() - started:.1f} s", flush=True)
            results = await measure(catalog, args.repeat)
            await catalog.close()
        finally:
            if schema:
                admin = await asyncpg.connect(PG_DSN)
                await admin.execute(f"DROP SCHEMA {schema} CASCADE")
                await admin.close()
    if args.json:
        with open(args.json, "a") as out:
            for r in results:
                out.write(json.dumps({"engine": engine, "count": args.count, **r}) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
