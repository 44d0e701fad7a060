"""Writes that span models: keyword-only functions named <entity>_<action>.

One module per area: sources, statements, review, merges. They validate before
saving, run in one transaction and record who did it.
"""
