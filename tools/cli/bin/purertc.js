#!/usr/bin/env node
// Committed entry point, so npm links the `purertc` bin at install time, before
// the `prepare` build has produced dist/ (a bin pointing into dist/ is skipped).
import "../dist/main.js";
