"""Our heartbeat between the processes of a distributed run (training/_heartbeat.py), against a
fake key-value store: a process whose count stops moving, or a coordinator that no longer
answers, stops this process with one line; a process that is done never counts as lost."""

import pytest

from infoplane.training import _heartbeat


class FakeStore:
    """The coordination service's key-value store, as the heartbeat uses it; ``frozen`` keys
    keep their value (a dead process), ``gone`` makes every call fail (a dead coordinator)."""

    def __init__(self, values=None, frozen=(), gone=False):
        self.values, self.frozen, self.gone = dict(values or {}), set(frozen), gone

    def key_value_set(self, key, value, allow_overwrite=False):
        if self.gone:
            raise RuntimeError("UNAVAILABLE: Failed to send RPC to coordination service")
        self.values[key] = value

    def key_value_dir_get(self, prefix):
        if self.gone:
            raise RuntimeError("UNAVAILABLE")
        for key in list(self.values):  # the live processes beat too
            if key.startswith(prefix) and key not in self.frozen and self.values[key] != "done":
                self.values[key] = str(int(self.values[key]) + 1)
        return [(k, v) for k, v in self.values.items() if k.startswith(prefix)]


class Stopped(Exception):
    pass


@pytest.fixture
def stops(monkeypatch):
    said = []

    def stop(message):
        said.append(message)
        raise Stopped

    monkeypatch.setattr(_heartbeat, "_stop", stop)
    return said


def watch(store, me=0, n=3, timeout=0.05):
    with pytest.raises(Stopped):
        _heartbeat._watch(store, me, n, "10.0.0.1:8476", timeout, 0.005, [0])


def test_a_process_whose_count_stops_is_named(stops):
    p = _heartbeat.PREFIX
    watch(FakeStore({f"{p}1": "5", f"{p}2": "7"}, frozen={f"{p}2"}))
    assert stops == [_heartbeat.lost_message(0, 2, "10.0.0.1:8476")]
    assert stops[0].startswith("process 0 stops: process 2 of the distributed run")
    assert stops[0].endswith("restart every process with --resume (resume=True from Python)")
    assert "\n" not in stops[0]


def test_a_coordinator_that_no_longer_answers_is_named(stops):
    watch(FakeStore(gone=True), me=1)
    assert "the coordinator (process 0 at 10.0.0.1:8476)" in stops[0]


def test_a_process_that_is_done_is_not_lost(stops):
    p = _heartbeat.PREFIX
    store = FakeStore({f"{p}1": "done", f"{p}2": "3"}, frozen={f"{p}1"})
    calls = []

    def dir_get(prefix, real=store.key_value_dir_get):
        calls.append(prefix)
        if len(calls) > 40:  # about 0.2 s, four times the timeout: end the test
            raise RuntimeError("stop")
        return real(prefix)

    store.key_value_dir_get = dir_get
    watch(store)
    assert "coordinator" in stops[0]  # stopped only by the test's own end, not by process 1


# What process 1's standard error held when process 0 was killed (jaxlib 0.10), shortened.
JAX_ABORT = """\
W1129 19:16:46.836400   23130 preemption_sync_manager.cc:147] Failed to retrieve preemption \
notice from coordination service: UNAVAILABLE: Socket closed
Additional GRPC error information from remote target coordination_service while calling \
/xla.coordination.CoordinationService/GetKeyValue:
:UNKNOWN:Error received from peer  {grpc_status:14, grpc_message:"Socket closed"}.
E1129 19:17:37.853505   23860 coordination_service_agent.cc:289] Polled an error from \
coordination service (this can be an error from this or another task).
F1129 19:17:37.853554   23860 client.h:80] Terminating process because the JAX distributed \
service detected fatal errors. absl::Status: UNAVAILABLE: Failed to send RPC to coordination \
service. Either the leader task was preempted/died/restarted unexpectedly
*** Check failure stack trace: ***
    @     0x7f3f6c3f8634  absl::lts_20260107::log_internal::LogMessage::SendToLog()
    @     0x7f3f858a71f5  (unknown)
"""


def run_filter(text: str) -> str:
    import subprocess
    import sys

    from infoplane.training import _fatal

    return subprocess.run([sys.executable, "-I", _fatal.__file__, "1", "10.0.0.1:8476"],
                          input=text.encode(), capture_output=True, timeout=30).stdout.decode()


def test_jax_abort_becomes_one_line_and_other_lines_pass():
    said = run_filter("epoch 10\n" + JAX_ABORT)
    assert said.startswith("epoch 10\ninfoplane: error: process 1 stops: the coordinator "
                           "(process 0 at 10.0.0.1:8476) of the distributed run stopped")
    assert said.count("\n") == 2 and said.endswith("(resume=True from Python)\n")


def test_our_line_first_hides_jax_abort_and_runtime_lines_alone_pass():
    ours = "infoplane: error: process 1 lost contact with process 0 (...)\n"
    assert run_filter(JAX_ABORT.splitlines(keepends=True)[0] + ours + JAX_ABORT) == ours
    warning = JAX_ABORT.splitlines(keepends=True)[0]
    assert run_filter(warning + "done\n") == warning + "done\n"  # no fatal: nothing is lost
    assert run_filter("50%\r100%\rpartial") == "50%\r100%\rpartial"
