"""Turning a decision into what a person or a script reads: table, markdown, JSON, YAML."""
