// The dashboard's HTML shell, used both by the VS Code webview and by the relay's browser page, so
// the two faces load the same app with the same strict CSP shape.

export interface DashboardHtmlOptions {
  title: string;
  scriptUri: string;
  styleUri: string;
  /** The page's icon (the browser page's favicon); none in a VS Code webview. */
  iconUri?: string;
  nonce: string;
  /** Sources the page may load scripts, styles and fonts from, beside the nonce. */
  cspSource: string;
  /** Where the page may open sockets and fetch from. */
  connectSrc: string;
}

/** The page's Content-Security-Policy; the relay also sends it as a header, with frame-ancestors. */
export function dashboardCsp(o: DashboardHtmlOptions): string {
  return [
    "default-src 'none'",
    `img-src ${o.cspSource} data:`,
    `style-src ${o.cspSource} 'unsafe-inline'`,
    `font-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
    `connect-src ${o.connectSrc}`,
  ].join('; ');
}

export function renderDashboardHtml(o: DashboardHtmlOptions): string {
  const csp = dashboardCsp(o);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
${o.iconUri ? `<link rel="icon" type="image/svg+xml" href="${escapeAttr(o.iconUri)}">\n` : ''}<title>${escapeText(o.title)}</title>
</head>
<body>
<div id="app" role="application" aria-label="${escapeAttr(o.title)}"></div>
<script type="module" nonce="${escapeAttr(o.nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>`;
}

/** What a dashboard shows while its relay does not run (a restart failed): the reason, and nothing that loads. */
export function renderRelayStoppedHtml(title: string, reason: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'">
<title>${escapeText(title)}</title>
</head>
<body>
<main role="alert">
<h1>The Agent Mesh relay is not running</h1>
<p>${escapeText(reason)}</p>
<p>Fix the cause above (often a setting), or run "Agent Mesh: Show Logs" for details; the dashboard comes back once the relay runs again.</p>
</main>
</body>
</html>`;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
