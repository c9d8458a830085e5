def test_core_imports():
    import hxsim
    assert hxsim._core.version == 1
