"""The rule language: its vocabulary (conditions), rule files and packs (rules), and evaluation."""
