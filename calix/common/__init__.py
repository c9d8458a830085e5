"""The calibration framework: algorithms, the Calib base, measurement primitives
through stadls, vectorized fits, CalibResult, the cache and step bookkeeping."""
