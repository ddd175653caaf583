"""The demo shop's orders: one per case the withdrawal function must handle, dated relative to
today so the demo shows the same cases whenever it runs."""
