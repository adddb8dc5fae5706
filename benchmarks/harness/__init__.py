"""What the benchmarks share: the image corpus, servers to start and stop, load from wrk,
process sampling (psutil) and the printed report. Run the benchmarks as scripts
(`.venv/bin/python benchmarks/delivery.py`): the script's folder is on sys.path."""
