pytest_plugins = ["tests.emulator.fixture"]
