"""Chat platform adapters: each translates one platform for the Paperboy core."""
