"""DHL: Shipment Tracking – Unified API pull (API key) and push (static token header)."""
