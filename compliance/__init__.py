"""dataflow-compliance: check data-flow manifests against cross-border transfer rules."""

__version__ = "0.1.0"
