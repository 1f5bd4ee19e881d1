"""Tests of the uncertainty drawn on information planes, the estimator caption and the H(Y)
label's headroom."""

from dataclasses import replace

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import EllipseCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from test_plotting import EPOCHS, _plane  # noqa: E402

from infoplane import InfoplaneError, InformationPlane, analysis, plotting  # noqa: E402
from infoplane.plotting._plane import marker_epochs  # noqa: E402
from infoplane.plotting._uncertainty import estimator_caption, plane_uncertainty  # noqa: E402


@pytest.fixture
def ax():
    """An Axes of a 5 x 4 inch figure (the size of ``run_figures``' plane)."""
    return Figure(figsize=(5.2, 4.0)).add_subplot()


def _ellipses(ax):
    return [c for c in ax.collections if isinstance(c, EllipseCollection)]


def _legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_seed_interval_is_drawn_as_ellipses_around_the_seed_mean(ax):
    plane = _plane()
    ci = {k: np.stack([(v := analysis.seed_interval(getattr(plane, k)))["low"], v["high"]])
          for k in ("I_XT", "I_TY")}
    plotting.information_plane(ax, plane, max_markers=None)
    (ell,) = _ellipses(ax)
    # one ellipse per (logged epoch with a marker, layer), widths the full interval
    assert len(ell.get_offsets()) == EPOCHS.size * 4
    np.testing.assert_allclose(ell._widths, (ci["I_XT"][1] - ci["I_XT"][0]).ravel() / 2,
                               rtol=1e-6)  # matplotlib stores half-widths
    thinned = Figure().add_subplot()
    plotting.information_plane(thinned, plane, max_markers=10)
    shown = marker_epochs(EPOCHS.size, 10).size  # the epochs with markers
    assert shown < EPOCHS.size and len(_ellipses(thinned)[0].get_offsets()) == shown * 4
    assert "95% interval over 3 seeds" in _legend_texts(ax)
    bare = Figure().add_subplot()
    plotting.information_plane(bare, plane, uncertainty=False)
    assert not _ellipses(bare) and "95% interval over 3 seeds" not in _legend_texts(bare)


def test_stderr_of_the_seed_mean_and_nothing_without_uncertainty(ax):
    two = _plane().select(seeds=[0, 1])  # too few seeds for an interval
    se = np.full_like(two.I_XT, 0.3)
    cx, cy, hx, hy, label = plane_uncertainty(replace(two, I_XT_stderr=se))
    # two independent seeds: the mean's standard error is 0.3 / sqrt(2)
    np.testing.assert_allclose(hx, 0.3 / np.sqrt(2))
    assert label == "±1 standard error" and not hy.any()
    assert plane_uncertainty(two) is None
    plotting.information_plane(ax, two)
    assert not _ellipses(ax)
    with pytest.raises(InfoplaneError, match="I_XT_stderr has shape"):
        replace(two, I_XT_stderr=two.I_XT[:, :1])


def test_caption_names_the_estimator_and_its_settings():
    binned = _plane(method="binning", settings={"rule": "fixed", "n_bins": 30, "low": -1.0,
                                                "high": 1.0, "n": 4096})
    assert estimator_caption(binned) == "binning, 30 bins on [-1, 1]; n = 4096"
    prov = _plane(provenance={"method": "kde_upper", "settings": {"noise_var": 0.1}})
    assert estimator_caption(prov) == "kde_upper, noise var 0.1"
    assert estimator_caption(_plane()) is None


def test_h_y_label_has_headroom_and_no_data_under_it(ax):
    plane = _plane()
    ity = plane.I_TY * 1.05  # the data cross H(Y) = 0.999 on the left
    plotting.information_plane(ax, replace(plane, I_TY=ity), colorbar=False, legend=False,
                               label_layers=False)
    top = max(ity.mean(axis=0).max(), plane.H_Y)
    assert ax.get_ylim()[1] == pytest.approx(1.15 * top)
    (label,) = [t for t in ax.texts if t.get_text().startswith("H(Y)")]
    ax.figure.canvas.draw()
    box = label.get_window_extent()
    xy = ax.transData.transform(np.column_stack([plane.I_XT.mean(axis=0).ravel(),
                                                 ity.mean(axis=0).ravel()]))
    inside = ((xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0)
              & (xy[:, 1] <= box.y1))
    assert not inside.any()


def test_seed_interval_is_drawn_from_three_seeds_on():
    rng = np.random.default_rng(0)
    for seeds, drawn in ((2, False), (3, True)):
        ixt, ity = rng.normal(5, 1, (seeds, 4, 2)), rng.normal(0.5, 0.1, (seeds, 4, 2))
        unc = plane_uncertainty(InformationPlane(ixt, ity, np.arange(4)))
        assert (unc is not None) == drawn
