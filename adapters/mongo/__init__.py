"""MongoDB storage through PyMongo's asyncio API."""
