import { html } from './html';

describe('html', () => {
  it('escapes every interpolated value, nested templates stay markup', () => {
    const name = '<img src=x onerror=alert(1)> & "Söhne"';
    const row = html`<td>${name}</td>`;
    // prettier-ignore
    const table = html`<tr>${row}${[html`<td>${1}</td>`, null, false]}</tr>`;
    expect(table.value).toBe(
      '<tr><td>&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Söhne&quot;</td><td>1</td></tr>',
    );
  });
});
