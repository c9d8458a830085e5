"""The C++ source distribution (hxsim._routing.distribute_sources) against the greedy rule written
out in plain Python: same bus, group and label per source, same failure."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from grenade import _routing

COLUMNS, BUSES = 256, 4


def ceil_half(x):
    return -(-x // 2)


def greedy(runs, closed_rows, closed_drivers, rows_per_bus, drivers_per_bus, per_group):
    """runs: list of (hemisphere, [(receptor, column, synapses), ...]); the rule of
    grenade.routing._Router.distribute_external, one source at a time."""
    closed_rows = [list(r) for r in closed_rows]
    closed_drivers = [list(d) for d in closed_drivers]
    indeg = [[{} for _ in range(BUSES)] for _ in range(2)]         # (receptor, column) -> in-degree
    rows = [[[0, 0] for _ in range(BUSES)] for _ in range(2)]
    count = [[0] * BUSES for _ in range(2)]
    group = [[-1] * BUSES for _ in range(2)]
    groups, out = [], []
    for h, conns in runs:
        best = None
        for b in range(BUSES):
            open_rows = sum(rows[h][b])
            open_drv = ceil_half(open_rows)
            if count[h][b] >= per_group:
                new_rows = sum(max((n for r, _, n in conns if r == rec), default=0) for rec in (0, 1))
                inc = ceil_half(new_rows)
                tot_r = closed_rows[h][b] + open_rows + new_rows
            else:
                new = list(rows[h][b])
                for r, c, n in conns:
                    new[r] = max(new[r], indeg[h][b].get((r, c), 0) + n)
                inc = ceil_half(sum(new)) - open_drv
                tot_r = closed_rows[h][b] + sum(new)
            tot_d = closed_drivers[h][b] + open_drv + inc
            if tot_r <= rows_per_bus and tot_d <= drivers_per_bus:
                best = min(best or (inc, tot_d, tot_r, b), (inc, tot_d, tot_r, b))
        if best is None:
            return out, groups, len(out)
        b = best[3]
        if count[h][b] >= per_group:
            closed_rows[h][b] += sum(rows[h][b])
            closed_drivers[h][b] += ceil_half(sum(rows[h][b]))
            indeg[h][b], rows[h][b], count[h][b], group[h][b] = {}, [0, 0], 0, -1
        if group[h][b] < 0:
            group[h][b] = len(groups)
            groups.append((h, b))
        for r, c, n in conns:
            indeg[h][b][(r, c)] = indeg[h][b].get((r, c), 0) + n
            rows[h][b][r] = max(rows[h][b][r], indeg[h][b][(r, c)])
        out.append((b, group[h][b], count[h][b]))
        count[h][b] += 1
    return out, groups, -1


@st.composite
def problems(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    runs = []
    for h in (0, 1):
        for _ in range(draw(st.integers(0, 150))):
            k = int(rng.integers(1, 12))
            cols = rng.choice(COLUMNS, k, replace=False) if draw(st.booleans()) else rng.choice(8, min(k, 8), False)
            runs.append((h, [(int(rng.integers(0, 2)), int(c), int(rng.integers(1, 3))) for c in cols]))
    closed_rows = rng.integers(0, 20, (2, BUSES))
    closed_drivers = (closed_rows + 1) // 2
    per_group = draw(st.sampled_from([4, 64]))
    return runs, closed_rows, closed_drivers, draw(st.sampled_from([24, 64])), 32, per_group


@settings(max_examples=40, deadline=None)
@given(problems())
def test_cpp_distribution_follows_the_greedy_rule(problem):
    runs, closed_rows, closed_drivers, rows_per_bus, drivers_per_bus, per_group = problem
    expected, groups, failed = greedy(*problem)
    lengths = [len(c) for _, c in runs]
    flat = [(h, r, c, n) for h, conns in runs for r, c, n in conns]
    hs, rec, col, nsyn = (np.array([f[i] for f in flat], dtype=np.int64).reshape(-1) for i in range(4))
    starts = np.cumsum([0] + lengths)[:-1].astype(np.int64)
    res = _routing.distribute_sources(starts, hs, rec, col, nsyn, closed_rows, closed_drivers, rows_per_bus,
                                   drivers_per_bus, per_group)
    assert int(res["failed"]) == failed
    placed = len(expected)
    got = list(zip(res["bus"][:placed].tolist(), res["group"][:placed].tolist(), res["label"][:placed].tolist()))
    assert got == expected
    assert list(zip(res["group_hemisphere"].tolist(), res["group_bus"].tolist())) == groups
