/** The console's few additions to Pico: a skip link, inline forms, side-by-side values, notices. */
export const CONSOLE_CSS = `
.skip { position: absolute; left: -10000px; }
.skip:focus { position: static; }
form.inline { display: inline; margin: 0; }
form.inline button { margin: 0; padding: 0.25rem 0.75rem; width: auto; }
.values { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: 1rem; }
.masked { font-family: monospace; }
.notice { padding: 0.75rem 1rem; border-left: 4px solid #1b6d3a; background: #e7f5ec; color: #0f3d20; }
.notice.error { border-color: #a0161a; background: #fbe9e9; color: #5c0b0d; }
`;
