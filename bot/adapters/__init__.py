"""Chat adapters: each translates its platform's messages to core commands and the core's
replies back. Only the modules below this package import a chat library."""
