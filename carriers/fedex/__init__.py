"""FedEx: Track API pull (OAuth2), with the signature proof of delivery (SPOD) document."""
