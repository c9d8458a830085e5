"""The instruction table and everything derived from it."""

import numpy as np

import hxcomm
from hxcomm import instructions as ins
from hxcomm import spec_doc

# The numbers the C++ emulator is written against; a change here is a protocol change.
EXPECTED_OPCODES = {
    "TIMER_RESET": 0x01, "WAIT_UNTIL": 0x02, "BARRIER": 0x03, "OMNIBUS_ADDRESS": 0x04,
    "OMNIBUS_DATA": 0x05, "SPIKE_PACK_1": 0x06, "SPIKE_PACK_2": 0x07, "SPIKE_PACK_3": 0x08,
    "SYSTIME_INIT": 0x09, "LOOPBACK": 0x0A, "RESET": 0x0B,
    "OMNIBUS_READ_DATA": 0x41, "SYSTIME": 0x42, "SPIKE": 0x43, "MADC_SAMPLE": 0x44,
    "LOOPBACK_ECHO": 0x45, "TIMEOUT": 0x46, "ERROR": 0x47, "HIGHSPEED_LINK_NOTIFICATION": 0x48,
}
EXPECTED_MASKS = {
    0x01: 0, 0x02: 0xFFFF_FFFF, 0x03: 0x1F, 0x04: (1 << 37) - 1, 0x05: 0xFFFF_FFFF,
    0x06: 0xFFFF, 0x07: 0xFFFF_FFFF, 0x08: (1 << 48) - 1, 0x09: 1, 0x0A: 1, 0x0B: 1,
    0x41: 0xFFFF_FFFF, 0x42: (1 << 43) - 1, 0x43: 0xFF_FFFF, 0x44: 0xFF_07FF, 0x45: 1,
    0x46: (1 << 48) - 1, 0x47: (1 << 48) - 1, 0x48: 0xFF,
}


def test_opcode_table_matches_the_fixed_wire_format():
    assert ins.opcode_table() == EXPECTED_OPCODES


def test_payload_masks_export():
    masks = ins.payload_masks()
    assert masks.dtype == np.uint64 and masks.shape == (128,)
    expected = np.zeros(128, dtype=np.uint64)
    for op, m in EXPECTED_MASKS.items():
        expected[op] = m
    np.testing.assert_array_equal(masks, expected)
    to_chip = ins.payload_masks("to_chip")
    assert to_chip[0x41] == 0 and to_chip[0x04] == EXPECTED_MASKS[0x04]


def test_constants():
    assert ins.PROTOCOL_VERSION == 1
    assert ins.FPGA_CLOCK_CYCLES_PER_US == 125
    assert ins.MAX_PROGRAM_WORDS == 4_194_304
    assert ins.TIMER_MAX == 2**32 - 1
    assert ins.LOOPBACK_HALT == 1
    for name, op in EXPECTED_OPCODES.items():
        assert getattr(hxcomm, f"OPCODE_{name}") == op
    assert int(ins.BarrierMask.SYSTIME_CORRECTION) == 16
    assert [int(c) for c in ins.ErrorCode] == list(range(1, 11))
    assert set(ins.ERROR_CODE_DOCS) == set(ins.ErrorCode)


def test_directions_use_disjoint_opcode_ranges():
    for i in ins.by_direction("to_chip"):
        assert i.opcode < 0x40
    for i in ins.by_direction("from_chip"):
        assert i.opcode >= 0x40


def test_doc_tables_are_in_sync_with_the_table():
    text = spec_doc.DOC_PATH.read_text()
    assert spec_doc.render(text) == text, "run: python -m hxcomm.spec_doc"
    assert spec_doc.main(["--check"]) == 0


def test_spec_table_lists_every_instruction():
    md = ins.spec_table_markdown()
    for i in ins.INSTRUCTIONS:
        assert f"| 0x{i.opcode:02x} | {i.name} |" in md


def test_doc_example_runs_and_prints_what_it_says(capsys):
    text = spec_doc.DOC_PATH.read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, str(spec_doc.DOC_PATH), "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    promised = [line.split("# ", 1)[1].strip() for line in code.splitlines()
                if line.startswith("print(") and "# " in line]
    assert printed == promised
