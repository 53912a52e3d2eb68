/**
 * Escaping for strings that come from a model or data file (tensor names, labels,
 * descriptions): everything that lands in HTML or Markdown goes through these.
 */

const HTML: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** Text for HTML element content and quoted attribute values (also SVG <text>). */
export function escapeHtml(s: string): string {
  return String(s)
    .replace(/[&<>"'`]/g, (c) => HTML[c]!)
    .replace(/[^\t\n\r\u0020-\u007e\u0080-\uffff]/g, "\ufffd");
}

/**
 * Text for a Markdown table cell or line: HTML-escaped (GitHub renders inline HTML), Markdown
 * punctuation backslash-escaped, `|` escaped so it cannot split a cell, newlines folded.
 */
export function escapeMd(s: string): string {
  return String(s)
    .replace(/[\r\n]+/g, " ")
    .replace(/[^\t\u0020-\u007e\u0080-\uffff]/g, "\ufffd")
    .replace(/([\\`*_{}[\]()#+\-.!|~])/g, "\\$1")
    .replace(/[&<>"']/g, (c) => HTML[c]!);
}
