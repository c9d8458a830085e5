"""Hypothesis strategies: random small networks."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import grenade


@st.composite
def networks(draw, max_neurons=120, max_external=150, allow_background=True, max_weight=200, density=None):
    """A random valid network: on-chip populations (some explicitly placed),
    external and background sources, random projections (incl. recurrent)."""
    b = grenade.NetworkBuilder()
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_pops = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, max(1, max_neurons // n_pops))) for _ in range(n_pops)]
    pops = []
    free = rng.permutation(512)
    used = 0
    for s in sizes:
        receptors = draw(st.sampled_from([("excitatory", "inhibitory"), ("excitatory",), ("inhibitory",)]))
        placement = None
        if draw(st.booleans()):
            placement = free[used:used + s].tolist()
            used += s
        record = rng.random(s) < 0.7
        pops.append((b.add(grenade.Population(s, placement=placement, receptors=receptors, record_spikes=record)),
                     set(receptors), s))
    # explicit placements must not collide with automatic ones: automatic neurons take the lowest
    # free enums, explicit ones are random, so collisions are impossible by construction (place()
    # skips taken circuits)
    sources = [(d, s) for d, _, s in pops]
    for _ in range(draw(st.integers(0, 2))):
        s = draw(st.integers(1, max_external))
        sources.append((b.add(grenade.ExternalSourcePopulation(s)), s))
    if allow_background and draw(st.booleans()):
        random = draw(st.booleans())
        size = draw(st.sampled_from([1, 2, 8, 64, 128])) if random else 1
        place = draw(st.sampled_from([None, (0, 1), (1, 3), {0: 2, 1: 0}]))
        sources.append((b.add(grenade.BackgroundSourcePopulation(size, enable_random=random, placement=place,
                                                                  seed=draw(st.integers(0, 100)))), size))
    p = density if density is not None else draw(st.sampled_from([0.02, 0.1, 0.3]))
    for pre, npre in sources:
        for post, receptors, npost in pops:
            for rec in sorted(receptors):
                if rng.random() < 0.5:
                    continue
                mask = rng.random((npre, npost)) < p
                pre_i, post_i = np.nonzero(mask)
                w = rng.integers(0, max_weight + 1, size=len(pre_i))
                b.add(grenade.Projection(rec, pre, post, (pre_i, post_i, w)))
    return b.done()
