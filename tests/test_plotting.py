"""Tests of infoplane.plotting: what is drawn (counts, scales, labels), and the files."""

from dataclasses import replace

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection, PolyCollection  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from infoplane import (  # noqa: E402
    InfoplaneError,
    InformationPlane,
    RunResult,
    TrainingHistory,
    analysis,
    plotting,
)

SEEDS, LAYERS = 3, 4
EPOCHS = np.unique(np.logspace(0, np.log2(500), 60, base=2).astype(int)) - 1  # starts at 0
NAMES = ["L1 (6)", "L2 (4)", "L3 (3)", "out (2)"]


def _info(seed=0) -> RunResult:
    """A small synthetic run with the arrays and shapes of information.npz."""
    rng = np.random.default_rng(seed)
    n = EPOCHS.size
    t = np.log1p(EPOCHS)[None, :, None] / np.log1p(EPOCHS[-1])
    depth = np.arange(LAYERS)[None, None, :]
    ixt = 12 - 2.5 * depth * (0.5 + 0.5 * t) + rng.normal(0, 0.05, (SEEDS, n, LAYERS))
    ity = np.clip(0.2 + 0.75 * t - 0.05 * depth + rng.normal(0, 0.01, (SEEDS, n, LAYERS)), 0, 1)
    loss = 1.0 - 0.8 * t[..., 0] + rng.normal(0, 0.01, (SEEDS, n))
    acc = 0.5 + 0.45 * t[..., 0] + rng.normal(0, 0.01, (SEEDS, n))
    # The SNR falls from 10 to 0.1 at epoch 100: a crossing of 1 there.
    snr = np.where(EPOCHS < 100, 10.0, 0.1)[None, :, None] * np.ones((SEEDS, 1, LAYERS))
    grad_std = 0.05 * np.ones((SEEDS, n, LAYERS))
    plane = InformationPlane(ixt, ity, EPOCHS, layer_names=tuple(NAMES), H_X=12.0, H_Y=0.999)
    history = TrainingHistory(
        epochs=EPOCHS, train_loss=loss, test_loss=loss + 0.05, train_acc=acc,
        test_acc=acc - 0.03, grad_mean=snr * grad_std, grad_std=grad_std,
        weight_norm=np.ones_like(grad_std))
    return RunResult(plane, history)


def _plane(**changes) -> InformationPlane:
    """The synthetic run's plane, with some fields changed."""
    return replace(_info().plane, **changes)


@pytest.fixture
def ax():
    return Figure(figsize=(4, 3)).add_subplot()


def _points(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def test_information_plane_points_lines_and_log_colour_bar(ax):
    d = _plane()
    out = plotting.information_plane(ax, d, max_markers=None)
    assert out is ax
    points = _points(ax)
    assert len(points) == LAYERS  # one collection (one marker) per layer
    assert all(p.get_offsets().shape == (EPOCHS.size, 2) for p in points)  # mean over seeds
    np.testing.assert_allclose(np.sort(points[0].get_offsets()[:, 0]),
                               np.sort(d.I_XT.mean(axis=0)[:, 0]))
    paths, lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines.get_segments()) == EPOCHS.size  # one line through the layers per epoch
    assert all(len(s) == LAYERS for s in lines.get_segments())
    # ... and each layer's path through all logged epochs, one segment per step.
    assert len(paths.get_segments()) == LAYERS * (EPOCHS.size - 1)
    cbar = points[0].colorbar
    assert isinstance(cbar.norm, LogNorm)
    # Epoch 0 (the initialisation) is drawn as epoch + 1 = 1, the bottom of the scale.
    assert cbar.norm.vmin == 1 and cbar.norm.vmax == EPOCHS[-1] + 1
    assert np.all(np.isfinite(points[0].get_array()))
    assert "epoch" in cbar.ax.get_ylabel()
    assert "bits" in ax.get_xlabel() and "bits" in ax.get_ylabel()
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "H(X)" in texts and "H(Y)" in texts
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [*NAMES, f"95% interval over {SEEDS} seeds"]  # drawn from the seeds
    assert ax.get_legend().get_title().get_text() == f"mean of {SEEDS} runs"


