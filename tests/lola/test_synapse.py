"""Synapse matrices and rows: vectorized encoding against the per-quad reference,
range errors, emulator round trips."""
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import halco
import haldls
import lola
import stadls
from lola.synapse import quad_columns


def test_quad_columns_follow_halco():
    qc = quad_columns()
    for q in (0, 1, 31, 32, 63):
        for e in range(4):
            col = halco.SynapseOnSynapseRow(halco.EntryOnQuad(e), halco.SynapseQuadColumnOnDLS(q))
            assert qc[q, e] == col.value()
            assert col.toSynapseQuadColumnOnDLS().value() == q and col.toEntryOnQuad().value() == e
    assert sorted(qc.ravel().tolist()) == list(range(256))


def _random_values(rng, shape):
    return {"weights": rng.integers(0, 64, shape), "labels": rng.integers(0, 64, shape),
            "time_calibs": rng.integers(0, 4, shape), "amp_calibs": rng.integers(0, 4, shape)}


def _plan_of_leaves(container, coord):
    plans = [leaf.write_plan(c) for c, leaf in container.leaves(coord)]
    return np.concatenate([p[0] for p in plans]), np.concatenate([p[1] for p in plans])


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 511))
def test_synapse_row_vectorized_equals_per_quad_reference(seed, row_enum):
    rng = np.random.default_rng(seed)
    row = lola.SynapseRow(**_random_values(rng, (256,)))
    coord = halco.SynapseRowOnDLS.from_enum(row_enum)
    addr, words = row.write_plan(coord)
    ref_addr, ref_words = _plan_of_leaves(row, coord)
    assert (addr == ref_addr).all() and (words == ref_words).all()
    assert lola.SynapseRow.decode_read(coord, words) == row


def test_synapse_matrix_vectorized_equals_per_quad_reference():
    rng = np.random.default_rng(11)
    m = lola.SynapseMatrix(**_random_values(rng, (256, 256)))
    coord = halco.SynramOnDLS(1)
    addr, words = m.write_plan(coord)
    assert len(addr) == len(set(addr.tolist())) == 4 * 16384
    # reference through haldls.SynapseQuad and the halco quad <-> synapse conversions, per quad
    rows = rng.choice(256, 6, replace=False)
    expected = {}
    for r in rows:
        for q in range(64):
            quad = halco.SynapseQuadOnDLS(halco.SynapseQuadOnSynram(halco.SynapseQuadColumnOnDLS(q),
                                                                    halco.SynapseRowOnSynram(int(r))), coord)
            cols = [halco.SynapseOnSynapseRow(halco.EntryOnQuad(e), halco.SynapseQuadColumnOnDLS(q)).value()
                    for e in range(4)]
            sq = haldls.SynapseQuad(weights=[m.weights[r][c] for c in cols], labels=[m.labels[r][c] for c in cols],
                                    time_calibs=[m.time_calibs[r][c] for c in cols],
                                    amp_calibs=[m.amp_calibs[r][c] for c in cols])
            a, w = sq.write_plan(quad)
            expected.update(zip(a.tolist(), w.tolist()))
    got = dict(zip(addr.tolist(), words.tolist()))
    assert all(got[a] == w for a, w in expected.items())
    assert lola.SynapseMatrix.decode_read(coord, words) == m


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32 - 1), st.integers(0, 1))
def test_synapse_matrix_emulator_round_trip(connection, seed, synram):
    rng = np.random.default_rng(seed)
    m = lola.SynapseMatrix(**_random_values(rng, (256, 256)))
    coord = halco.SynramOnDLS(synram)
    builder = stadls.PlaybackProgramBuilder()
    builder.write(coord, m)
    ticket = builder.read(coord)
    quad = halco.SynapseQuadOnDLS(halco.SynapseQuadOnSynram(halco.SynapseQuadColumnOnDLS(33),
                                                            halco.SynapseRowOnSynram(7)), coord)
    t_quad = builder.read(quad)
    stadls.run(connection, builder.done())
    assert ticket.get() == m
    col = halco.SynapseOnSynapseRow(halco.EntryOnQuad(2), halco.SynapseQuadColumnOnDLS(33)).value()
    assert t_quad.get().weights[2] == m.weights[7][col]


