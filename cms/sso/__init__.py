"""Signing in with the organisation's account (allauth's socialaccount): linking an existing
account only after its email is proven, and roles only from a system administrator's mappings."""
