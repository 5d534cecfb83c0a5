"""Helper library of the img2img course.

Import the module you need, for example ``from course_lib import blur, faces``.
Importing ``course_lib`` itself loads no TensorFlow and changes nothing.
"""

from course_lib.profiles import Profile, get_profile, setup_notebook

__all__ = ["Profile", "get_profile", "setup_notebook"]
