#!/usr/bin/env node
// The `kyoyu` operator command, run from the SWC build (`npx nx run cli:build`).
require('../../../dist/apps/cli/src/main.js');
