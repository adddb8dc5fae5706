"""Settings: the root dataclass `Settings`, read once at start-up from the config file and the environment.

Precedence: field default < `config/edge.toml` (section = area, key = field) < environment.
Every problem is collected and raised together as one `SettingsError`. Nothing reads
`os.environ` after `main()`; components get only the slice they need. The package:
`values` (Secret, FrozenMap, setting), `parsers` (text or TOML -> typed value), `areas` (one
dataclass per section) and `loading` (file + environment -> areas, cross-field checks).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.errors import SettingsError
from edge.settings.areas import (
    AccountSettings, ApiSettings, AuthSettings, CacheSettings, CdnSettings, CloudSettings, ConsoleSettings, DatabaseSettings,
    DeliverySettings,
    FetchSettings, LimitSettings, ListSettings, RedisSettings, RenderSettings, S3Settings, ServerSettings,
    StorageSettings, TransformationSettings, VideoSettings,
)
from edge.settings.loading import check, load_areas, read_file
from edge.settings.parsers import (
    address_ports, cloud_domains, cloud_names, cloud_urls, cloudinary_urls, header_names, hex_keys, named_transformations,
    web_origins,
)
from edge.settings.values import FrozenMap, Secret, setting

__all__ = [
    "AccountSettings", "ApiSettings", "AuthSettings", "CacheSettings", "CdnSettings", "CloudSettings", "ConsoleSettings", "DatabaseSettings",
    "DeliverySettings", "FetchSettings", "FrozenMap", "LimitSettings", "ListSettings", "RedisSettings",
    "RenderSettings", "S3Settings", "Secret", "ServerSettings", "Settings", "StorageSettings",
    "TransformationSettings", "VideoSettings", "address_ports", "cloud_domains", "cloud_names", "cloud_urls", "cloudinary_urls",
    "cores", "describe", "header_names", "hex_keys", "named_transformations", "setting", "web_origins",
]


@dataclass(frozen=True, slots=True)
class Settings:
    server: ServerSettings = field(default_factory=ServerSettings)
    cloud: CloudSettings = field(default_factory=CloudSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    cache: CacheSettings = field(default_factory=CacheSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    render: RenderSettings = field(default_factory=RenderSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    transformations: TransformationSettings = field(default_factory=TransformationSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    s3: S3Settings = field(default_factory=S3Settings)
    redis: RedisSettings = field(default_factory=RedisSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    cdn: CdnSettings = field(default_factory=CdnSettings)
    lists: ListSettings = field(default_factory=ListSettings)
    accounts: AccountSettings = field(default_factory=AccountSettings)
    video: VideoSettings = field(default_factory=VideoSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)

    @classmethod
    def load(cls, environ: Mapping[str, str], config_file: Path | None = None) -> Settings:
        """Defaults, then the TOML file (if any), then the environment; all errors at once."""
        problems: list[str] = []
        file_values = read_file(config_file, problems)
        areas = load_areas(cls, file_values, environ, problems, config_file)
        # A value that did not parse keeps its (valid) default, so validate() still checks every other one.
        settings = cls(**areas)
        problems.extend(settings.validate())
        if problems:
            raise SettingsError(problems)
        return settings

    @property
    def processes(self) -> int:
        """Worker processes of `edge serve`: EDGE_SERVER_WORKERS, or one per core."""
        return self.server.workers or cores()

    @property
    def render_threads(self) -> int:
        """Render threads of each process: EDGE_RENDER_WORKERS, or the cores shared among the processes
        (measured on 2 cores, 2 processes x 1 thread rendered cold URLs as fast as 2 x 2 or faster,
        and a process per core with a thread per core would hold cores^2 renders' memory at once)."""
        return self.render.workers or max(1, cores() // self.processes)

    def validate(self) -> list[str]:
        return check(self)


def cores() -> int:
    """The CPUs this process may run on (a cpuset or `taskset` narrows them), not the host's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def describe() -> list[tuple[str, str, Any, str]]:
    """(area, env, default, doc) for every setting: the source of the generated example env file."""
    rows = []
    for area in dataclasses.fields(Settings):
        for f in dataclasses.fields(area.default_factory):  # type: ignore[arg-type]
            rows.append((area.name, f.metadata["env"], f.default, f.metadata["doc"]))
    return rows
