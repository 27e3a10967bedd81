/** HTML that is already safe (escaped or built from escaped parts). */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * Server-rendered pages as tagged templates: every interpolated value is escaped unless it is
 * SafeHtml (built by this same tag), so data from the systems cannot inject markup.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1];
  });
  return new SafeHtml(out);
}

export interface DataTable {
  /** The accessible name of the scrolling region (and so of the table for a screen reader). */
  label: string;
  caption?: string;
  /** Column headings; null leaves a column out (e.g. the selection column of a read-only user). */
  columns: Array<string | null>;
}

/**
 * A table in a region that scrolls on its own and is reachable by keyboard (axe's
 * scrollable-region-focusable), with a heading for each column: every list page is one.
 */
export function dataTable({ label, caption, columns }: DataTable, rows: HtmlValue): SafeHtml {
  return html`<div class="overflow-auto" tabindex="0" role="region" aria-label="${label}">
    <table>
      ${
        caption
          ? html`<caption>
              ${caption}
            </caption>`
          : ''
      }
      <thead>
        <tr>
          ${columns.map((column) => (column === null ? '' : html`<th scope="col">${column}</th>`))}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}
