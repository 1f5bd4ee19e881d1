"""Saxe et al. (2018), "On the information bottleneck theory of deep learning": does the
12-10-7-5-4-3-2 network on tishby12 compress with tanh, relu, softsign and softplus units?

Protocol (ibsgd, the paper's code; see docs/protocols.md): a random 80% training split
(``split_seed`` 0), Adam with learning rate 4e-4, batch 256, truncated-normal initialisation
with std 1/sqrt(fan_in), softmax output. Raw activations of every layer are recorded for all
4096 inputs at log-spaced epochs (``schedule="log"``; Saxe's own schedule logs ~210 epochs,
too many for the KDE here), and the plane is estimated from them three ways:

- binning: 30 edges on [-1, 1] for the bounded units (tanh, softsign, and every softmax
  output), 100 edges over the layer's global min..max across all logged epochs and seeds
  (``rule="global"`` of ``plane.py``) for the unbounded relu and softplus layers. Saxe's code
  takes one range for all layers of a unit type; ours is per layer, a finer grid for the
  narrow layers;
- the Kolchinsky-Tracey KDE upper and lower bounds with noise variance s2 = 0.1 (the paper's
  value; the ibsgd notebook uses 1e-3, see the ``estimator_sensitivity`` study).

Compression of a layer = peak minus final I(X;T) of its seed-averaged curve, in bits.

Scales: the default trains 4 seeds x 10000 epochs (the paper's length) per activation and
estimates the plane at 37 log-spaced logged epochs: 9 CPU-minutes, 15.6 minutes wall on the
two shared cores here (the KDE, 50-90 ms per seed, epoch, layer and bound, is two thirds of
it; ``--seeds 2`` halves that part). ``--quick`` (the smoke test) trains tanh and relu only,
a 12-5-3-2 network, 2 seeds x 60 epochs. ``--full`` is the paper's 50 seeds with 60 logged
epochs: about 2.5 hours here (training ~25 min and KDE ~10 min per activation) and ~1 GB of
activations per activation; scale it with ``--seeds`` (the cost is linear in seeds) or run on
more devices (seeds are split across all JAX devices).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..analysis import compression
from ..data import load_dataset
from ..defaults import BIN_HIGH, BIN_LOW, BIN_RULE, GLOBAL_N_BINS, N_BINS, NOISE_VAR
from ..plane import plane_from_activations
from ..records import InformationPlane
from ..runs import provenance, read_activations, read_information
from ..training import preset, train
from ._common import IDNNS_HIDDEN, claim, out_dir, scaled_config, write_results
from ._registry import Study, sizes_at
from ._saxe2018_figures import BOUNDED, ESTIMATOR_TITLES, figures

NAME = "saxe2018_activations"
ACTIVATIONS = ("tanh", "relu", "softsign", "softplus")

ESTIMATORS = ("binning", "kde_upper", "kde_lower")
# A layer "compresses" when its seed-mean I(X;T) falls by at least this much after its peak;
# chosen before the runs, well above the seed-to-seed noise of a 4-seed mean (~0.1 bit).
COMPRESSES_BITS = 0.5



@dataclass(frozen=True)
class Saxe2018Sizes:
    """The study's sizes at one scale.

    Attributes:
        config: the RunConfig fields set on top of ibsgd's protocol (``base_config``).
        activations: the activations trained, one set of networks each.
    """

    config: Mapping
    activations: tuple[str, ...]


SCALES = {
    "quick": Saxe2018Sizes({"seeds": 2, "epochs": 60, "schedule_value": 5, "hidden": (5, 3)},
                           ("tanh", "relu")),
    "default": Saxe2018Sizes({"seeds": 4, "epochs": 10000, "schedule_value": 40,
                              "hidden": IDNNS_HIDDEN}, ACTIVATIONS),
    "full": Saxe2018Sizes({"seeds": 50, "epochs": 10000, "schedule_value": 60,
                           "hidden": IDNNS_HIDDEN}, ACTIVATIONS),
}


def base_config():
    """ibsgd's protocol with every layer's activations recorded at log-spaced epochs."""
    return preset("saxe2018").replace(batch_size=256, schedule="log", record_dtype="float32")


def binning_settings(activation: str) -> dict:
    """Saxe's binning: 30 fixed edges on [-1, 1] for bounded units (``defaults.N_BINS`` on
    [``BIN_LOW``, ``BIN_HIGH``]), 100 global-range edges (``GLOBAL_N_BINS``) for unbounded
    ones."""
    if activation in BOUNDED:
        return {"rule": BIN_RULE, "n_bins": N_BINS, "low": BIN_LOW, "high": BIN_HIGH}
    return {"rule": "global", "n_bins": GLOBAL_N_BINS}


def estimator_settings(method: str, activation: str) -> dict:
    """The settings of ``method`` for a layer of ``activation`` units: Saxe's binning, or the
    KDE at noise variance 0.1 (``defaults.NOISE_VAR``, Saxe et al. 2018, Section 2)."""
    return binning_settings(activation) if method == "binning" else {"noise_var": NOISE_VAR}


def pad_units(layers: list[np.ndarray]) -> list[np.ndarray]:
    """Every layer zero-padded to the widest one's units. A constant column changes neither
    the pairwise distances (KDE) nor the joint bin code's entropy (fixed bins), so the
    estimates are the same, and all layers share one compiled estimator instead of one
    compilation per width."""
    width = max(a.shape[-1] for a in layers)
    return [np.pad(a, [(0, 0)] * (a.ndim - 1) + [(0, width - a.shape[-1])]) for a in layers]


def estimate_plane(layers: list[np.ndarray], labels: np.ndarray, method: str,
                   settings: dict) -> InformationPlane:
    """The plane of the layers, in bits. Layers are padded to one width except for the
    "global" binning rule, whose range (min..max) a zero column would change."""
    if settings.get("rule") != "global":
        layers = pad_units(layers)
    return plane_from_activations(layers, labels, method=method, **settings)


def compression_markdown(table: dict, layer_names) -> str:
    """A markdown table: one row per (estimator, activation), one column per layer, bits."""
    names = [str(n) for n in layer_names]
    lines = ["| estimator | activation | " + " | ".join(names) + " |",
             "| --- | --- |" + " ---: |" * len(names)]
    for method, by_act in table.items():
        for act, values in by_act.items():
            cells = " | ".join(f"{v:.2f}" for v in values)
            lines.append(f"| {ESTIMATOR_TITLES.get(method, method)} | {act} | {cells} |")
    return "\n".join(lines)


def claims(table: dict, hidden: int) -> list[dict]:
    """Saxe's claims, judged on the largest compression of any hidden layer (bits), for each
    estimator. ``table`` is estimator -> activation -> [layer] compression."""
    def most(act):
        return {m: float(np.max(table[m][act][:hidden])) for m in table if act in table[m]}

    def judged(act, test, text, rule):
        largest = most(act)
        if not largest:
            return None
        per = {m: bool(test(v, m)) for m, v in largest.items()}  # on the unrounded numbers
        ours = {m: round(v, 3) for m, v in largest.items()}
        return claim(text, ours, f"{rule}, under every estimator (per_estimator: each one)",
                     all(per.values()), per_estimator=per)

    c = COMPRESSES_BITS
    out = [
        judged("tanh", lambda v, m: v >= c, "tanh networks compress",
               f"agree if a hidden layer loses >= {c} bit of I(X;T) from its peak"),
        judged("relu", lambda v, m: v < c, "relu networks do not compress",
               f"agree if every hidden layer loses < {c} bit"),
        judged("softsign",
               lambda v, m: 0.1 <= v < max(c, float(np.max(table[m]["tanh"][:hidden]))),
               "softsign compresses a little (less than tanh)",
               "agree if the largest hidden-layer loss is >= 0.1 bit and below tanh's "
               f"(or below {c} bit)"),
        judged("softplus", lambda v, m: v < c, "softplus networks do not compress",
               f"agree if every hidden layer loses < {c} bit"),
    ]
    return [x for x in out if x is not None]


def estimate_planes(run_dir, labels, activation: str, info: InformationPlane, *,
                    reuse: bool = False) -> dict[str, InformationPlane]:
    """Every estimator's plane (bits) from the run's recorded activations, with the run's
    epochs, layer names, H(X) and H(Y) (``info``, the run's plane), each also written to
    ``run_dir/plane_METHOD.npz`` with the settings given in its provenance. With ``reuse`` (a
    resumed study) a plane already written with the same settings and epochs is read instead
    of estimated again."""
    epochs, layers = None, None
    planes = {}
    for m in ESTIMATORS:
        t0 = time.time()
        settings = estimator_settings(m, activation)
        path = run_dir / f"plane_{m}.npz"
        saved = saved_plane(path, settings, info.epochs) if reuse else None
        if saved is not None:
            planes[m] = saved
            print(f"{activation}: {m} plane read from {path}")
            continue
        if layers is None:
            epochs, layers = read_activations(run_dir)
        planes[m] = written_plane(path, layers, labels, m, settings, epochs, info)
        print(f"{activation}: {m} plane in {time.time() - t0:.1f} s")
    return planes


def written_plane(path: Path, layers: list[np.ndarray], labels: np.ndarray, method: str,
                  settings: dict, epochs, run: InformationPlane) -> InformationPlane:
    """``estimate_plane`` with the run's logged ``epochs``, layer names, H(X) and H(Y)
    (``run``, the run's plane), written to ``path`` with the settings given in its
    provenance (what ``saved_plane`` compares)."""
    plane = replace(estimate_plane(layers, labels, method, settings), epochs=epochs,
                    layer_names=run.layer_names, H_X=run.H_X, H_Y=run.H_Y,
                    provenance=provenance(method=method, settings=settings,
                                          source=str(path.parent)))
    plane.to_npz(path)
    return plane


def saved_plane(path: Path, settings: dict, epochs) -> InformationPlane | None:
    """The plane of a file written with ``settings`` at ``epochs``, else None."""
    if not path.exists():
        return None
    saved = read_information(path)
    same = (saved.provenance.get("settings") == json.loads(json.dumps(settings))
            and np.array_equal(saved.epochs, epochs))
    return saved if same else None


def summarise(planes: dict, table: dict, info: InformationPlane, config,
              accuracy: dict) -> dict:
    """The study's numbers: per estimator and activation, compression, final and peak I(X;T)
    and final I(T;Y) of the seed mean (bits), and each activation's accuracy."""
    acts = list(accuracy)

    def per(f):
        return {m: {a: f(planes[m][a]) for a in acts} for m in ESTIMATORS}

    return {
        "layers": list(info.layer_names),
        "activations": acts,
        "seeds": config.seeds, "epochs_trained": config.epochs,
        "logged_epochs": info.epochs,
        "estimators": {m: (binning_settings("tanh") | {"unbounded": binning_settings("relu")}
                           if m == "binning" else {"noise_var": NOISE_VAR}) for m in ESTIMATORS},
        "compression_bits": table,
        "final_I_XT": per(lambda p: p.I_XT.mean(axis=0)[-1]),
        "peak_I_XT": per(lambda p: p.I_XT.mean(axis=0).max(axis=0)),
        "final_I_TY": per(lambda p: p.I_TY.mean(axis=0)[-1]),
        "accuracy": accuracy,
    }


def run(overrides: Mapping | None = None, out: str | Path | None = None, *,
        scale: str = "default", resume: bool = False, overwrite: bool = False,
        progress: bool = True) -> dict:
    """Train one set of networks per activation, estimate their planes three ways, draw and
    judge the claims; see the module."""
    started = time.time()
    sizes = sizes_at(SCALES, scale)
    config = scaled_config(base_config(), sizes.config, overrides)
    config = config.replace(record_layers=tuple(range(len(config.hidden) + 1)))
    acts = sizes.activations
    out = out_dir(out, NAME)
    planes: dict = {m: {} for m in ESTIMATORS}
    accuracy, info = {}, None
    labels = load_dataset(config.dataset).y
    for act in acts:
        run_dir = out / "runs" / act
        info = train(config.replace(activation=act), run_dir, resume=resume,
                     overwrite=overwrite, progress=progress)
        accuracy[act] = {"train": float(info.history.train_acc[:, -1].mean()),
                         "test": float(info.history.test_acc[:, -1].mean())}
        for m, plane in estimate_planes(run_dir, labels, act, info.plane,
                                        reuse=resume).items():
            planes[m][act] = plane
    names = list(info.plane.layer_names)
    table = {m: {a: compression(planes[m][a].I_XT)["compression"] for a in acts}
             for m in ESTIMATORS}
    numbers = summarise(planes, table, info.plane, config, accuracy)
    paths = figures(planes, info.plane, out, acts)
    markdown = compression_markdown(table, names)
    (out / "compression_table.md").write_text(markdown + "\n")
    results = write_results(out, NAME, numbers, claims(table, len(names) - 1), started,
                            scale=scale)
    print("compression (peak minus final I(X;T), bits):\n" + markdown)
    print(f"wrote {out / 'results.json'}, {out / 'compression_table.md'} and "
          f"{', '.join(p.name for p in paths)} in {results['wall_time_s']} s")
    return results


STUDY = Study(
    name="saxe2018_activations",
    title="do tanh, relu, softsign and softplus networks compress, under binning and KDE? "
          "(Saxe et al. 2018)",
    scales=SCALES,
    run=run,
    docs="studies/saxe2018_activations.md",
)