def test_information_plane_without_seed_axis_all_seeds_and_no_colour_bar(ax):
    d = _plane()
    plotting.information_plane(ax, d.select(seeds=[0]), colorbar=False, max_markers=None)
    assert len(ax.figure.axes) == 1
    assert _points(ax)[0].get_offsets().shape == (EPOCHS.size, 2)
    ax2 = Figure().add_subplot()
    plotting.information_plane(ax2, d, mean_over_seeds=False, max_markers=None)
    assert _points(ax2)[0].get_offsets().shape == (SEEDS * EPOCHS.size, 2)
    _, lines = [c for c in ax2.collections if isinstance(c, LineCollection)]
    assert len(lines.get_segments()) == SEEDS * EPOCHS.size


def test_information_plane_thins_markers_labels_layers_and_ticks_the_ends(ax):
    plotting.information_plane(ax, _plane(), max_markers=20)
    shown = _points(ax)[0].get_array()  # the colours of the marked epochs: epoch + 1
    assert 10 <= shown.size <= 22 and shown.min() == EPOCHS[0] + 1
    assert shown.max() == EPOCHS[-1] + 1  # the first and the last epoch keep their markers
    paths, _ = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(paths.get_segments()) == LAYERS * (EPOCHS.size - 1)  # the paths are whole
    labels = {t.get_text() for t in ax.texts}
    assert {"L1", "L2", "L3", "out"} <= labels  # names without their widths
    ticks = _points(ax)[0].colorbar.get_ticks()
    assert ticks[0] == 1 and ticks[-1] == EPOCHS[-1] + 1


