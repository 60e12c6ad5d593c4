/**
 * The page of a research panel that could not be brought back after a reload: the reason, escaped,
 * under a CSP that allows nothing (no script, style, image or frame), like every page we show.
 */
export function revivalFailedHtml(reason: string): string {
  const text = reason.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none';"><title>Research panel</title></head><body><p>This panel could not be restored: ${text}</p></body></html>`;
}
