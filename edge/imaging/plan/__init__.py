"""Planning, PURE geometry: (Chain, source size) -> Plan, a tuple of Ops. No pixels, so every
crop mode is testable without images. The loop is planner.py; crop modes, branches, layers and
face boxes have a module each."""

from edge.imaging.plan.context import Plan, PlanContext
from edge.imaging.plan.faces import track_faces
from edge.imaging.plan.layers import layer_key, text_wrap_width
from edge.imaging.plan.planner import FACE_EFFECTS, is_barrier, make_plan

__all__ = ["FACE_EFFECTS", "Plan", "PlanContext", "is_barrier", "layer_key", "make_plan", "text_wrap_width", "track_faces"]
