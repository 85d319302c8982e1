"""Inputs: reading manifest files (documents) and, later, importers from other formats."""
