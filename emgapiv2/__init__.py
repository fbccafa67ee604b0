"""The Django project: settings, URLs, the API object.

numpy is only used for integer arrays here, never for linear algebra, yet the OpenBLAS it
loads starts a thread per core that spins between calls (0.2-0.5 s of CPU in a 1.5 s
ingestion): one BLAS thread unless the environment says otherwise. This runs before
anything of the platform imports numpy (every entry point loads these settings first).
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
