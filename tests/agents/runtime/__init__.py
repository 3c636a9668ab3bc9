"""Code the stand-in agents run on the test hosts: python3 standard library only."""
