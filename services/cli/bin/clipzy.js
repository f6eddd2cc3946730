#!/usr/bin/env node
// The `clipzy` command (a committed file, so the bin links before the first build).
import "../dist/main.js";
