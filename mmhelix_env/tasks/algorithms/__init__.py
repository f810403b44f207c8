"""Algorithms tasks."""
