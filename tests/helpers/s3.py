"""A boto3 client for moto's S3 server (moto accepts any credentials)."""

from __future__ import annotations

from typing import Any


def s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )
