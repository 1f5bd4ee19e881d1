"""The tishby2017 study's claims, and the claim rules every study shares (studies/_common.py):
hand-made numbers on both sides of each rule, so that every verdict can come out false."""

import json

import numpy as np
import pytest

from infoplane.studies import _common, tishby2017


def test_within_and_near_agree_only_inside_their_range():
    assert _common.within("c", 20, 10, 50)["agree"]
    assert _common.within("c", 10, 10, 50)["agree"]  # the ends are inside
    assert not _common.within("c", 91, 10, 50)["agree"]  # four times the published 20-25
    assert not _common.within("c", 9.99, 10, 50)["agree"]
    assert not _common.within("c", None, 10, 50)["agree"]  # no number never agrees
    assert not _common.within("c", float("nan"), -np.inf, np.inf)["agree"]
    assert not _common.within("c", [0.995, 0.989], 0.99, np.inf)["agree"]  # every entry
    assert _common.near("c", 0.965, 0.97, 0.03)["agree"]
    assert not _common.near("c", 0.93, 0.97, 0.03)["agree"]


def test_a_claim_states_its_rule_and_the_published_number():
    c = _common.within("peak epoch", 91, 10, 50, published="20-25", why="a factor of 2")
    assert c == {"claim": "peak epoch", "published": "20-25", "ours": 91,
                 "rule": "agree if ours is within [10, 50] (a factor of 2)", "agree": False}
    assert _common.within("c", 2.0, 1.0, np.inf)["rule"] == "agree if ours >= 1"
    assert _common.within("c", 2.0, -np.inf, 0.05)["rule"] == "agree if ours <= 0.05"
    assert _common.near("c", 0.5, 0.5305, 5e-4)["published"] == 0.5305


def _summary(**changes) -> dict:
    """Numbers that agree with every published claim; ``changes`` break some of them."""
    s = {"final_I_XT": np.array([12.0, 11.9, 11.8, 11.1, 4.4, 1.8]),
         "final_I_TY": np.array([1.0, 1.0, 0.995, 0.992, 0.95, 0.9]),
         "last_hidden_peak_I_XT": 8.1, "last_hidden_peak_epoch": 22,
         "last_hidden_compression_bits": 3.7, "train_acc": 0.999, "test_acc": 0.968,
         "snr_transition_epoch": 350, "snr_transition_rule": "SNR transition"}
    return s | changes


def test_every_tishby_claim_agrees_on_the_published_numbers():
    verdicts = [c["agree"] for c in tishby2017.claims(_summary())]
    assert verdicts == [True] * 8
    assert all(c["rule"].startswith("agree if") for c in tishby2017.claims(_summary()))


@pytest.mark.parametrize("change, claim", [
    ({"last_hidden_peak_epoch": 91}, "peaks around epoch 20-25"),  # the case
    ({"snr_transition_epoch": 193, "snr_transition_rule": "SNR drop midpoint"},
     "drift-to-diffusion"),  # the midpoint of the drop is not a crossing
    ({"snr_transition_epoch": 150}, "drift-to-diffusion"),  # a crossing, too early
    ({"final_I_TY": np.array([1.0, 1.0, 0.992, 0.988, 0.9, 0.9])}, "final I(T;Y)"),
    ({"final_I_XT": np.array([12.0, 11.97, 11.53, 9.33, 3.51, 1.6])}, "final I(X;T)"),
    ({"last_hidden_peak_I_XT": 6.5}, "peaks near 8 bits"),
    ({"last_hidden_compression_bits": 0.9}, "compresses by >= 1 bit"),
    ({"test_acc": 0.93}, "test accuracy"),
])
def test_a_tishby_claim_outside_its_rule_disagrees(change, claim):
    judged = {c["claim"]: c["agree"] for c in tishby2017.claims(_summary(**change))}
    failed = [text for text, agree in judged.items() if not agree]
    assert len(failed) == 1 and claim in failed[0]


def test_quick_results_are_labelled_a_smoke_test(tmp_path, capsys):
    claims = tishby2017.claims(_summary(last_hidden_peak_epoch=91))
    results = _common.write_results(tmp_path, "tishby2017", {"x": 1.0}, claims, 0.0,
                                    scale="quick")
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["scale"] == "quick" and saved["verdicts"].startswith("not findings")
    printed = capsys.readouterr().out
    assert "smoke test" in printed and "DISAGREE" not in printed and "[agree]" not in printed
    assert results["claims"][2]["agree"] is False  # the rule is still applied, not reported

    _common.write_results(tmp_path, "tishby2017", {"x": 1.0}, claims, 0.0)
    printed = capsys.readouterr().out
    assert "[DISAGREE] the 3-unit layer's I(X;T) peaks around epoch 20-25: 91" in printed
    assert "verdicts" not in json.loads((tmp_path / "results.json").read_text())


def test_the_fitting_claim_says_whether_its_points_lie_in_their_bracket():
    def bracket(outside):
        judged = tishby2017.claims(_summary(final_I_TY_outside_seeds=outside))
        return next(c["bracket"] for c in judged if c["claim"].startswith("final I(T;Y)"))

    assert "lies in its bracket" in bracket([0, 0, 0, 0, 3, 1])  # only the last two layers
    assert "outside their bracket: [0, 2, 0, 0]" in bracket([0, 2, 0, 0, 0, 0])
    assert bracket(None) == "not recorded"
