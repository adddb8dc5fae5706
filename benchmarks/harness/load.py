"""Load over HTTP from wrk, and the request sequence it sends (the raw cells replay the same one).

The cold sequence is /tmp/edge-bench/lua/bench.lua's: request n uses image n % k and width
300 + ((n // k) * 337) % 1000, extended so that it never repeats (after k*1000 requests the
height goes up by one). Each wrk thread takes every NTHREADS-th n, so threads never overlap.
The warm sequence is one URL (w_400 on the first image)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass

TEMPLATE = "/demo/image/upload/c_fill,w_{w},h_{h},q_80/{img}"

LUA = r"""
local thread_counter = 0
function setup(thread)
  thread:set("tid", thread_counter)
  thread_counter = thread_counter + 1
end
local mode, template, images, nthreads, offset
local counter = 0
function init(args)
  mode = args[1]; template = args[2]
  images = {}
  for s in string.gmatch(args[3] or "", "[^,]+") do images[#images + 1] = s end
  nthreads = tonumber(args[4] or "1"); offset = tonumber(args[5] or "0")
  tid = tonumber(tid or 0)
  if mode ~= "cold" then
    fixed_req = wrk.format("GET", (template:gsub("{w}", "400"):gsub("{h}", "300"):gsub("{img}", images[1])))
  end
end
function request()
  if mode ~= "cold" then return fixed_req end
  local n = offset + counter * nthreads + tid
  counter = counter + 1
  local k = #images
  local m = math.floor(n / k)
  local w = 300 + (m * 337) % 1000
  local h = 300 + math.floor(n / (k * 1000))
  local p = template:gsub("{w}", tostring(w)):gsub("{h}", tostring(h)):gsub("{img}", images[(n % k) + 1])
  return wrk.format("GET", p)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests":%d,"duration_us":%d,"bytes":%d,"err_connect":%d,"err_read":%d,' ..
    '"err_write":%d,"err_status":%d,"err_timeout":%d,"lat_p50_us":%d,"lat_p99_us":%d,"lat_max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def cold_args(n: int, k: int) -> tuple[int, int, int]:
    """(image index, width, height) of cold request n: the Lua sequence above."""
    return n % k, 300 + ((n // k) * 337) % 1000, 300 + n // (k * 1000)


def warm_path(images: list[str]) -> str:
    return TEMPLATE.format(w=400, h=300, img=images[0])


@dataclass(frozen=True)
class Wrk:
    """wrk with the Lua script above written to `script`."""

    script: str
    threads: int
    seconds: float

    @classmethod
    def install(cls, script: str, threads: int, seconds: float) -> Wrk:
        with open(script, "w") as f:
            f.write(LUA)
        return cls(script, threads, seconds)

    def run(self, port: int, mode: str, images: list[str], conc: int, offset: int = 0) -> dict:
        """wrk's summary: requests, duration_us, lat_p50_us/p99_us, err_* (err_status = non-2xx/3xx)."""
        t = min(self.threads, conc)
        cmd = ["wrk", "-t", str(t), "-c", str(conc), "-d", f"{self.seconds:g}s", "--timeout", "30s", "-s", self.script,
               f"http://127.0.0.1:{port}", "--", mode, TEMPLATE, ",".join(images), str(t), str(offset)]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=self.seconds + 90)
        for line in p.stdout.splitlines():
            if line.startswith("JSON "):
                return json.loads(line[5:])
        raise RuntimeError(f"wrk failed rc={p.returncode}: {p.stdout[-400:]} {p.stderr[-400:]}")
