"""grenade tests."""
