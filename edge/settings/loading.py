"""Loading and checking: the config file and the environment into the area dataclasses, then the
cross-field rules; every problem collected (a value that does not parse keeps its default)."""

from __future__ import annotations

import dataclasses
import urllib.parse
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_type_hints

from edge.settings.parsers import scalar


def read_file(config_file: Path | None, problems: list[str]) -> dict[str, Any]:
    """The TOML file's tables (none without a file, or when it cannot be read: said in `problems`)."""
    if config_file is None:
        return {}
    try:
        return tomllib.loads(config_file.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{config_file}: {exc}")
        return {}


def load_areas(
    settings_cls: type, file_values: dict[str, Any], environ: Mapping[str, str], problems: list[str],
    config_file: Path | None = None,
) -> dict[str, Any]:
    """{area name: area dataclass} for each area field of `settings_cls`: default < file < environment."""
    areas = {}
    for area in dataclasses.fields(settings_cls):
        area_cls = area.default_factory  # type: ignore[misc]
        section = file_values.get(area.name, {})
        if not isinstance(section, dict):
            problems.append(f"{config_file}: [{area.name}] must be a table")
            section = {}
        areas[area.name] = load_area(area_cls, area.name, section, environ, problems)
    return areas


def load_area(area_cls: type, area_name: str, section: dict[str, Any], environ: Mapping[str, str], problems: list[str]) -> Any:
    hints = get_type_hints(area_cls)
    values: dict[str, Any] = {}
    known = {f.name for f in dataclasses.fields(area_cls)}
    for unknown in sorted(set(section) - known):
        problems.append(f"config [{area_name}] has no setting {unknown!r}")
    for f in dataclasses.fields(area_cls):
        env = f.metadata["env"]
        if env in environ:
            raw, source = environ[env], env
        elif f.name in section:
            raw, source = section[f.name], f"[{area_name}] {f.name}"
        else:
            continue
        try:
            parse = f.metadata.get("parse")
            values[f.name] = parse(raw) if parse is not None else scalar(hints[f.name], raw)
        except ValueError as exc:
            problems.append(f"{source}: {exc}")
    return area_cls(**values)


def check(settings: Any) -> list[str]:
    """The rules no single field checks alone, and numbers that must not be negative."""
    problems = []
    for area in dataclasses.fields(settings):
        for f in dataclasses.fields(getattr(settings, area.name)):
            value = getattr(getattr(settings, area.name), f.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                problems.append(f"{f.metadata['env']} must not be negative (got {value})")
    if settings.storage.scheme not in ("file", "s3"):
        problems.append("EDGE_STORAGE_URL must be file:///abs/dir or s3://bucket/prefix")
    elif settings.storage.scheme == "s3" and not settings.storage.bucket:
        problems.append("EDGE_STORAGE_URL: s3:// needs a bucket name")
    if settings.s3.addressing_style not in ("auto", "path", "virtual"):
        problems.append("EDGE_S3_ADDRESSING_STYLE must be auto, path or virtual")
    if settings.s3.max_attempts < 1:
        problems.append("EDGE_S3_MAX_ATTEMPTS must be at least 1")
    redis_url = settings.redis.url.reveal()
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        problems.append("EDGE_REDIS_URL must be redis://, rediss:// or unix://")
    if settings.server.log_format not in ("text", "json"):
        problems.append("EDGE_SERVER_LOG_FORMAT must be text or json")
    if not settings.cloud.url.reveal().startswith("cloudinary://"):
        problems.append("CLOUDINARY_URL must look like cloudinary://API_KEY:API_SECRET@CLOUD_NAME")
    if not settings.database.url.reveal().startswith(("sqlite:///", "postgresql://", "postgres://")):
        problems.append("EDGE_DATABASE_URL must start with sqlite:/// or postgresql://")
    parts = urllib.parse.urlsplit(settings.cloud.url.reveal())
    if parts.scheme == "cloudinary" and (not parts.hostname or not parts.username or not parts.password):
        problems.append("CLOUDINARY_URL must be cloudinary://API_KEY:API_SECRET@CLOUD_NAME (with key and secret)")
    account_url = urllib.parse.urlsplit(settings.accounts.url.reveal())
    if settings.accounts.url.reveal() and (
        account_url.scheme != "account" or not account_url.hostname or not account_url.username or not account_url.password
    ):
        problems.append("CLOUDINARY_ACCOUNT_URL must look like account://PROVISIONING_KEY:SECRET@ACCOUNT_ID")
    if bool(settings.accounts.admin_email) != bool(settings.accounts.admin_password.reveal()):
        problems.append("EDGE_ADMIN_EMAIL and EDGE_ADMIN_PASSWORD go together")
    return problems
