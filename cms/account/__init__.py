"""A person's own account page: their name, email address, password, who they are, how we contact
them, and what the other apps hold about them (added through cms.account.sections)."""
