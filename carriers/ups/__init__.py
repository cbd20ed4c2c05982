"""UPS: Track API pull (OAuth2) and Track Alert push."""
