"""Helper library of the img2img course.

Import the module you need, for example ``from course_lib import blur, metrics``.
Importing ``course_lib`` itself loads no TensorFlow and changes nothing.

One vocabulary runs through the library, the notebooks and the tests:

- ``sharp``: the original images, what a model should produce.
- ``blurred``: the sharp images after a blur, what a model is given.
- ``restored``: what a model (or a classical method) makes of the blurred images.
- ``pairs``: (blurred, sharp) examples, usually a ``tf.data.Dataset`` of batches.
- ``profile``: the scale a notebook runs at (``smoke``, ``laptop``, ``full``).
- ``budget``: what one model is trained with: images, epochs, batch size, filters.
- ``seed``: a random seed, and nothing else. The original experiment's network is the
  "DCGAN autoencoder" (the DCGAN discriminator as encoder, its generator as decoder).
"""

from course_lib.profiles import Profile, get_profile, setup_notebook

__all__ = ["Profile", "get_profile", "setup_notebook"]
