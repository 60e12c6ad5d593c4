// The sandbox VS Code puts around a webview's content, read once from the running workbench
// (code-server 1.139, `iframe.webview` → `#active-frame`, panel created with enableForms: false).
// The browser tier renders the panel inside an iframe with exactly these attributes, so a rule the
// real webview enforces (no form submission, no popups, no top navigation) cannot be missed there.
// The UI tier (test/host/uiPanel.mjs) reads them again from the workbench and fails if they differ.

/** `sandbox` of the content iframe (`#active-frame`) of a webview created without `enableForms`. */
export const WEBVIEW_CONTENT_SANDBOX = 'allow-same-origin allow-pointer-lock allow-scripts allow-downloads';
