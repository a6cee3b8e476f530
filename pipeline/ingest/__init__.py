"""Ingest: returned files (Word, PDF, later scans) → identified, read, validated records."""

from pipeline.ingest.run import IngestItem, IngestReport, ingest

__all__ = ["IngestItem", "IngestReport", "ingest"]
