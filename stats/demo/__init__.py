"""Demo data: the shipped Bioconductor manifest and a generator of realistic access logs.

Pure Python, no Django: ``stats.demo.logs.write_demo_logs`` is what the
``make_demo_logs`` command, the quickstart and the benchmarks call.
"""
