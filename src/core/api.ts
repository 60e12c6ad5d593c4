// Entry point of dist/core.js: what the VS Code layer loads on first use (see host/lazyCore.ts).
// Filled in as the core grows; the extension bundle itself stays small.
export {};
