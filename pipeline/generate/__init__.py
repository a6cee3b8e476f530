"""Form issuance: pre-fill forms from the roster, render them, record them as issued."""

from pipeline.generate.batch import GenerationReport, ManifestEntry, generate

__all__ = ["GenerationReport", "ManifestEntry", "generate"]
