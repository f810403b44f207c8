"""Graphs tasks."""
