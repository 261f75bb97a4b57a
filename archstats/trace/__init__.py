"""Running a network and watching it: what the counting rules and the records are computed from.

- :mod:`.forward`: the recorder of one forward pass (module hooks and a torch-function
  mode), which the MAC engines of :mod:`archstats.engines` run the model under;
- :mod:`.receptive`: receptive fields (size, jump, start) carried along every tensor;
- :mod:`.step`: one real training step (forward, loss, backward) under a dispatch mode,
  every op of it attributed to the layer that made it.
"""
