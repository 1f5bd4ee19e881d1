"""The figure of the ``ib_bound`` study: two information planes (the layers under the label
channel, and the plug-in estimate on the sampled labels as trained) under the IB curve of the
noisy channel and the deterministic bound min(r, H(Y))."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..ib import deterministic_ib_bound
from ..plotting import (
    ib_curve,
    information_plane_grid,
    paper_style,
    place_reference_labels,
    save_figure,
)
from ..records import RunResult


def ib_bound_figure(out: Path, info: RunResult, channel, curve, h_y_clean: float, config: dict
                    ) -> list[Path]:
    """Draw and save ``ib_bound_plane`` (PNG and PDF) in ``out``.

    Args:
        out: the study's folder.
        info: the run (``train``'s ``RunResult``).
        channel: (I_XT, I_TY) [seed, epoch, layer] under the label channel, bits.
        curve: (I_XT, I_TY, I_XY) of the IB curve's upper envelope, bits.
        h_y_clean: H(Y) of the clean labels, bits.
        config: "flip", "seeds", "epochs" and "n_bins", for the titles.

    Returns:
        The written paths.
    """
    r_env, ty_env, i_xy = curve
    h_x = float(info.plane.H_X)
    plain = replace(info.plane, H_Y=None)  # the bounds drawn below are the references
    r_line = np.concatenate([[0.0], r_env, [h_x]])
    ty_line = np.concatenate([[0.0], ty_env, [i_xy]])
    r_det = np.array([0.0, h_y_clean, h_x])
    with paper_style():
        fig = Figure(figsize=(9.0, 4.0), layout="constrained")
        planes = {
            f"(a) I(T;Y) for fresh labels, Y ~ p(y|x) (flip {config['flip']:g})":
                # I(T;Y) of fresh labels: not the quantity the run's bracket bounds
                plain.with_values(channel[0], channel[1], bracket=False),
            "(b) plug-in I(T;Y') on the 4096 fixed noisy labels (as trained)": plain,
        }
        axes = information_plane_grid(fig, planes)
        for ax in axes.flat:
            ib_curve(ax, r_line, ty_line, label="IB curve of the noisy channel", lw=1.6)
            ax.plot(r_det, deterministic_ib_bound(h_y_clean, r_det), color="#d62728", ls="--",
                    lw=1.1, zorder=5)
            ax.set_ylim(0, 1.08)
        handles = [
            Line2D([], [], color="black", lw=1.6,
                   label=f"IB curve, noisy channel (saturates at I(X;Y) = {i_xy:.3f} bits)"),
            Line2D([], [], color="#d62728", ls="--", lw=1.1,
                   label=f"min(r, H(Y)): clean labels, H(Y) = {h_y_clean:.4f} bits"),
        ]
        axes.flat[0].legend(handles=handles, loc="upper right", bbox_to_anchor=(1.0, 0.9),
                            fontsize="small",
                            title=f"{config['seeds']} seeds, {config['epochs']} epochs, "
                                  f"{config['n_bins']} bins", title_fontsize="small")
        place_reference_labels(fig)
        return save_figure(fig, out / "ib_bound_plane")
