"""Local stand-ins for the services around us, for the embedded default, demos and tests."""
