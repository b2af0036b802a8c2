"""HTTP-level fakes of the services the project talks to (for tests that cannot run them)."""
