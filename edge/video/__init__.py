"""Video: probe, limits, plan and transcode with PyAV (whose wheel ships FFmpeg).

Pure and synchronous, as edge.imaging: no framework, no event loop. The service layer runs
`transcode` in a bounded pool of processes (edge/services/transcode_pool.py).
"""
