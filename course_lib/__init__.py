"""Helper library of the img2img course."""
