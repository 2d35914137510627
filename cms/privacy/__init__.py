"""A person's data rights over their whole record: download everything held about them, erasure,
and the organisation's retention periods.

cms knows nothing of the other apps: each app registers, in its `AppConfig.ready()`, what it
holds about a person (to export) and how to erase or anonymise it; cms runs them all.
"""
