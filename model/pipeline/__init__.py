"""What the nodes, the CLI and the tests call: load, generate (per stage), extend, join."""
