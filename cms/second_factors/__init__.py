"""Two-step sign-in: allauth.mfa's second factors in the service's words, and a system
administrator's reset of a person's factors when they have lost them (recorded)."""
