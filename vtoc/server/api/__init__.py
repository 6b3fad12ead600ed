"""HTTP routers: they translate requests to service calls and nothing more."""
