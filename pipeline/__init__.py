"""jiafang (家访): print home-visit forms, read them back, and report on them."""

__version__ = "0.1.0"
__all__ = ["__version__"]
