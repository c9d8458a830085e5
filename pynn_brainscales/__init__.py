"""pynn_brainscales: PyNN front end for the (emulated) BrainScaleS-2 chip.

``import pynn_brainscales.brainscales2 as pynn`` -- see docs/pynn.md.
"""
