"""stadls.TimedSpikes: spike injections encoded once; slices reuse their words."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import stadls


def words_of(times, labels):
    builder = stadls.PlaybackProgramBuilder()
    builder.write_spikes(times, labels)
    return builder.done().words


@given(times=st.lists(st.integers(0, 20), max_size=30), data=st.data())
def test_slices_are_the_spikes_encoded_anew(times, data):
    times = np.sort(np.array(times, dtype=np.int64))
    labels = np.arange(len(times)) + 100
    spikes = stadls.TimedSpikes(times, labels)
    assert spikes.words.tolist() == words_of(times, labels).tolist()
    i = data.draw(st.integers(0, len(times)))
    j = data.draw(st.integers(0, len(times)))
    part = spikes[i:j]
    assert part.times.tolist() == times[i:j].tolist() and part.labels.tolist() == labels[i:j].tolist()
    assert part.words.tolist() == stadls.TimedSpikes(times[i:j], labels[i:j]).words.tolist()
    # a cut between two times reuses the words; the parts of a cut train give the whole train
    cut = int(np.searchsorted(times, data.draw(st.integers(0, 21))))
    a, b = spikes[:cut], spikes[cut:]
    if len(a.words) and len(b.words):
        assert np.shares_memory(a.words, spikes.words) and np.shares_memory(b.words, spikes.words)
    assert np.concatenate([a.words, b.words]).tolist() == spikes.words.tolist()
    assert b[:].words.tolist() == b.words.tolist()


def test_builder_appends_encoded_spikes():
    spikes = stadls.TimedSpikes([10, 10, 10, 10, 20], [1, 2, 3, 4, 5])
    builder = stadls.PlaybackProgramBuilder()
    builder.write_spikes(spikes)
    builder.write_spikes(spikes[4:])
    assert builder.done().words.tolist() == spikes.words.tolist() + spikes.words[-2:].tolist()
    assert not spikes.words.flags.writeable and not spikes.times.flags.writeable
    mine = np.array([1, 2], dtype=np.int64)
    stadls.TimedSpikes(mine, mine)
    assert mine.flags.writeable                     # the caller's arrays stay as they were
    assert len(stadls.TimedSpikes([], [])) == 0 and len(stadls.TimedSpikes([], []).words) == 0


def test_bad_spikes_are_refused():
    with pytest.raises(ValueError, match="non-decreasing"):
        stadls.TimedSpikes([5, 4], [1, 2])
    with pytest.raises(ValueError, match="equal length"):
        stadls.TimedSpikes([5, 6], [1])
    with pytest.raises(ValueError, match="spike label"):
        stadls.TimedSpikes([5], [1 << 16])
    with pytest.raises(TypeError, match="no labels"):
        stadls.PlaybackProgramBuilder().write_spikes(stadls.TimedSpikes([5], [1]), [1])
    with pytest.raises(TypeError, match="needs the labels"):
        stadls.PlaybackProgramBuilder().write_spikes([5])
    with pytest.raises(ValueError, match="step 1"):
        stadls.TimedSpikes([5, 6], [1, 2])[::2]
