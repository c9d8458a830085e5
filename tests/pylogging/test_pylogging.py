"""pylogging: the public logging facade on Python's logging."""
import logging

import pytest
from hypothesis import given, strategies as st

import pylogging


@pytest.fixture(autouse=True)
def clean():
    pylogging.reset()
    yield
    pylogging.reset()


def _capture(logger_name):
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep(level=1)
    logging.getLogger(logger_name).addHandler(handler)
    return records, handler


def test_levels_are_ordered_and_map_onto_logging():
    L = pylogging.LogLevel
    assert L.ALL < L.TRACE < L.DEBUG < L.INFO < L.WARN < L.ERROR < L.FATAL < L.OFF
    assert (L.DEBUG, L.INFO, L.WARN, L.ERROR, L.FATAL) == (logging.DEBUG, logging.INFO, logging.WARNING,
                                                          logging.ERROR, logging.CRITICAL)
    assert logging.getLevelName(int(L.TRACE)) == "TRACE"


def test_get_returns_the_same_named_logger_over_stdlib():
    a, b = pylogging.get("exp.part"), pylogging.get("exp.part")
    assert a == b and hash(a) == hash(b)
    assert a.logger is logging.getLogger("exp.part")
    assert a.name == "exp.part"
    assert pylogging.get_root().logger is logging.getLogger()


def test_method_and_module_level_styles_honour_the_level():
    log = pylogging.get("pylogging.test.styles")
    records, handler = _capture("pylogging.test.styles")
    try:
        pylogging.set_loglevel(log, pylogging.LogLevel.INFO)
        log.DEBUG("dropped")
        log.INFO("kept", 1)
        pylogging.WARN(log, "module", "level")
        log.TRACE("dropped too")
        pylogging.set_loglevel(log, pylogging.LogLevel.TRACE)
        log.TRACE("now kept")
        pylogging.FATAL(log, "fatal")
    finally:
        log.removeHandler(handler)
    assert [(r.levelname, r.getMessage()) for r in records] == [
        ("INFO", "kept 1"), ("WARN", "module level"), ("TRACE", "now kept"), ("FATAL", "fatal")]


def test_default_config_sets_the_root_level_and_replaces_earlier_handlers(capsys):
    pylogging.default_config(level=pylogging.LogLevel.INFO, color=False)
    pylogging.default_config(level=pylogging.LogLevel.INFO, color=False)   # not doubled
    log = pylogging.get("pylogging.test.config")
    log.INFO("hello")
    log.DEBUG("not shown")
    err = capsys.readouterr().err
    assert err.count("hello") == 1 and "INFO" in err and "pylogging.test.config" in err
    assert "not shown" not in err


def test_default_config_to_file_and_reset(tmp_path):
    f = tmp_path / "log.txt"
    pylogging.default_config(level="debug", fname=str(f), date_format="NULL", print_location=True)
    pylogging.get("pylogging.test.file").DEBUG("into the file")
    pylogging.reset()
    pylogging.get("pylogging.test.file").WARN("after reset")
    text = f.read_text()
    assert "into the file" in text and "test_pylogging.py" in text
    assert "after reset" not in text


def test_set_loglevel_is_undone_by_reset():
    log = pylogging.get("pylogging.test.reset")
    pylogging.set_loglevel(log, pylogging.LogLevel.ERROR)
    assert log.logger.level == logging.ERROR
    pylogging.reset()
    assert log.logger.level == logging.NOTSET


@pytest.mark.parametrize("bad", [None, 1.5, True, object()])
def test_bad_levels_raise_type_error(bad):
    with pytest.raises(TypeError, match="log level"):
        pylogging.set_loglevel(pylogging.get("x"), bad)


def test_unknown_level_name_lists_the_levels():
    with pytest.raises(ValueError, match="verbose.*TRACE"):
        pylogging.set_loglevel("x", "verbose")


def test_bad_logger_raises_type_error():
    with pytest.raises(TypeError, match="logger"):
        pylogging.set_loglevel(42, pylogging.LogLevel.INFO)
    with pytest.raises(TypeError, match="name"):
        pylogging.get(3)


@given(st.sampled_from(list(pylogging.LogLevel)), st.sampled_from(list(pylogging.LogLevel)[1:-1]))
def test_a_message_passes_exactly_when_its_level_is_at_least_the_loggers(threshold, level):
    log = pylogging.get("pylogging.test.property")
    records, handler = _capture("pylogging.test.property")
    try:
        pylogging.set_loglevel(log, threshold)
        getattr(log, level.name)("m")
    finally:
        log.removeHandler(handler)
    assert len(records) == (1 if level >= threshold else 0)
