"""Demo data for the embedded default: orders seeded relative to "now", so a demo works on any date."""

from adapters.demo.seed import Journey, demo_orders, seed_orders

__all__ = ["Journey", "demo_orders", "seed_orders"]
