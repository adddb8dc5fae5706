"""Cloudinary's URL dialect <-> typed values. Pure: no I/O, no framework."""

from edge.grammar.chain import Chain, Transformation, parse_chain
from edge.grammar.delivery_path import DeliveryPath, parse_delivery_path

__all__ = ["Chain", "DeliveryPath", "Transformation", "parse_chain", "parse_delivery_path"]
