"""haldls must run on numpy 1.26 as well as 2.x: no numpy-2-only API in the package.

The suite itself runs on whichever numpy is installed; this static check
catches the usual numpy-2-only names before a 1.26 user does."""
from __future__ import annotations

import pathlib
import re

import numpy as np

import haldls

NUMPY2_ONLY = (
    "concat", "isdtype", "unique_values", "unique_counts", "unique_inverse", "unique_all",
    "bitwise_count", "astype", "matrix_transpose", "permute_dims", "pow", "acos", "acosh", "asin",
    "asinh", "atan", "atan2", "atanh", "bitwise_left_shift", "bitwise_right_shift", "bitwise_invert",
    "vecdot", "vecmat", "matvec", "cumulative_sum", "cumulative_prod", "trapezoid", "long", "ulong",
    "strings", "StringDType", "in1d_", "row_stack_",
)
PATTERN = re.compile(r"\bnp\.(" + "|".join(NUMPY2_ONLY) + r")\b")


def _sources():
    return sorted(pathlib.Path(haldls.__file__).parent.glob("*.py"))


def test_no_numpy2_only_api():
    hits = []
    for path in _sources():
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PATTERN.search(line) or ".mT" in line or "copy=None" in line or "np.dtypes." in line:
                hits.append(f"{path.name}:{no}: {line.strip()}")
    assert not hits, "numpy-2-only API:\n" + "\n".join(hits)


def test_pattern_catches_numpy2_names():
    assert PATTERN.search("x = np.concat([a, b])")
    assert PATTERN.search("np.astype(a, np.uint32)")
    assert not PATTERN.search("a.astype(np.uint32)")
    assert not PATTERN.search("np.concatenate([a, b])")


def test_bulk_paths_accept_older_integer_inputs():
    """Inputs as numpy 1.26 code produces them: platform ints, lists, int32 arrays."""
    W = haldls.SynapseWeightQuad
    for values in ([[1, 2, 3, 63]], np.array([[1, 2, 3, 63]], dtype=np.int32),
                   np.array([[1, 2, 3, 63]], dtype=np.uint8)):
        assert W.encode_array({"values": values}).tolist() == [[0x0102_033f]]
    assert W.decode_array([0x0102_033f])["values"].tolist() == [[1, 2, 3, 63]]
    assert W.decode_array(np.array([0x0102_033f], dtype=np.int64))["values"].dtype == np.int64
