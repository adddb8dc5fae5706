"""What a run prints: one line per cell (and a JSON line per cell with --json), then the ratios
that make figures from one run comparable: edge cold / raw, edge warm / bare aiohttp."""

from __future__ import annotations

import json


class Report:
    def __init__(self, json_path: str | None) -> None:
        self.json_path = json_path
        self.rows: list[dict] = []

    def emit(self, row: dict) -> dict:
        self.rows.append(row)
        rss = f"{row['peak_rss_mb']:7.1f}" if row.get("peak_rss_mb") is not None else "      -"
        print(f"{row['set']:5s} {row['scenario']:10s} c={str(row.get('conc', '-')):3s} {row['req_s']:9.1f} req/s  "
              f"p50 {row['p50_ms']:7.1f}  p99 {row['p99_ms']:7.1f} ms  peak RSS {rss} MB  "
              f"non-200/err {row.get('errors', 0)}  other CPU {row.get('other_cpu_pct', 0):.0f}%  {row.get('note', '')}",
              flush=True)
        if self.json_path:
            with open(self.json_path, "a") as f:
                f.write(json.dumps(row) + "\n")
        return row

    def ratios(self, set_name: str, concs: list[int], cells: dict[str, dict]) -> None:
        """`cells` keyed raw-thumb, raw-render, cold<c>, warm<c>, bare<c> (whichever ran)."""
        for conc in concs:
            parts = []
            cold = cells.get(f"cold{conc}")
            for kind in ("raw-thumb", "raw-render"):
                if cold and kind in cells:
                    parts.append(f"edge cold / {kind} = {cold['req_s'] / cells[kind]['req_s']:.2f}")
            warm, bare = cells.get(f"warm{conc}"), cells.get(f"bare{conc}")
            if warm and bare:
                parts.append(f"edge warm / bare aiohttp = {warm['req_s'] / bare['req_s']:.2f}")
            if parts:
                print(f"{set_name:5s} ratios c={conc}: " + ", ".join(parts), flush=True)
