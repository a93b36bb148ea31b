"""The application layer: the Desk (the only door to the store) and the queue read-model."""
