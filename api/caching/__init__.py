"""Caching: the content version every read answers from, the Last-Modified it gives, and the
per-process cache of whole public answers keyed by it.
"""
