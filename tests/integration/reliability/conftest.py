from tests.integration.agents.conftest import activation, host  # noqa: F401  (fixtures shared with the agents' tests)
