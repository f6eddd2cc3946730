"""Schemathesis hooks for the engine's fuzz run (test/fuzz.test.ts puts this folder on PYTHONPATH).

tus PATCH/POST bodies are `application/offset+octet-stream`: raw bytes, sent like octet-stream.
"""

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