def test_information_plane_marks_the_nearest_logged_epoch(ax):
    d = _plane()
    target = EPOCHS[EPOCHS.size // 2]
    plotting.information_plane(ax, d, mark_epoch=target + 0.4, mark_label="SNR transition")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[-1] == f"SNR transition (epoch {target})"
    (marked,) = [line for line in ax.lines if np.size(line.get_xdata()) == LAYERS]
    np.testing.assert_allclose(marked.get_xdata(), d.I_XT[:, EPOCHS.size // 2].mean(axis=0))


@pytest.mark.parametrize(("bad", "match"), [
    ({"I_TY": np.zeros((SEEDS, EPOCHS.size, LAYERS + 1))}, r"I_TY has shape \(3, \d+, 5\)"),
    ({"epochs": EPOCHS[:-1]}, "epochs must be"),
    ({"I_XT": np.zeros(EPOCHS.size)}, r"I_XT must be \[seed, epoch, layer\]"),
    ({"layer_names": NAMES[:3]}, "layer_names has 3 names but the plane has 4 layers"),
    ({"I_TY_lower": np.zeros((1, 2, 3))}, "I_TY_lower has shape"),
])
def test_a_plane_of_mismatched_shapes_is_a_one_line_error(bad, match):
    with pytest.raises(InfoplaneError, match=match) as err:
        _plane(**bad)
    assert "\n" not in str(err.value)


def test_layer_trajectories_one_line_per_layer(ax):
    out = plotting.layer_trajectories(ax, _plane())
    assert out is ax
    paths = [line for line in ax.lines if np.size(line.get_xdata()) == EPOCHS.size]
    assert len(paths) == LAYERS
    assert [t.get_text() for t in ax.get_legend().get_texts()] == NAMES
    assert "bits" in ax.get_xlabel() and "bits" in ax.get_ylabel()


def test_loss_accuracy_twin_axes_bands_and_log_epochs(ax):
    d = _info()
    out, twin = plotting.loss_accuracy(ax, EPOCHS, d.history.train_loss, d.history.test_loss,
                                       d.history.train_acc, d.history.test_acc, mark_epoch=100)
    assert out is ax and twin is not ax and twin.get_shared_x_axes().joined(ax, twin)
    assert ax.get_xscale() == "log" and "epoch + 1" in ax.get_xlabel()
    assert "bits" in ax.get_ylabel() and "accuracy" in twin.get_ylabel()
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2
    assert len([c for c in twin.collections if isinstance(c, PolyCollection)]) == 2
    np.testing.assert_allclose(ax.lines[0].get_ydata(), d.history.train_loss.mean(axis=0))
    np.testing.assert_allclose(ax.lines[0].get_xdata(), EPOCHS + 1)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["train loss", "test loss", "train accuracy", "test accuracy",
                      "marked epoch (epoch 100)", f"band: min-max of {SEEDS} runs"]


def test_loss_accuracy_single_run_has_no_band_and_checks_shapes(ax):
    d = _info()
    _, twin = plotting.loss_accuracy(ax, EPOCHS, d.history.train_loss[0], d.history.test_loss[0],
                                     d.history.train_acc[0], d.history.test_acc[0])
    assert not ax.collections and not twin.collections
    with pytest.raises(InfoplaneError, match="shapes do not match"):
        plotting.loss_accuracy(Figure().add_subplot(), EPOCHS, d.history.train_loss,
                               d.history.test_loss[:2], d.history.train_acc, d.history.test_acc)
    with pytest.raises(InfoplaneError, match="band"):
        h = d.history
        plotting.loss_accuracy(Figure().add_subplot(), EPOCHS, h.train_loss, h.test_loss,
                               h.train_acc, h.test_acc, band="iqr")


def test_gradient_snr_mean_and_std_per_layer_log_log(ax):
    d = _info()
    out = plotting.gradient_snr(ax, EPOCHS, d.history.grad_mean, d.history.grad_std, NAMES,
                                transition_epoch=100, smoothing=1)
    assert out is ax
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    curves = [line for line in ax.lines if np.size(line.get_xdata()) == EPOCHS.size]
    assert len(curves) == 2 * LAYERS
    assert [c.get_linestyle() for c in curves[:2]] == ["-", "--"]
    assert curves[0].get_color() == curves[1].get_color()  # same colour for a layer
    assert "nats" in ax.get_ylabel()  # the unit of the loss whose gradient is shown
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:LAYERS] == NAMES and labels[-1] == "transition\n(epoch 100)"
    with pytest.raises(InfoplaneError, match="grad_std"):
        plotting.gradient_snr(Figure().add_subplot(), EPOCHS, d.history.grad_mean,
                              d.history.grad_std[:, :-1])


def test_gradient_snr_smooths_in_log_space_over_the_raw_curves(ax):
    d = _info()
    plotting.gradient_snr(ax, EPOCHS, d.history.grad_mean, d.history.grad_std, NAMES, smoothing=5)
    curves = [line for line in ax.lines if np.size(line.get_xdata()) == EPOCHS.size]
    assert len(curves) == 4 * LAYERS  # raw (faint) and smoothed, mean and std, per layer
    raw, smoothed = curves[0].get_ydata(), curves[1].get_ydata()
    np.testing.assert_allclose(raw, d.history.grad_mean.mean(axis=0)[:, 0])
    # The smoothed curve is the geometric moving average of the raw one (window 5).
    np.testing.assert_allclose(smoothed, np.exp(analysis.smooth(np.log(raw), 5)), rtol=1e-12)
    assert curves[0].get_alpha() < 0.5


def test_information_plane_grid_shares_one_log_colour_scale():
    d = _plane()
    fig = Figure(figsize=(8, 3), layout="constrained")
    short = EPOCHS[EPOCHS < 200]
    planes = {"binning": d,
              "kde": replace(d, I_XT=d.I_XT[:, : short.size] * 0.7,
                             I_TY=d.I_TY[:, : short.size], epochs=short),
              "one run": d.select(seeds=[0])}
    axes = plotting.information_plane_grid(fig, planes, ncols=2)
    assert axes.shape == (2, 2)
    used = list(axes.flat[:3])
    assert [a.get_title() for a in used] == list(planes)
    norms = {id(p.norm) for a in used for p in _points(a)}
    assert len(norms) == 1  # the very same norm object in every panel
    norm = _points(used[0])[0].norm
    assert isinstance(norm, LogNorm) and norm.vmax == EPOCHS[-1] + 1
    assert len(fig.axes) == 3 + 1  # three planes (the empty cell removed) and one colour bar
    assert all(a.get_xlim() == used[0].get_xlim() for a in used)
    with pytest.raises(InfoplaneError, match="empty"):
        plotting.information_plane_grid(Figure(), {})


def test_ib_curve_sorted_line_added_to_the_plane_legend(ax):
    plotting.information_plane(ax, _plane())
    r = np.array([12.0, 0.0, 0.5, 1.0])
    out = plotting.ib_curve(ax, r, np.minimum(r, 0.999), label="IB curve")
    assert out is ax
    line = ax.lines[-1]
    np.testing.assert_allclose(line.get_xdata(), [0, 0.5, 1, 12])
    np.testing.assert_allclose(line.get_ydata(), [0, 0.5, 0.999, 0.999])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        *NAMES, f"95% interval over {SEEDS} seeds", "IB curve"]
    with pytest.raises(InfoplaneError, match="same length"):
        plotting.ib_curve(ax, r, r[:-1])


def test_save_figure_writes_png_and_pdf_atomically(tmp_path):
    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1], [0, 1])
    paths = plotting.save_figure(fig, tmp_path / "new" / "sub" / "plane.v2")
    assert paths == [tmp_path / "new" / "sub" / "plane.v2.png",
                     tmp_path / "new" / "sub" / "plane.v2.pdf"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[0].stat().st_size > 1000
    assert paths[1].read_bytes()[:5] == b"%PDF-"
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in paths)
    assert sorted(p.name for p in paths[0].parent.iterdir()) == ["plane.v2.pdf", "plane.v2.png"]
    with pytest.raises(InfoplaneError, match="unknown figure format"):
        plotting.save_figure(fig, tmp_path / "x", formats=("png", "gif2"))


