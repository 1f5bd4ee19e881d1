"""infoplane: the information theory of trained neural networks, in bits."""

__version__ = "0.1.0"
