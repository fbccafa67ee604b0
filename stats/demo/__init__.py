"""Demo data: the shipped Bioconductor manifest and a generator of realistic access logs.

Pure Python, no Django: ``stats.demo.logs.write_demo_logs`` is what the
``make_demo_logs`` command, the quickstart and the benchmarks call.

What the logs hold (Apache combined format, one ``access-YYYY-MM.log`` per month, or
``access-NNN.log`` for ``files=K`` equal shares; ``.log.gz`` when gzipped):

- Lines per 10,000 (``traffic.MIX``): package downloads 4,300, unknown packages 80,
  PACKAGES/config.yaml index fetches 900, package pages/vignettes/manuals 1,500, site
  pages 700, css/js/images/badges 2,060, scanner 404s and oddities (TLS on port 80,
  408 timeouts) 300, HEAD requests 150, malformed lines 10 (0.1%: cut inside the user
  agent, the second half of a broken line, an error-log line, junk).
- Package downloads use the real manifest with Zipf popularity (core packages such as
  BiocVersion and BiocGenerics first), the Bioconductor layout (``src/contrib`` tarballs,
  Windows ``.zip`` and macOS ``big-sur-arm64``/``big-sur-x86_64`` ``.tgz`` binaries for
  bioc/workflows, source only for data packages), the release in force on the day and
  R versions that lag behind it, statuses 200/206/301/302/304/404/500, and bursts of
  dependency downloads by one client.
- Clients keep an address (IPv4, IPv6 or a host name) and agent for the whole run and
  are drawn with Zipf weights, so they come back on many days. R and r-curl/httr agents
  are not bots; crawler agents (Googlebot, bingbot, SeznamBot, AhrefsBot, GPTBot,
  python-requests, ...) are.
- The same options and seed give byte-identical files; ``DemoLogResult`` carries the
  ground truth (counted downloads, bot downloads, unknown packages, malformed lines).
"""