@pytest.mark.slow
def test_run_figures_writes_the_standard_figures_and_leaks_none(tmp_path):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    paths = plotting.run_figures(_info(), tmp_path / "figures")
    assert [p.name for p in paths] == [
        "plane.png", "plane.pdf", "loss_accuracy.png",
        "loss_accuracy.pdf", "gradient_snr.png", "gradient_snr.pdf"]
    assert all(p.stat().st_size > 0 for p in paths)
    assert plt.get_fignums() == before
    assert len(plotting.run_figures(_plane(), tmp_path / "plane_only")) == 2
    with pytest.raises(InfoplaneError, match="RunResult or an InformationPlane"):
        plotting.run_figures({"I_XT": 1, "epochs": EPOCHS}, tmp_path / "bad")


def test_only_the_writing_process_saves_figures(tmp_path, monkeypatch):
    """In a distributed run the processes other than 0 return the paths and write nothing."""
    import jax  # noqa: F401  (writes_here asks JAX only once it is imported)
    from matplotlib.figure import Figure

    from infoplane.plotting._files import save_figure
    from infoplane.training import distributed

    fig = Figure()
    fig.add_subplot().plot([0, 1])
    monkeypatch.setattr(distributed, "is_writer", lambda: False)
    paths = save_figure(fig, tmp_path / "f", formats=("png",))
    assert paths == [tmp_path / "f.png"] and not paths[0].exists()
    monkeypatch.setattr(distributed, "is_writer", lambda: True)
    assert save_figure(fig, tmp_path / "f", formats=("png",))[0].is_file()


