"""Campaigns: the composer, the drafting rules, views, approval requests, and the admin commands."""
