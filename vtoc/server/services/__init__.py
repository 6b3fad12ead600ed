"""The domain: plain functions and resources over a session, with no HTTP in them."""
