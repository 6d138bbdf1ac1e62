#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so a fresh clone needs no compile step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
