#!/usr/bin/env node
// Entry point for `npx itsm-sync`: runs the TypeScript sources through tsx, so there is no build step
// to forget and no compiled copy that can drift from src/.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
