"""BLAS and LAPACK on one thread, in one place.

numpy's OpenBLAS, and scipy's, which jaxlib's CPU kernels for Cholesky, LU, eigh and QR call
(through ``scipy.linalg.cython_lapack``), start a pool of threads per call. On small matrices
and on a machine whose cores are busy these pools cost far more than they give: a 256 x 256
Cholesky took 4 ms inside JAX on two shared cores, against 0.4 ms on one thread, and a
threaded eigh 65 ms of CPU against 6 ms. XLA already spreads its own work over the cores.

threadpoolctl sees only the libraries loaded when its controller is built, so scipy.linalg
(which loads scipy's OpenBLAS, the one jaxlib uses) is imported first.
"""

from __future__ import annotations

from functools import lru_cache

import scipy.linalg  # noqa: F401  (loads the OpenBLAS of jaxlib's LAPACK kernels; see above)
from threadpoolctl import ThreadpoolController


@lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    return ThreadpoolController()  # inspects the loaded libraries once (about 10 ms)


def one_blas_thread():
    """A context in which BLAS and LAPACK (numpy's, scipy's and JAX's on CPU) use one thread."""
    return _controller().limit(limits=1, user_api="blas")
