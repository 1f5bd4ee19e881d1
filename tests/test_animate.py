import numpy as np
import pytest
from PIL import Image

from infoplane import InfoplaneError, InformationPlane
from infoplane.plotting import animate as anim
from infoplane.plotting import animate_plane, animate_run
from infoplane.runs import write_npz


def test_frame_indices_keep_every_epoch_up_to_the_limit_then_thin_evenly():
    np.testing.assert_array_equal(anim.frame_indices(5, 150), np.arange(5))
    # 10 logged epochs into 4 frames: linspace(0, 9, 4) = 0, 3, 6, 9 exactly.
    np.testing.assert_array_equal(anim.frame_indices(10, 4), [0, 3, 6, 9])
    f = anim.frame_indices(274, 150)  # the tishby2017 schedule
    assert f.size == 150 and f[0] == 0 and f[-1] == 273 and np.all(np.diff(f) >= 1)
    with pytest.raises(InfoplaneError, match="max_frames must be at least 2"):
        anim.frame_indices(10, 1)


def _plane(n_epochs=6):
    """One seed, two layers moving in straight lines across the plane."""
    t = np.linspace(0.0, 1.0, n_epochs)
    ixt = np.stack([1 + 8 * t, 2 + 4 * t], axis=-1)[None]  # [seed, epoch, layer]
    ity = np.stack([0.1 + 0.8 * t, 0.2 + 0.5 * t], axis=-1)[None]
    return ixt, ity, np.array([0, 1, 3, 10, 30, 99][:n_epochs])


def _gif_frames(path):
    """(n_frames, info, size, frames as int16 RGB arrays) of a GIF."""
    with Image.open(path) as im:
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB"), dtype=np.int16))
        return im.n_frames, dict(im.info), im.size, frames


def _n_frames(path):
    with Image.open(path) as im:
        return im.n_frames


def _dark_column(frame, ax_box):
    """Mean column of the strongly coloured (non-grey) pixels inside the axes: where the
    points are. ax_box = (x0, x1, y0, y1) in pixels."""
    x0, x1, y0, y1 = ax_box
    sub = frame[y0:y1, x0:x1]
    colourful = (sub.max(axis=-1) - sub.min(axis=-1)) > 60
    return np.nonzero(colourful)[1].mean()


@pytest.mark.slow
def test_gif_has_one_frame_per_logged_epoch_and_the_points_move(tmp_path):
    ixt, ity, e = _plane()
    plane = InformationPlane(ixt, ity, e, H_X=12.0, H_Y=1.0, layer_names=("L1", "L2"))
    out = animate_plane(plane, tmp_path / "sub" / "plane.gif", fps=10, dpi=60)
    assert out == tmp_path / "sub" / "plane.gif" and out.is_file()
    n, info, (w, h), frames = _gif_frames(out)
    assert n == 6 and info["duration"] == 100 and info["loop"] == 0
    # The axes span 12% .. 76% of the width; the points travel to the right over time
    # (I(X;T) of both layers grows linearly), so the coloured pixels do too.
    box = (int(0.13 * w), int(0.75 * w), int(0.25 * h), int(0.88 * h))
    cols = [_dark_column(f, box) for f in frames]
    assert np.all(np.diff(cols) > 0), cols
    assert not any(f.tolist() == frames[-1].tolist() for f in frames[:-1])
    assert list(tmp_path.joinpath("sub").iterdir()) == [out]  # no temporary file left


def test_long_runs_are_thinned(tmp_path):
    rng = np.random.default_rng(0)
    ixt, ity = rng.uniform(0, 5, (2, 40, 3)), rng.uniform(0, 1, (2, 40, 3))
    out = animate_plane(InformationPlane(ixt, ity, np.arange(40)), tmp_path / "p.gif",
                        max_frames=7, dpi=40)
    assert _n_frames(out) == 7


def test_animate_run_reads_the_plane_files(tmp_path):
    ixt, ity, e = _plane()
    write_npz(tmp_path / "information.npz", I_XT=ixt, I_TY=ity, epochs=e, H_X=12.0, H_Y=1.0,
              layer_names=np.array(["L1", "L2"]))
    assert animate_run(tmp_path) == tmp_path / "plane.gif"
    assert _n_frames(tmp_path / "plane.gif") == 6
    with pytest.raises(InfoplaneError, match=r"information_kde_upper\.npz is missing; .* holds "
                       r"information\.npz; make it with plane_from_run\(.*, "
                       r"method='kde_upper', out_name='information_kde_upper'\)") as err:
        animate_run(tmp_path, estimator="kde_upper")
    assert err.value.cli.endswith(f"make it with: infoplane plane {tmp_path} --estimator "
                                  "kde_upper")
    write_npz(tmp_path / "information_kde_upper.npz", I_XT=ixt[:, :4], I_TY=ity[:, :4],
              epochs=e[:4])
    path = animate_run(tmp_path, estimator="kde_upper")
    assert path.name == "plane_kde_upper.gif" and _n_frames(path) == 4


def test_bad_output_names_and_missing_ffmpeg(tmp_path, monkeypatch):
    plane = InformationPlane(*_plane())
    with pytest.raises(InfoplaneError, match=r"'plane\.png': name it \.gif, or \.mp4"):
        animate_plane(plane, tmp_path / "plane.png")
    monkeypatch.setattr(anim.animation.writers, "is_available", lambda name: False)
    with pytest.raises(InfoplaneError, match="MP4 needs the ffmpeg program"):
        animate_plane(plane, tmp_path / "plane.mp4")
    with pytest.raises(InfoplaneError, match="is not a run folder"):
        animate_run(tmp_path / "nowhere")
    assert not list(tmp_path.iterdir())
