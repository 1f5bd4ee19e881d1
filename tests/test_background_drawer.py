"""The background drawer (plotting/_background.py): the GIF it draws from a run folder is the
one drawn in this process, and every failure reaches the caller."""

import numpy as np
import pytest

from infoplane import InfoplaneError
from infoplane.plotting import animate_run
from infoplane.plotting._background import BackgroundDrawer
from infoplane.runs import write_npz


def _run_folder(path):
    t = np.linspace(0.0, 1.0, 6)
    ixt = np.stack([1 + 8 * t, 2 + 4 * t], axis=-1)[None]  # [seed, epoch, layer]
    ity = np.stack([0.1 + 0.8 * t, 0.2 + 0.5 * t], axis=-1)[None]
    write_npz(path / "information.npz", I_XT=ixt, I_TY=ity, epochs=np.array([0, 1, 3, 10, 30, 99]),
              H_X=12.0, H_Y=1.0, layer_names=np.array(["L1", "L2"]))
    return path


@pytest.fixture(scope="module")
def drawer():
    with BackgroundDrawer() as d:
        yield d


def test_the_drawer_writes_the_same_gif_as_this_process(drawer, tmp_path):
    run = _run_folder(tmp_path)
    drawer.submit("animate_run", run, run / "there.gif")
    assert drawer.result() == run / "there.gif"
    here = animate_run(run, run / "here.gif")
    assert here.read_bytes() == (run / "there.gif").read_bytes()


def test_a_failed_job_is_raised_here_and_the_drawer_goes_on(drawer, tmp_path):
    drawer.submit("animate_run", tmp_path / "nowhere")
    drawer.submit("animate_run", _run_folder(tmp_path), fps="fast")
    with pytest.raises(InfoplaneError, match="nowhere is not a run"):
        drawer.result()
    with pytest.raises(RuntimeError, match=r"(?s)failed in animate_run:\nTraceback .*TypeError"):
        drawer.result()
    drawer.submit("animate_run", tmp_path)  # the drawer still works
    assert drawer.result() == tmp_path / "plane.gif"
    with pytest.raises(InfoplaneError, match="no job to wait for"):
        drawer.result()


def test_close_ends_the_drawer(drawer):
    drawer.close()
    assert drawer._proc.returncode == 0


def test_a_drawer_that_died_is_reported(tmp_path):
    d = BackgroundDrawer()
    d.submit("animate_run", tmp_path / "nowhere")
    with pytest.raises(InfoplaneError):
        d.result()  # it has started and answered
    d._proc.kill()
    d._proc.wait()
    with pytest.raises(InfoplaneError, match=r"drawer ended \(exit status -9\) before "
                       "animate_run was drawn"):
        d.submit("animate_run", _run_folder(tmp_path))
    d.close()
