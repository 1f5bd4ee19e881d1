"""MNIST-1D (Greydanus & Kobak, ICML 2024), built locally with the ``mnist1d`` package's generator.

Ten 1-D templates of 12 points, one per digit, each padded, scaled, translated, sheared and
given correlated and independent noise, then resampled to 40 points: a data set small enough
to train in seconds on a CPU on which linear models (~30% test accuracy), MLPs (~70%) and
convolutional networks (~95%) stand apart, as on MNIST. The generator's default arguments
make the published data set: 5000 examples, the first 4000 the training split and the last
1000 the test split, standardised to mean 0 and standard deviation 1 over all points.

Nothing is downloaded: ``make_dataset`` runs the generator (about 2 s) with its fixed seed, 42,
so the arrays are the same every time. The generator seeds NumPy's global random state; it is
restored afterwards, so loading the data changes no other random stream.
"""

from __future__ import annotations

import functools
import random

import numpy as np

from .._errors import InfoplaneError

N_TRAIN, N_TEST, LENGTH, CLASSES = 4000, 1000, 40, 10


@functools.lru_cache(maxsize=1)
def _generate() -> tuple[np.ndarray, np.ndarray]:
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError:
        raise InfoplaneError("the MNIST-1D data set needs the mnist1d package: "
                             "pip install mnist1d") from None
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002 (restored)
    try:
        d = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(np_state)  # noqa: NPY002
        random.setstate(py_state)
    x = np.concatenate([d["x"], d["x_test"]]).astype(np.float32)
    y = np.concatenate([d["y"], d["y_test"]]).astype(np.int32)
    return x, y


def mnist1d_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The MNIST-1D arrays: x (5000, 40) float32, y (5000,) int32 in 0..9; rows 0-3999 are the
    training split and rows 4000-4999 the test split (``data.mnist1d`` wraps them in a
    ``Dataset``)."""
    x, y = _generate()
    if x.shape != (N_TRAIN + N_TEST, LENGTH):  # a changed generator would change the results
        raise InfoplaneError(f"the mnist1d package made data of shape {x.shape}, not "
                             f"({N_TRAIN + N_TEST}, {LENGTH}); install mnist1d 0.0.2")
    return x.copy(), y.copy()
