"""``pynn.grenade_common``: the public backend's handle on grenade's newer topology API
(``pygrenade_common``: ``Population``, ``CompartmentOnNeuron``, ``OutputData``, ...).

openhx's grenade is the ``pygrenade_vx`` network graph (``pynn.grenade``); the topology API is not
emulated, so every name here raises NotImplementedError naming it and the way to the same data.
"""


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    raise NotImplementedError(
        f"pynn.grenade_common.{name}: grenade's topology API (pygrenade_common) is not emulated; the network "
        f"graph is pygrenade_vx (pynn.grenade), and a run's results are pynn.get_execution_instance_data()")
