"""The applier: Plan -> web-service calls, one module per concern."""
