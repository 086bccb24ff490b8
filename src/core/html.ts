/**
 * What every HTML page capacity writes shares: escaping and the stylesheet (the run report of
 * src/reporters/html.ts and the sizing report of src/sizing/render.ts look alike).
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export const REPORT_STYLE = `
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; background: #f9fafb; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; } h2 { font-size: 1.2rem; margin: 32px 0 8px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
.meta { color: #4b5563; font-size: .9rem; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: .85rem; }
.pass { background: #dcfce7; color: #166534; } .fail { background: #fee2e2; color: #991b1b; }
.warn { background: #fef3c7; color: #92400e; padding: 8px 12px; border-radius: 6px; margin: 8px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 8px; margin: 12px 0; }
.card { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px 12px; }
.card .label { color: #6b7280; font-size: .75rem; text-transform: uppercase; } .card .value { font-size: 1.15rem; font-weight: 600; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: .9rem; margin: 8px 0; }
th, td { border: 1px solid #e5e7eb; padding: 4px 8px; text-align: right; vertical-align: top; } th:first-child, td:first-child { text-align: left; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 16px; }
.chart { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px; height: 320px; position: relative; }
footer { color: #6b7280; font-size: .8rem; margin-top: 32px; }
figure { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px; margin: 12px 0; }
td.text, th.text { text-align: left; }
`;
