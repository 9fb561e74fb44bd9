"""The "viable" scan workload (docs/scans.md#viable-region-workload): same numbers as
physics.viable_projection, resumable, validated before any work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from physics import viable_projection
from physics.scan import Axis, ViableSpec, load_viable, run_viable
from physics.scan.cli import main as cli_main

SPEC = ViableSpec(m_a=Axis.of(1.0, 2.0), g_achi=Axis.of(1e-6, 1e-3), methods=("cbe",), target="two_body_fit")


def test_workload_equals_the_library_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "v"
    first = run_viable(SPEC, out, scheduler="inline", nodes_per_chunk=1, max_chunks=2, progress=False)
    assert not first.complete and first.computed == 2
    second = run_viable(SPEC, out, scheduler="inline", nodes_per_chunk=1, progress=False)
    assert second.complete and second.skipped == 2 and second.computed == 2
    got = load_viable(out, "cbe")
    ref = viable_projection([1.0, 2.0], [1e-6, 1e-3], method="cbe", target="two_body_fit")
    np.testing.assert_array_equal(got.viable, ref.viable)
    np.testing.assert_array_equal(got.reason, ref.reason)
    np.testing.assert_allclose(got.delta_lo, ref.delta_lo, equal_nan=True)
    assert got.viable[:, 1].all() and not got.viable[:, 0].any()
    again = run_viable(SPEC, out, scheduler="inline", nodes_per_chunk=1, progress=False)
    assert again.complete and again.computed == 0


def test_a_different_spec_in_the_same_directory_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "v"
    run_viable(SPEC, out, scheduler="inline", max_chunks=0, progress=False)
    other = ViableSpec(m_a=Axis.of(3.0), g_achi=Axis.of(1e-3), methods=("cbe",))
    with pytest.raises(ValueError, match="different scan"):
        run_viable(other, out, scheduler="inline", progress=False)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"methods": ("xbe",)}, "methods"),
        ({"methods": ()}, "methods"),
        ({"target": "nope"}, "target"),
        ({"n_sigma": 0.0}, "n_sigma"),
        ({"fractions": (2.0,)}, "fractions"),
        ({"m_a": Axis(1.0, 0.5, 3)}, "inverted"),
    ],
)
def test_bad_specs_are_refused(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ViableSpec(**kwargs)


def test_spec_round_trips() -> None:
    assert ViableSpec.from_dict(SPEC.to_dict()) == SPEC
    assert SPEC.n_points == 2 * 2 * 3 and SPEC.node(3) == ("cbe", 1, 1)


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    argv = [
        "viable",
        str(out),
        "--m-a",
        "2.0",
        "--g-achi",
        "1e-3",
        "--methods",
        "nbe",
        "--scheduler",
        "inline",
        "--no-progress",
    ]
    assert cli_main(argv) == 0
    assert "complete" in capsys.readouterr().out
    assert load_viable(out, "nbe").viable.all()
    assert cli_main(["viable", str(tmp_path / "x"), "--methods", "xbe"]) == 2
    with pytest.raises(FileNotFoundError):
        load_viable(out, "cbe")
