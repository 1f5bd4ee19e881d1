"""The one home of every estimator default, used by training, the plane, the estimator API and
the studies alike. Change a default here and it changes everywhere; nothing else writes these
numbers.

Binning. ``N_BINS`` edges on [``BIN_LOW``, ``BIN_HIGH``] is the IDNNs convention (Shwartz-Ziv &
Tishby 2017: 30 bins over the range of tanh). ``BIN_RULE`` is "fixed" for network activations,
whose range the activation fixes (a bounded activation fills [-1, 1]; the training records, the
plane and the studies use it). For arbitrary samples given to the estimator API there is no
known range, so ``DATA_BIN_RULE`` is "layer": the same number of edges over the data's own
min..max. ``GLOBAL_N_BINS`` is Saxe et al.'s (2018) 100 bins over a layer's range across all
epochs.

KDE. ``NOISE_VAR`` is the variance of the Gaussian noise added to a layer for the
Kolchinsky-Tracey bounds, 0.1 as in Saxe et al. (2018). ``ANCHORS`` = None means exact (every
row); an integer m averages m rows' terms, drawn with ``ANCHOR_SEED``.

kNN. ``K`` = 3 neighbours (Kraskov et al. 2004 recommend 2-4), ``JITTER`` the tie-breaking
noise as a multiple of each column's standard deviation, drawn with ``SEED``.
``KL_WEIGHTED_K`` = 5 neighbours for the weighted Kozachenko-Leonenko entropy (the k of
Butakov et al. 2024; Berrett, Samworth & Yuan 2019 need k > d/4 weights' worth of neighbours).

Compression (method "compressed"). Each side keeps the fewest principal components that explain
``COMPRESS_VARIANCE`` of its variance, at most ``compress_cap(n)`` of them
(``estimators/compressed.py``). ``AUTO_COMPRESS_DIM``: the default continuous MI switches to
"compressed" when dx + dy exceeds it (or when a side is near low-rank), and the default I(T;Y)
of a continuous x against class labels to "supervised" when dx exceeds it.

Probes (methods "probe" and "supervised", and the planes' I_TY_lower). ``PROBE_FOLDS`` = 5
stratified folds: every row is scored by a probe fitted on the other 80 %.
"""

from __future__ import annotations

N_BINS = 30
BIN_LOW = -1.0
BIN_HIGH = 1.0
BIN_RULE = "fixed"
DATA_BIN_RULE = "layer"
GLOBAL_N_BINS = 100

NOISE_VAR = 0.1
ANCHORS: int | None = None
ANCHOR_SEED = 0

K = 3
JITTER = 1e-10
SEED = 0
KL_WEIGHTED_K = 5

COMPRESS_VARIANCE = 0.95
AUTO_COMPRESS_DIM = 64

PROBE_FOLDS = 5
# The rows (at most) on which training records the probe bound of every logged epoch
# (RunConfig.bracket): a stratified subset, drawn with SEED, keeps the bracket's cost a
# fraction of the binned plane's; plane_from_run's bracket uses every row.
BRACKET_ROWS = 1024
# ... with one shrinkage of the discriminant and a coarse grid of temperatures (a looser but
# still sound bound than the planes' four shrinkages and finer calibration, at a fraction of
# the cost).
BRACKET_LAMBDAS = (0.01,)
BRACKET_SCALES = (0.1, 0.2, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0)
