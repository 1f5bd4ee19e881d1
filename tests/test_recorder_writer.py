"""The recorder's writer process (``integrations._writer``): it writes what a writer thread
writes, hands over from the thread it starts with, and its own failures are one clear error
that keeps every record written before."""

import gc
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from test_recorder_crash import check_consistent, layers_at, probe

from infoplane import Bins, InfoplaneError, Recorder
from infoplane.integrations import recorder as recorder_module
from infoplane.runs import read_activations, read_npz, read_run


def record_all(run, writer, epochs, *, wait=False, **options):
    x, y = probe()
    with Recorder(run, x, y, writer=writer, **options) as rec:
        if wait:
            assert rec._writer.wait_ready()
        for epoch in epochs:
            rec.record(epoch, layers_at(x, epoch))
        return rec


def test_the_writer_is_a_thread_unless_a_process_is_asked_for(tmp_path):
    x, y = probe()
    with Recorder(tmp_path / "a", x, y) as rec:
        assert rec.writer == "thread" and type(rec._writer).__name__ == "WriterThread"
    with Recorder(tmp_path / "b", x, y, writer="process") as rec:
        assert type(rec._writer).__name__ == "WriterProcess"
    with pytest.raises(InfoplaneError, match="unknown writer 'fork'"):
        Recorder(tmp_path / "c", x, y, writer="fork")
    with pytest.raises(InfoplaneError, match="writer='thread'"):  # its plane needs JAX
        Recorder(tmp_path / "d", x, y, bins=Bins("quantile", 10), writer="process")


@pytest.mark.parametrize("limit, chosen", [(1 << 30, "process"), (1000, "thread")])
def test_auto_keeps_the_process_for_small_records_and_a_thread_for_large(tmp_path, limit,
                                                                         chosen, monkeypatch):
    """A record here is 200 x 5 float32 = 4000 bytes: small against 1 GiB, large against
    1000 bytes. The choice is made at the first record, and again on resume."""
    monkeypatch.setattr(recorder_module, "AUTO_PROCESS_BYTES", limit)
    x, y = probe()
    run = tmp_path / "run"
    with Recorder(run, x, y, writer="auto") as rec:
        assert rec.writer == "auto" and type(rec._writer).__name__ == "WriterProcess"
        rec.record(0, layers_at(x, 0))
        assert rec.writer == chosen
        assert type(rec._writer).__name__ == {"process": "WriterProcess",
                                               "thread": "WriterThread"}[chosen]
        rec.record(1, layers_at(x, 1))
    with Recorder(run, x, y, writer="auto", resume=True) as rec:
        assert rec.writer == chosen
        rec.record(2, layers_at(x, 2))
    check_consistent(run, [0, 1, 2])


@pytest.mark.parametrize("wait", [False, True], ids=["thread first", "process from the start"])
def test_a_writer_process_writes_what_a_writer_thread_writes(tmp_path, wait):
    epochs = [0, 1, 2, 5, 9]
    rec = record_all(tmp_path / "p", "process", epochs, wait=wait)
    assert rec._writer._local is None or not wait  # waited: the process wrote every record
    record_all(tmp_path / "t", "thread", epochs)
    a, b = (read_npz(tmp_path / run / "information.npz") for run in ("p", "t"))
    for key in ("epochs", "I_XT", "I_TY", "H_X", "H_Y", "layer_names", "complete"):
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    (ea, la), (eb, lb) = read_activations(tmp_path / "p"), read_activations(tmp_path / "t")
    np.testing.assert_array_equal(ea, eb)
    for u, v in zip(la, lb, strict=True):
        np.testing.assert_array_equal(u, v)
    check_consistent(tmp_path / "p", epochs)


def test_the_hand_over_keeps_the_records_the_thread_wrote(tmp_path):
    x, y = probe()
    run = tmp_path / "run"
    with Recorder(run, x, y, writer="process") as rec:
        rec.record(0, layers_at(x, 0))  # before the process is ready: the thread writes it
        rec.record(1, layers_at(x, 1))
        assert rec._writer.wait_ready()
        rec.record(2, layers_at(x, 2))  # handed over here
        assert rec._writer._local is None
        rec.record(3, layers_at(x, 3))
    check_consistent(run, [0, 1, 2, 3])
    assert bool(read_npz(run / "information.npz")["complete"])


def test_the_thread_leaves_the_planes_to_the_process_which_computes_them_from_disk(tmp_path):
    """While the process starts, the thread writes only the chunks (the plane is most of a
    small record's work, and would hold the interpreter); once handed over, the process
    computes those planes from the chunks between records, before its first information.npz."""
    x, y = probe()
    run = tmp_path / "run"
    with Recorder(run, x, y, writer="process") as rec:
        rec.record(0, layers_at(x, 0))
        rec.record(1, layers_at(x, 1))
        rec._wait()  # both chunks are on disk now, their planes not computed
        assert sorted(p.name for p in (run / "activations").iterdir()) == [
            "chunk_00000.npz", "chunk_00001.npz"]
        if rec._writer._local is not None:
            assert [i for i, _ in rec._writer._local.writer.later] == [0, 1]
        assert rec._writer.wait_ready()
        assert not (run / "information.npz").exists()  # the thread wrote no plane
        rec.record(2, layers_at(x, 2))  # handed over here
        time.sleep(0.5)  # the process computes the two planes meanwhile, between records
        rec.record(3, layers_at(x, 3))
        rec._wait()  # information.npz was written once the planes were there, by the process
        info = read_run(run)
        np.testing.assert_array_equal(info.plane.epochs[:3], [0, 1, 2])
        assert not bool(info.complete)
    check_consistent(run, [0, 1, 2, 3])  # every plane equals the one of the stored chunk