def test_range_errors_name_row_and_column():
    m = lola.SynapseMatrix()
    w = np.zeros((256, 256), dtype=int)
    w[17, 201] = 64
    with pytest.raises(ValueError, match=r"weights\[17\]\[201\] \(row 17, column 201\) = 64 out of range \[0, 63\]"):
        m.weights = w
    m.weights[3][250] = -1  # element writes are checked when encoding
    with pytest.raises(ValueError, match=r"weights\[3\]\[250\] \(row 3, column 250\) = -1"):
        m.write_plan(halco.SynramOnDLS(0))
    with pytest.raises(ValueError, match="shape"):
        m.labels = np.zeros((256, 255))
    with pytest.raises(TypeError):
        m.labels = np.zeros((256, 256)) + 0.5
    with pytest.raises(ValueError, match=r"time_calibs\[4\] \(column 4\) = 4"):
        lola.SynapseRow(time_calibs=[0] * 4 + [4] + [0] * 251)


def test_coordinate_indexing_and_value_semantics():
    m = lola.SynapseMatrix()
    m.weights[halco.SynapseRowOnSynram(9)][halco.SynapseOnSynapseRow(3)] = lola.SynapseMatrix.Weight(42)
    assert m.weights[9][3] == 42
    c = m.copy()
    c.weights[9][3] = 1
    assert m.weights[9][3] == 42 and m != c
    assert pickle.loads(pickle.dumps(m)) == m
    assert lola.SynapseMatrix.from_dict(m.to_dict()) == m
    with pytest.raises(TypeError, match="SynramOnDLS"):
        m.write_plan(halco.SynapseRowOnDLS(0))


def test_partial_matrices_share_addresses_with_the_full_matrix():
    rng = np.random.default_rng(3)
    vals = _random_values(rng, (256, 256))
    full_a, full_w = lola.SynapseMatrix(**vals).write_plan(halco.SynramOnDLS(0))
    full = dict(zip(full_a.tolist(), full_w.tolist()))
    parts = [(lola.SynapseWeightMatrix(values=vals["weights"]), halco.SynapseWeightMatrixOnDLS(0)),
             (lola.SynapseLabelMatrix(values=vals["labels"]), halco.SynapseLabelMatrixOnDLS(0)),
             (lola.SynapseCorrelationCalibMatrix(time_calibs=vals["time_calibs"], amp_calibs=vals["amp_calibs"]),
              halco.SynapseCorrelationCalibMatrixOnDLS(0))]
    n = 0
    for obj, coord in parts:
        a, w = obj.write_plan(coord)
        assert all(full[x] == y for x, y in zip(a.tolist(), w.tolist()))
        assert type(obj).decode_read(coord, w) == obj
        n += len(a)
    assert n == len(full_a)
    r = halco.SynapseWeightRowOnDLS(halco.SynapseRowOnSynram(5), halco.SynramOnDLS(1))
    row = lola.SynapseWeightRow(values=np.arange(256) % 64)
    a, w = row.write_plan(r)
    assert (a == _plan_of_leaves(row, r)[0]).all() and (w == _plan_of_leaves(row, r)[1]).all()


def test_column_current_row():
    row = lola.ColumnCurrentRow()
    row.enable_synaptic_current_excitatory[200] = True
    coord = halco.ColumnCurrentRowOnDLS(1)
    a, w = row.write_plan(coord)
    ref_a, ref_w = _plan_of_leaves(row, coord)
    assert (a == ref_a).all() and (w == ref_w).all()
    col = halco.NeuronColumnOnDLS(200)
    quad = col.toSynapseQuadColumnOnDLS().value()
    leaf = haldls.ColumnCurrentQuad.decode(w[quad:quad + 1])
    assert leaf.enable_synaptic_current_excitatory[col.toEntryOnQuad()] is True
    assert sum(sum(haldls.ColumnCurrentQuad.decode(w[q:q + 1]).enable_synaptic_current_excitatory)
               for q in range(64)) == 1
    assert lola.ColumnCurrentRow.decode_read(coord, w) == row
