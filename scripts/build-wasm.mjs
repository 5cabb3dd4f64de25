#!/usr/bin/env node
// Placeholder until the AssemblyScript kernels land: writes an empty binaries module.
import { mkdirSync, writeFileSync } from 'node:fs';
mkdirSync('src/linalg/wasm', { recursive: true });
writeFileSync('src/linalg/wasm/binaries.generated.ts', 'export const WASM_BINARIES: Record<string, string> = {};\n');