def test_points_beyond_a_ceiling_are_ringed_and_counted(ax):
    """I(X;T) above H(X) (or log2 n when only n is known) and I(T;Y) above H(Y), by more than
    CEILING_SLACK_BITS = 0.1 bit, are ringed in red; points within it are not."""
    e = np.array([0, 1, 2])
    ixt = np.array([[11.0, 2.0], [12.05, 3.0], [15.0, 4.0]])  # [epoch, layer]: 15 > 12 + 0.1
    ity = np.array([[0.5, 0.2], [0.9, 0.3], [1.0, 1.3]])  # 1.3 > 0.999 + 0.1
    plotting.information_plane(ax, InformationPlane(ixt, ity, e, H_X=12.0, H_Y=0.999),
                               colorbar=False)
    (ring,) = [c for c in ax.collections if isinstance(c, PathCollection)
               and np.size(c.get_facecolors()) == 0]
    np.testing.assert_array_equal(ring.get_offsets(), [[15.0, 1.0], [4.0, 1.3]])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "2 above H(X) or H(Y)" in labels
    other = Figure().add_subplot()  # only n known: log2 4096 = 12 is the x ceiling
    plotting.information_plane(other, InformationPlane(ixt, ity * 0.5, e, settings={"n": 4096}),
                               colorbar=False)
    assert "1 above log2 n" in [t.get_text() for t in other.get_legend().get_texts()]
    within = Figure().add_subplot()
    plotting.information_plane(within, InformationPlane(ixt[:2], ity[:2], e[:2], H_X=12.0,
                                                        H_Y=0.999), colorbar=False)
    assert not any("above" in t.get_text() for t in within.get_legend().get_texts())


def test_a_long_caption_is_wrapped_to_two_lines_and_keeps_the_figure_size(tmp_path):
    """A caption of many settings once stretched the saved plane to 3257 x 617 px."""
    from PIL import Image

    info = _plane(method="compressed", settings={f"setting_{i}": i * 0.123456
                                                 for i in range(40)} | {"warnings": ["a long"]})
    short = _plane(method="binning")
    plotting.run_figures(info, tmp_path / "long", formats=("png",))
    plotting.run_figures(short, tmp_path / "short", formats=("png",))
    sizes = []
    for folder in ("long", "short"):
        with Image.open(tmp_path / folder / "plane.png") as image:
            sizes.append(image.size)
    assert sizes[0][0] == sizes[1][0] and sizes[0][1] <= sizes[1][1] + 40, sizes
    from infoplane.plotting._conventions import wrap_caption

    text = wrap_caption(" ".join(["word"] * 200), 5.2)
    assert text.count("\n") == 1 and text.endswith("...")


def test_a_long_legend_wraps_to_fit_the_figure(tmp_path):
    """Two layers, a seed band, the probe bound and the points outside it in one row were
    wider than a 5.2-inch figure: the constrained layout collapsed the axes (a warning, an
    error here)."""
    plane = _plane().select(layers=[0, 1])
    plane = replace(plane, I_TY_lower=plane.I_TY + 0.1, I_TY_outside=plane.I_TY > 0.5)
    fig = Figure(figsize=(5.2, 4.0), layout="constrained")
    ax = fig.add_subplot()
    plotting.information_plane(ax, plane)
    legend = ax.get_legend()
    assert len(legend.get_texts()) == 5 and legend._ncols < 4
    renderer = fig.canvas.get_renderer()
    assert legend.get_window_extent(renderer).width <= fig.bbox.width
    plotting.save_figure(fig, tmp_path / "plane", formats=("png",))  # no collapse warning
    assert ax.get_position().width > 0.4
    sub = Figure(figsize=(10.4, 4.0), layout="constrained").subfigures(1, 2)[0]  # in a panel
    plotting.information_plane(sub.add_subplot(), plane)
    assert sub.axes[0].get_legend()._ncols < 4