def test_a_writer_process_that_cannot_start_leaves_the_records_to_the_thread(tmp_path,
                                                                              monkeypatch):
    """A "Python" that ends without starting the writer: the thread writes every record, and
    computes the plane of the one it wrote while waiting for the process."""
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\nsleep 0.5\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(broken))
    x, y = probe()
    run = tmp_path / "run"
    with Recorder(run, x, y, writer="process") as rec:
        rec.record(0, layers_at(x, 0))  # while it waits: written without its plane
        assert rec._writer._proc.wait(timeout=30) == 3
        with pytest.warns(RuntimeWarning, match=r"did not start \(exit status 3\)"):
            rec.record(1, layers_at(x, 1))
        rec.record(2, layers_at(x, 2))
        assert rec._writer._local is not None and not rec._writer._local.writer.later
    check_consistent(run, [0, 1, 2])
    assert bool(read_npz(run / "information.npz")["complete"])


def test_a_killed_writer_process_is_one_error_and_the_folder_resumes(tmp_path):
    x, y = probe()
    run = tmp_path / "run"
    rec = Recorder(run, x, y, writer="process")
    assert rec._writer.wait_ready()
    rec.record(0, layers_at(x, 0))
    rec.record(1, layers_at(x, 1))
    rec.flush()
    os.kill(rec._writer._proc.pid, signal.SIGKILL)
    rec._writer._proc.wait()
    with pytest.raises(InfoplaneError, match=r"writer process stopped .* resume=True"):
        rec.record(2, layers_at(x, 2))
        rec.flush()
    with pytest.raises(InfoplaneError, match="writer process stopped"):
        rec.close()  # it cannot mark the run complete; what was written is on disk
    check_consistent(run, [0, 1])
    with Recorder(run, x, y, resume=True) as again:
        again.record(2, layers_at(x, 2))
    check_consistent(run, [0, 1, 2])


@pytest.mark.slow
def test_the_writer_process_ignores_ctrl_c_and_ends_with_its_recorder(tmp_path):
    x, y = probe()
    rec = Recorder(tmp_path / "run", x, y, writer="process")
    assert rec._writer.wait_ready()
    rec.record(0, layers_at(x, 0))
    proc = rec._writer._proc
    os.kill(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
    time.sleep(0.2)
    rec.record(1, layers_at(x, 1))  # it is still there
    rec.flush()
    assert proc.poll() is None
    del rec  # dropped without close(): the process ends, and is reaped
    gc.collect()
    assert proc.poll() is not None
    check_consistent(tmp_path / "run", [0, 1])


@pytest.mark.slow
@pytest.mark.subprocess
def test_a_run_over_before_the_writer_process_starts_prints_nothing(tmp_path):
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from infoplane import Recorder
        from test_recorder_crash import layers_at, probe
        x, y = probe()
        with Recorder({str(tmp_path / "run")!r}, x, y, writer="process") as rec:
            rec.record(0, layers_at(x, 0))
    """)
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    check_consistent(tmp_path / "run", [0])


@pytest.mark.slow
@pytest.mark.subprocess
def test_a_training_script_without_the_main_guard_records_once_by_its_process(tmp_path):
    """The writer process runs its own module, never the recording program's ``__main__``
    (as multiprocessing's spawn would): a script without the ``if __name__ == "__main__":``
    guard, which overwrites its folder, runs once, and its writer process writes."""
    body = textwrap.dedent(f"""
        x, y = probe()
        with Recorder({str(tmp_path / "run")!r}, x, y, writer="process", overwrite=True) as rec:
            assert rec._writer.wait_ready()
            for epoch in range(3):
                rec.record(epoch, layers_at(x, epoch))
            print("thread" if rec._writer._local is not None else "process")
    """)
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from infoplane import Recorder
        from test_recorder_crash import layers_at, probe
    """) + body)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["process"] and done.stderr == "", done.stderr
    check_consistent(tmp_path / "run", [0, 1, 2])


def test_the_writer_finds_this_infoplane_but_never_puts_site_packages_first(monkeypatch):
    import site

    from infoplane.integrations._writer_process import _env_finding

    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    checkout = Path("/some/checkout")
    assert _env_finding(checkout)["PYTHONPATH"] == os.pathsep.join([str(checkout), "/elsewhere"])
    installed = Path(site.getsitepackages()[0]).resolve()  # before the standard library: no
    assert _env_finding(installed)["PYTHONPATH"] == "/elsewhere"
