"""Offline procedural data: the cartoon faces and building facades the course trains on by default.

``faces.make_faces`` draws the portraits every notebook deblurs; ``facades.make_facades`` the
label maps and day and night photos of notebooks 04 and 05. The other modules are their parts.
Pure NumPy; nothing is drawn on import.
"""
