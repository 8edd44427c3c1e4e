"""Services: the I/O-owning implementations of the core's ports."""
